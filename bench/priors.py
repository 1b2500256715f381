"""Which prior gives the best samples? Candidates fitted to the same codes, scored side by side in one run.

    python -m bench.priors --data ../shared/data/landscapes --models assets/models [--out bench/out]

For each model: codes drawn from the training photos' posteriors (two per photo, as `vae.publish.export` fits the
shipped density), and, fitted to them, the Sample tab's mixture (sized on validation draws, as shipped),
larger full-covariance mixtures, one Gaussian per class (where the photos come in class folders), a second-stage
VAE on the codes (Dai & Wipf 2019, `bench.code_vae`), the diffusion prior (`vae.latent.diffusion_prior`: flow matching,
an MLP velocity field that reads each code's class, Heun's method; fitted to draws of the photos and of their
mirror images, as shipped) and the same without classes, and a neural
spline flow (`bench.spline_flow`, zuko's NSF); `--candidates` fits a subset beside the shipped mixture. The row
"the app's fitted sampler" draws from what the model folder ships, as the Sample tab does by default.
Each draws as many codes as there are test photos (seed 0); the model decodes them; `bench.sample_score`
scores the pictures against the Testing Data photos: Fréchet distance of the landscape classifier's
features (FD) and patch sliced Wasserstein distance (SWD, x10^3), lower is better. Reference rows: N(0, I),
and the model's reconstructions of the test photos themselves (decoded posterior means: what samples
could reach if codes were drawn exactly where photos' codes lie). Then the ratio of each candidate's FD
to the shipped mixture's, the time to fit, the time to draw 64 codes (in PyTorch, and in onnxruntime for the
flow prior's exported network), and a check that nothing is memorised: the median distance from each drawn code
to its nearest training code, over the same for the test photos' own codes (near 1: as far from the training
codes as new photos are; near 0: copies of training codes).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench.code_vae import fit_code_vae
from bench.quality import SEED, Photos, SampleJudge, decode_codes, markdown_table
from bench.spline_flow import fit_spline_flow
from vae.latent.density import fit_best_mixture, fit_mixture
from vae.latent.diffusion_prior import DiffusionPrior, fit_diffusion_prior
from vae.latent.explore import load_explorer_models, random_latent
from vae.publish.code_samplers import (
    DENSITY_DRAWS,
    drawn_codes,
    latent_means,
    posterior_draws,
    prior_codes,
    prior_steps,
)
from vae.publish.onnx_export import export_prior

LARGER_MIXTURES = (16, 32)


CANDIDATES = (
    "larger mixtures",
    "a Gaussian per class",
    "second-stage VAE",
    "diffusion prior",
    "diffusion prior without classes",
    "spline flow",
)


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


def candidates(train: torch.Tensor, labels, val: torch.Tensor, prior_data, chosen=CANDIDATES) -> dict[str, object]:
    """{label: (something with .sample(count, seed=...), seconds to fit)}, all fitted to the same posterior draws
    (`labels`: the class of each, or None), the diffusion priors to `prior_data` (their codes, as
    `vae.publish.code_samplers.prior_codes` draws them, and classes): the shipped kind of mixture always (the others'
    FD is measured against it), then the `chosen` ones."""
    steps = prior_steps(len(prior_data[0]))  # as vae.export fits the shipped prior
    fitters = {
        "second-stage VAE": lambda: fit_code_vae(train, seed=SEED),
        "diffusion prior": lambda: fit_diffusion_prior(*prior_data, seed=SEED, train_steps=steps),
        "diffusion prior without classes": lambda: fit_diffusion_prior(prior_data[0], seed=SEED, train_steps=steps),
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
    for label in (label for label in fitters if label in chosen):
        started = time.monotonic()
        found[label] = (fitters[label](), time.monotonic() - started)
    return found


def draw_ms(prior, count: int = 64) -> float:
    started = time.perf_counter()
    prior.sample(count, seed=SEED)
    return 1000 * (time.perf_counter() - started)


def onnx_draw_ms(prior: DiffusionPrior, count: int = 64) -> float:
    """64 codes through the exported velocity network in onnxruntime, with the same Heun steps."""
    import numpy as np
    import onnxruntime

    with tempfile.TemporaryDirectory() as folder:
        session = onnxruntime.InferenceSession(str(export_prior(prior, Path(folder) / "v.onnx")))
    z = np.random.default_rng(SEED).standard_normal((count, prior.config.dim)).astype(np.float32)
    label = np.eye(prior.config.classes, dtype=np.float32)[np.arange(count) % prior.config.classes]
    started, steps = time.perf_counter(), prior.config.steps
    for i in range(steps):
        t0, t1 = np.full(count, i / steps, np.float32), np.full(count, (i + 1) / steps, np.float32)
        v0 = session.run(None, {"z": z, "t": t0, "label": label})[0]
        v1 = session.run(None, {"z": z + v0 / steps, "t": t1, "label": label})[0]
        z = z + 0.5 * (v0 + v1) / steps
    return 1000 * (time.perf_counter() - started)


def nearest_distance(codes: torch.Tensor, train: torch.Tensor) -> float:
    return float(torch.cdist(codes, train).min(1).values.median())


def model_rows(name: str, em, photos: Photos, judge: SampleJudge, chosen=CANDIDATES) -> list[dict]:
    count, size = len(photos.pixels("test", em.image_size)), em.image_size
    test_codes = latent_means(em.model, photos.pixels("test", size))
    train, photo = drawn_codes(em.model, photos.pixels("train", size), draws=DENSITY_DRAWS, seed=SEED)
    photo_labels = photos.labels("train", size)
    labels = photo_labels[photo] if photo_labels is not None else None
    val = posterior_draws(em.model, photos.pixels("val", size), seed=SEED + 1)
    test_distance = nearest_distance(test_codes, train)
    standard = torch.randn(count, em.latent_dim, generator=torch.Generator().manual_seed(SEED))
    rows = [
        {"model": name, "sampler": "reconstructions of the test photos (the ceiling)", "codes": test_codes},
        {"model": name, "sampler": "N(0, I)", "codes": standard},
    ]
    prior_data = prior_codes(em.model, photos.pixels("train", size), photo_labels, seed=SEED)
    for label, (prior, seconds) in candidates(train, labels, val, prior_data, chosen).items():
        row = {"model": name, "sampler": label, "fit_s": round(seconds, 1), "codes": prior.sample(count, seed=SEED)}
        row["draw_ms"] = round(draw_ms(prior), 1)
        if isinstance(prior, DiffusionPrior):  # its network also runs in onnxruntime, as in a browser
            row["onnx_draw_ms"] = round(onnx_draw_ms(prior), 1)
        rows.append(row)
    shipped_source = f"the app's fitted sampler (the shipped {em.fitted_source})"
    rows.append(
        {"model": name, "sampler": shipped_source, "codes": random_latent(em, SEED, source="fitted", count=count)}
    )
    for row in rows:
        codes = row.pop("codes")
        row.update(
            judge(decode_codes(em.model, codes)),
            nearest_vs_test=round(nearest_distance(codes, train) / test_distance, 2),
        )
    shipped = next(r["fd"] for r in rows if "shipped" in r["sampler"])
    for row in rows:
        row["fd_vs_mixture"] = round(row["fd"] / shipped, 3)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/landscapes")
    parser.add_argument("--models", nargs="+", default=["assets/models"], help="model folders, or folders of them")
    parser.add_argument("--out", default="bench/out")
    parser.add_argument(
        "--candidates", nargs="+", choices=CANDIDATES, default=list(CANDIDATES), help="which to fit beside the mixture"
    )
    args = parser.parse_args(argv)
    photos = Photos(args.data)
    models = load_explorer_models(*args.models)
    judge = SampleJudge(photos.pixels("test", next(iter(models.values())).image_size))
    rows = [row for name, em in models.items() for row in model_rows(name, em, photos, judge, args.candidates)]
    table = markdown_table(
        [
            "model",
            "sampler",
            "FD",
            "patch SWD",
            "FD / shipped mixture's",
            "fit (s)",
            "64 codes (ms): PyTorch / ONNX",
            "nearest training code / test photos'",
        ],
        [
            [
                r["model"],
                r["sampler"],
                f"{r['fd']:.2f}",
                f"{r['swd']:.1f}",
                f"{r['fd_vs_mixture']:.2f}",
                f"{r['fit_s']:.0f}" if "fit_s" in r else "—",
                f"{r['draw_ms']:.0f} / {r['onnx_draw_ms']:.0f}"
                if "onnx_draw_ms" in r
                else (f"{r['draw_ms']:.0f}" if "draw_ms" in r else "—"),
                f"{r['nearest_vs_test']:.2f}",
            ]
            for r in rows
        ],
    )
    print(table)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "priors.json").write_text(json.dumps(rows, indent=2))
    (Path(args.out) / "priors.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
