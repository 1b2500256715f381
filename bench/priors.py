"""Which prior gives the best samples? Candidates fitted to the same codes, scored side by side in one run, on two
feature spaces.

    python -m bench.priors --data ../shared/data/landscapes --models assets/models [--out bench/out] [--grid docs]

For each model: codes drawn from the training photos' posteriors (two per photo, as `vae.publish.export` fits the
shipped density), and, fitted to them, the Sample tab's mixture (sized on validation draws, as shipped),
larger full-covariance mixtures, one Gaussian per class (where the photos come in class folders), a second-stage
VAE on the codes (Dai & Wipf 2019, `bench.code_vae`), the diffusion priors of `vae.latent.diffusion_prior` by the
recipes of `vae.publish.code_samplers.PRIOR_RECIPES` and variations of them, and a neural spline flow
(`bench.spline_flow`, zuko's NSF); `--candidates` fits a subset beside the shipped mixture:
- "diffusion prior": issue 31's flow matching that reads each code's class, fitted to draws of the photos and of
  their mirror images, 32 Heun steps; "... without classes", "... without mirror images", "..., 64 Heun steps"
  (the same fit drawn in other steps) take one thing away or change it;
- "plain DDPM": issue 40's ε-prediction DDPM on the photos' draws, no classes, no mirror images, DDIM in 100 steps;
  "... with mirror images", "... reading the class", "..., 25 DDIM steps" add one thing or change it.
The row "the app's fitted sampler" draws from what the model folder ships, as the Sample tab does by default.

Each draws as many codes as there are test photos (seed 0); the model decodes them; the pictures are scored against
the Testing Data photos: Fréchet distance of the landscape classifier's features (FD, `bench.sample_score`), the
same on a second classifier trained apart with another architecture and seed (FD₂, `bench.second_classifier`), and
patch sliced Wasserstein distance (SWD, x10^3); lower is better. Reference rows: N(0, I), and the model's
reconstructions of the test photos themselves (decoded posterior means: what samples could reach if codes were drawn
exactly where photos' codes lie). Then, for each FD, the share of the gap between the shipped kind of mixture and
the ceiling that a candidate closes; the share of the pictures the first classifier puts in each class (forest,
glacier, mountain, sea); the codes' spread (root mean variance over the training draws', and the shipped sampler's
at a few temperatures); the time to fit and to draw 64 codes (in PyTorch, and in onnxruntime for a diffusion prior's
exported network); and a check that nothing is memorised: the median distance from each drawn code to its nearest
training code, over the same for the test photos' own codes (near 1: as far from the training codes as new photos
are; near 0: copies of training codes).
`--grid DIR` writes DIR/prior_samples_<model>.jpg: 16 of each row's pictures (evenly spaced among its draws).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from PIL import Image

from bench.code_vae import fit_code_vae
from bench.figures import labelled_rows
from bench.quality import SEED, Photos, SampleJudge, decode_codes, markdown_table
from bench.sample_score import class_shares, load_classifier
from bench.second_classifier import second_distance
from bench.spline_flow import fit_spline_flow
from vae.latent.density import fit_best_mixture, fit_mixture
from vae.latent.diffusion_prior import DiffusionPrior
from vae.latent.explore import grid_image, load_explorer_models, random_latent
from vae.publish.code_samplers import (
    DENSITY_DRAWS,
    PRIOR_RECIPES,
    drawn_codes,
    fit_recipe,
    latent_means,
    posterior_draws,
    prior_codes,
)
from vae.publish.onnx_export import export_prior

LARGER_MIXTURES = (16, 32)
GRID_COUNT = 16
TEMPERATURES = (0.5, 0.8, 1.0, 1.2)  # the shipped sampler's spread is printed at each
FLOW, DDPM = PRIOR_RECIPES["flow"], PRIOR_RECIPES["ddpm"]
RECIPES = {  # candidate: how it is fitted
    "diffusion prior": FLOW,
    "diffusion prior without classes": replace(FLOW, classes=False),
    "diffusion prior without mirror images": replace(FLOW, mirrored=False),
    "plain DDPM": DDPM,
    "plain DDPM with mirror images": replace(DDPM, mirrored=True),
    "plain DDPM reading the class": replace(DDPM, classes=True),
}
OTHER_STEPS = {  # candidate: (the candidate whose fit it draws from, its sampling steps)
    "diffusion prior, 64 Heun steps": ("diffusion prior", 64),
    "plain DDPM, 25 DDIM steps": ("plain DDPM", 25),
}
CANDIDATES = ("larger mixtures", "a Gaussian per class", "second-stage VAE", *RECIPES, *OTHER_STEPS, "spline flow")


class PerClassGaussians:
    """One full-covariance Gaussian per class, a class picked by its share of the codes: what knowing the class
    alone buys, beside the diffusion prior that also reads it."""

    def __init__(self, codes: torch.Tensor, labels: torch.Tensor):
        self.shares = torch.bincount(labels).double()
        self.parts = [fit_mixture(codes[labels == k], components=1, seed=SEED) for k in range(len(self.shares))]

    def sample(self, count: int, *, seed: int) -> torch.Tensor:
        chosen = torch.multinomial(self.shares, count, replacement=True, generator=torch.Generator().manual_seed(seed))
        found = [part.sample(int((chosen == k).sum()), seed=seed + k) for k, part in enumerate(self.parts)]
        return torch.cat(found)  # in class order: the scores do not depend on it


def with_steps(prior: DiffusionPrior, steps: int) -> DiffusionPrior:
    """The same fitted prior, drawn in `steps` sampling steps."""
    return replace(prior, config=replace(prior.config, steps=steps))


def candidates(train: torch.Tensor, labels, val: torch.Tensor, prior_data, chosen=CANDIDATES) -> dict[str, object]:
    """{label: (something with .sample(count, seed=...), seconds to fit)}, all fitted to the same posterior draws
    (`labels`: the class of each, or None), the diffusion priors to `prior_data(mirrored)` (codes and classes as
    `vae.publish.code_samplers.prior_codes` draws them): the shipped kind of mixture always (the others' scores are
    measured against it), then the `chosen` ones."""
    fitters = {
        "second-stage VAE": lambda: fit_code_vae(train, seed=SEED),
        **{
            label: (lambda recipe=recipe: fit_recipe(*prior_data(recipe.mirrored), recipe, seed=SEED))
            for label, recipe in RECIPES.items()
        },
        "spline flow": lambda: fit_spline_flow(train, seed=SEED),
    }
    if labels is not None:
        fitters = {"a Gaussian per class": lambda: PerClassGaussians(train, labels), **fitters}
    found = {}
    started = time.monotonic()
    mixture, _ = fit_best_mixture(train, val, seed=SEED)
    found[f"mixture of {mixture.components} (the shipped kind)"] = (mixture, time.monotonic() - started)
    if "larger mixtures" in chosen:
        for k in LARGER_MIXTURES:
            started = time.monotonic()
            found[f"mixture of {k}"] = (fit_mixture(train, components=k, seed=SEED), time.monotonic() - started)
    needed = {*chosen, *(OTHER_STEPS[label][0] for label in chosen if label in OTHER_STEPS)}
    for label in (label for label in fitters if label in needed):
        started = time.monotonic()
        found[label] = (fitters[label](), time.monotonic() - started)
    for label, (base, steps) in OTHER_STEPS.items():
        if label in chosen:
            found[label] = (with_steps(found[base][0], steps), found[base][1])
    return {label: found[label] for label in found if label in chosen or "shipped" in label}


def draw_ms(prior, count: int = 64) -> float:
    started = time.perf_counter()
    prior.sample(count, seed=SEED)
    return 1000 * (time.perf_counter() - started)


def onnx_draw_ms(prior: DiffusionPrior, count: int = 64) -> float:
    """64 codes drawn as web/sampler.js draws them, through the exported network in onnxruntime."""
    import numpy as np
    import onnxruntime

    with tempfile.TemporaryDirectory() as folder:
        session = onnxruntime.InferenceSession(str(export_prior(prior, Path(folder) / "v.onnx")))
    label = torch.arange(count) % prior.config.classes
    started = time.perf_counter()
    prior.integrate(
        torch.from_numpy(np.random.default_rng(SEED).standard_normal((count, prior.config.dim)).astype(np.float32)),
        label,
        net=lambda z, t, one_hot: torch.from_numpy(
            session.run(None, {"z": z.numpy(), "t": t.numpy(), "label": one_hot.numpy()})[0]
        ),
    )
    return 1000 * (time.perf_counter() - started)


def nearest_distance(codes: torch.Tensor, train: torch.Tensor) -> float:
    return float(torch.cdist(codes, train).min(1).values.median())


def spread(codes: torch.Tensor, train: torch.Tensor) -> float:
    """The codes' root mean variance over the training draws': below 1, narrower than the photos' codes."""
    return float((codes.var(0).mean() / train.var(0).mean()).sqrt())


