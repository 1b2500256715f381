"""The training loop: one process, or many under torchrun (DistributedDataParallel).

A run folder holds the model (config.json + model.safetensors, every epoch), the best model by
validation loss (best/), the resumable state (training_state.pt), per-epoch sample and
reconstruction grids (samples/), and metrics.jsonl. Everything is written to a temporary file
and renamed into place, so a crash at any moment leaves the previous epoch's files intact.
`train` reads as the story: prepare the run, make the loaders, then `train_one_epoch`,
`validate` (its mirror) and `save_epoch`, once per epoch.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler
from torchvision.utils import make_grid, save_image
from tqdm import tqdm

from .adversarial import Adversary
from .checkpoint import (BEST_NAME, CONFIG_NAME, SAMPLES_NAME, STATE_NAME, TRAIN_OPTIONS_NAME, atomic_write, read_config,
                         write_json, write_metrics)
from .data import image_lists, make_dataset
from .losses import capacity_at, model_loss, warmup_factor
from .metrics import psnr
from .model import LinearPath, VAEConfig, build_model, check_image_size, load_model, save_model
from .options import option, positive_float, positive_int
from .pca import fit_pca

log = logging.getLogger(__name__)

GRID_COUNT = 64  # prior samples per grid
RECON_COUNT = 8  # validation images per reconstruction grid
LR_SCHEDULES = ("cosine", "constant")


class TrainingError(RuntimeError):
    """Training cannot start or go on; the message says why and what was kept."""


@dataclass
class TrainOptions:
    """Everything a run is made of, beside its network (`model`). Each field with a help text is a flag of
    train.py (`vae.core.options`); a run saves them as train_options.json and resumes with them."""

    data: str | None = option(None, "photo folder: the seed's 'Training Data/Validation Data/Testing Data' layout or "
                              "any folder of images (split 80/10/10 deterministically); default: procedural landscapes")
    out: str | None = option(None, "run folder (default: runs/<arch>-beta<beta>-<time>)")
    model: VAEConfig = field(default_factory=VAEConfig)
    epochs: int = option(20, "epochs in all; on --resume it may grow", type=positive_int)
    batch_size: int = option(64, "images per step, per process under torchrun", type=positive_int)
    lr: float = option(1e-3, "peak learning rate", type=positive_float)
    lr_schedule: str = option("cosine", "cosine: warm up, then decay to 0 by the last epoch, where the last epochs polish "
                              "detail; constant: as the seed", choices=LR_SCHEDULES)
    warmup_steps: int = option(200, "linear learning-rate warm-up steps (Adam's early steps are noisy)")
    seed: int = option(0, "random seed of the weights, the data order and the augmentation")
    max_minutes: float | None = option(None, "stop cleanly after this many minutes of training", type=positive_float)
    device: str = option("auto", "auto picks the best available", choices=("auto", "cpu", "cuda", "mps"))
    resume: bool = option(False, "continue the run in --out from its last complete epoch, with its saved options")
    precision: str = option("auto", "auto: bf16 autocast on GPUs and on CPUs with bf16 units", choices=("auto", "fp32", "bf16"))
    kl_warmup_steps: int = option(0, "raise the KL weight linearly over N steps (Bowman et al. 2016)")
    capacity: float | None = option(None, "Burgess et al. 2018: optimise beta x |KL - C| with C rising to this many nats")
    capacity_steps: int = option(10_000, "steps over which the capacity C rises", type=positive_int)
    procedural_count: int = option(2000, "procedural training images (without --data)", type=positive_int)
    workers: int | None = option(None, "DataLoader workers (default: 0 when images are cached in memory, else a few)")
    cache: bool | None = option(None, "stream images from disk instead of caching them in memory", name="--no-cache",
                                action="store_const", const=False)
    compile: bool = option(False, "torch.compile the model (pays on GPUs, not on this project's CPUs)")
    init_from: str | None = option(None, "start from this model folder's weights (fine-tune); the network must have the "
                                   "same shape", metavar="MODEL")
    crop_scale: float = option(1.0, "augment with random square crops keeping at least this share of each photo's side "
                               "(0.5..1), resized to --image-size; 1 = whole photos, flips only")
    msssim_weight: float | None = option(None, "add W x (1 - MS-SSIM) per pixel value to the loss (Zhao et al. 2017), which "
                                         "asks for local contrast and structure at up to five scales", metavar="W")
    adversarial_weight: float | None = option(None, "fine-tuning: train a patch discriminator beside the model and add its "
                                              "term, scaled so its gradient at the decoder's last layer is W times the "
                                              "likelihood's (VQGAN's adaptive weight)", metavar="W")
    feature_matching: float | None = option(None, "with --adversarial-weight: add W x the L1 distance between the "
                                            "discriminator's features of each photo and of its reconstruction "
                                            "(pix2pixHD) to the adversarial term, under its adaptive weight", metavar="W")
    decoder_only: bool = option(False, "with --init-from: keep that model's encoder as it is and train only the decoder, "
                                "so the codes, their KL and everything fitted to them stay valid (a second painter)")

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):  # read back from train_options.json
            self.model = VAEConfig.from_dict(self.model)
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if not 0.5 <= self.crop_scale <= 1.0:
            raise ValueError(f"crop_scale must be between 0.5 and 1 (a share of each photo's side), got {self.crop_scale}")
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
    def from_dict(cls, data: dict) -> "TrainOptions":
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
        return {"kl_weight": warmup_factor(step, self.options.kl_warmup_steps),
                "capacity": None if capacity is None else capacity_at(step, target=capacity, steps=self.options.capacity_steps),
                "msssim_weight": self.options.msssim_weight}


# hardware


def pick_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda, but no CUDA GPU is visible")
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if name == "mps" and not torch.backends.mps.is_available():
        raise TrainingError("--device mps, but MPS is not available")
    return torch.device(name)


def cpu_has_bf16() -> bool:
    """True on CPUs with native bf16 units (AVX512-BF16 or AMX), where bf16 autocast pays."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bf16(device: torch.device, precision: str) -> bool:
    if precision in ("fp32", "bf16"):
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and cpu_has_bf16()


