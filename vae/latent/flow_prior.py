"""A diffusion-style prior on the codes: flow matching (Lipman et al. 2023; rectified flow, Liu et al. 2023).

The codes real photos get lie on a thin, curved set that a few Gaussians cannot follow (beta-1's posteriors are
narrow). A small network learns the velocity field that carries N(0, I) noise to those codes along straight
paths; sampling integrates it with Heun's method in `steps` steps. As in a latent diffusion prior (Wehenkel &
Louppe 2021, Vahdat et al. 2021), the VAE is untouched: the prior is fitted afterwards to posterior draws.

Temperature scales the starting noise: below 1 the paths start nearer the centre and end on more typical codes.
Saved in a model folder as latent_prior.safetensors (weights and the codes' standardisation) and
latent_prior.json (the network's shape and the sampling steps).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..core.checkpoint import load_tensors, save_tensors

WEIGHTS_FILE, CONFIG_FILE = "latent_prior.safetensors", "latent_prior.json"
EMA_RATE = 0.005  # each step moves the kept weights this far towards the trained ones (decay 0.995)


@dataclass
class FlowPriorConfig:
    dim: int
    hidden: int = 512  # width of the velocity network
    blocks: int = 3  # residual blocks
    time_features: int = 32  # sinusoidal features of t in [0, 1]
    steps: int = 32  # Heun steps when sampling (two network calls each, one for the last)


def time_embedding(t: torch.Tensor, features: int) -> torch.Tensor:
    """(B,) times in [0, 1] -> (B, features) sines and cosines at geometric frequencies."""
    frequencies = torch.exp(torch.linspace(0.0, math.log(1000.0), features // 2, device=t.device))
    angles = t[:, None] * frequencies[None] * math.pi
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.layers = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.layers(h)


class VelocityNet(nn.Module):
    """v(z_t, t): where a point on its way from noise to a code moves at time t."""

    def __init__(self, config: FlowPriorConfig):
        super().__init__()
        self.time_features = config.time_features
        self.inputs = nn.Linear(config.dim + config.time_features, config.hidden)
        self.blocks = nn.Sequential(*(ResidualBlock(config.hidden) for _ in range(config.blocks)))
        self.outputs = nn.Sequential(nn.LayerNorm(config.hidden), nn.SiLU(), nn.Linear(config.hidden, config.dim))

    def forward(self, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.outputs(self.blocks(self.inputs(torch.cat([z, time_embedding(t, self.time_features)], dim=1))))


@dataclass
class FlowPrior:
    config: FlowPriorConfig
    net: VelocityNet
    mean: torch.Tensor  # (D,) the codes' mean and spread: the network works on standardised codes
    std: torch.Tensor

    @torch.inference_mode()
    def sample(self, count: int, *, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """(count, D) codes: noise from `seed` (scaled by `temperature`) carried to the codes by Heun's method."""
        z = torch.randn(count, self.config.dim, generator=torch.Generator().manual_seed(int(seed))) * temperature
        return self.integrate(z) * self.std + self.mean

    def integrate(self, z: torch.Tensor) -> torch.Tensor:
        """Standardised noise at t = 0 to standardised codes at t = 1."""
        self.net.eval()
        steps = self.config.steps
        for i in range(steps):
            t0, t1 = i / steps, (i + 1) / steps
            v0 = self.net(z, torch.full((len(z),), t0))
            guess = z + (t1 - t0) * v0
            v1 = self.net(guess, torch.full((len(z),), t1))
            z = z + (t1 - t0) * 0.5 * (v0 + v1)
        return z

    def save(self, folder: Path) -> None:
        tensors = {f"net.{k}": v for k, v in self.net.state_dict().items()}
        save_tensors({**tensors, "mean": self.mean, "std": self.std}, Path(folder) / WEIGHTS_FILE)
        (Path(folder) / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> FlowPrior:
        config = FlowPriorConfig(**json.loads((Path(folder) / CONFIG_FILE).read_text()))
        tensors = load_tensors(Path(folder) / WEIGHTS_FILE)
        net = VelocityNet(config)
        net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        return cls(config, net.eval(), tensors["mean"], tensors["std"])

    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / WEIGHTS_FILE).is_file() and (Path(folder) / CONFIG_FILE).is_file()


def fit_flow_prior(
    codes: torch.Tensor,
    *,
    seed: int = 0,
    train_steps: int = 6000,
    batch_size: int = 256,
    lr: float = 1e-3,
    config: FlowPriorConfig | None = None,
) -> FlowPrior:
    """Fit the velocity field to `codes` (N, D): for x0 ~ N(0, I), x1 a standardised code and t ~ U(0, 1),
    regress v(x_t, t) on x1 - x0 along x_t = (1 - t) x0 + t x1. AdamW with a cosine learning rate; an
    exponential moving average of the weights is what is kept (as diffusion models do)."""
    config = config or FlowPriorConfig(dim=codes.shape[1])
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mean, std = codes.mean(0), codes.std(0).clamp_min(1e-6)
    data = (codes - mean) / std
    net = VelocityNet(config)
    average = VelocityNet(config)
    average.load_state_dict(net.state_dict())
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, train_steps)
    for _ in range(train_steps):
        x1 = data[torch.randint(len(data), (batch_size,), generator=generator)]
        x0 = torch.randn(x1.shape, generator=generator)
        t = torch.rand(batch_size, generator=generator)
        xt = (1 - t[:, None]) * x0 + t[:, None] * x1
        loss = (net(xt, t) - (x1 - x0)).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            for kept, new in zip(average.parameters(), net.parameters(), strict=True):
                kept.lerp_(new, EMA_RATE)
    return FlowPrior(config, average.eval(), mean, std)


def export_onnx(prior: FlowPrior, path: Path) -> Path:
    """The velocity network as ONNX (inputs z (B, D) standardised and t (B,); output v (B, D)), so that a browser
    can sample with the same prior: Heun's steps around it, then `* std + mean` (both in the safetensors file)."""
    z, t = torch.zeros(2, prior.config.dim), torch.zeros(2)
    torch.onnx.export(
        prior.net.eval(),
        (z, t),
        str(path),
        input_names=["z", "t"],
        output_names=["v"],
        dynamic_axes={"z": {0: "batch"}, "t": {0: "batch"}, "v": {0: "batch"}},
        dynamo=False,
    )
    return Path(path)
