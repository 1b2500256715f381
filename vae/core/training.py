"""The training loop: one process, or many under torchrun (DistributedDataParallel).

A run folder holds the model (config.json + model.safetensors, every epoch), the best model by
validation loss (best/), the resumable state (training_state.pt), per-epoch sample and
reconstruction grids (samples/), and metrics.jsonl. Everything is written to a temporary file
and renamed into place, so a crash at any moment leaves the previous epoch's files intact.
`train` reads as the story: prepare the run, make the loaders, then `train_one_epoch`,
`validate` (its mirror) and `save_epoch`, once per epoch.
"""

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler
from tqdm import tqdm

from .adversarial import Adversary
from .checkpoint import BEST_NAME, SAMPLES_NAME, STATE_NAME, atomic_write, write_metrics
from .data import image_lists, make_dataset
from .devices import any_rank, distributed_context, pick_device, use_bf16
from .losses import model_loss
from .metrics import psnr
from .model import build_model, save_model
from .run_folder import prepare_run, save_grid, start_from_pca, warm_start
from .train_options import LR_SCHEDULES, Schedule, TrainingError, TrainOptions

__all__ = ["LR_SCHEDULES", "Schedule", "TrainOptions", "TrainingError", "train"]  # what train.py and bench import

log = logging.getLogger(__name__)

GRID_COUNT = 64  # prior samples per grid
RECON_COUNT = 8  # validation images per reconstruction grid


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
    train_set, skipped = make_dataset(
        lists["train"], image_size, train=True, cache=options.cache, crop_scale=options.crop_scale
    )
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
    sampler = (
        DistributedSampler(train_set, seed=options.seed)
        if world > 1
        else RandomSampler(train_set, generator=sampler_generator)
    )
    train_loader = DataLoader(
        train_set,
        sampler=sampler,
        batch_size=options.batch_size,
        num_workers=workers,
        pin_memory=on_gpu,
        persistent_workers=workers > 0,
        drop_last=len(train_set) >= options.batch_size,
    )
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


def train_one_epoch(
    ctx: EpochContext,
    loader,
    optimizer,
    *,
    epoch: int,
    step: int,
    deadline: float | None,
    world: int,
    show_progress: bool,
) -> tuple[dict, int, bool]:
    """(mean training terms, the step reached, whether time ran out) after one pass over `loader`."""
    ctx.model.train()
    sums, seen, out_of_time, started = {}, 0, False, time.monotonic()
    for pixels in tqdm(loader, desc=f"epoch {epoch}", disable=not show_progress, leave=False):
        x = to_batch(pixels, ctx.device)
        for group in optimizer.param_groups:
            group["lr"] = ctx.schedule.lr(step)
        step += 1
        with torch.autocast(ctx.device.type, dtype=torch.bfloat16, enabled=ctx.bf16):
            terms, _, _ = model_loss(
                ctx.model, x, network=ctx.network, adversary=ctx.adversary, **ctx.schedule.loss_weights(step)
            )
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
    row.update(
        {f"train_{key}": value for key, value in train_terms.items() if key not in ("seconds", "images_per_second")}
    )
    row.update({f"val_{key}": value for key, value in val_terms.items()})
    row.update(seconds=train_terms["seconds"], images_per_second=train_terms["images_per_second"])
    return row


def save_epoch(
    *,
    run_dir: Path,
    ctx: EpochContext,
    optimizer,
    history: list[dict],
    best_val: float,
    prior_z: torch.Tensor,
    recon_inputs: torch.Tensor,
) -> float:
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
    resumable = {
        "model": ctx.model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "step": step,
        "best_val": best_val,
        "history": history,
        "rng": torch.get_rng_state(),
    }
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
    adversary = (
        Adversary(options.adversarial_weight, options.lr, device, world, options.feature_matching)
        if options.adversarial_weight
        else None
    )
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
    ctx = EpochContext(
        model, network, device, bf16, Schedule(options, options.epochs * len(loaders.train)), run_dir, adversary
    )
    log.info(
        "device %s, %s, %d process(es), %d training images",
        device,
        "bf16 autocast" if bf16 else "fp32",
        world,
        len(loaders.train.dataset),
    )
    run_epochs(options, ctx, loaders, optimizer, progress, world=world, is_writer=is_writer)
    return run_dir


def record_epoch(ctx: EpochContext, optimizer, progress: Progress, row: dict, prior_z, recon_inputs) -> None:
    """The writer's end of an epoch: its row in the history, every file saved, one line in the log."""
    progress.history.append(row)
    try:
        progress.best_val = save_epoch(
            run_dir=ctx.run_dir,
            ctx=ctx,
            optimizer=optimizer,
            history=progress.history,
            best_val=progress.best_val,
            prior_z=prior_z,
            recon_inputs=recon_inputs,
        )
    except OSError as error:
        raise TrainingError(
            f"cannot write the run folder {ctx.run_dir}: {error}. The files of the previous epoch are intact."
        ) from None
    log.info(
        "epoch %d: train loss %.1f, val loss %.1f, val PSNR %.2f dB, %.0f images/s",
        row["epoch"],
        row["train_loss"],
        row["val_loss"],
        row["val_psnr"],
        row["images_per_second"],
    )


def run_epochs(
    options: TrainOptions,
    ctx: EpochContext,
    loaders: Loaders,
    optimizer,
    progress: Progress,
    *,
    world: int,
    is_writer: bool,
) -> None:
    """Epochs from the one after `progress` to the last, each trained, validated and saved; stops early at
    --max-minutes, after saving the epoch it cut short."""
    prior_z = torch.randn(
        GRID_COUNT, ctx.model.config.latent_dim, generator=torch.Generator().manual_seed(options.seed)
    ).to(ctx.device)
    started = time.monotonic()
    deadline = started + options.max_minutes * 60 if options.max_minutes else None
    for epoch in range(progress.epoch + 1, options.epochs + 1):
        # the shuffle depends only on (seed, epoch), so a resumed run sees the same order
        loaders.sampler_generator.manual_seed(options.seed * 100_003 + epoch)
        if world > 1:
            loaders.sampler.set_epoch(epoch)
        train_terms, progress.step, out_of_time = train_one_epoch(
            ctx,
            loaders.train,
            optimizer,
            epoch=epoch,
            step=progress.step,
            deadline=deadline,
            world=world,
            show_progress=is_writer,
        )
        val_terms = validate(ctx, loaders.val, step=progress.step, seed=options.seed)
        if is_writer:
            row = epoch_row(epoch, progress.step, ctx.schedule.lr(progress.step), train_terms, val_terms)
            record_epoch(ctx, optimizer, progress, row, prior_z, loaders.recon_inputs)
        if world > 1:
            dist.barrier()
        if out_of_time:
            log.info("stopped after %.1f minutes (--max-minutes)", (time.monotonic() - started) / 60)
            break
