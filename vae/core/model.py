"""The two VAE networks behind one interface, and their config.

- `SeedVAE`: the seed project's exact network (four strided convs, huge Linear heads), kept so
  results can be compared with it.
- `ResNetVAE`: the project's default. A strided stem like the seed's brings the image down to
  32x32 cheaply; residual blocks (GroupNorm, SiLU) work only at 32x32 and below, where they are
  affordable on a CPU; the grid shrinks to 4x4 before the Linear heads so they stay small; the
  decoder upsamples by nearest neighbour + 3x3 conv, which has no checkerboard artefacts.

Either can carry a `LinearPath` alongside the network (`linear_size`): a linear encoder and decoder of
the image's logits at low resolution, started as the PCA of the training photos. A model that starts
from it is probabilistic PCA on day one, and its network learns only what a linear projection misses.

Both return decoder *logits*; `decode` applies the sigmoid. The loss works on logits because
`binary_cross_entropy_with_logits` is numerically stable and safe under autocast.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

from .checkpoint import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    ModelFileError,
    check_state_matches,
    load_tensors,
    model_folder_files,
    read_config,
    save_tensors,
    write_json,
)
from .linear_path import LinearPath
from .options import option, positive_int

ARCHS = ("seed", "resnet")
OBJECTIVES = ("vae", "wae")
RECONSTRUCTIONS = ("bce", "mse", "gaussian")
LOGVAR_RANGE = (-30.0, 20.0)  # as diffusers' AutoencoderKL: exp() stays finite in fp32 and bf16
RESIDUAL_MAX_RESOLUTION = 32  # residual blocks above this size cost 5-10x per step on a CPU
HEAD_RESOLUTION = 4  # spatial grid the Linear heads see
INITIAL_SIGMA = 0.1  # gaussian likelihood: starting noise scale, about the error of a 20 dB reconstruction
START_LOGVAR = -6.0  # a model started from PCA: posterior std 0.05 of a unit-variance code, so noise barely blurs it


# what a config.json written before a field existed meant by leaving it out
BEFORE_THE_FIELD = {"reconstruction": "bce", "linear_size": 0}


@dataclass
class VAEConfig:
    arch: str = option("resnet", "seed: the seed's exact network; resnet: the project's default", choices=ARCHS)
    image_size: int = option(128, "square training resolution, a power of two from 32 to 512")
    latent_dim: int = option(128, "numbers in a code (the seed's value)", type=positive_int)
    beta: float = option(
        1.0, "weight of the KL (or MMD) term; 1 with the gaussian likelihood is the ELBO (the seed used 0.2)"
    )
    objective: str = option(
        "vae", "vae: reconstruction + beta x KL; wae: WAE-MMD, beta weighs the MMD", choices=OBJECTIVES
    )
    reconstruction: str = option(
        "gaussian",
        "the likelihood: gaussian (learned noise scale; the bundled models'), bce (the seed's) or mse (squared error)",
        choices=RECONSTRUCTIONS,
    )
    base_channels: int = 32  # resnet only: width at 32x32; doubles per halving below, halves above
    max_channels: int = 128  # resnet only: width cap, keeps the model under 10 MB in fp16
    min_width: int = option(
        16, "resnet: channels at full resolution, where the finest detail is painted", type=positive_int
    )
    linear_size: int | None = option(
        None,
        "side in px of a fixed linear path beside the network, started as the PCA of "
        "the training photos at that size, so the model starts as good as a linear "
        "projection; 0 = none (default: a quarter of --image-size for resnet, none for seed)",
    )

    def __post_init__(self) -> None:
        check_image_size(self.image_size)
        if self.linear_size is None:
            self.linear_size = default_linear_size(self.image_size) if self.arch == "resnet" else 0
        for name, value, allowed in (
            ("arch", self.arch, ARCHS),
            ("objective", self.objective, OBJECTIVES),
            ("reconstruction", self.reconstruction, RECONSTRUCTIONS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if self.min_width < 4:
            raise ValueError(f"min_width must be at least 4 (GroupNorm needs channels), got {self.min_width}")
        if self.linear_size and not (
            HEAD_RESOLUTION <= self.linear_size <= self.image_size and self.linear_size & (self.linear_size - 1) == 0
        ):
            raise ValueError(
                f"linear_size must be 0 or a power of two from {HEAD_RESOLUTION} to image_size, got {self.linear_size}"
            )
        if self.linear_size and self.arch != "resnet":
            raise ValueError("linear_size needs arch 'resnet' (the seed network stays as the seed had it)")
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim must be positive, got {self.latent_dim}")
        if self.beta < 0 or not math.isfinite(self.beta):
            raise ValueError(f"beta must be a finite number >= 0, got {self.beta}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> VAEConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        return cls(**{**BEFORE_THE_FIELD, **data})


def default_linear_size(image_size: int) -> int:
    """The linear path's side for a resnet at this size: a quarter of it (32 px at 128 px), where a PCA
    reconstructs as well as one at full size (see LinearPath)."""
    return max(HEAD_RESOLUTION, image_size // 4)


def check_image_size(size: int) -> int:
    if not (isinstance(size, int) and 32 <= size <= 512 and size & (size - 1) == 0):
        raise ValueError(f"image size must be a power of two from 32 to 512, got {size}")
    return size


# building blocks


def group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(32, channels // 4), channels)


class ResBlock(nn.Module):
    """GroupNorm, SiLU, conv, twice; a 1x1 shortcut when the width changes (as diffusers)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.body = nn.Sequential(
            group_norm(in_channels),
            nn.SiLU(),
            nn.Conv2d(in_channels, out_channels, 3, padding=1),
            group_norm(out_channels),
            nn.SiLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
        )
        self.shortcut = nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.body(x)


