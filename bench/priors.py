"""Which prior gives the best samples? Candidates fitted to the same codes, scored side by side in one run.

    python -m bench.priors --data ../shared/data/landscapes --models assets/models [--out bench/out]

For each model: codes drawn from the training photos' posteriors (two per photo, as `vae.publish.export` fits the
shipped density), and, fitted to them, the Sample tab's mixture (sized on validation draws, as shipped),
larger full-covariance mixtures, and a second-stage VAE on the codes (Dai & Wipf 2019, `bench.code_vae`).
Each draws as many codes as there are test photos (seed 0); the model decodes them; `bench.sample_score`
scores the pictures against the Testing Data photos: Fréchet distance of the landscape classifier's
features (FD) and patch sliced Wasserstein distance (SWD, x10^3), lower is better. Reference rows: N(0, I),
and the model's reconstructions of the test photos themselves (decoded posterior means: what samples
could reach if codes were drawn exactly where photos' codes lie). Then the ratio of each candidate's FD
to the shipped mixture's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from bench.code_vae import fit_code_vae
from bench.quality import SEED, Photos, SampleJudge, decode_codes, markdown_table
from vae.latent.density import fit_best_mixture, fit_mixture
from vae.latent.explore import load_explorer_models
from vae.publish.export import latent_means, posterior_draws

LARGER_MIXTURES = (16, 32)


def candidates(model, photos: Photos) -> dict[str, object]:
    """{label: something with .sample(count, seed=...)}, all fitted to the same posterior draws."""
    size = model.config.image_size
    train, val = (
        posterior_draws(model, photos.pixels("train", size), seed=SEED),
        posterior_draws(model, photos.pixels("val", size), seed=SEED + 1),
    )
    found = {}
    started = time.monotonic()
    mixture, _ = fit_best_mixture(train, val, seed=SEED)
    found[f"mixture of {mixture.components} (the shipped kind)"] = (mixture, time.monotonic() - started)
    for k in LARGER_MIXTURES:
        started = time.monotonic()
        found[f"mixture of {k}"] = (fit_mixture(train, components=k, seed=SEED), time.monotonic() - started)
    started = time.monotonic()
    found["second-stage VAE"] = (fit_code_vae(train, seed=SEED), time.monotonic() - started)
    return found


def model_rows(name: str, em, photos: Photos, judge: SampleJudge) -> list[dict]:
    count, size = len(photos.pixels("test", em.image_size)), em.image_size
    test_codes = latent_means(em.model, photos.pixels("test", size))
    rows = [
        {
            "model": name,
            "sampler": "reconstructions of the test photos (the ceiling)",
            "fit_s": None,
            **judge(decode_codes(em.model, test_codes)),
        },
        {
            "model": name,
            "sampler": "N(0, I)",
            "fit_s": None,
            **judge(
                decode_codes(em.model, torch.randn(count, em.latent_dim, generator=torch.Generator().manual_seed(SEED)))
            ),
        },
    ]
    for label, (prior, seconds) in candidates(em.model, photos).items():
        rows.append(
            {
                "model": name,
                "sampler": label,
                "fit_s": round(seconds, 1),
                **judge(decode_codes(em.model, prior.sample(count, seed=SEED))),
            }
        )
    shipped = next(r["fd"] for r in rows if "shipped" in r["sampler"])
    for row in rows:
        row["fd_vs_mixture"] = round(row["fd"] / shipped, 3)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/landscapes")
    parser.add_argument("--models", default="assets/models")
    parser.add_argument("--out", default="bench/out")
    args = parser.parse_args(argv)
    photos = Photos(args.data)
    models = load_explorer_models(args.models)
    judge = SampleJudge(photos.pixels("test", next(iter(models.values())).image_size))
    rows = [row for name, em in models.items() for row in model_rows(name, em, photos, judge)]
    table = markdown_table(
        ["model", "sampler", "FD", "patch SWD", "FD / shipped mixture's", "fit (s)"],
        [
            [
                r["model"],
                r["sampler"],
                f"{r['fd']:.2f}",
                f"{r['swd']:.1f}",
                f"{r['fd_vs_mixture']:.2f}",
                "—" if r["fit_s"] is None else f"{r['fit_s']:.0f}",
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
