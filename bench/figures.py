"""The README's pictures of the bundled models, made from their run folders.

    python -m bench.figures --runs runs/bundled --compare bench/out --out docs

For each bundled model (one per beta), 16 samples from N(0, I) and 16 from its shipped density (the
Sample tab's default), seed 0; for each bundled run, its last epoch's validation photos above their
reconstructions; each stacked into one picture with a label per model; and the same two pictures
for the networks of `python -m bench.compare`. It also prints the README's table of the bundled
models from their facts.json files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from vae import explore

TILE = 130  # a 128 px image plus make_grid's 2 px padding
LABEL_WIDTH = 120


def grid_rows(grid: Image.Image, first: int = 0, count: int = 2, tile: int = TILE) -> Image.Image:
    """Rows first .. first + count - 1 of a make_grid picture whose images (with padding) are `tile` px."""
    return grid.crop((0, first * tile, grid.width, (first + count) * tile + 2))


def top_rows(path: Path) -> Image.Image:
    return grid_rows(Image.open(path).convert("RGB"))


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
    lines = ["| model | β | test PSNR | test SSIM | fine detail | KL / image | active dims | best epoch (of) | "
             "density | training minutes* | file |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| `{f['name']}` | {f['beta']:g} | {f['test_psnr']} dB | {f['test_ssim']} | {100 * f['test_fine_detail']:.2f} % | "
              f"{f['test_kl']} nats | {f['active_units']} of {f['latent_dim']} | {f['best_epoch']} ({f['epochs']}) | "
              f"{f['density_components']} Gaussians | {f['training_minutes']} | {f['file_mb']} MB |" for f in facts]
    return "\n".join(lines)


def bundled_samples(models_dir: Path) -> Image.Image:
    """Two rows of samples per model: N(0, I), then the shipped density."""
    rows = []
    for em in explore.load_explorer_models(models_dir).values():
        for label, fitted in (("N(0, I)", False), ("fitted", True)):
            grid = Image.fromarray(explore.sample_grid(em, 0, 16, 1.0, fitted=fitted and em.density is not None))
            rows.append((f"beta = {em.model.config.beta:g}\n{label}", grid_rows(grid)))
    return labelled_rows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs/bundled")
    parser.add_argument("--compare", default="bench/out", help="the --out folder of bench.compare")
    parser.add_argument("--models", default="assets/models", help="bundled models, for the facts table")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    runs_dir = Path(args.runs)  # run folders are not kept in git: without them only the samples are drawn
    runs = sorted((p for p in runs_dir.iterdir() if (p / "config.json").is_file()) if runs_dir.is_dir() else [],
                  key=lambda p: json.loads((p / "config.json").read_text())["beta"])
    recons = []
    for run in runs:
        beta = json.loads((run / "config.json").read_text())["beta"]
        last = sorted((run / "samples").glob("recon_epoch_*.png"))[-1]
        recons.append((f"beta = {beta:g}", Image.open(last).convert("RGB")))
    bundled_samples(Path(args.models)).save(Path(args.out) / "bundled_samples.png", optimize=True)
    print(f"wrote {args.out}/bundled_samples.png from {args.models}")
    if recons:
        labelled_rows(recons).save(Path(args.out) / "bundled_recon.png", optimize=True)
        print(f"wrote {args.out}/bundled_recon.png from {len(runs)} runs")
    if any(Path(args.compare).glob("*-recon.png")):  # bench/out also holds other benchmarks' output
        comparison_figures(Path(args.compare), Path(args.out))
        print(f"wrote {args.out}/compare_recon.png and compare_samples.png from {args.compare}")
    print(bundled_table(Path(args.models)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
