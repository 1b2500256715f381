"""A neural spline flow on the codes (zuko's NSF with 2 passes: rational-quadratic spline coupling transforms, Durkan
et al. 2019),
fitted by maximum likelihood: the normalizing-flow candidate of `bench.priors`. Codes are standardized first (each
number to zero mean and unit spread) so that the splines' bounded range covers them; temperature scales the base
noise, as it scales the flow-matching prior's starting noise."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import zuko


@dataclass
class SplineFlowConfig:
    transforms: int = 6
    hidden: int = 256
    bins: int = 8
    passes: int = 2  # coupling transforms (half the numbers condition the other half): sampling in 2 passes, not D
    steps: int = 2000
    batch: int = 256
    lr: float = 1e-3


class SplineFlowPrior:
    def __init__(self, flow, mean: torch.Tensor, std: torch.Tensor):
        self.flow, self.mean, self.std = flow, mean, std

    @torch.no_grad()
    def sample(self, count: int, *, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """(count, D) codes, the same for the same seed: base noise scaled by `temperature`, through the flow."""
        distribution = self.flow()
        noise = torch.randn(count, len(self.mean), generator=torch.Generator().manual_seed(seed)) * temperature
        return distribution.transform.inv(noise) * self.std + self.mean

    @torch.no_grad()
    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return self.flow().log_prob((z - self.mean) / self.std) - self.std.log().sum()


def fit_spline_flow(codes: torch.Tensor, *, seed: int = 0, config: SplineFlowConfig | None = None) -> SplineFlowPrior:
    config = config or SplineFlowConfig()
    torch.manual_seed(seed)
    mean, std = codes.mean(0), codes.std(0).clamp_min(1e-6)
    data = (codes - mean) / std
    flow = zuko.flows.NSF(
        features=codes.shape[1],
        transforms=config.transforms,
        bins=config.bins,
        passes=config.passes,
        hidden_features=[config.hidden] * 2,
    )
    optimizer = torch.optim.AdamW(flow.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(config.steps):
        batch = data[torch.randint(len(data), (config.batch,), generator=generator)]
        loss = -flow().log_prob(batch).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return SplineFlowPrior(flow.eval(), mean, std)
