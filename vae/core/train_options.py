"""What a training run is made of: its options (each a train.py flag, saved with the run and resumed with it) and
its schedule (what changes with the step)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

from .losses import capacity_at, warmup_factor
from .model import VAEConfig
from .options import option, positive_float, positive_int

LR_SCHEDULES = ("cosine", "constant")


class TrainingError(RuntimeError):
    """Training cannot start or go on; the message says why and what was kept."""


@dataclass
class TrainOptions:
    """Everything a run is made of, beside its network (`model`). Each field with a help text is a flag of
    train.py (`vae.core.options`); a run saves them as train_options.json and resumes with them."""

    data: str | None = option(
        None,
        "photo folder: the seed's 'Training Data/Validation Data/Testing Data' layout or "
        "any folder of images (split 80/10/10 deterministically); default: procedural landscapes",
    )
    out: str | None = option(None, "run folder (default: runs/<arch>-beta<beta>-<time>)")
    model: VAEConfig = field(default_factory=VAEConfig)
    epochs: int = option(20, "epochs in all; on --resume it may grow", type=positive_int)
    batch_size: int = option(64, "images per step, per process under torchrun", type=positive_int)
    lr: float = option(1e-3, "peak learning rate", type=positive_float)
    lr_schedule: str = option(
        "cosine",
        "cosine: warm up, then decay to 0 by the last epoch, where the last epochs polish "
        "detail; constant: as the seed",
        choices=LR_SCHEDULES,
    )
    warmup_steps: int = option(200, "linear learning-rate warm-up steps (Adam's early steps are noisy)")
    seed: int = option(0, "random seed of the weights, the data order and the augmentation")
    max_minutes: float | None = option(None, "stop cleanly after this many minutes of training", type=positive_float)
    device: str = option("auto", "auto picks the best available", choices=("auto", "cpu", "cuda", "mps"))
    resume: bool = option(False, "continue the run in --out from its last complete epoch, with its saved options")
    precision: str = option(
        "auto", "auto: bf16 autocast on GPUs and on CPUs with bf16 units", choices=("auto", "fp32", "bf16")
    )
    kl_warmup_steps: int = option(0, "raise the KL weight linearly over N steps (Bowman et al. 2016)")
    capacity: float | None = option(
        None, "Burgess et al. 2018: optimise beta x |KL - C| with C rising to this many nats"
    )
    capacity_steps: int = option(10_000, "steps over which the capacity C rises", type=positive_int)
    procedural_count: int = option(2000, "procedural training images (without --data)", type=positive_int)
    workers: int | None = option(None, "DataLoader workers (default: 0 when images are cached in memory, else a few)")
    cache: bool | None = option(
        None,
        "stream images from disk instead of caching them in memory",
        name="--no-cache",
        action="store_const",
        const=False,
    )
    compile: bool = option(False, "torch.compile the model (pays on GPUs, not on this project's CPUs)")
    init_from: str | None = option(
        None,
        "start from this model folder's weights (fine-tune); the network must have the same shape",
        metavar="MODEL",
    )
    crop_scale: float = option(
        1.0,
        "augment with random square crops keeping at least this share of each photo's side "
        "(0.5..1), resized to --image-size; 1 = whole photos, flips only",
    )
    msssim_weight: float | None = option(
        None,
        "add W x (1 - MS-SSIM) per pixel value to the loss (Zhao et al. 2017), which "
        "asks for local contrast and structure at up to five scales",
        metavar="W",
    )
    adversarial_weight: float | None = option(
        None,
        "fine-tuning: train a patch discriminator beside the model and add its "
        "term, scaled so its gradient at the decoder's last layer is W times the "
        "likelihood's (VQGAN's adaptive weight)",
        metavar="W",
    )
    feature_matching: float | None = option(
        None,
        "with --adversarial-weight: add W x the L1 distance between the "
        "discriminator's features of each photo and of its reconstruction "
        "(pix2pixHD) to the adversarial term, under its adaptive weight",
        metavar="W",
    )
    decoder_only: bool = option(
        False,
        "with --init-from: keep that model's encoder as it is and train only the decoder, "
        "so the codes, their KL and everything fitted to them stay valid (a second painter)",
    )

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):  # read back from train_options.json
            self.model = VAEConfig.from_dict(self.model)
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if not 0.5 <= self.crop_scale <= 1.0:
            raise ValueError(
                f"crop_scale must be between 0.5 and 1 (a share of each photo's side), got {self.crop_scale}"
            )
        for name in ("msssim_weight", "adversarial_weight", "feature_matching"):
            if (getattr(self, name) or 0) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.feature_matching and not self.adversarial_weight:
            raise ValueError("feature_matching compares the discriminator's features: it needs adversarial_weight")
        if self.decoder_only and not self.init_from:
            raise ValueError("decoder_only keeps a trained encoder: it needs init_from, the model to start from")

    def to_dict(self) -> dict:
        return {**asdict(self), "model": self.model.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> TrainOptions:
        """Options as train_options.json holds them; a lever this version no longer has is refused if it was used."""
        known = {f.name for f in fields(cls)}
        used = sorted(k for k, v in data.items() if k not in known and v is not None)
        if used:
            raise ValueError(f"options this version no longer has: {used}")
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Schedule:
    """What changes with the step: learning rate, KL weight, capacity. Validation uses the same values."""

    options: TrainOptions
    total_steps: int

    @property
    def warmup_steps(self) -> int:
        return min(self.options.warmup_steps, self.total_steps // 10)  # a short run still spends most steps learning

    def lr(self, step: int) -> float:
        base, warmup = self.options.lr, self.warmup_steps
        if step < warmup:
            return base * (step + 1) / warmup
        if self.options.lr_schedule == "constant":
            return base
        progress = min(1.0, (step - warmup) / max(1, self.total_steps - warmup))
        return base * 0.5 * (1.0 + math.cos(math.pi * progress))

    def loss_weights(self, step: int) -> dict:
        capacity = self.options.capacity
        return {
            "kl_weight": warmup_factor(step, self.options.kl_warmup_steps),
            "capacity": None
            if capacity is None
            else capacity_at(step, target=capacity, steps=self.options.capacity_steps),
            "msssim_weight": self.options.msssim_weight,
        }
