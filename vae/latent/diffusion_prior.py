"""A diffusion-style prior on the codes: flow matching (Lipman et al. 2023; rectified flow, Liu et al. 2023).

The codes real photos get lie on a thin, curved set that a few Gaussians cannot follow (beta-1's posteriors are
narrow). A small network learns the velocity field that carries N(0, I) noise to those codes along straight
paths; sampling integrates it with Heun's method in `steps` steps. As in a latent diffusion prior (Wehenkel &
Louppe 2021, Vahdat et al. 2021), the VAE is untouched: the prior is fitted afterwards to posterior draws.

Where the photos come in class folders, the field also reads the class of the photo a code came from, and a
draw first picks a class by its share of the training photos: the classes' codes lie in different regions, and a
field that knows which one it is heading for reaches the rarer ones (`bench.priors` measures the difference).

Draws are portable: a seed's class picks and starting noise come from `portable_random`, as the mixture's do,
so web/sampler.js draws the same codes with the exported network. Temperature scales the starting noise: below 1
the paths start nearer the centre and end on more typical codes.

Saved in a model folder as diffusion_prior.safetensors (fp16 weights, the codes' standardisation and the class
shares) and diffusion_prior.json (the network's shape and the sampling steps).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..core.checkpoint import load_tensors, save_tensors
from .portable_random import picks, portable_noise

WEIGHTS_FILE, CONFIG_FILE = "diffusion_prior.safetensors", "diffusion_prior.json"
EMA_RATE = 0.005  # each step moves the kept weights this far towards the trained ones (decay 0.995)


@dataclass
class DiffusionPriorConfig:
    dim: int
    classes: int = 1  # class labels the field reads (one: photos without class folders)
    hidden: int = 512  # width of the velocity network
    blocks: int = 3  # residual blocks
    time_features: int = 32  # sinusoidal features of t in [0, 1]
    class_features: int = 32  # learned features of the class
    steps: int = 32  # Heun steps when sampling (two network calls each)


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
    """v(z_t, t, class): where a point on its way from noise to a code of that class moves at time t. The class
    comes one-hot (B, classes), which a browser passes as plain floats."""

    def __init__(self, config: DiffusionPriorConfig):
        super().__init__()
        self.time_features = config.time_features
        self.class_features = nn.Linear(config.classes, config.class_features, bias=False)
        self.inputs = nn.Linear(config.dim + config.time_features + config.class_features, config.hidden)
        self.blocks = nn.Sequential(*(ResidualBlock(config.hidden) for _ in range(config.blocks)))
        self.outputs = nn.Sequential(nn.LayerNorm(config.hidden), nn.SiLU(), nn.Linear(config.hidden, config.dim))

    def forward(self, z: torch.Tensor, t: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        features = [z, time_embedding(t, self.time_features), self.class_features(label)]
        return self.outputs(self.blocks(self.inputs(torch.cat(features, dim=1))))


@dataclass
class DiffusionPrior:
    config: DiffusionPriorConfig
    net: VelocityNet
    mean: torch.Tensor  # (D,) the codes' mean and spread: the network works on standardised codes
    std: torch.Tensor
    class_shares: torch.Tensor  # (classes,) each class's share of the training codes

    @torch.inference_mode()
    def sample(self, count: int, *, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """(count, D) codes, the same for the same seed: uniform i < count picks draw i's class by its share, the
        normals after them (scaled by `temperature`) start its path, and Heun's method carries them to a code."""
        label = torch.from_numpy(picks(self.class_shares.numpy(), seed, count))
        noise = torch.from_numpy(portable_noise(seed, count, self.config.dim)).float() * temperature
        return self.integrate(noise, label) * self.std + self.mean

    def integrate(self, z: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """Standardised noise at t = 0 to standardised codes of classes `label` (B,) at t = 1."""
        self.net.eval()
        one_hot = nn.functional.one_hot(label.long(), self.config.classes).float()
        steps = self.config.steps
        for i in range(steps):
            t0, t1 = torch.full((len(z),), i / steps), torch.full((len(z),), (i + 1) / steps)
            v0 = self.net(z, t0, one_hot)
            v1 = self.net(z + v0 / steps, t1, one_hot)
            z = z + 0.5 * (v0 + v1) / steps
        return z

    def save(self, folder: Path) -> None:
        """The weights in fp16: they are rounded to fp16 when fitted, so nothing changes on the way."""
        tensors = {f"net.{k}": v.half() for k, v in self.net.state_dict().items()}
        save_tensors(
            {**tensors, "mean": self.mean, "std": self.std, "class_shares": self.class_shares},
            Path(folder) / WEIGHTS_FILE,
        )
        (Path(folder) / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> DiffusionPrior:
        config = DiffusionPriorConfig(**json.loads((Path(folder) / CONFIG_FILE).read_text()))
        tensors = load_tensors(Path(folder) / WEIGHTS_FILE)
        net = VelocityNet(config)
        net.load_state_dict({k[4:]: v.float() for k, v in tensors.items() if k.startswith("net.")})
        return cls(config, net.eval(), tensors["mean"].float(), tensors["std"].float(), tensors["class_shares"].float())

    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / WEIGHTS_FILE).is_file() and (Path(folder) / CONFIG_FILE).is_file()


def fit_diffusion_prior(
    codes: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    seed: int = 0,
    train_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    config: DiffusionPriorConfig | None = None,
) -> DiffusionPrior:
    """Fit the velocity field to `codes` (N, D) of classes `labels` (N,) (none: one class): for x0 ~ N(0, I), x1
    a standardised code and t, regress v(x_t, t, class) on x1 - x0 along x_t = (1 - t) x0 + t x1. t is drawn
    logit-normal (Esser et al. 2024), which spends the steps on the middle of the paths. AdamW with a cosine
    learning rate; an exponential moving average of the weights is what is kept (as diffusion models do), rounded
    to fp16 as it is saved."""
    labels = torch.zeros(len(codes), dtype=torch.long) if labels is None else labels.long()
    classes = int(labels.max()) + 1
    config = config or DiffusionPriorConfig(dim=codes.shape[1], classes=classes)
    if config.classes != classes:
        raise ValueError(f"the config has {config.classes} classes, the labels {classes}")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mean, std = codes.mean(0), codes.std(0).clamp_min(1e-6)
    data, one_hot = (codes - mean) / std, nn.functional.one_hot(labels, classes).float()
    net = VelocityNet(config)
    average = VelocityNet(config)
    average.load_state_dict(net.state_dict())
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, train_steps)
    for _ in range(train_steps):
        chosen = torch.randint(len(data), (batch_size,), generator=generator)
        x1 = data[chosen]
        x0 = torch.randn(x1.shape, generator=generator)
        t = torch.sigmoid(torch.randn(batch_size, generator=generator))
        xt = (1 - t[:, None]) * x0 + t[:, None] * x1
        loss = (net(xt, t, one_hot[chosen]) - (x1 - x0)).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            for kept, new in zip(average.parameters(), net.parameters(), strict=True):
                kept.lerp_(new, EMA_RATE)
    with torch.no_grad():
        for tensor in average.state_dict().values():
            tensor.copy_(tensor.half().float())
    shares = torch.bincount(labels, minlength=classes).float() / len(labels)
    return DiffusionPrior(config, average.eval(), mean, std, shares)
