"""The README's pictures of the bundled models.

    python -m bench.figures --data ../shared/data/landscapes --models assets/models --out docs

For each bundled model (one per beta): 16 samples from N(0, I) and 16 from its shipped density (the
Sample tab's default), seed 0; 8 Testing Data photos (evenly spaced, so every class shows) above each
model's reconstructions of them; each model's first main direction from -3 to +3 from its average code;
and the rate-distortion plot (test KL against test PSNR, one point per model). With --compare, the samples
and reconstructions of the networks of `python -m bench.compare`. It also prints the README's table of the
bundled models from their facts.json files.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch
from PIL import Image, ImageDraw

from bench.quality import Photos
from vae.latent import comparison, explore

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
        out / "compare_recon.png", optimize=True
    )
    samples = [(f"{n}\nN(0, I)", top_rows(compare_dir / f"{n}-samples.png")) for n in names]
    samples += [(f"{n}\nfitted", top_rows(compare_dir / f"{n}-samples-fitted.png")) for n in names]
    labelled_rows(samples).save(out / "compare_samples.png", optimize=True)


SAMPLER_NOTE = {"diffusion": " + diffusion prior (samples)"}  # what the Sample tab draws from, where not the mixture


def bundled_table(models_dir: Path) -> str:
    """Markdown table of the bundled models' facts, ordered by beta."""
    facts = sorted((json.loads(p.read_text()) for p in models_dir.glob("*/facts.json")), key=lambda f: f["beta"])
    lines = [
        "| model | β | test PSNR | test SSIM | fine detail | KL / image | active dims | best epoch (of) | "
        "density | training minutes* | file |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{f['name']}` | {f['beta']:g} | {f['test_psnr']} dB | {f['test_ssim']} | {100 * f['test_fine_detail']:.2f} % | "
        f"{f['test_kl']} nats | {f['active_units']} of {f['latent_dim']} | {f['best_epoch']} ({f['epochs']}) | "
        f"{f['density_components']} Gaussians{SAMPLER_NOTE.get(f.get('fitted_sampler'), '')} | "
        f"{f['training_minutes']} | {f['file_mb']} MB |"
        for f in facts
    ]
    return "\n".join(lines)


SAMPLER_ROWS = {"standard": "N(0, I)", "mixture": "mixture", "diffusion": "diffusion prior"}


def bundled_samples(models: dict) -> Image.Image:
    """Samples of seed 0 from each sampler a model ships, side by side: N(0, I), the mixture, the diffusion prior."""
    rows = []
    for em in models.values():
        shipped = {"standard": True, "mixture": em.density is not None, "diffusion": em.prior is not None}
        for source, label in SAMPLER_ROWS.items():
            if shipped[source]:
                grid = Image.fromarray(explore.sample_grid(em, 0, 16, 1.0, source=source))
                rows.append((f"{em.name}\n{label}", grid_rows(grid)))
    return labelled_rows(rows)


def bundled_reconstructions(models: dict, data_dir, count: int = 8) -> Image.Image:
    """Test photos in the top row, each model's reconstructions of them below."""
    size = next(iter(models.values())).image_size
    photos = Photos(data_dir, limit=count).pixels("test", size).float() / 255.0
    rows = [("test photos", Image.fromarray(explore.grid_image(photos, nrow=count)))]
    for em in models.values():
        with torch.inference_mode():
            copies = em.model.decode(em.model.encode(photos).mean)
        rows.append((em.name, Image.fromarray(explore.grid_image(copies, nrow=count))))
    return labelled_rows(rows)


def bundled_traversals(models: dict) -> Image.Image:
    return labelled_rows([(em.name, Image.fromarray(row)) for em, row in explore.first_direction_rows(models)])


def rate_distortion_plot(models: dict, size: tuple[int, int] = (560, 360), margin: int = 60) -> Image.Image:
    """Test KL (log scale) against test PSNR, one labelled point per model."""
    points = comparison.rate_distortion(models)
    kl = [math.log10(p["kl"]) for p in points]
    psnr = [p["psnr"] for p in points]
    x_range, y_range = comparison.padded_range(kl), comparison.padded_range(psnr)
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            margin + (x - x_range[0]) / (x_range[1] - x_range[0]) * (width - 2 * margin),
            height - margin - (y - y_range[0]) / (y_range[1] - y_range[0]) * (height - 2 * margin),
        )

    draw.rectangle([margin, margin, width - margin, height - margin], outline="grey")
    for value in range(math.floor(x_range[0]), math.ceil(x_range[1]) + 1):
        for step in (1, 2, 5):
            tick = math.log10(step) + value
            if x_range[0] <= tick <= x_range[1]:
                x, _ = place(tick, y_range[0])
                draw.line([x, height - margin, x, height - margin + 5], fill="grey")
                draw.text((x - 8, height - margin + 8), f"{step * 10**value:g}", fill="black")
    for tick in range(math.ceil(y_range[0]), math.floor(y_range[1]) + 1):
        _, y = place(x_range[0], tick)
        draw.line([margin - 5, y, margin, y], fill="grey")
        draw.text((margin - 30, y - 6), f"{tick}", fill="black")
    for point, x_value, y_value in zip(points, kl, psnr, strict=True):
        x, y = place(x_value, y_value)
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(40, 90, 200))
        label = f"{point['model']}: {point['kl']:.0f} nats, {point['psnr']:.2f} dB"
        room = x + 9 + draw.textlength(label) < width - 4  # else the label goes left of its point
        draw.text((x + 9 if room else x - 9 - draw.textlength(label), y - 6), label, fill="black")
    draw.text((width // 2 - 110, height - 24), "KL per test photo (nats, log scale)", fill="black")
    draw.text((8, 8), "test PSNR (dB)", fill="black")
    return image


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/landscapes", help="photo folder whose Testing Data is shown")
    parser.add_argument("--models", default="assets/models", help="the bundled models")
    parser.add_argument("--compare", help="the --out folder of bench.compare, for its two pictures")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    models, out = explore.load_explorer_models(args.models), Path(args.out)  # loaded once for every picture
    figures = {
        "bundled_samples.png": bundled_samples(models),
        "bundled_recon.png": bundled_reconstructions(models, args.data),
        "bundled_traversals.png": bundled_traversals(models),
        "rate_distortion.png": rate_distortion_plot(models),
    }
    for name, image in figures.items():
        image.save(out / name, optimize=True)
        print(f"wrote {out / name} from {args.models}")
    if args.compare and any(Path(args.compare).glob("*-recon.png")):  # bench/out also holds other benchmarks' output
        comparison_figures(Path(args.compare), out)
        print(f"wrote {out}/compare_recon.png and compare_samples.png from {args.compare}")
    print(bundled_table(Path(args.models)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