# distributed


def distributed_context() -> tuple[int, int]:
    """(rank, world size); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", 1))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def any_rank(flag: bool, world: int, device) -> bool:
    if world == 1:
        return flag
    value = torch.tensor([float(flag)], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


# run folder


def default_run_dir(model: VAEConfig) -> Path:
    return Path("runs") / f"{model.arch}-beta{model.beta:g}-{time.strftime('%Y%m%d-%H%M%S')}"


def load_state(run_dir: Path) -> dict:
    path = run_dir / STATE_NAME
    if not path.is_file():
        raise TrainingError(f"nothing to resume: {path} does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a state that is not ours is refused, never unpickled
        raise TrainingError(f"cannot load {path}: {error}") from None


def prepare_run(options: TrainOptions, is_writer: bool) -> tuple[Path, VAEConfig, dict | None]:
    """(run folder, model config, resumable state or None); refuses to overwrite a run."""
    run_dir = Path(options.out) if options.out else default_run_dir(options.model)
    state = None
    if options.resume:
        state = load_state(run_dir)
        model_config = VAEConfig.from_dict(read_config(run_dir / CONFIG_NAME))
    else:
        if (run_dir / STATE_NAME).exists():
            raise TrainingError(f"{run_dir} already holds a run: pass --resume to continue it, or choose another --out")
        model_config = options.model
    check_image_size(model_config.image_size)
    if is_writer:
        (run_dir / SAMPLES_NAME).mkdir(parents=True, exist_ok=True)
        for stale in run_dir.rglob(".*.tmp"):  # left by a process killed mid-write
            stale.unlink()
        write_json(run_dir / TRAIN_OPTIONS_NAME, {**options.to_dict(), "model": model_config.to_dict()})
        log.info("run folder: %s", run_dir.resolve())
    return run_dir, model_config, state


def save_grid(images: torch.Tensor, path: Path, *, nrow: int) -> None:
    atomic_write(path, lambda tmp: save_image(make_grid(images, nrow=nrow, padding=2), tmp, format="png"))


def warm_start(model, source) -> None:
    """Start from another model's weights: the network must match. The gaussian likelihood's learned
    noise scale (log_sigma) comes along when both models have one, else keeps its initial value."""
    donor = load_model(source)
    shape_keys = ("arch", "image_size", "latent_dim", "base_channels", "max_channels", "min_width", "linear_size")
    mismatch = {k: (getattr(donor.config, k), getattr(model.config, k)) for k in shape_keys
                if getattr(donor.config, k) != getattr(model.config, k)}
    if mismatch:
        raise TrainingError(f"--init-from {source}: the network differs (model, this run): {mismatch}")
    weights = {k: v for k, v in donor.state_dict().items() if k != "log_sigma" or model.log_sigma is not None}
    missing, _ = model.load_state_dict(weights, strict=False)
    if set(missing) - {"log_sigma"}:
        raise TrainingError(f"--init-from {source}: weights missing for {sorted(missing)[:3]}")
    log.info("weights from %s", source)


@torch.no_grad()
def start_from_pca(model, dataset, *, batch_size: int = 256) -> None:
    """Start a model with a linear path as the PCA of the training photos' logits at its `linear_size`,
    each photo (as training sees it, random crop included) with its mirror image: what training sees under
    random flips, whichever way a photo happens to be flipped here."""
    factor = model.config.image_size // model.config.linear_size
    started = time.monotonic()
    small = torch.cat([LinearPath.logits_of(torch.cat([pixels, pixels.flip(-1)]).float() / 255.0, factor).flatten(1)
                       for pixels in DataLoader(dataset, batch_size=batch_size)])
    model.start_from_pca(fit_pca(small, model.config.latent_dim))
    log.info("linear path: PCA of %d training photos and their mirror images at %d px (%.0f s)", len(small) // 2,
             model.config.linear_size, time.monotonic() - started)


# data


@dataclass
class Loaders:
    train: DataLoader
    val: DataLoader
    sampler: RandomSampler | DistributedSampler
    sampler_generator: torch.Generator
    recon_inputs: torch.Tensor  # validation images shown above their reconstructions each epoch


def spread_sample(dataset, count: int) -> torch.Tensor:
    """`count` images evenly spaced through a dataset, so the grid shows every class of a sorted folder."""
    step = max(1, len(dataset) // count)
    return torch.stack([dataset[i] for i in range(0, len(dataset), step)][:count])


def make_loaders(options: TrainOptions, image_size: int, device: torch.device, world: int) -> Loaders:
    lists = image_lists(options.data, procedural_count=options.procedural_count, seed=options.seed)
    train_set, skipped = make_dataset(lists["train"], image_size, train=True, cache=options.cache,
                                      crop_scale=options.crop_scale)
    val_list = lists["val"] if len(lists["val"]) else lists["train"]
    val_set, val_skipped = make_dataset(val_list, image_size, train=False, cache=options.cache)
    if skipped or val_skipped:
        log.warning("skipped %d unreadable training and %d validation images", skipped, val_skipped)
    if len(train_set) == 0:
        raise TrainingError("no readable training images")
    cached = hasattr(train_set, "pixels")
    workers = options.workers if options.workers is not None else (0 if cached else min(8, os.cpu_count() or 1))
    on_gpu = device.type == "cuda"
    sampler_generator = torch.Generator()
    sampler = (DistributedSampler(train_set, seed=options.seed) if world > 1
               else RandomSampler(train_set, generator=sampler_generator))
    train_loader = DataLoader(train_set, sampler=sampler, batch_size=options.batch_size, num_workers=workers,
                              pin_memory=on_gpu, persistent_workers=workers > 0,
                              drop_last=len(train_set) >= options.batch_size)
    val_loader = DataLoader(val_set, batch_size=options.batch_size, num_workers=workers, pin_memory=on_gpu)
    return Loaders(train_loader, val_loader, sampler, sampler_generator, spread_sample(val_set, RECON_COUNT))


def to_batch(pixels: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float in [0, 1] on the device, channels_last."""
    x = pixels.to(device, non_blocking=True).float().div_(255.0)
    return x.contiguous(memory_format=torch.channels_last)


