"""Loss terms as pure functions, each per image: summed over pixels or latent dimensions.

Summing per image (and averaging over the batch only) keeps beta's meaning from the beta-VAE
paper (Higgins et al. 2017): beta = 1 is the evidence lower bound, whatever the image size.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .metrics import ms_ssim

IMQ_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) per latent dimension, (B, D); see Appendix B of the VAE paper."""
    mu, logvar = mu.float(), logvar.float()
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def gaussian_nll(mean: torch.Tensor, x: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """Per-value negative log-density of x under N(mean, sigma^2), in nats."""
    return 0.5 * (x - mean).pow(2) * torch.exp(-2.0 * log_sigma) + log_sigma + 0.5 * math.log(2 * math.pi)


def reconstruction_per_image(
    logits: torch.Tensor, x: torch.Tensor, kind: str, log_sigma: torch.Tensor | None = None
) -> torch.Tensor:
    """(B,) negative log-likelihood of x under the decoder, summed over pixels; logits are the
    decoder's pre-sigmoid output.

    bce: Bernoulli likelihood (the seed's objective); mse: sum of squared errors of sigmoid(logits);
    gaussian: N(sigmoid(logits), sigma^2) with the model's learned sigma (sigma-VAE, Rybkin et al.
    2021), in nats, so that recon + KL is the negative ELBO.
    """
    logits, x = logits.float(), x.float()
    if kind == "bce":
        per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    elif kind == "mse":
        per_pixel = (torch.sigmoid(logits) - x).pow(2)
    elif kind == "gaussian":
        if log_sigma is None:
            raise ValueError("the gaussian reconstruction needs the model's log_sigma")
        per_pixel = gaussian_nll(torch.sigmoid(logits), x, log_sigma.float())
    else:
        raise ValueError(f"reconstruction must be 'bce', 'mse' or 'gaussian', got {kind!r}")
    return per_pixel.flatten(1).sum(1)


def mmd_imq(z: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD between codes and prior samples, inverse multiquadratic kernels (WAE, Tolstikhin et al. 2018).

    Sums the kernel k(a, b) = C / (C + |a - b|^2) over the scales the paper uses, C = 2 * D * s.
    """
    z, prior = z.float(), prior.float()
    n, dim = z.shape
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=z.device)
    within = torch.cdist(z, z).pow(2)[off_diagonal], torch.cdist(prior, prior).pow(2)[off_diagonal]
    across = torch.cdist(z, prior).pow(2)
    total = z.new_zeros(())
    for scale in IMQ_SCALES:
        c = 2.0 * dim * scale
        same = sum((c / (c + d)).sum() for d in within) / (n * (n - 1))
        total = total + same - 2.0 * (c / (c + across)).mean()
    return total


def capacity_at(step: int, *, target: float, steps: int) -> float:
    """Burgess et al. (2018): the KL capacity C rises linearly from 0 to `target` over `steps`."""
    return target * min(1.0, step / steps) if steps > 0 else target


def warmup_factor(step: int, steps: int) -> float:
    """KL warm-up: the KL weight rises linearly from 0 to 1 over `steps` (0 = no warm-up)."""
    return min(1.0, step / steps) if steps > 0 else 1.0


def vae_loss(
    logits: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    *,
    beta: float,
    reconstruction: str,
    objective: str = "vae",
    log_sigma: torch.Tensor | None = None,
    kl_weight: float = 1.0,
    capacity: float | None = None,
    msssim_weight: float | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, torch.Tensor]:
    """Batch means of each term and the total to minimise.

    vae: recon + beta * kl_weight * KL, or recon + beta * |KL - C| with a capacity C;
    wae: recon + beta * MMD(z, prior samples); KL is still reported for comparison.
    msssim_weight adds that many times (1 - MS-SSIM) per pixel value (the MS-SSIM half of Zhao et al. 2017's
    mix, with the likelihood as its pixel term).
    """
    recon = reconstruction_per_image(logits, x, reconstruction, log_sigma).mean()
    kl = kl_per_dim(mu, logvar).sum(1).mean()
    terms = {"recon": recon, "kl": kl}
    if objective == "wae":
        prior = torch.randn(z.shape, generator=generator, device=z.device)
        terms["mmd"] = mmd_imq(z, prior)
        regulariser = terms["mmd"]
    elif capacity is not None:
        regulariser = (kl - capacity).abs()
    else:
        regulariser = kl * kl_weight
    terms["loss"] = recon + beta * regulariser
    if msssim_weight:
        terms["msssim"] = (1.0 - ms_ssim(torch.sigmoid(logits), x)).mean() * x[0].numel()
        terms["loss"] = terms["loss"] + msssim_weight * terms["msssim"]
    return terms


def model_loss(
    model,
    x: torch.Tensor,
    *,
    kl_weight: float = 1.0,
    capacity: float | None = None,
    msssim_weight: float | None = None,
    generator: torch.Generator | None = None,
    network=None,
    adversary=None,
) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """The one objective: run `model` on x and return (its loss terms, mu, logvar). Training, validation and
    `vae.core.evaluate` all call this, so a run is scored on the objective it trains. `network` is the
    module to call when it differs from `model` (a DistributedDataParallel or compiled wrapper).
    `adversary` (a `vae.core.adversarial.Adversary`, training only) adds its term for the reconstructions."""
    config = model.config
    logits, mu, logvar, z = (model if network is None else network)(
        x, generator
    )  # a compiled module has no truth value
    terms = vae_loss(
        logits,
        x,
        mu,
        logvar,
        z,
        beta=config.beta,
        reconstruction=config.reconstruction,
        objective=config.objective,
        log_sigma=model.log_sigma,
        kl_weight=kl_weight,
        capacity=capacity,
        msssim_weight=msssim_weight,
        generator=generator,
    )
    if adversary is not None:
        terms.update(adversary.generator_term(model, terms["recon"], torch.sigmoid(logits.float()), x))
        terms["loss"] = terms["loss"] + terms["adversarial"]
    return terms, mu, logvar


def elbo_per_value(model, x: torch.Tensor) -> torch.Tensor:
    """(B,) the evidence lower bound of each image per pixel value, in nats (higher: more likely under
    the model), whatever beta the model trained with; the reconstruction term decodes z = mu, so it repeats."""
    mu, logvar = model.encode(x)
    recon = reconstruction_per_image(model.decode_logits(mu), x, model.config.reconstruction, model.log_sigma)
    return -(recon + kl_per_dim(mu, logvar).sum(1)) / x[0].numel()