def gap_closed(score: float, mixture: float, ceiling: float) -> float:
    """The share of the gap between the shipped kind of mixture's score and the ceiling's that `score` closes."""
    return (mixture - score) / (mixture - ceiling)


def evenly_spaced(items: torch.Tensor, count: int = GRID_COUNT) -> torch.Tensor:
    return items[torch.linspace(0, len(items) - 1, count).long()]


def model_rows(name: str, em, photos: Photos, judges, chosen=CANDIDATES, grid: Path | None = None) -> list[dict]:
    """Every row of `name`'s table; with `grid`, also its sample sheet there."""
    count, size = len(photos.pixels("test", em.image_size)), em.image_size
    test_codes = latent_means(em.model, photos.pixels("test", size))
    train, photo = drawn_codes(em.model, photos.pixels("train", size), draws=DENSITY_DRAWS, seed=SEED)
    photo_labels = photos.labels("train", size)
    labels = photo_labels[photo] if photo_labels is not None else None
    val = posterior_draws(em.model, photos.pixels("val", size), seed=SEED + 1)
    test_distance = nearest_distance(test_codes, train)
    print(f"{name}: the test photos' codes lie {test_distance:.2f} from their nearest training code (median)")
    standard = torch.randn(count, em.latent_dim, generator=torch.Generator().manual_seed(SEED))
    rows = [
        {"model": name, "sampler": "reconstructions of the test photos (the ceiling)", "codes": test_codes},
        {"model": name, "sampler": "N(0, I)", "codes": standard},
    ]
    prior_data = {}  # mirrored: (codes, classes), drawn when a recipe first needs them

    def codes_for(mirrored: bool):
        if mirrored not in prior_data:  # unmirrored, they are `train`'s draws again (the same call)
            pixels = photos.pixels("train", size)
            prior_data[mirrored] = prior_codes(em.model, pixels, photo_labels, seed=SEED, mirrored=mirrored)
        return prior_data[mirrored]

    for label, (prior, seconds) in candidates(train, labels, val, codes_for, chosen).items():
        row = {"model": name, "sampler": label, "fit_s": round(seconds, 1), "codes": prior.sample(count, seed=SEED)}
        row["draw_ms"] = round(draw_ms(prior), 1)
        if isinstance(prior, DiffusionPrior):  # its network also runs in onnxruntime, as in a browser
            row["onnx_draw_ms"] = round(onnx_draw_ms(prior), 1)
        rows.append(row)
    shipped_source = f"the app's fitted sampler (the shipped {em.fitted_source})"
    rows.append(
        {"model": name, "sampler": shipped_source, "codes": random_latent(em, SEED, source="fitted", count=count)}
    )
    spreads = {
        t: spread(random_latent(em, SEED, source="fitted", temperature=t, count=count), train) for t in TEMPERATURES
    }
    print(
        f"{name}: the fitted sampler's spread at temperature " + ", ".join(f"{t}: {v:.2f}" for t, v in spreads.items())
    )
    sheet = []
    for row in rows:
        codes = row.pop("codes")
        images = decode_codes(em.model, codes)
        row.update(
            judges["first"](images),
            fd2=judges["second"](images),
            classes=class_shares(judges["classifier"], images).round(3).tolist(),
            spread=round(spread(codes, train), 2),
            nearest=round(nearest_distance(codes, train), 2),
            nearest_vs_test=round(nearest_distance(codes, train) / test_distance, 2),
        )
        sheet.append((row["sampler"], grid_image(evenly_spaced(images), nrow=GRID_COUNT // 2)))
    mixture = next(r for r in rows if r["sampler"].endswith("(the shipped kind)"))
    for key in ("fd", "fd2"):
        for row in rows:
            row[f"{key}_closed"] = round(gap_closed(row[key], mixture[key], rows[0][key]), 2)
    if grid is not None:
        grid.mkdir(parents=True, exist_ok=True)
        labelled = labelled_rows([(wrapped(label), Image.fromarray(picture)) for label, picture in sheet])
        labelled.save(grid / f"prior_samples_{name}.jpg", quality=88)
    return rows


def wrapped(label: str, width: int = 18) -> str:
    """A row's label in lines of at most about `width` characters, for the sheet's narrow label column."""
    lines = [""]
    for word in label.split():
        lines[-1:] = [f"{lines[-1]} {word}".strip()] if len(lines[-1]) + len(word) < width else [lines[-1], word]
    return "\n".join(lines)


def table(rows: list[dict]) -> str:
    return markdown_table(
        [
            "model",
            "sampler",
            "FD",
            "FD₂ (second classifier)",
            "patch SWD",
            "gap closed: FD / FD₂",
            "classes F / G / M / S (%)",
            "spread",
            "fit (s)",
            "64 codes (ms): PyTorch / ONNX",
            "nearest training code / test photos'",
        ],
        [
            [
                r["model"],
                r["sampler"],
                f"{r['fd']:.2f}",
                f"{r['fd2']:.2f}",
                f"{r['swd']:.1f}",
                f"{r['fd_closed']:.0%} / {r['fd2_closed']:.0%}",
                " / ".join(f"{100 * share:.0f}" for share in r["classes"]),
                f"{r['spread']:.2f}",
                f"{r['fit_s']:.0f}" if "fit_s" in r else "—",
                f"{r['draw_ms']:.0f} / {r['onnx_draw_ms']:.0f}"
                if "onnx_draw_ms" in r
                else (f"{r['draw_ms']:.0f}" if "draw_ms" in r else "—"),
                f"{r['nearest_vs_test']:.2f} ({r['nearest']:.1f})",
            ]
            for r in rows
        ],
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/landscapes")
    parser.add_argument("--models", nargs="+", default=["assets/models"], help="model folders, or folders of them")
    parser.add_argument("--out", default="bench/out")
    parser.add_argument(
        "--candidates", nargs="*", choices=CANDIDATES, default=list(CANDIDATES), help="which to fit beside the mixture"
    )
    parser.add_argument("--grid", type=Path, help="a folder for each model's sheet of 16 samples per row")
    args = parser.parse_args(argv)
    photos = Photos(args.data)
    models = load_explorer_models(*args.models)
    real = photos.pixels("test", next(iter(models.values())).image_size)
    judges = {
        "first": SampleJudge(real),
        "second": second_distance(real.float() / 255),
        "classifier": load_classifier(),
    }
    rows = [
        row for name, em in models.items() for row in model_rows(name, em, photos, judges, args.candidates, args.grid)
    ]
    print(table(rows))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "priors.json").write_text(json.dumps(rows, indent=2))
    (Path(args.out) / "priors.md").write_text(table(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