# one epoch of training, and its mirror


@dataclass
class EpochContext:
    """What both halves of an epoch need."""

    model: torch.nn.Module  # the VAE itself
    network: torch.nn.Module  # what the training steps call: the VAE, or its DDP / compiled wrapper
    device: torch.device
    bf16: bool
    schedule: Schedule
    run_dir: Path
    adversary: Adversary | None = None  # the patch discriminator, when the run has an adversarial term


def add_terms(sums: dict, terms: dict, count: int) -> None:
    for key, value in terms.items():
        sums[key] = sums.get(key, 0.0) + value.item() * count


def train_one_epoch(ctx: EpochContext, loader, optimizer, *, epoch: int, step: int, deadline: float | None,
                    world: int, show_progress: bool) -> tuple[dict, int, bool]:
    """(mean training terms, the step reached, whether time ran out) after one pass over `loader`."""
    ctx.model.train()
    sums, seen, out_of_time, started = {}, 0, False, time.monotonic()
    for pixels in tqdm(loader, desc=f"epoch {epoch}", disable=not show_progress, leave=False):
        x = to_batch(pixels, ctx.device)
        for group in optimizer.param_groups:
            group["lr"] = ctx.schedule.lr(step)
        step += 1
        with torch.autocast(ctx.device.type, dtype=torch.bfloat16, enabled=ctx.bf16):
            terms, _, _ = model_loss(ctx.model, x, network=ctx.network, adversary=ctx.adversary,
                                     **ctx.schedule.loss_weights(step))
        loss_value = terms["loss"].item()
        if not math.isfinite(loss_value):
            raise TrainingError(
                f"loss became {loss_value} at step {step} (epoch {epoch}); stopped. "
                f"The last good model (epoch {epoch - 1}) is kept in {ctx.run_dir}. Try a lower --lr."
            )
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        optimizer.step()
        if ctx.adversary is not None:
            with torch.autocast(ctx.device.type, dtype=torch.bfloat16, enabled=ctx.bf16):
                terms["discriminator"] = ctx.adversary.train_step(x, ctx.schedule.lr(step - 1))
        add_terms(sums, terms, len(x))
        seen += len(x)
        if deadline is not None and any_rank(time.monotonic() > deadline, world, ctx.device):
            out_of_time = True
            break
    seconds = time.monotonic() - started
    means = {key: value / max(seen, 1) for key, value in sums.items()}
    means.update(seconds=round(seconds, 2), images_per_second=round(seen * world / seconds, 1))
    return means, step, out_of_time


