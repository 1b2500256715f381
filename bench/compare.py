"""The seed's network against the default one, at the same wall-clock budget, in one run.

    python -m bench.compare --minutes 12 --image-size 128 --data ../shared/data/landscapes

Trains, one after the other and on the same photos with the same beta (0.2, the seed's), the seed
network, the default network, and the default network with the WAE-MMD objective; scores each on
the Testing Data split; prints one markdown table with the ratios seed/default, and writes the
table (JSON and markdown) and the models' sample and reconstruction grids to --out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from bench.sample_score import features, frechet_distance, load_feature_net, sliced_wasserstein
from vae.checkpoint import WEIGHTS_NAME, load_model
from vae.data import decode_all, image_lists
from vae.evaluate import score
from vae.export import fit_gaussian, latent_means
from vae.model import VAEConfig, count_parameters
from vae.training import METRICS_NAME, TrainOptions, train

SAMPLES = 704  # as many prior samples as test photos
GRID = 32
WAE_LAMBDA = 100.0  # MMD weight: MMD is O(0.1) while the summed BCE is O(10^4) per image at 128 px


def contenders(beta: float, image_size: int) -> dict[str, VAEConfig]:
    return {
        "seed network": VAEConfig(arch="seed", image_size=image_size, beta=beta),
        "default network": VAEConfig(arch="resnet", image_size=image_size, beta=beta),
        "default, WAE-MMD": VAEConfig(arch="resnet", image_size=image_size, beta=WAE_LAMBDA, objective="wae"),
    }


def sample_scores(model, real: torch.Tensor, feature_net, real_features, z: torch.Tensor) -> tuple[float, float, torch.Tensor]:
    with torch.inference_mode():
        fake = torch.cat([model.decode(b) for b in z.split(128)])
    return frechet_distance(features(feature_net, fake), real_features), sliced_wasserstein(fake, real), fake


def run(args) -> list[dict]:
    out = Path(args.out)
    lists = image_lists(args.data)
    test_pixels, _ = decode_all(lists["test"], args.image_size)
    train_pixels, _ = decode_all(lists["train"], args.image_size)
    real = test_pixels.float() / 255.0
    feature_net = load_feature_net()
    real_features = features(feature_net, real)
    rows = []
    for name, config in contenders(args.beta, args.image_size).items():
        prior = torch.randn(SAMPLES, config.latent_dim, generator=torch.Generator().manual_seed(0))
        run_dir = out / name.replace(" ", "-").replace(",", "")
        train(TrainOptions(data=args.data, out=str(run_dir), model=config, epochs=10_000, max_minutes=args.minutes,
                           seed=args.seed, batch_size=args.batch_size))
        model = load_model(run_dir)
        history = [json.loads(line) for line in (run_dir / METRICS_NAME).read_text().splitlines()]
        scores = score(model, test_pixels)
        fid, swd, fake = sample_scores(model, real, feature_net, real_features, prior)
        density = fit_gaussian(latent_means(model, train_pixels))
        fitted_z = density["mean"] + prior @ density["scale_tril"].T
        fid_fitted, swd_fitted, fake_fitted = sample_scores(model, real, feature_net, real_features, fitted_z)
        seen = sum(row["images_per_second"] * row["seconds"] for row in history)
        rows.append({
            "model": name, "parameters": count_parameters(model),
            "file_mb": round((run_dir / WEIGHTS_NAME).stat().st_size / 1e6, 1),
            "images_per_s": round(seen / sum(row["seconds"] for row in history), 1), "epochs": len(history),
            "psnr": round(scores["psnr"], 2), "ssim": round(scores["ssim"], 4),
            "fid_prior": round(fid, 1), "fid_fitted": round(fid_fitted, 1),
            "swd_prior": round(swd, 1), "swd_fitted": round(swd_fitted, 1),
        })
        with torch.inference_mode():
            x = real[:: len(real) // 8][:8]
            recon = model.decode(model.encode(x)[0])
        stem = run_dir.name
        save_image(make_grid(fake[:GRID], nrow=8), out / f"{stem}-samples.png")
        save_image(make_grid(fake_fitted[:GRID], nrow=8), out / f"{stem}-samples-fitted.png")
        save_image(make_grid(torch.cat([x, recon]), nrow=8), out / f"{stem}-recon.png")
    return rows


COLUMNS = [("parameters", "parameters"), ("file_mb", "file MB"), ("images_per_s", "train images/s"), ("epochs", "epochs"),
           ("psnr", "test PSNR dB"), ("ssim", "test SSIM"), ("fid_prior", "FD N(0,I)"), ("fid_fitted", "FD fitted"),
           ("swd_prior", "SWD N(0,I)"), ("swd_fitted", "SWD fitted")]


def markdown(rows: list[dict]) -> str:
    lines = ["| | " + " | ".join(title for _, title in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    lines += [f"| {r['model']} | " + " | ".join(f"{r[key]:,}" if key == "parameters" else str(r[key]) for key, _ in COLUMNS) + " |"
              for r in rows]
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