def downsample(in_channels: int, out_channels: int) -> nn.Module:
    return nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1)


def upsample(in_channels: int, out_channels: int) -> nn.Module:
    # nearest + 3x3 conv instead of a transposed conv: no checkerboard pattern
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_channels, out_channels, 3, padding=1)
    )


# the shared interface


class Posterior(NamedTuple):
    """q(z | x) for a batch of images, (B, latent_dim) each: `mu, logvar = model.encode(x)` still unpacks it."""

    mean: torch.Tensor
    logvar: torch.Tensor


class VAE(nn.Module):
    """encode -> (mu, logvar); reparameterize; decode -> images in [0, 1]; forward for training.

    With the gaussian likelihood the model also holds `log_sigma`, the learned noise scale of the
    decoder's output (sigma-VAE, Rybkin et al. 2021), so the ELBO of a photo needs nothing else.
    """

    config: VAEConfig

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        if config.reconstruction == "gaussian":
            self.log_sigma = nn.Parameter(torch.tensor(math.log(INITIAL_SIGMA)))
        else:
            self.log_sigma = None
        self.linear_path = LinearPath(config) if config.linear_size else None

    def encode(self, x: torch.Tensor) -> Posterior:
        h = self.encoder(x).flatten(1)  # (B, C*h*w)
        logvar = self.fc_logvar(h).clamp(*LOGVAR_RANGE)
        mu = self.fc_mu(h)
        if self.linear_path is not None:
            mu = mu + self.linear_path.encode(x).to(mu.dtype)
        return Posterior(mu, logvar)

    def encoder_part(self) -> nn.Module:
        """The layers that make a photo's code (the linear path is fixed buffers either way)."""
        return nn.ModuleList([self.encoder, self.fc_mu, self.fc_logvar])

    @staticmethod
    def reparameterize(
        mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + eps * torch.exp(0.5 * logvar)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc_decode(z).unflatten(1, self.head_shape)  # (B, C, h, w)
        if self.linear_path is None:
            return self.decoder(h)  # (B, 3, S, S)
        # the network also sees the linear reconstruction where its grid has the same size, so it
        # refines a picture (sharpening what PCA blurs) rather than repainting one from the code alone
        small = self.linear_path.decode_small(z)
        for index, layer in enumerate(self.decoder):
            h = layer(h)
            if index == self.linear_inject_after:
                h = h + self.linear_inject(small.to(h.dtype))
        return h + self.linear_path.upsample(small).to(h.dtype)

    @torch.no_grad()
    def start_from_pca(self, pca) -> None:
        """Make the model probabilistic PCA: the linear path from `pca` (of the training photos' logits
        at `linear_size`, see `vae.core.run_folder.start_from_pca`), the network's code and picture contributions zero, and a
        small posterior noise. Training then adds to PCA what a linear map cannot do."""
        if self.linear_path is None:
            raise ValueError("the model has no linear path (linear_size is 0)")
        self.linear_path.start_from(pca)
        for layer in (self.fc_mu, self.output_layer):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        nn.init.constant_(self.fc_logvar.bias, START_LOGVAR)

    @property
    def output_layer(self) -> nn.Module:
        """The layer that paints the network's logits."""
        return self.decoder[-1]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z).float())

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logits, mu, logvar, z); WAE uses the deterministic code z = mu."""
        mu, logvar = self.encode(x)
        z = mu if self.config.objective == "wae" else self.reparameterize(mu, logvar, generator)
        return self.decode_logits(z), mu, logvar, z

    def save_pretrained(self, directory, *, half: bool = False) -> Path:
        """Write config.json + model.safetensors; `half` stores fp16 (for the small bundled models)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_tensors(self.state_dict(), directory / WEIGHTS_NAME, dtype=torch.float16 if half else torch.float32)
        write_json(directory / CONFIG_NAME, self.config.to_dict())
        return directory

    @classmethod
    def from_pretrained(cls, source, *, device: str | torch.device = "cpu") -> VAE:
        """Rebuild a model from a folder (or Hub repo id) holding config.json + model.safetensors.

        Strict: a missing file, a malformed config, or weights whose keys or shapes differ from what
        the config builds is a ModelFileError naming the file. Nothing is unpickled.
        """
        config_path, weights_path = model_folder_files(source)
        try:
            config = VAEConfig.from_dict(read_config(config_path))
        except (ValueError, TypeError) as error:
            raise ModelFileError(f"bad model config {config_path}: {error}") from None
        model = build_model(config)
        state = load_tensors(weights_path)
        check_state_matches(state, model.state_dict(), weights_path, config_path)
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
        return model.to(device).eval()


