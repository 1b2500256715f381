"""The README's pictures of the bundled models, made from their run folders.

    python -m bench.figures --runs runs/bundled --compare bench/out --out docs

For each bundled run (one per beta), the last epoch's prior samples (two rows) and its validation
photos above their reconstructions, stacked into one picture with a label per model; and the same
two pictures for the networks of `python -m bench.compare` (test photos, N(0, I) and fitted samples).
It also prints the README's table of the bundled models from their facts.json files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

TILE = 130  # a 128 px image plus make_grid's 2 px padding
LABEL_WIDTH = 120


def top_rows(path: Path, rows: int = 2) -> Image.Image:
    """The first rows of a make_grid picture of 128 px images."""
    grid = Image.open(path).convert("RGB")
    return grid.crop((0, 0, grid.width, rows * TILE + 2))


def labelled_rows(rows: list[tuple[str, Image.Image]]) -> Image.Image:
    width = LABEL_WIDTH + max(image.width for _, image in rows)
    sheet = Image.new("RGB", (width, sum(image.height for _, image in rows)), "white")
    y = 0
    for label, image in rows:
        sheet.paste(image, (LABEL_WIDTH, y))
        ImageDraw.Draw(sheet).text((8, y + image.height // 2 - 6), label, fill="black")
        y += image.height
    return sheet


def comparison_figures(compare_dir: Path, out: Path) -> None:
    names = [p.name.removesuffix("-recon.png") for p in sorted(compare_dir.glob("*-recon.png"), reverse=True)]
    labelled_rows([(n, Image.open(compare_dir / f"{n}-recon.png").convert("RGB")) for n in names]).save(
        out / "compare_recon.png", optimize=True)
    samples = [(f"{n}\nN(0, I)", top_rows(compare_dir / f"{n}-samples.png")) for n in names]
    samples += [(f"{n}\nfitted", top_rows(compare_dir / f"{n}-samples-fitted.png")) for n in names]
    labelled_rows(samples).save(out / "compare_samples.png", optimize=True)


def bundled_table(models_dir: Path) -> str:
    """Markdown table of the bundled models' facts, ordered by beta."""
    facts = sorted((json.loads(p.read_text()) for p in models_dir.glob("*/facts.json")), key=lambda f: f["beta"])
    lines = ["| model | β | val PSNR | val SSIM | KL / image | active dims | best epoch (of 20) | training minutes* | file |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| `{f['name']}` | {f['beta']:g} | {f['val_psnr']} dB | {f['val_ssim']} | {f['val_kl']} nats | "
              f"{f['active_units']} of {f['latent_dim']} | {f['best_epoch']} | {f['training_minutes']} | {f['file_mb']} MB |"
              for f in facts]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs/bundled")
    parser.add_argument("--compare", default="bench/out", help="the --out folder of bench.compare")
    parser.add_argument("--models", default="assets/models", help="bundled models, for the facts table")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    runs = sorted((p for p in Path(args.runs).iterdir() if (p / "config.json").is_file()),
                  key=lambda p: json.loads((p / "config.json").read_text())["beta"])
    samples, recons = [], []
    for run in runs:
        beta = json.loads((run / "config.json").read_text())["beta"]
        last = sorted((run / "samples").glob("sample_epoch_*.png"))[-1]
        samples.append((f"beta = {beta:g}", top_rows(last)))
        recons.append((f"beta = {beta:g}", Image.open(str(last).replace("sample_", "recon_")).convert("RGB")))
    labelled_rows(samples).save(Path(args.out) / "bundled_samples.png", optimize=True)
    labelled_rows(recons).save(Path(args.out) / "bundled_recon.png", optimize=True)
    print(f"wrote {args.out}/bundled_samples.png and bundled_recon.png from {len(runs)} runs")
    if Path(args.compare).is_dir():
        comparison_figures(Path(args.compare), Path(args.out))
        print(f"wrote {args.out}/compare_recon.png and compare_samples.png from {args.compare}")
    print(bundled_table(Path(args.models)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
