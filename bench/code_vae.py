"""A second-stage VAE over a model's codes (Dai & Wipf 2019, "Diagnosing and enhancing VAE models"), a candidate
prior that `bench.priors` measures beside the shipped mixture. It lost (docs/RESULTS.md), so it is not shipped.

The first VAE's codes of real photos do not fill N(0, I): sampling N(0, I) lands between them. A small VAE
trained on those codes learns where they lie; decoding its own N(0, I) draws gives codes where the photos'
codes are, which the first decoder then paints. Its decoder's noise scale gamma is learned, as the paper
asks, so that it can fit the codes closely. Codes are standardised before and restored after.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from vae.core.checkpoint import load_tensors, save_tensors

HIDDEN = 512
STEPS = 4000
BATCH = 256
LR = 1e-3


def mlp(inputs: int, outputs: int, hidden: int = HIDDEN) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, outputs)
    )


class CodeVAE(nn.Module):
    def __init__(self, dim: int, hidden: int = HIDDEN):
        super().__init__()
        self.encoder = mlp(dim, 2 * dim, hidden)  # -> (mu, logvar) of a code-sized latent
        self.decoder = mlp(dim, dim, hidden)
        self.log_gamma = nn.Parameter(torch.zeros(()))
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(dim))

    @property
    def dim(self) -> int:
        return len(self.mean)

    def loss(self, codes: torch.Tensor) -> torch.Tensor:
        """The negative ELBO per standardised code: Gaussian reconstruction with learned gamma, plus KL."""
        mu, logvar = self.encoder(codes).chunk(2, dim=1)
        u = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        squared = (self.decoder(u) - codes).pow(2).sum(1)
        recon = 0.5 * squared * torch.exp(-2 * self.log_gamma) + self.dim * (
            self.log_gamma + 0.5 * math.log(2 * math.pi)
        )
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return (recon + kl).mean()

    @torch.no_grad()
    def sample(self, count: int, *, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """(count, D) codes: the second decoder's means at N(0, I) draws, in the first model's code units."""
        u = torch.randn(count, self.dim, generator=torch.Generator().manual_seed(seed)) * temperature
        return self.decoder(u) * self.scale + self.mean

    def save(self, path: Path) -> None:
        save_tensors(self.state_dict(), path)

    @classmethod
    def load(cls, path: Path) -> CodeVAE:
        state = load_tensors(path)
        model = cls(len(state["mean"]), hidden=state["encoder.0.weight"].shape[0])
        model.load_state_dict(state)
        return model.eval()


def fit_code_vae(codes: torch.Tensor, *, steps: int = STEPS, seed: int = 0) -> CodeVAE:
    """A CodeVAE trained on codes (N, D) by Adam with a cosine schedule."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = CodeVAE(codes.shape[1])
    model.mean.copy_(codes.mean(0))
    model.scale.copy_(codes.std(0).clamp_min(1e-6))
    data = (codes - model.mean) / model.scale
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    model.train()
    for _ in range(steps):
        batch = data[torch.randint(len(data), (BATCH,), generator=generator)]
        optimizer.zero_grad(set_to_none=True)
        model.loss(batch).backward()
        optimizer.step()
        schedule.step()
    return model.eval()
