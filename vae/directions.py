"""Directions in the latent space that a visitor can move along, computed from real photos' codes.

- Main directions: the principal directions of the training photos' codes, largest first (GANSpace,
  Härkönen et al. 2020). Along them the photos differ most, so moving along one changes the picture
  far more than moving one code number of a low-beta model.
- Class directions: the mean code of each class minus the mean of all codes ("attribute vectors",
  White 2016): "more forest", "more sea".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoint import load_tensors, save_tensors

MAIN_DIRECTIONS = 16  # shipped per model; the app shows the first few


@dataclass
class LatentAxes:
    mean: torch.Tensor  # (D,) mean code of the training photos
    directions: torch.Tensor  # (K, D) unit principal directions, largest variance first
    spread: torch.Tensor  # (K,) standard deviation of the codes along each direction
    share: torch.Tensor  # (K,) share of the codes' total variance along each direction
    class_directions: torch.Tensor  # (C, D) class mean minus overall mean; (0, D) without classes

    def lift(self, coordinates: torch.Tensor) -> torch.Tensor:
        """(D,) code at `coordinates` (k,) along the first k main directions, in units of their spread."""
        k = len(coordinates)
        return self.mean + (coordinates * self.spread[:k]) @ self.directions[:k]

    def coordinates(self, z: torch.Tensor, count: int) -> torch.Tensor:
        """(..., count) position of codes along the first `count` main directions, in units of their spread."""
        return ((z - self.mean) @ self.directions[:count].T) / self.spread[:count]

    def save(self, path: Path) -> None:
        save_tensors({"mean": self.mean, "directions": self.directions, "spread": self.spread, "share": self.share,
                      "class_directions": self.class_directions}, path)

    @classmethod
    def load(cls, path: Path) -> "LatentAxes":
        t = load_tensors(path)
        return cls(*(t[k].float() for k in ("mean", "directions", "spread", "share", "class_directions")))


def fit_axes(codes: torch.Tensor, labels: list[int] | None = None, *, count: int = MAIN_DIRECTIONS) -> LatentAxes:
    """Main directions of codes (N, D); class directions when each code has a class label."""
    codes = codes.double()
    mean = codes.mean(0)
    _, singular, vectors = torch.linalg.svd(codes - mean, full_matrices=False)
    variance = singular.pow(2) / max(1, len(codes) - 1)
    count = min(count, len(variance))
    if labels is None:
        classes = torch.zeros(0, codes.shape[1], dtype=codes.dtype)
    else:
        label_tensor = torch.as_tensor(labels)
        classes = torch.stack([codes[label_tensor == c].mean(0) - mean for c in range(int(label_tensor.max()) + 1)])
    return LatentAxes(mean.float(), vectors[:count].float().contiguous(), variance[:count].sqrt().float(),
                      (variance[:count] / variance.sum()).float(), classes.float())
