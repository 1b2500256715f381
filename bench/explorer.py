"""What the explorer's numbers say, measured on the bundled models in one run.

    python -m bench.explorer --models assets/models --data ../shared/data/landscapes

1. Slider effect: the mean absolute pixel change (0-1 scale) when the first slider moves from -3 to +3,
   starting from the average code, for every model and both kinds of axes (main directions, single
   code numbers ranked by KL).
2. "How typical": how well the app's photo score (ELBO plus PNG complexity, `vae.latent.atlas.photo_scores`),
   and the ELBO alone, separate the Testing Data landscapes from the non-landscape pictures
   scikit-image ships in skimage/data (a cat, an astronaut, coffee, coins, text...), as a ROC AUC
   (1 = perfect, 0.5 = chance), and which non-landscapes the app's score still rates as typical.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from vae.core.data import DataError, decode_all, image_lists, open_rgb, square_resize
from vae.core.losses import elbo_per_value
from vae.latent import explore
from vae.latent.atlas import photo_scores

NON_LANDSCAPE_SUFFIXES = (".png", ".jpg", ".gif", ".tif")


def slider_effect(em: explore.ExplorerModel, kind: str) -> float:
    axes = explore.slider_axes(em, kind, 1)
    start = em.axes.origin if em.axes is not None else torch.zeros(em.latent_dim)  # the average code
    low, high = (explore.decode(em, axes.with_values(start, [v])) for v in (-3.0, 3.0))
    return float(abs(low.astype(float) - high.astype(float)).mean() / 255.0)


def non_landscapes(size: int) -> dict[str, torch.Tensor]:
    """scikit-image's sample pictures (a test-only dependency), as uint8 (3, size, size)."""
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    pictures = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in NON_LANDSCAPE_SUFFIXES:
            try:
                pictures[path.stem] = square_resize(open_rgb(path, draft_size=size), size)
            except DataError:
                continue
    return pictures


def roc_auc(positives: torch.Tensor, negatives: torch.Tensor) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    greater = (positives[:, None] > negatives[None]).float().mean()
    ties = (positives[:, None] == negatives[None]).float().mean()
    return float(greater + 0.5 * ties)


@torch.inference_mode()
def elbos(model, pixels: torch.Tensor) -> torch.Tensor:
    return torch.cat([elbo_per_value(model, pixels[i : i + 64].float() / 255.0) for i in range(0, len(pixels), 64)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="assets/models")
    parser.add_argument("--data", required=True)
    args = parser.parse_args(argv)
    models = explore.load_explorer_models(args.models)
    print("| model | β | main direction 1, −3 → +3 | top single number, −3 → +3 |\n|---|---|---|---|")
    for em in models.values():
        cells = [f"{slider_effect(em, kind):.3f}" if kind in em.axis_kinds() else "–" for kind in ("main", "single")]
        print(f"| `{em.name}` | {em.model.config.beta:g} | " + " | ".join(cells) + " |")
    size = next(iter(models.values())).image_size
    landscapes, _ = decode_all(image_lists(args.data)["test"], size)
    others = non_landscapes(size)
    other_pixels = torch.stack(list(others.values()))
    print(
        f"\n| model | ROC AUC of the ELBO alone | ROC AUC of the app's score (ELBO + PNG complexity) | "
        f"of {len(others)} non-landscapes, rated typical (above the landscapes' 10th percentile) |\n|---|---|---|---|"
    )
    for em in models.values():
        real, fake = photo_scores(em.model, landscapes), photo_scores(em.model, other_pixels)
        fooled = [name for name, score in zip(others, fake.tolist(), strict=True) if score > float(real.quantile(0.1))]
        elbo_auc = roc_auc(elbos(em.model, landscapes), elbos(em.model, other_pixels))
        print(f"| `{em.name}` | {elbo_auc:.3f} | {roc_auc(real, fake):.3f} | {', '.join(fooled) or 'none'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