@torch.inference_mode()
def validate(ctx: EpochContext, loader, *, step: int, seed: int) -> dict:
    """Mean loss terms (the trained objective at this step) and PSNR of decode(mu) on `loader`."""
    model = ctx.model
    model.eval()
    sums, count = {}, 0
    generator = torch.Generator(device=ctx.device).manual_seed(seed)
    for pixels in loader:
        x = to_batch(pixels, ctx.device)
        with torch.autocast(ctx.device.type, dtype=torch.bfloat16, enabled=ctx.bf16):
            terms, mu, _ = model_loss(model, x, generator=generator, **ctx.schedule.loss_weights(step))
            x_hat = model.decode(mu)
        terms["psnr"] = psnr(x_hat, x).mean()
        add_terms(sums, terms, len(x))
        count += len(x)
    return {key: value / max(count, 1) for key, value in sums.items()}


def epoch_row(epoch: int, step: int, lr: float, train_terms: dict, val_terms: dict) -> dict:
    row = {"epoch": epoch, "step": step, "lr": lr}
    row.update({f"train_{key}": value for key, value in train_terms.items() if key not in ("seconds", "images_per_second")})
    row.update({f"val_{key}": value for key, value in val_terms.items()})
    row.update(seconds=train_terms["seconds"], images_per_second=train_terms["images_per_second"])
    return row


def save_epoch(*, run_dir: Path, ctx: EpochContext, optimizer, history: list[dict], best_val: float,
               prior_z: torch.Tensor, recon_inputs: torch.Tensor) -> float:
    """Write every file of the epoch that just ended; return the best validation loss so far."""
    model = ctx.model
    row = history[-1]
    epoch, step, val_loss = row["epoch"], row["step"], row["val_loss"]
    with torch.inference_mode():
        samples = model.decode(prior_z).float().cpu()
        x = to_batch(recon_inputs, prior_z.device)
        shown = torch.cat([x, model.decode(model.encode(x).mean)]).float().cpu()
    save_grid(samples, run_dir / SAMPLES_NAME / f"sample_epoch_{epoch:03d}.png", nrow=8)
    save_grid(shown, run_dir / SAMPLES_NAME / f"recon_epoch_{epoch:03d}.png", nrow=RECON_COUNT)
    save_model(model, run_dir)
    if val_loss < best_val:
        best_val = val_loss
        save_model(model, run_dir / BEST_NAME)
    write_metrics(run_dir, history)
    # the state goes last: once it names this epoch, every file of the epoch is in place
    resumable = {"model": ctx.model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "step": step,
                 "best_val": best_val, "history": history, "rng": torch.get_rng_state()}
    if ctx.adversary is not None:
        resumable["adversary"] = ctx.adversary.state_dict()
    atomic_write(run_dir / STATE_NAME, lambda tmp: torch.save(resumable, tmp))
    return best_val


# the story


@dataclass
class Progress:
    """Where a run stands: the last finished epoch, its step, the best validation loss, every epoch's row."""

    epoch: int = 0
    step: int = 0
    best_val: float = math.inf
    history: list[dict] = field(default_factory=list)


