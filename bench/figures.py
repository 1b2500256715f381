"""The README's pictures of the bundled models, made from their run folders.

    python -m bench.figures --runs runs/bundled --out docs

For each run (one per beta), the last epoch's prior samples (two rows) and its validation photos
above their reconstructions, stacked into one picture with a label per model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

TILE = 130  # a 128 px image plus make_grid's 2 px padding
LABEL_WIDTH = 90


def labelled_rows(rows: list[tuple[str, Image.Image]]) -> Image.Image:
    width = LABEL_WIDTH + max(image.width for _, image in rows)
    sheet = Image.new("RGB", (width, sum(image.height for _, image in rows)), "white")
    y = 0
    for label, image in rows:
        sheet.paste(image, (LABEL_WIDTH, y))
        ImageDraw.Draw(sheet).text((8, y + image.height // 2 - 6), label, fill="black")
        y += image.height
    return sheet


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs/bundled")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    runs = sorted((p for p in Path(args.runs).iterdir() if (p / "config.json").is_file()),
                  key=lambda p: json.loads((p / "config.json").read_text())["beta"])
    samples, recons = [], []
    for run in runs:
        beta = json.loads((run / "config.json").read_text())["beta"]
        last = sorted((run / "samples").glob("sample_epoch_*.png"))[-1]
        grid = Image.open(last).convert("RGB")
        samples.append((f"beta = {beta:g}", grid.crop((0, 0, grid.width, 2 * TILE + 2))))
        recons.append((f"beta = {beta:g}", Image.open(str(last).replace("sample_", "recon_")).convert("RGB")))
    labelled_rows(samples).save(Path(args.out) / "bundled_samples.png", optimize=True)
    labelled_rows(recons).save(Path(args.out) / "bundled_recon.png", optimize=True)
    print(f"wrote {args.out}/bundled_samples.png and bundled_recon.png from {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
