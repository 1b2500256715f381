"""What does each training lever buy a trained model? Fine-tune one model with each, score all side by side.

    python -m bench.levers --data ../shared/data/landscapes --start assets/models/beta-1 [--out runs/levers]

Every variant starts from the --start model's weights (`train.py --init-from`), trains on the Training
Data with random crops (0.85) and a cosine schedule, and is scored on the Testing Data photos with
`vae.core.evaluate.score` (PSNR, SSIM, fine detail, KL), next to the start model and PCA with as many
components as the model has code numbers, fitted on the training photos, in the same run:
- continue: 8 more epochs at a peak learning rate of 1e-4, the baseline of the rows below;
- patch discriminator: the same, plus an adversarial term of adaptive weight 0.5, 0.75, 1 or 4 (`vae.core.adversarial`),
  and at 0.5 with a constant learning rate (no annealing to 0);
- MS-SSIM: the discriminator at 0.5 plus 1 or 3 times (1 - MS-SSIM) per pixel value (Zhao et al. 2017), and
  at 1 as a warm restart (12 epochs at 3e-4, whose extra training might win back what the term costs);
- warm restart: 12 epochs at a peak of 3e-4 (more steps: its own budget, not an equal-epoch row);
- wider: the network with 32 channels instead of 16 at 64 and 128 px, where detail is painted, trained
  from scratch for 26 epochs at 5e-4 (the bundled models' first stage), so its row is held against a
  --start model made by that stage: runs/crop-bundled/beta-1.
Every variant, a second painter (`--decoder-only`) included, is scored at its lowest validation loss, the epoch
vae.export ships. A variant whose run folder already holds its finished run (the same command made it) is scored, not
retrained; images/s is the median over a run's epochs, as its metrics.jsonl recorded it. `--figure PATH`
also draws the validation photos above each variant's reconstructions of them at its best epoch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

from bench.figures import grid_rows, labelled_rows
from bench.quality import Photos, markdown_table, pca_rows
from train import options_from_args, parse_args
from vae.core.checkpoint import read_metrics
from vae.core.evaluate import score
from vae.core.model import load_model
from vae.core.training import train

VARIANTS = {  # run name: (what it changes, train.py flags on top of the common ones)
    "continue": ("continue: 8 epochs, learning rate 1e-4", []),
    "adversarial": ("+ patch discriminator (--adversarial-weight 0.5)", ["--adversarial-weight", "0.5"]),
    "adversarial-0.75": ("+ patch discriminator (--adversarial-weight 0.75)", ["--adversarial-weight", "0.75"]),
    "adversarial-constant": (
        "+ patch discriminator (0.5), constant learning rate",
        ["--adversarial-weight", "0.5", "--lr-schedule", "constant"],
    ),
    "adversarial-1": ("+ patch discriminator (--adversarial-weight 1)", ["--adversarial-weight", "1"]),
    "adversarial-4": ("+ patch discriminator (--adversarial-weight 4)", ["--adversarial-weight", "4"]),
    "msssim": (
        "+ patch discriminator (0.5), + MS-SSIM term (--msssim-weight 1)",
        ["--adversarial-weight", "0.5", "--msssim-weight", "1"],
    ),
    "msssim-3": (
        "+ patch discriminator (0.5), + MS-SSIM term (--msssim-weight 3)",
        ["--adversarial-weight", "0.5", "--msssim-weight", "3"],
    ),
    "msssim-restart": (
        "+ patch discriminator (0.5), + MS-SSIM term (1): 12 epochs, learning rate 3e-4",
        ["--adversarial-weight", "0.5", "--msssim-weight", "1", "--epochs", "12", "--lr", "3e-4"],
    ),
    "restart": ("warm restart: 12 epochs, learning rate 3e-4", ["--epochs", "12", "--lr", "3e-4"]),
    "painter-1": (
        "second painter: decoder only, patch discriminator 1 + feature matching 1, 24 epochs at 2e-4",
        ["--decoder-only", "--adversarial-weight", "1", "--feature-matching", "1", "--epochs", "24", "--lr", "2e-4"],
    ),
    "painter-3": (
        "second painter: decoder only, patch discriminator 3 + feature matching 1, 24 epochs at 2e-4",
        ["--decoder-only", "--adversarial-weight", "3", "--feature-matching", "1", "--epochs", "24", "--lr", "2e-4"],
    ),
    "painter-0.5": (
        "second painter: decoder only, patch discriminator 0.5 + feature matching 1, 16 epochs at 1e-4",
        ["--decoder-only", "--adversarial-weight", "0.5", "--feature-matching", "1", "--epochs", "16", "--lr", "1e-4"],
    ),
    "wider": (
        "wider at 64 and 128 px (--min-width 32): 26 epochs from scratch, learning rate 5e-4",
        ["--min-width", "32", "--epochs", "26", "--lr", "5e-4"],
    ),
}
FROM_SCRATCH = {"wider"}  # a different network: trained as a first stage is, to hold against a 26-epoch start


def variant_flags(data: str, start: str | None, config, out: Path, extra: list[str]) -> list[str]:
    """train.py's flags of a variant; with start None, it trains from scratch."""
    common = [
        "--data",
        data,
        "--image-size",
        str(config.image_size),
        "--latent-dim",
        str(config.latent_dim),
        "--linear-size",
        str(config.linear_size),
        "--beta",
        f"{config.beta:g}",
        "--epochs",
        "8",
        "--lr",
        "1e-4",
        "--crop-scale",
        "0.85",
        "--out",
        str(out),
    ] + (["--init-from", start] if start else [])
    return common + extra  # argparse keeps the last value of a repeated flag


