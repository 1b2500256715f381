"""Directions in the latent space that a visitor can move along, computed from real photos' codes.

- Main directions: the principal directions of the training photos' codes, largest first (GANSpace,
  Härkönen et al. 2020). Along them the photos differ most, so moving along one changes the picture
  far more than moving one code number of a low-beta model. Code differences are measured by how much
  they change the picture (`picture_metric`): a model whose codes are whitened (one started from PCA has
  codes of unit variance along every number) would otherwise have no main directions at all.
- Class directions: the mean code of each class minus the mean of all codes ("attribute vectors",
  White 2016): "more forest", "more sea".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..core.checkpoint import load_tensors, save_tensors

MAIN_DIRECTIONS = 16  # shipped per model; the app shows the first few


@dataclass
class LatentAxes:
    origin: torch.Tensor  # (D,) mean code of the training photos
    vectors: torch.Tensor  # (K, D) unit principal directions, largest variance first
    scale: torch.Tensor  # (K,) standard deviation of the codes along each direction
    share: torch.Tensor  # (K,) share of the codes' total variance along each direction
    class_directions: torch.Tensor  # (C, D) class mean minus overall mean; (0, D) without classes

    def lift(self, coordinates: torch.Tensor) -> torch.Tensor:
        """(D,) code at `coordinates` (k,) along the first k main directions, in units of their scale."""
        k = len(coordinates)
        return self.origin + (coordinates * self.scale[:k]) @ self.vectors[:k]

    def coordinates(self, z: torch.Tensor, count: int) -> torch.Tensor:
        """(..., count) position of codes along the first `count` main directions, in units of their scale."""
        return ((z - self.origin) @ self.vectors[:count].T) / self.scale[:count]

    def save(self, path: Path) -> None:
        save_tensors(
            {
                "mean": self.origin,  # the file's names, as exports have always written them
                "directions": self.vectors,
                "spread": self.scale,
                "share": self.share,
                "class_directions": self.class_directions,
            },
            path,
        )

    @classmethod
    def load(cls, path: Path) -> LatentAxes:
        t = load_tensors(path)
        return cls(*(t[k].float() for k in ("mean", "directions", "spread", "share", "class_directions")))


def picture_metric(decode, z: torch.Tensor) -> torch.Tensor:
    """(D, D) J^T J, J the Jacobian of `decode` (a batch of codes to pictures) at the code z (D,):
    |J d|^2 is how much a small step d in code space changes the picture, summed over pixel values."""
    with torch.no_grad():  # forward-mode derivatives only; nothing for the weights
        jacobian = torch.func.jacfwd(lambda v: decode(v[None])[0])(z.float())  # (3, H, W, D)
    flat = jacobian.reshape(-1, z.numel()).double()
    return flat.T @ flat


def symmetric_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def largest_entry_sign(vectors: torch.Tensor) -> torch.Tensor:
    """(K,) the sign of each row's largest entry: a direction's sign is arbitrary to the SVD, and flipping
    it with rounding noise (a refit, another machine) would turn a slider around."""
    return torch.gather(vectors, 1, vectors.abs().argmax(1, keepdim=True)).squeeze(1).sign()


def fit_axes(
    codes: torch.Tensor,
    labels: list[int] | None = None,
    *,
    count: int = MAIN_DIRECTIONS,
    metric: torch.Tensor | None = None,
) -> LatentAxes:
    """Main directions of codes (N, D); class directions when each code has a class label.

    With a `metric` (D, D) from `picture_metric`, code differences are weighed by how much they change the
    picture: the directions are the principal directions of metric^(1/2) (codes - mean), still orthonormal
    in code space, ordered (and `share`d) by the pictures' variation along them; `scale` stays in code units."""
    codes = codes.double()
    mean = codes.mean(0)
    weighted = codes - mean if metric is None else (codes - mean) @ symmetric_sqrt(metric.double())
    _, singular, vectors = torch.linalg.svd(weighted, full_matrices=False)
    vectors = vectors * largest_entry_sign(vectors)[:, None]
    variance = singular.pow(2) / max(1, len(codes) - 1)
    count = min(count, len(variance))
    spread = ((codes - mean) @ vectors[:count].T).std(0)  # in code units, with or without a metric
    if labels is None:
        classes = torch.zeros(0, codes.shape[1], dtype=codes.dtype)
    else:
        label_tensor = torch.as_tensor(labels)
        classes = torch.stack([codes[label_tensor == c].mean(0) - mean for c in range(int(label_tensor.max()) + 1)])
    return LatentAxes(
        mean.float(),
        vectors[:count].float().contiguous(),
        spread.float(),
        (variance[:count] / variance.sum()).float(),
        classes.float(),
    )
