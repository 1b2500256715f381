"""A diffusion prior on the codes, of one of two kinds that share the network, the fitting loop and the files.

The codes real photos get lie on a thin, curved set that a few Gaussians cannot follow (beta-1's posteriors are
narrow). A small network learns to carry N(0, I) noise to those codes. As in a latent diffusion prior (Wehenkel &
Louppe 2021, Vahdat et al. 2021), the VAE is untouched: the prior is fitted afterwards to posterior draws.

- "flow": flow matching (Lipman et al. 2023; rectified flow, Liu et al. 2023). The network is the velocity field
  along straight paths from noise (t = 0) to codes (t = 1); sampling integrates it with Heun's method in `steps`
  steps.
- "ddpm": a denoising diffusion model (Ho et al. 2020). The network predicts the noise ε in a code noised to step
  k of `noise_steps` on a linear β schedule (it reads t = k / noise_steps); sampling is DDIM with η = 0 (Song et al.
  2021) in `steps` steps, each z <- a z + b ε(z, t) with a and b from the schedule (`ddim_updates`).

Where the photos come in class folders, the field also reads the class of the photo a code came from, and a
draw first picks a class by its share of the training photos: the classes' codes lie in different regions, and a
field that knows which one it is heading for reaches the rarer ones (`bench.priors` measures the difference).

Draws are portable: a seed's class picks and starting noise come from `portable_random`, as the mixture's do,
so web/sampler.js draws the same codes with the exported network. Temperature scales the starting noise: below 1
the paths start nearer the centre and end on more typical codes (for "ddpm" sampling is deterministic from there).

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
KINDS = ("flow", "ddpm")


@dataclass
class DiffusionPriorConfig:
    dim: int
    classes: int = 1  # class labels the field reads (one: photos without class folders)
    hidden: int = 512  # width of the velocity network
    blocks: int = 3  # residual blocks
    time_features: int = 32  # sinusoidal features of t in [0, 1]
    class_features: int = 32  # learned features of the class
    steps: int = 32  # sampling steps: Heun's ("flow", two network calls each) or DDIM's ("ddpm", one each)
    kind: str = "flow"  # "flow" (the network is a velocity) or "ddpm" (it predicts the noise)
    noise_steps: int = 1000  # "ddpm": the steps of the noising process, on a linear β schedule ...
    beta_start: float = 1e-4  # ... from this β
    beta_end: float = 0.02  # ... to this one


def noise_levels(config: DiffusionPriorConfig) -> torch.Tensor:
    """(noise_steps,) float64 ᾱ_k = prod_{j <= k} (1 - β_j): the share of a code's variance left at step k."""
    betas = torch.linspace(config.beta_start, config.beta_end, config.noise_steps, dtype=torch.float64)
    return torch.cumprod(1 - betas, 0)


def ddim_updates(config: DiffusionPriorConfig) -> list[tuple[float, float, float]]:
    """DDIM with η = 0 from noise at the last step to codes in `config.steps` evenly spaced steps (the "trailing"
    spacing: the first at noise_steps - 1): (t, a, b) for each, z <- a z + b ε(z, t). With ε's estimate,
    z_0 = (z - sqrt(1 - ᾱ) ε) / sqrt(ᾱ) and the next z = sqrt(ᾱ') z_0 + sqrt(1 - ᾱ') ε (ᾱ' = 1 after the last)."""
    levels = noise_levels(config).tolist()
    count, steps = config.noise_steps, config.steps
    times = [round(count - i * count / steps) - 1 for i in range(steps)]
    found = []
    for now, after in zip(times, [*times[1:], None], strict=True):
        level, next_level = levels[now], (levels[after] if after is not None else 1.0)
        keep = math.sqrt(next_level / level)
        found.append((now / count, keep, math.sqrt(1 - next_level) - keep * math.sqrt(1 - level)))
    return found


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