def finished(run_dir: Path, epochs: int) -> bool:
    return (run_dir / "metrics.jsonl").is_file() and len(read_metrics(run_dir)) >= epochs


def scored(label: str, model, test, **more) -> dict:
    result = score(model, test)
    return {"method": label, **{key: result[key] for key in ("psnr", "ssim", "fine_detail", "kl")}, **more}


def reconstruction_figure(run_dirs: dict[str, Path]) -> Image.Image:
    """The validation photos, then each run's reconstructions of them at its best epoch (training's grids)."""
    rows = []
    for name, run_dir in run_dirs.items():
        best = min(read_metrics(run_dir), key=lambda row: row["val_loss"])["epoch"]
        grid = Image.open(run_dir / "samples" / f"recon_epoch_{best:03d}.png").convert("RGB")
        tile = (grid.height - 2) // 2  # two rows of images, each with make_grid's padding
        if not rows:
            rows.append(("photos", grid_rows(grid, 0, 1, tile)))
        rows.append((f"{name}\nepoch {best}", grid_rows(grid, 1, 1, tile)))
    return labelled_rows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="photo folder in the seed's layout")
    parser.add_argument("--start", required=True, help="the trained model folder every variant starts from")
    parser.add_argument("--out", default="runs/levers", help="folder of the variants' run folders")
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--figure", help="also write the reconstructions picture here (PNG)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    start = load_model(args.start)
    beta, size = start.config.beta, start.config.image_size
    photos = Photos(args.data)
    test = photos.pixels("test", size)
    rows = pca_rows(photos.pixels("train", size), test, counts=(start.config.latent_dim,))
    rows.append(scored(f"start: {args.start}", start, test))
    run_dirs = {}
    for name in args.only:
        label, extra = VARIANTS[name]
        run_dir = run_dirs[name] = Path(args.out) / f"beta-{beta:g}-{name}"
        donor = None if name in FROM_SCRATCH else args.start
        options = options_from_args(parse_args(variant_flags(args.data, donor, start.config, run_dir, extra)))
        if not finished(run_dir, options.epochs):
            options.resume = (run_dir / "training_state.pt").is_file()
            train(options)
        history = read_metrics(run_dir)
        rows.append(
            scored(
                label,
                load_model(run_dir / "best"),
                test,
                epochs=len(history),
                images_per_second=statistics.median(row["images_per_second"] for row in history),
            )
        )
    pca, begin = rows[0]["psnr"], rows[1]["psnr"]
    lines = [
        [
            row["method"],
            f"{row['psnr']:.3f}",
            f"{row['psnr'] - pca:+.3f}",
            f"{row['psnr'] - begin:+.3f}",
            f"{row['ssim']:.4f}",
            f"{100 * row['fine_detail']:.2f}",
            f"{row['kl']:.1f}" if "kl" in row else "—",
            str(row.get("epochs", "—")),
            f"{row['images_per_second']:.0f}" if "images_per_second" in row else "—",
        ]
        for row in rows
    ]
    print(
        markdown_table(
            [
                "Testing Data photos reconstructed by",
                "PSNR (dB)",
                "vs PCA",
                "vs start",
                "SSIM",
                "fine detail (%)",
                "KL (nats/image)",
                "epochs",
                "images/s",
            ],
            lines,
        )
    )
    if args.figure:
        reconstruction_figure(run_dirs).save(args.figure, optimize=True)
        print(f"\nwrote {args.figure}")
    print(f"\ntook {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
