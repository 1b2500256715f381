"""The samplers an export fits to a model's codes: the Gaussian mixture and the diffusion prior, both fitted to codes
drawn from the training photos' posteriors, and what facts.json says of them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from ..latent.density import fit_best_mixture
from ..latent.diffusion_prior import WEIGHTS_FILE as PRIOR_WEIGHTS_NAME
from ..latent.diffusion_prior import DiffusionPriorConfig, fit_diffusion_prior

DENSITY_DRAWS = 2  # codes drawn from each training photo's posterior for the density fit
PRIOR_BATCH = 256


@dataclass(frozen=True)
class PriorRecipe:
    """How a diffusion prior is fitted to a model's codes and drawn from."""

    kind: str  # vae.latent.diffusion_prior's kind: "flow" or "ddpm"
    classes: bool  # the network reads the class of each code's photo (where the photos come in class folders)
    mirrored: bool  # fitted to the codes of the photos' mirror images too
    epochs: int  # passes over the codes, PRIOR_BATCH at a time
    lr: float  # AdamW's (cosine schedule)
    ema: float  # decay of the weights' moving average that is kept
    steps: int  # sampling steps (Heun's for "flow", DDIM's for "ddpm")


PRIOR_RECIPES = {
    # issue 31's prior: 2,000 steps for 5,331 photos and their mirror images (longer narrows the samples)
    "flow": PriorRecipe("flow", classes=True, mirrored=True, epochs=24, lr=1e-3, ema=0.995, steps=32),
    # issue 40's plain latent DDPM: 3,999 steps of batch 256 on 5,331 photos' codes
    "ddpm": PriorRecipe("ddpm", classes=False, mirrored=False, epochs=96, lr=3e-4, ema=0.999, steps=100),
}
PRIOR_RECIPE = PRIOR_RECIPES["flow"]  # what vae.export fits
PRIOR_EPOCHS = PRIOR_RECIPE.epochs
FITTED_SAMPLERS = ("diffusion", "mixture")  # what the Sample tab's "fitted" draws from


def batches(pixels: torch.Tensor, batch_size: int, step: str):
    """Slices of `pixels`, with a progress bar named after the export's step (on a terminal)."""
    for start in tqdm(range(0, len(pixels), batch_size), desc=step, unit="batch", leave=False):
        yield pixels[start : start + batch_size]


@torch.inference_mode()
def latent_means(model, pixels: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    return torch.cat(
        [model.encode(batch.float() / 255.0).mean for batch in batches(pixels, batch_size, "encoding photos")]
    )


def posterior_draws(
    model, pixels: torch.Tensor, *, draws: int = DENSITY_DRAWS, seed: int = 0, batch_size: int = 128
) -> torch.Tensor:
    """Codes as the decoder met them in training: `draws` per photo from q(z|x) (WAE: the mean, once)."""
    return drawn_codes(model, pixels, draws=draws, seed=seed, batch_size=batch_size)[0]


@torch.no_grad()  # no_grad, not inference mode: the diffusion prior trains on these codes
def drawn_codes(model, pixels: torch.Tensor, *, draws: int, seed: int, batch_size: int = 128):
    """posterior_draws' codes and, for each, the index of the photo it was drawn for."""
    generator = torch.Generator().manual_seed(seed)
    found, photos = [], []
    for start, batch in enumerate(batches(pixels, batch_size, "drawing codes for the density")):
        mu, logvar = model.encode(batch.float() / 255.0)
        index = torch.arange(start * batch_size, start * batch_size + len(batch))
        if model.config.objective == "wae":
            found.append(mu)
            photos.append(index)
        else:
            found += [model.reparameterize(mu, logvar, generator) for _ in range(draws)]
            photos += [index] * draws
    return torch.cat(found), torch.cat(photos)


def fit_code_density(model, train_pixels: torch.Tensor, val_pixels: torch.Tensor, *, seed: int = 0):
    """The Sample tab's density: a mixture fitted to posterior draws, not to the posterior means. At large
    beta each photo's posterior is wide, so a density of the means is too narrow and its samples too alike."""
    return fit_best_mixture(
        posterior_draws(model, train_pixels, seed=seed), posterior_draws(model, val_pixels, seed=seed + 1), seed=seed
    )


def prior_codes(
    model, train_pixels: torch.Tensor, labels, *, seed: int, mirrored: bool = True
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """What a diffusion prior is fitted to: posterior draws of the training photos, and where `mirrored` of their
    mirror images too (training flips photos, so the decoder met both), each with the class of its photo
    (`labels`, one per photo, or None)."""
    pixels = torch.cat([train_pixels, train_pixels.flip(-1)]) if mirrored else train_pixels
    codes, photo = drawn_codes(model, pixels, draws=DENSITY_DRAWS, seed=seed)
    return codes, (torch.as_tensor(labels)[photo % len(train_pixels)] if labels is not None else None)


def prior_steps(code_count: int, epochs: int = PRIOR_EPOCHS) -> int:
    """Training steps for `epochs` passes over `code_count` codes, PRIOR_BATCH at a time."""
    return math.ceil(epochs * code_count / PRIOR_BATCH)


def fit_recipe(codes: torch.Tensor, labels, recipe: PriorRecipe, *, seed: int, epochs: int | None = None):
    """A diffusion prior fitted by `recipe` to `codes` (from `prior_codes` with its `mirrored`) of classes `labels`
    (read only where the recipe reads classes), for `epochs` passes (default: the recipe's)."""
    config = DiffusionPriorConfig(
        dim=codes.shape[1],
        classes=int(labels.max()) + 1 if recipe.classes and labels is not None else 1,
        kind=recipe.kind,
        steps=recipe.steps,
    )
    return fit_diffusion_prior(
        codes,
        labels if config.classes > 1 else None,
        seed=seed,
        train_steps=prior_steps(len(codes), epochs or recipe.epochs),
        batch_size=PRIOR_BATCH,
        lr=recipe.lr,
        ema=recipe.ema,
        config=config,
    )


def fit_code_prior(
    model, train_pixels: torch.Tensor, labels: list[int] | None, *, seed: int, epochs: int, recipe=PRIOR_RECIPE
):
    """The diffusion prior, fitted by `recipe` to `prior_codes` for `epochs` passes."""
    codes, code_labels = prior_codes(model, train_pixels, labels, seed=seed, mirrored=recipe.mirrored)
    return fit_recipe(codes, code_labels, recipe, seed=seed, epochs=epochs)


def density_facts(density, held_out: dict, fitted_sampler: str, out_dir: Path) -> dict:
    """What the density is, and what the Sample tab's "fitted" draws from: the diffusion prior if asked and
    shipped, else the mixture."""
    shipped = (out_dir / PRIOR_WEIGHTS_NAME).is_file()
    return {
        "density_components": density.components,
        "density_held_out_log_likelihood": {str(k): round(v, 2) for k, v in held_out.items()},
        "fitted_sampler": fitted_sampler if shipped else "mixture",
    }


def sampler_flags(prior_epochs: int, fitted_sampler: str) -> list[str]:
    """The prior's flags of a command line, where they are not the defaults."""
    return [
        *([f"--prior-epochs {prior_epochs}"] if prior_epochs != PRIOR_EPOCHS else []),
        *([f"--fitted-sampler {fitted_sampler}"] if fitted_sampler != FITTED_SAMPLERS[0] else []),
    ]
