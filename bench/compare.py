"""The seed's network against the default one, at the same wall-clock budget, in one run.

    python -m bench.compare --minutes 12 --image-size 128 --data ../shared/data/landscapes [--no-linear] [--wae]

Trains, one after the other and on the same photos with the same likelihood and beta (0.2, the
seed's), the seed network and the default network (with its linear path started from PCA); with
--no-linear also the default network without the linear path, with --wae also the default network
with the WAE-MMD objective (each 12 more minutes); scores each on
the Testing Data split (PSNR, SSIM, share of the photos' fine detail kept) next to PCA with 128
components fitted on the Training Data photos, and the samples of each sampler the app offers:
N(0, I) and a Gaussian mixture fitted to the training photos' codes (sized on the validation
photos' codes, as `vae.publish.export` does). Prints one markdown table with the ratios seed/default, and
writes the table (JSON and markdown) and the models' sample and reconstruction grids to --out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from bench.quality import Photos, SampleJudge, pca_rows, sampled_images, samplers
from vae.core.checkpoint import WEIGHTS_NAME, read_metrics
from vae.core.evaluate import score
from vae.core.model import RECONSTRUCTIONS, VAEConfig, count_parameters, default_linear_size, load_model
from vae.core.training import TrainOptions, train
from vae.latent.explore import ExplorerModel
from vae.publish.code_samplers import fit_code_density

GRID = 32
WAE_LAMBDA = 100.0  # MMD weight: MMD is O(0.1) while the summed BCE is O(10^4) per image at 128 px
PCA_COMPONENTS = 128


def contenders(args) -> dict[str, VAEConfig]:
    shared = {"image_size": args.image_size, "reconstruction": args.reconstruction}
    linear_size = default_linear_size(args.image_size)
    found = {
        "seed network": VAEConfig(arch="seed", beta=args.beta, **shared),
        "default network": VAEConfig(arch="resnet", beta=args.beta, linear_size=linear_size, **shared),
    }
    if args.no_linear:
        found["default, no linear path"] = VAEConfig(arch="resnet", beta=args.beta, **shared)
    if args.wae:
        found["default, WAE-MMD"] = VAEConfig(
            arch="resnet", beta=WAE_LAMBDA, objective="wae", linear_size=linear_size, **shared
        )
    return found


def with_fitted_density(name: str, model, photos: Photos, *, seed: int = 0) -> ExplorerModel:
    """The model as the app would ship it: with a Gaussian mixture fitted to its training codes."""
    size = model.config.image_size
    density, _ = fit_code_density(model, photos.pixels("train", size), photos.pixels("val", size), seed=seed)
    return ExplorerModel(name, model, {}, density)


def train_one(args, name: str, config: VAEConfig) -> Path:
    run_dir = Path(args.out) / name.replace(" ", "-").replace(",", "")
    # a wall-clock budget with no epoch count: the schedule cannot know the end, so the rate stays constant
    train(
        TrainOptions(
            data=args.data,
            out=str(run_dir),
            model=config,
            epochs=10_000,
            max_minutes=args.minutes,
            lr_schedule="constant",
            seed=args.seed,
            batch_size=args.batch_size,
        )
    )
    return run_dir


def model_row(args, name: str, config: VAEConfig, photos: Photos, judge: SampleJudge) -> dict:
    run_dir = train_one(args, name, config)
    model = load_model(run_dir)
    history = read_metrics(run_dir)
    test_pixels = photos.pixels("test", args.image_size)
    scores = score(model, test_pixels)
    em = with_fitted_density(name, model, photos, seed=args.seed)
    fakes = {sampler: sampled_images(em, sampler, len(test_pixels)) for sampler in samplers(em)}
    sample_scores = {sampler: judge(fake) for sampler, fake in fakes.items()}
    save_grids(run_dir, model, judge.real, fakes)
    seen = sum(row["images_per_second"] * row["seconds"] for row in history)
    return {
        "model": name,
        "parameters": count_parameters(model),
        "file_mb": round((run_dir / WEIGHTS_NAME).stat().st_size / 1e6, 1),
        "images_per_s": round(seen / sum(row["seconds"] for row in history), 1),
        "epochs": len(history),
        "psnr": round(scores["psnr"], 2),
        "ssim": round(scores["ssim"], 4),
        "fine_detail": round(100 * scores["fine_detail"], 1),
        "fid_prior": round(sample_scores["standard"]["fd"], 1),
        "fid_fitted": round(sample_scores["fitted"]["fd"], 1),
        "swd_prior": round(sample_scores["standard"]["swd"], 1),
        "swd_fitted": round(sample_scores["fitted"]["swd"], 1),
        "components": em.density.components,
    }


def save_grids(run_dir: Path, model, real: torch.Tensor, fakes: dict[str, torch.Tensor]) -> None:
    """Samples of each sampler, and eight test photos above their reconstructions, next to the run folder."""
    with torch.inference_mode():
        x = real[:: max(1, len(real) // 8)][:8]
        recon = model.decode(model.encode(x).mean)
    stem, out = run_dir.name, run_dir.parent
    save_image(make_grid(fakes["standard"][:GRID], nrow=8), out / f"{stem}-samples.png")
    save_image(make_grid(fakes["fitted"][:GRID], nrow=8), out / f"{stem}-samples-fitted.png")
    save_image(make_grid(torch.cat([x, recon]), nrow=8), out / f"{stem}-recon.png")


def pca_row(photos: Photos, size: int) -> dict:
    (row,) = pca_rows(photos.pixels("train", size), photos.pixels("test", size), counts=(PCA_COMPONENTS,))
    return {
        "model": row["method"],
        "psnr": round(row["psnr"], 2),
        "ssim": round(row["ssim"], 4),
        "fine_detail": round(100 * row["fine_detail"], 1),
    }


def run(args) -> list[dict]:
    photos = Photos(args.data)
    judge = SampleJudge(photos.pixels("test", args.image_size))
    rows = [model_row(args, name, config, photos, judge) for name, config in contenders(args).items()]
    return [*rows, pca_row(photos, args.image_size)]


COLUMNS = [
    ("parameters", "parameters"),
    ("file_mb", "file MB"),
    ("images_per_s", "train images/s"),
    ("epochs", "epochs"),
    ("psnr", "test PSNR dB"),
    ("ssim", "test SSIM"),
    ("fine_detail", "fine detail %"),
    ("fid_prior", "FD N(0,I)"),
    ("fid_fitted", "FD fitted"),
    ("swd_prior", "SWD N(0,I)"),
    ("swd_fitted", "SWD fitted"),
    ("components", "fitted mixture size"),
]


def cell(row: dict, key: str) -> str:
    if key not in row:  # the PCA row has no network, training or samples
        return "-"
    return f"{row[key]:,}" if key == "parameters" else str(row[key])


def markdown(rows: list[dict]) -> str:
    lines = ["| | " + " | ".join(title for _, title in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    lines += [f"| {r['model']} | " + " | ".join(cell(r, key) for key, _ in COLUMNS) + " |" for r in rows]
    seed, default = rows[0], rows[1]
    ratios = [f"{seed[key] / default[key]:.2f}" if default[key] else "-" for key, _ in COLUMNS]
    lines.append("| ratio seed / default | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--minutes", type=float, default=12.0, help="training budget per network")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--beta", type=float, default=0.2, help="the seed's value")
    parser.add_argument(
        "--reconstruction",
        choices=RECONSTRUCTIONS,
        default="gaussian",
        help="the likelihood every network trains with (the bundled models': gaussian)",
    )
    parser.add_argument("--no-linear", action="store_true", help="also the default network without its linear path")
    parser.add_argument("--wae", action="store_true", help="also the default network with the WAE-MMD objective")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench/out", help="run folders, grids and the table")
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    rows = run(args)
    table = markdown(rows)
    (Path(args.out) / "compare.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    (Path(args.out) / "compare.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
