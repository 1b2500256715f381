"""How alike two things are, as the explorer tells it: which real photos' codes are like a code (the nearest photos),
and how much of a photo's detail its copy keeps (the Reconstruct tab's words). web/latent_formulas.js computes both
the same way; tests/test_web_formulas.py holds the two together.

Nearest photos. Euclidean distance between 128-number codes is ruled by hubs, codes near the centre that are close to
everything (Radovanović et al. 2010): with beta-1 one photo was among the 3 nearest of 47 % of the test photos, and a
third of the neighbours shared the photo's class. Here codes are compared by the angle between them, each number
counted in units of how finely the encoder reads it (the atlas photos' typical posterior σ in that number): the angle
ignores how far from the centre a code lies, and the numbers the encoder reads only coarsely count less.
`python -m bench.nearest` measures it beside Euclidean distance, plain cosine and each photo's own posterior likelihood.

Detail. PSNR rewards a blurred copy of a hazy photo, so the words also say how much of the photo's edges the copy
keeps: the energy of its differences between neighbouring pixels at half the resolution (where the edges are those
of shapes: ridges, branches, waves; at full resolution no model of this size keeps more than a trace), as a share of
the photo's. `python -m bench.closeness` measures it beside SSIM, which rates hazy copies as high as sharp ones.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MATCH_RADIUS = 1.0  # in typical posterior σ: a code this close to a photo's code is that photo's (the encoder reads
# the two alike); codes of different test photos lie at least 3 σ apart, the same photo's within 0.4 σ (fp16 codes)
MIN_NORM = 1e-12  # the all-zero code has no direction: it is equally like every photo
MIN_EDGE_ENERGY = 1e-12  # a photo without edges has no detail to lose: its copy keeps all of it


# nearest photos


def in_sigma_units(codes: torch.Tensor, typical_logvar: torch.Tensor | None) -> torch.Tensor:
    """(..., D) codes divided by the typical posterior σ of each number; as they are without one (an atlas saved before
    it was stored: every number then counts alike, which is plain cosine, still far fewer hubs than Euclidean)."""
    return codes.float() if typical_logvar is None else codes.float() * torch.exp(-0.5 * typical_logvar.float())


def likeness(codes: torch.Tensor, typical_logvar: torch.Tensor | None, z: torch.Tensor) -> torch.Tensor:
    """(N,) the cosine between code z (D,) and each of `codes` (N, D), in σ units: 1 for the same direction."""
    u, v = in_sigma_units(codes, typical_logvar), in_sigma_units(z, typical_logvar)
    return (u @ v) / (u.norm(dim=1) * v.norm()).clamp_min(MIN_NORM)


def nearest_indices(
    codes: torch.Tensor,
    typical_logvar: torch.Tensor | None,
    z: torch.Tensor,
    count: int = 3,
    *,
    leave_out: int | None = None,
) -> list[int]:
    """Indices of the `count` codes most like z, most alike first (ties in index order); `leave_out` is never one."""
    scores = likeness(codes, typical_logvar, z)
    if leave_out is not None:
        scores[leave_out] = -torch.inf
    order = torch.sort(scores, descending=True, stable=True).indices
    return order[: count if leave_out is None else min(count, len(codes) - 1)].tolist()


def matching_index(codes: torch.Tensor, typical_logvar: torch.Tensor | None, z: torch.Tensor) -> int | None:
    """The index of the code that z is (within MATCH_RADIUS typical σ), or None: the query photo is on the map."""
    if not len(codes):
        return None
    distances = (in_sigma_units(codes, typical_logvar) - in_sigma_units(z, typical_logvar)).norm(dim=1)
    closest = int(distances.argmin())
    return closest if float(distances[closest]) < MATCH_RADIUS else None


# detail


def edge_energy(x: torch.Tensor) -> torch.Tensor:
    """(B,) of pictures (B, 3, H, W): squared differences between neighbouring pixels, across and down, summed, of
    the picture averaged over 2x2 blocks."""
    half = F.avg_pool2d(x.float(), 2)
    across, down = half[..., :, 1:] - half[..., :, :-1], half[..., 1:, :] - half[..., :-1, :]
    return across.pow(2).flatten(1).sum(1) + down.pow(2).flatten(1).sum(1)


def detail_kept(copy: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
    """(B,) the copy's edge energy as a share of the photo's (1 for a photo without edges); a blurred copy keeps
    little, a copy with invented texture can pass 1 (the words cap it)."""
    there = edge_energy(photo)
    return torch.where(there > MIN_EDGE_ENERGY, edge_energy(copy) / there.clamp_min(MIN_EDGE_ENERGY), 1.0)
