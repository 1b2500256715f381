"""Which real photos the explorer shows as the nearest to a code: each candidate measure's hubs and class agreement,
for every bundled model, on the Testing Data photos, side by side in one run.

    python -m bench.nearest --models assets/models --data ../shared/data/landscapes

Each test photo's code (its posterior mean) asks for the 3 (and 5) nearest photos of the model's atlas, the photos the
explorer shows, which are themselves test photos: a query never counts its own photo. For each measure:
- hub share: the share of queries whose 3 nearest hold the photo shown most often (issue 39 asks at most 10 %);
- photos shown: how many of the atlas's photos are ever among the 3 nearest;
- same class: the share of the 3 (5) nearest that share the query's class (at least 50 % asked), beside chance
  (each class's share of the queries times its share of the atlas, summed).
The measures: Euclidean distance (the explorer's before issue 39); cosine; each atlas photo's own posterior
likelihood of the code, N(mu_i, diag(exp(logvar_i))); the likelihood under a posterior of the atlas photos' typical
width; and cosine in units of that typical σ, the explorer's (`vae.latent.likeness`, with the atlas's stored
typical_logvar). Then the chosen measure against Euclidean, as ratios.
"""

from __future__ import annotations

import sys
import time

import torch

from bench.quality import markdown_table, models_and_photos
from vae.latent.atlas import spread_indices
from vae.latent.explore import ExplorerModel
from vae.latent.likeness import likeness

CHOSEN = "cosine in typical σ units (the explorer's)"
FP16_SLACK = 2e-2  # the atlas stores codes in fp16; a recomputed code agrees within its rounding


# the measures: (Q, N) dissimilarities of Q query codes to N atlas codes, smaller is nearer


def euclidean(queries: torch.Tensor, atlas: torch.Tensor, **_) -> torch.Tensor:
    return torch.cdist(queries, atlas)


def cosine(queries: torch.Tensor, atlas: torch.Tensor, **_) -> torch.Tensor:
    unit = torch.nn.functional.normalize
    return 1 - unit(queries, dim=1) @ unit(atlas, dim=1).T


def posterior_likelihood(queries: torch.Tensor, atlas: torch.Tensor, *, atlas_logvar: torch.Tensor, **_):
    """-2 log N(query; mu_i, diag(exp(logvar_i))) up to a constant: each number scaled by that photo's own σ."""
    squared = (queries[:, None] - atlas[None]) ** 2  # (Q, N, D)
    return (squared * torch.exp(-atlas_logvar[None]) + atlas_logvar[None]).sum(-1)


def typical_likelihood(queries: torch.Tensor, atlas: torch.Tensor, *, typical_logvar: torch.Tensor, **_):
    """-2 log N(query; mu_i, diag(typical variance)) up to a constant: every photo's posterior of the typical width."""
    return torch.cdist(queries * torch.exp(-0.5 * typical_logvar), atlas * torch.exp(-0.5 * typical_logvar))


def explorer_measure(queries: torch.Tensor, atlas: torch.Tensor, *, typical_logvar: torch.Tensor, **_):
    """The explorer's own function, one query at a time."""
    return -torch.stack([likeness(atlas, typical_logvar, z) for z in queries])


MEASURES = {
    "Euclidean (before)": euclidean,
    "cosine": cosine,
    "each photo's posterior likelihood": posterior_likelihood,
    "typical posterior likelihood": typical_likelihood,
    CHOSEN: explorer_measure,
}


# scores of a measure's neighbours


def neighbour_scores(
    dissimilarity: torch.Tensor, own: torch.Tensor, query_labels: torch.Tensor, atlas_labels: torch.Tensor
) -> dict:
    """Hub share, photos shown and class agreement of the 3 and 5 nearest; `own`: each query's atlas index, -1 for
    none (never its own neighbour)."""
    dissimilarity = dissimilarity.clone()
    mine = own >= 0
    dissimilarity[mine.nonzero()[:, 0], own[mine]] = torch.inf
    order = torch.sort(dissimilarity, dim=1, stable=True).indices
    top3, top5 = order[:, :3], order[:, :5]
    shown = torch.bincount(top3.flatten(), minlength=dissimilarity.shape[1])
    hub = int(shown.argmax())
    return {
        "hub_share": float((top3 == hub).any(1).float().mean()),
        "shown": int((shown > 0).sum()),
        "same_class_3": float((atlas_labels[top3] == query_labels[:, None]).float().mean()),
        "same_class_5": float((atlas_labels[top5] == query_labels[:, None]).float().mean()),
    }