def start_training(options: TrainOptions, model, optimizer, adversary, state: dict | None, train_set) -> Progress:
    """Put the model where the run begins: a resumed state, another model's weights, or the PCA of the photos."""
    if state is None:
        if options.init_from:
            warm_start(model, options.init_from)
        elif model.config.linear_size:
            start_from_pca(model, train_set)
        return Progress()
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if adversary is not None and "adversary" in state:
        adversary.load_state_dict(state["adversary"])
    torch.set_rng_state(state["rng"])
    log.info("resuming after epoch %d (step %d)", state["epoch"], state["step"])
    return Progress(state["epoch"], state["step"], state["best_val"], list(state["history"]))


def train(options: TrainOptions) -> Path:
    """Train (or resume) a run and return its folder."""
    rank, world = distributed_context()
    device = pick_device(options.device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    is_writer = rank == 0
    run_dir, model_config, state = prepare_run(options, is_writer)
    torch.manual_seed(options.seed + rank)
    loaders = make_loaders(options, model_config.image_size, device, world)

    model = build_model(model_config).to(device, memory_format=torch.channels_last)
    if options.decoder_only:
        model.encoder_part().requires_grad_(False)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trained, lr=options.lr, fused=device.type == "cuda")
    # made before a resumed run restores the random state, as in the run it continues
    adversary = (Adversary(options.adversarial_weight, options.lr, device, world, options.feature_matching)
                 if options.adversarial_weight else None)
    progress = start_training(options, model, optimizer, adversary, state, loaders.train.dataset)
    if state is not None and is_writer:
        write_metrics(run_dir, progress.history)  # drops a row written after the state was last saved
    if progress.epoch >= options.epochs:
        log.info("run already has %d epochs; pass a larger --epochs to train more", progress.epoch)
        return run_dir
    network = DistributedDataParallel(model) if world > 1 else model
    if options.compile:
        network = torch.compile(network)
    bf16 = use_bf16(device, options.precision)
    ctx = EpochContext(model, network, device, bf16, Schedule(options, options.epochs * len(loaders.train)), run_dir, adversary)
    log.info("device %s, %s, %d process(es), %d training images", device, "bf16 autocast" if bf16 else "fp32", world,
             len(loaders.train.dataset))
    run_epochs(options, ctx, loaders, optimizer, progress, world=world, is_writer=is_writer)
    return run_dir


def run_epochs(options: TrainOptions, ctx: EpochContext, loaders: Loaders, optimizer, progress: Progress, *,
               world: int, is_writer: bool) -> None:
    """Epochs from the one after `progress` to the last, each trained, validated and saved; stops early at
    --max-minutes, after saving the epoch it cut short."""
    prior_z = torch.randn(GRID_COUNT, ctx.model.config.latent_dim,
                          generator=torch.Generator().manual_seed(options.seed)).to(ctx.device)
    started = time.monotonic()
    deadline = started + options.max_minutes * 60 if options.max_minutes else None
    for epoch in range(progress.epoch + 1, options.epochs + 1):
        # the shuffle depends only on (seed, epoch), so a resumed run sees the same order
        loaders.sampler_generator.manual_seed(options.seed * 100_003 + epoch)
        if world > 1:
            loaders.sampler.set_epoch(epoch)
        train_terms, progress.step, out_of_time = train_one_epoch(
            ctx, loaders.train, optimizer, epoch=epoch, step=progress.step, deadline=deadline, world=world,
            show_progress=is_writer)
        val_terms = validate(ctx, loaders.val, step=progress.step, seed=options.seed)
        if is_writer:
            progress.history.append(epoch_row(epoch, progress.step, ctx.schedule.lr(progress.step), train_terms, val_terms))
            try:
                progress.best_val = save_epoch(run_dir=ctx.run_dir, ctx=ctx, optimizer=optimizer, history=progress.history,
                                               best_val=progress.best_val, prior_z=prior_z, recon_inputs=loaders.recon_inputs)
            except OSError as error:
                raise TrainingError(f"cannot write the run folder {ctx.run_dir}: {error}. "
                                    f"The files of the previous epoch are intact.") from None
            row = progress.history[-1]
            log.info("epoch %d: train loss %.1f, val loss %.1f, val PSNR %.2f dB, %.0f images/s",
                     epoch, row["train_loss"], row["val_loss"], row["val_psnr"], row["images_per_second"])
        if world > 1:
            dist.barrier()
        if out_of_time:
            log.info("stopped after %.1f minutes (--max-minutes)", (time.monotonic() - started) / 60)
            break