class PriorNet(nn.Module):
    """f(z_t, t, class): for "flow", where a point on its way from noise to a code of that class moves at time t;
    for "ddpm", the noise in z_t, as z_t plus what the layers add: near pure noise the noise is almost z_t itself,
    and DDIM's first steps divide the error of its estimate by sqrt(ᾱ) (1/160 at the last step), which a copy of z_t
    through the layers was not precise enough for (samples 7x too spread out). The class comes one-hot (B, classes),
    which a browser passes as plain floats."""

    def __init__(self, config: DiffusionPriorConfig):
        super().__init__()
        self.skip = config.kind == "ddpm"
        self.time_features = config.time_features
        self.class_features = nn.Linear(config.classes, config.class_features, bias=False)
        self.inputs = nn.Linear(config.dim + config.time_features + config.class_features, config.hidden)
        self.blocks = nn.Sequential(*(ResidualBlock(config.hidden) for _ in range(config.blocks)))
        self.outputs = nn.Sequential(nn.LayerNorm(config.hidden), nn.SiLU(), nn.Linear(config.hidden, config.dim))

    def forward(self, z: torch.Tensor, t: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        features = [z, time_embedding(t, self.time_features), self.class_features(label)]
        out = self.outputs(self.blocks(self.inputs(torch.cat(features, dim=1))))
        return out + z if self.skip else out


@dataclass
class DiffusionPrior:
    config: DiffusionPriorConfig
    net: PriorNet
    mean: torch.Tensor  # (D,) the codes' mean and spread: the network works on standardised codes
    std: torch.Tensor
    class_shares: torch.Tensor  # (classes,) each class's share of the training codes

    @torch.inference_mode()
    def sample(self, count: int, *, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """(count, D) codes, the same for the same seed: uniform i < count picks draw i's class by its share, the
        normals after them (scaled by `temperature`) start its path, and `integrate` carries them to a code."""
        label = torch.from_numpy(picks(self.class_shares.numpy(), seed, count))
        noise = torch.from_numpy(portable_noise(seed, count, self.config.dim)).float() * temperature
        return self.integrate(noise, label) * self.std + self.mean

    def integrate(self, z: torch.Tensor, label: torch.Tensor, *, net=None) -> torch.Tensor:
        """Standardised noise to standardised codes of classes `label` (B,): DDIM's steps, or Heun's from t = 0 to 1;
        through `net` (z, t, one-hot class) -> output, where given (the exported network), else the prior's own."""
        self.net.eval()
        net = net or self.net
        one_hot = nn.functional.one_hot(label.long(), self.config.classes).float()
        if self.config.kind == "ddpm":
            for t, keep, move in ddim_updates(self.config):
                z = keep * z + move * net(z, torch.full((len(z),), t), one_hot)
            return z
        steps = self.config.steps
        for i in range(steps):
            t0, t1 = torch.full((len(z),), i / steps), torch.full((len(z),), (i + 1) / steps)
            v0 = net(z, t0, one_hot)
            v1 = net(z + v0 / steps, t1, one_hot)
            z = z + 0.5 * (v0 + v1) / steps
        return z

    def sampling_facts(self) -> dict:
        """What web/sampler.js needs beside the network to draw as `sample` does."""
        updates = ddim_updates(self.config) if self.config.kind == "ddpm" else None
        return {"kind": self.config.kind, "steps": self.config.steps, "updates": updates}

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
        net = PriorNet(config)
        net.load_state_dict({k[4:]: v.float() for k, v in tensors.items() if k.startswith("net.")})
        return cls(config, net.eval(), tensors["mean"].float(), tensors["std"].float(), tensors["class_shares"].float())

    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / WEIGHTS_FILE).is_file() and (Path(folder) / CONFIG_FILE).is_file()


def training_pair(kind: str, x1: torch.Tensor, levels: torch.Tensor, generator: torch.Generator):
    """(x_t, t, what the network should output) for standardised codes x1 (B, D) and noise x0 ~ N(0, I).
    "flow": x_t = (1 - t) x0 + t x1 with t logit-normal (Esser et al. 2024, the steps spent on the middle of the
    paths), the velocity x1 - x0. "ddpm": x_t = sqrt(ᾱ_k) x1 + sqrt(1 - ᾱ_k) x0 at a uniform step k (`levels`: ᾱ),
    t = k / steps, the noise x0."""
    x0 = torch.randn(x1.shape, generator=generator)
    if kind == "ddpm":
        step = torch.randint(len(levels), (len(x1),), generator=generator)
        level = levels[step][:, None]
        return level.sqrt() * x1 + (1 - level).sqrt() * x0, step.float() / len(levels), x0
    t = torch.sigmoid(torch.randn(len(x1), generator=generator))
    return (1 - t[:, None]) * x0 + t[:, None] * x1, t, x1 - x0


def fit_diffusion_prior(
    codes: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    seed: int = 0,
    train_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    ema: float = 0.995,
    config: DiffusionPriorConfig | None = None,
) -> DiffusionPrior:
    """Fit the network of `config.kind` to `codes` (N, D) of classes `labels` (N,) (none: one class) on batches of
    `training_pair`. AdamW with a cosine learning rate; an exponential moving average of the weights (decay `ema`)
    is what is kept (as diffusion models do), rounded to fp16 as it is saved."""
    labels = torch.zeros(len(codes), dtype=torch.long) if labels is None else labels.long()
    classes = int(labels.max()) + 1
    config = config or DiffusionPriorConfig(dim=codes.shape[1], classes=classes)
    if config.classes != classes:
        raise ValueError(f"the config has {config.classes} classes, the labels {classes}")
    if config.kind not in KINDS:
        raise ValueError(f"unknown prior kind {config.kind!r}: choose one of {', '.join(KINDS)}")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mean, std = codes.mean(0), codes.std(0).clamp_min(1e-6)
    data, one_hot = (codes - mean) / std, nn.functional.one_hot(labels, classes).float()
    levels = noise_levels(config).float()
    net = PriorNet(config)
    average = PriorNet(config)
    average.load_state_dict(net.state_dict())
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, train_steps)
    for _ in range(train_steps):
        chosen = torch.randint(len(data), (batch_size,), generator=generator)
        xt, t, target = training_pair(config.kind, data[chosen], levels, generator)
        loss = (net(xt, t, one_hot[chosen]) - target).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            for kept, new in zip(average.parameters(), net.parameters(), strict=True):
                kept.lerp_(new, 1 - ema)
    with torch.no_grad():
        for tensor in average.state_dict().values():
            tensor.copy_(tensor.half().float())
    shares = torch.bincount(labels, minlength=classes).float() / len(labels)
    return DiffusionPrior(config, average.eval(), mean, std, shares)
