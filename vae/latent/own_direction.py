"""A slider a visitor makes from photos: the direction from photos without a quality to photos with it."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .explore import ExplorerModel, encode

MIN_GROUP = 2  # photos per group of an own direction: one photo's code is its quality and everything else


@dataclass
class OwnDirection:
    """A direction a visitor makes from photos with a quality and photos without it."""

    vector: torch.Tensor  # (D,) one unit of the slider: the unit direction times the photos' spread along it
    spread: float  # standard deviation of the real photos' codes along the unit direction
    separation: float  # how far apart the two groups' mean codes are, in spreads


@torch.inference_mode()
def own_direction(em: ExplorerModel, with_quality: list[torch.Tensor], without: list[torch.Tensor]) -> OwnDirection:
    """The difference of the two groups' mean codes, in units of the photos' spread along it: the held-out
    photos of the model's atlas where it ships one (many photos, so a stable spread), else the chosen ones."""
    if len(with_quality) < MIN_GROUP or len(without) < MIN_GROUP:
        raise ValueError(
            f"choose at least {MIN_GROUP} photos with the quality and {MIN_GROUP} without it "
            f"(got {len(with_quality)} and {len(without)})"
        )
    codes_with = torch.stack([encode(em, x) for x in with_quality])
    codes_without = torch.stack([encode(em, x) for x in without])
    population = em.atlas.codes if em.atlas is not None else torch.cat([codes_with, codes_without])
    return own_direction_of_codes(codes_with, codes_without, population)


def own_direction_of_codes(
    codes_with: torch.Tensor, codes_without: torch.Tensor, population: torch.Tensor
) -> OwnDirection:
    """own_direction's formula on codes (web/latent_formulas.js ownDirection computes the same)."""
    difference = codes_with.mean(0) - codes_without.mean(0)
    if not difference.norm() > 0:
        raise ValueError("the two groups' photos have the same codes: choose photos that differ in the quality")
    unit = difference / difference.norm()
    spread = float((population @ unit).std().clamp_min(1e-6))
    return OwnDirection(unit * spread, spread, float(difference.norm()) / spread)