class SeedVAE(VAE):
    """The seed's network, layer for layer (55,975,555 parameters at 256 px)."""

    def __init__(self, config: VAEConfig):
        super().__init__(config)
        grid = config.image_size // 16
        self.head_shape = (512, grid, grid)
        widths = (3, 64, 128, 256, 512)
        self.encoder = nn.Sequential(
            *(
                layer
                for cin, cout in zip(widths, widths[1:], strict=False)
                for layer in (nn.Conv2d(cin, cout, 4, 2, 1), nn.ReLU())
            )
        )
        flat = math.prod(self.head_shape)
        self.fc_mu = nn.Linear(flat, config.latent_dim)
        self.fc_logvar = nn.Linear(flat, config.latent_dim)
        self.fc_decode = nn.Linear(config.latent_dim, flat)
        # the seed ends in Sigmoid; `decode` applies it so training can use logits
        back = widths[::-1]  # 512 ... 3, each step a transposed convolution; ReLU between them
        ups = [nn.ConvTranspose2d(cin, cout, 4, 2, 1) for cin, cout in zip(back, back[1:], strict=False)]
        self.decoder = nn.Sequential(*(layer for up in ups[:-1] for layer in (up, nn.ReLU())), ups[-1])


class ResNetVAE(VAE):
    """The default: strided stem to 32x32, residual stages down to 4x4, small Linear heads."""

    def __init__(self, config: VAEConfig):
        super().__init__(config)
        steps = int(math.log2(config.image_size // HEAD_RESOLUTION))
        resolutions = [config.image_size // 2**i for i in range(steps + 1)]
        widths = [
            max(config.min_width, min(config.max_channels, config.base_channels * RESIDUAL_MAX_RESOLUTION // r))
            for r in resolutions
        ]

        encoder: list[nn.Module] = [nn.Conv2d(3, widths[0], 3, padding=1)]
        for i in range(steps):
            if resolutions[i] <= RESIDUAL_MAX_RESOLUTION:
                encoder.append(ResBlock(widths[i], widths[i]))
            encoder += [downsample(widths[i], widths[i + 1]), nn.SiLU()]
        encoder += [ResBlock(widths[-1], widths[-1]), group_norm(widths[-1]), nn.SiLU()]
        self.encoder = nn.Sequential(*encoder)

        self.head_shape = (widths[-1], HEAD_RESOLUTION, HEAD_RESOLUTION)
        flat = math.prod(self.head_shape)
        self.fc_mu = nn.Linear(flat, config.latent_dim)
        self.fc_logvar = nn.Linear(flat, config.latent_dim)
        self.fc_decode = nn.Linear(config.latent_dim, flat)

        decoder: list[nn.Module] = [ResBlock(widths[-1], widths[-1])]
        finished_at = {resolutions[-1]: (0, widths[-1])}  # resolution: (index of its last decoder layer, width)
        for i in reversed(range(steps)):
            decoder.append(upsample(widths[i + 1], widths[i]))
            if resolutions[i] <= RESIDUAL_MAX_RESOLUTION:
                decoder.append(ResBlock(widths[i], widths[i]))
            else:
                decoder.append(nn.SiLU())
            finished_at[resolutions[i]] = (len(decoder) - 1, widths[i])
        if config.linear_size:
            self.linear_inject_after, width = finished_at[config.linear_size]
            self.linear_inject = nn.Conv2d(3, width, 3, padding=1)
        # no GroupNorm at full resolution: on a CPU it costs more than all the convolutions there
        decoder.append(nn.Conv2d(widths[0], 3, 3, padding=1))
        self.decoder = nn.Sequential(*decoder)


def build_model(config: VAEConfig) -> VAE:
    return {"seed": SeedVAE, "resnet": ResNetVAE}[config.arch](config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def load_model(source, *, device: str | torch.device = "cpu") -> VAE:
    """A model from a folder or Hub repo id (see `VAE.from_pretrained`)."""
    return VAE.from_pretrained(source, device=device)


def save_model(model: VAE, directory, *, half: bool = False) -> Path:
    return model.save_pretrained(directory, half=half)
