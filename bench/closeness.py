"""What the Reconstruct tab's words say of the copies, for every bundled model, on the Testing Data photos.

    python -m bench.closeness --models assets/models --data ../shared/data/landscapes

Each test photo's copy (decoded from its posterior mean) is scored by PSNR, SSIM and the share of the photo's detail
(its edges) the copy keeps (`vae.latent.likeness.detail_kept`). Printed side by side:
1. what separates the hazy copies: of the copies the words called "very close" before issue 39 (PSNR 25 dB and up),
   how many keep under half of the photo's detail, and how SSIM rates those against the others (the chance that a
   hazy copy scores below a sharp one: 0.5 means SSIM cannot tell them apart);
2. the thresholds: the share of detail kept at the 10th, 50th and 90th percentile, and how many copies each row of
   ui/words.py's tables (layout and colours by PSNR, detail by its share) describes, with the examples' words.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from bench.quality import markdown_table, models_and_photos
from ui import words
from vae.core.metrics import psnr, ssim
from vae.latent.explore import ExplorerModel, photo_tensor
from vae.latent.likeness import detail_kept

OLD_VERY_CLOSE = 25.0  # dB: PSNR alone called a copy "very close" from here before issue 39
HALF = 0.5


@torch.inference_mode()
def copy_scores(em: ExplorerModel, pixels: torch.Tensor, batch_size: int = 64) -> dict[str, torch.Tensor]:
    """(N,) PSNR, SSIM and detail kept of each photo's copy (uint8 photos (N, 3, S, S))."""
    parts = []
    for start in range(0, len(pixels), batch_size):
        x = pixels[start : start + batch_size].float() / 255.0
        x_hat = em.model.decode(em.model.encode(x).mean)
        parts.append({"psnr": psnr(x_hat, x), "ssim": ssim(x_hat, x), "detail": detail_kept(x_hat, x)})
    return {key: torch.cat([part[key] for part in parts]) for key in parts[0]}


def below_chance(low: torch.Tensor, high: torch.Tensor) -> float:
    """The chance that a random value of `low` is below a random one of `high` (ties count half); nan if either is
    empty."""
    if not len(low) or not len(high):
        return float("nan")
    return float((low[:, None] < high[None]).float().mean() + 0.5 * (low[:, None] == high[None]).float().mean())


def row_counts(table, values: torch.Tensor) -> list[int]:
    """How many of `values` each row of a words table (floor or None, words) describes: the first floor reached."""
    counts, left = [], torch.ones_like(values, dtype=torch.bool)
    for floor, _ in table:
        here = left if floor is None else left & (values >= floor)
        counts.append(int(here.sum()))
        left &= ~here
    return counts


def haze_row(name: str, scores: dict) -> list[str]:
    called = scores["psnr"] >= OLD_VERY_CLOSE
    hazy, sharp = called & (scores["detail"] < HALF), called & (scores["detail"] >= HALF)
    median = lambda mask: f"{float(scores['ssim'][mask].median()):.2f}" if mask.any() else "–"  # noqa: E731
    return [
        name,
        f"{int(called.sum())}",
        f"{int(hazy.sum())}",
        f"{median(hazy)} / {median(sharp)}",
        f"{below_chance(scores['ssim'][hazy], scores['ssim'][sharp]):.2f}",
    ]


def threshold_row(name: str, scores: dict) -> list[str]:
    quantiles = [f"{100 * float(scores['detail'].quantile(q)):.0f} %" for q in (0.1, 0.5, 0.9)]
    layout = " / ".join(str(n) for n in row_counts(words.CLOSENESS, scores["psnr"]))
    detail = " / ".join(str(n) for n in row_counts(words.DETAIL, scores["detail"]))
    return [name, *quantiles, layout, detail]


def example_words(models: dict[str, ExplorerModel], examples: Path) -> list[list[str]]:
    lines = []
    for path in sorted(examples.glob("*.jpg")):
        for em in models.values():
            x = photo_tensor(path, em.image_size)
            with torch.inference_mode():
                x_hat = em.model.decode(em.model.encode(x).mean)
            scores = {"psnr": float(psnr(x_hat, x)[0]), "detail": float(detail_kept(x_hat, x)[0])}
            said = words.closeness_sentence(scores).replace("**", "").strip()
            lines.append([path.stem, em.name, f"{scores['psnr']:.1f}", f"{100 * scores['detail']:.0f} %", said])
    return lines


def main(argv=None) -> int:
    started = time.perf_counter()
    args, models, photos = models_and_photos(__doc__, argv, examples="assets/examples")
    scored = {em.name: copy_scores(em, photos.pixels("test", em.image_size)) for em in models.values()}
    count = len(next(iter(scored.values()))["psnr"])
    print(f"{count} Testing Data photos and their copies\n")
    header = [
        "model",
        f"copies of {OLD_VERY_CLOSE:.0f} dB and up (once 'very close')",
        "of them keeping under half of the detail",
        "their SSIM, median: hazy / sharp",
        "chance SSIM rates a hazy one below a sharp one",
    ]
    print(markdown_table(header, [haze_row(name, scores) for name, scores in scored.items()]))
    layout_floors = " / ".join(f"{floor} dB" if floor else "below" for floor, _ in words.CLOSENESS)
    detail_floors = " / ".join(f"{100 * floor:.0f} %" if floor else "below" for floor, _ in words.DETAIL)
    header = [
        "model",
        "detail kept, 10th percentile",
        "median",
        "90th percentile",
        f"layout and colours ({layout_floors})",
        f"detail ({detail_floors})",
    ]
    print()
    print(markdown_table(header, [threshold_row(name, scores) for name, scores in scored.items()]))
    print()
    header = ["example", "model", "PSNR (dB)", "detail kept", "the words"]
    print(markdown_table(header, example_words(models, Path(args.examples))))
    print(f"\ntook {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
