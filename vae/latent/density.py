"""The density of the training photos' codes, fitted after training: fit, save, load, sample, score.

A VAE's prior N(0, I) and the codes real photos get ("the aggregate posterior") differ: random
N(0, I) codes land between the photos' codes and decode to muddle. Sampling from a density fitted to
the photos' codes instead ("ex-post density estimation", Ghosh et al. 2020) lands where real codes
are. A full-covariance Gaussian mixture fitted by EM does this better than one Gaussian, because the
codes of forests, glaciers, mountains and seas sit in different places.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.distributions import Categorical, MixtureSameFamily, MultivariateNormal
from tqdm import tqdm

from ..core.checkpoint import load_tensors, save_tensors
from .portable_random import mixture_codes

JITTER = 1e-4  # added to covariance diagonals so their Cholesky factors always exist
COMPONENT_CHOICES = (1, 2, 4, 8)  # mixture sizes tried; the one that best predicts held-out codes wins
EM_ITERATIONS = 100
EM_TOLERANCE = 1e-5  # stop when the mean log-likelihood per code improves by less than this


@dataclass
class LatentDensity:
    """A mixture of full-covariance Gaussians over codes (one component = the single fitted Gaussian)."""

    weights: torch.Tensor  # (K,)
    means: torch.Tensor  # (K, D)
    scale_trils: torch.Tensor  # (K, D, D) lower Cholesky factors of the covariances

    @property
    def components(self) -> int:
        return len(self.weights)

    def distribution(self, temperature: float = 1.0) -> MixtureSameFamily:
        """The mixture as a torch distribution; `temperature` scales each component's spread around its mean."""
        return MixtureSameFamily(
            Categorical(probs=self.weights.double()),
            MultivariateNormal(self.means.double(), scale_tril=self.scale_trils.double() * temperature),
        )

    def sample(self, count: int, *, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """(count, D) codes, the same for the same seed, and the same as web/sampler.js draws in a browser."""
        codes = mixture_codes(self.weights, self.means, self.scale_trils, seed, count, temperature)
        return torch.from_numpy(codes).float()

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """(N,) log-density of codes (N, D) under the mixture, in nats."""
        return self.distribution().log_prob(z.double()).float()

    def save(self, path: Path) -> None:
        save_tensors({"weights": self.weights, "means": self.means, "scale_trils": self.scale_trils}, path)

    @classmethod
    def load(cls, path: Path) -> LatentDensity:
        tensors = load_tensors(path)
        return cls(tensors["weights"].float(), tensors["means"].float(), tensors["scale_trils"].float())


def weighted_gaussian(codes: torch.Tensor, responsibility: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and Cholesky factor of the covariance of `codes` weighted by `responsibility` (N,)."""
    total = responsibility.sum()
    mean = (responsibility[:, None] * codes).sum(0) / total
    centred = codes - mean
    covariance = (responsibility[:, None] * centred).T @ centred / total
    covariance = covariance + JITTER * torch.eye(codes.shape[1], dtype=codes.dtype)
    return mean, torch.linalg.cholesky(covariance)


def fit_gaussian(codes: torch.Tensor) -> LatentDensity:
    """One full-covariance Gaussian fitted to codes (N, D)."""
    mean, scale_tril = weighted_gaussian(codes.double(), torch.ones(len(codes), dtype=torch.float64))
    return LatentDensity(torch.ones(1), mean[None].float(), scale_tril[None].float())


def fit_mixture(
    codes: torch.Tensor, *, components: int, seed: int = 0, iterations: int = EM_ITERATIONS
) -> LatentDensity:
    """A Gaussian mixture fitted to codes (N, D) by expectation-maximisation, started from
    k-means++-style seeds so that the result depends only on `seed`."""
    codes = codes.double()
    generator = torch.Generator().manual_seed(seed)
    components = max(1, min(components, len(codes) // (2 * codes.shape[1]) or 1))  # each needs data for its covariance
    centres = [codes[torch.randint(len(codes), (1,), generator=generator)].squeeze(0)]
    for _ in range(components - 1):
        distance = torch.cdist(codes, torch.stack(centres)).min(1).values.pow(2)
        centres.append(codes[torch.multinomial(distance / distance.sum(), 1, generator=generator)].squeeze(0))
    assignment = torch.cdist(codes, torch.stack(centres)).argmin(1)
    responsibilities = torch.nn.functional.one_hot(assignment, components).double()  # (N, K)
    previous = -math.inf
    for _ in range(iterations):
        weights = responsibilities.mean(0).clamp_min(1e-8)
        fitted = [weighted_gaussian(codes, responsibilities[:, k] + 1e-8) for k in range(components)]
        means, scale_trils = torch.stack([f[0] for f in fitted]), torch.stack([f[1] for f in fitted])
        joint = MultivariateNormal(means, scale_tril=scale_trils).log_prob(codes[:, None]) + weights.log()  # (N, K)
        log_likelihood = torch.logsumexp(joint, 1)
        responsibilities = (joint - log_likelihood[:, None]).exp()
        mean_log_likelihood = log_likelihood.mean().item()
        if mean_log_likelihood - previous < EM_TOLERANCE:
            break
        previous = mean_log_likelihood
    return LatentDensity(weights.float(), means.float(), scale_trils.float())


def fit_best_mixture(
    train_codes: torch.Tensor, held_out_codes: torch.Tensor, *, seed: int = 0, choices=COMPONENT_CHOICES
) -> tuple[LatentDensity, dict[int, float]]:
    """The mixture size whose fit to `train_codes` gives `held_out_codes` the highest mean
    log-density (more components always fit the training codes better, not always new ones);
    returns it and the held-out score of each size."""
    fits = {
        k: fit_mixture(train_codes, components=k, seed=seed)
        for k in tqdm(choices, desc="fitting the density", leave=False)
    }
    scores = {k: density.log_prob(held_out_codes).mean().item() for k, density in fits.items()}
    return fits[max(scores, key=scores.get)], scores