def chance_agreement(query_labels: torch.Tensor, atlas_labels: torch.Tensor) -> float:
    classes = int(max(query_labels.max(), atlas_labels.max())) + 1
    shares = [
        torch.bincount(labels, minlength=classes).float() / len(labels) for labels in (query_labels, atlas_labels)
    ]
    return float((shares[0] * shares[1]).sum())


@torch.inference_mode()
def posteriors(em: ExplorerModel, pixels: torch.Tensor, batch_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    parts = [em.model.encode(pixels[i : i + batch_size].float() / 255.0) for i in range(0, len(pixels), batch_size)]
    return torch.cat([p.mean for p in parts]), torch.cat([p.logvar for p in parts])


def model_rows(em: ExplorerModel, pixels: torch.Tensor, labels: torch.Tensor) -> tuple[dict, float, str]:
    """Each measure's scores for one model, chance, and where its typical σ came from."""
    mean, logvar = posteriors(em, pixels)
    keep = torch.tensor(spread_indices(len(pixels)))  # the atlas's photos among the test photos
    if len(keep) != len(em.atlas.codes) or (mean[keep] - em.atlas.codes).abs().max() > FP16_SLACK:
        raise ValueError(f"{em.name}'s atlas is not of these test photos (its codes differ): pass the data it shipped")
    own = torch.full((len(pixels),), -1)
    own[keep] = torch.arange(len(keep))
    stored = em.atlas.typical_logvar is not None
    typical = em.atlas.typical_logvar if stored else logvar[keep].exp().mean(0).log()
    options = {"atlas_logvar": logvar[keep], "typical_logvar": typical}
    rows = {
        name: neighbour_scores(measure(mean, em.atlas.codes, **options), own, labels, em.atlas.labels)
        for name, measure in MEASURES.items()
    }
    return rows, chance_agreement(labels, em.atlas.labels), "stored" if stored else "recomputed (atlas without it)"


def main(argv=None) -> int:
    started = time.perf_counter()
    args, models, photos = models_and_photos(__doc__, argv)
    lines, summary = [], []
    for em in models.values():
        if em.atlas is None:
            continue
        pixels, labels = photos.pixels("test", em.image_size), photos.labels("test", em.image_size)
        rows, chance, typical = model_rows(em, pixels, labels)
        for name, row in rows.items():
            lines.append(
                [
                    em.name,
                    name,
                    f"{100 * row['hub_share']:.1f} %",
                    f"{row['shown']} of {len(em.atlas.codes)}",
                    f"{100 * row['same_class_3']:.1f} %",
                    f"{100 * row['same_class_5']:.1f} %",
                    f"{100 * chance:.1f} %",
                ]
            )
        before, chosen = rows["Euclidean (before)"], rows[CHOSEN]
        summary.append(
            [
                em.name,
                f"{100 * chosen['hub_share']:.1f} % against {100 * before['hub_share']:.1f} % "
                f"({chosen['hub_share'] / before['hub_share']:.2f}x)",
                f"{chosen['shown']} against {before['shown']} ({chosen['shown'] / before['shown']:.1f}x)",
                f"{100 * chosen['same_class_3']:.1f} % against {100 * before['same_class_3']:.1f} % "
                f"({100 * (chosen['same_class_3'] - before['same_class_3']):+.1f} points)",
                typical,
            ]
        )
    print(f"{len(pixels)} Testing Data photos, each asking for its nearest atlas photos (never its own)\n")
    header = ["model", "measure", "hub share", "photos shown", "same class, 3 nearest", "5 nearest", "chance"]
    print(markdown_table(header, lines))
    print("\nthe explorer's measure against Euclidean distance:\n")
    header = ["model", "hub share", "photos shown", "same class, 3 nearest", "typical σ"]
    print(markdown_table(header, summary))
    print(f"\ntook {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
