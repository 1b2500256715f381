"""The training loop: one process, or many under torchrun (DistributedDataParallel).

A run folder holds the model (config.json + model.safetensors, every epoch), the best model by
validation loss (best/), the resumable state (training_state.pt), per-epoch sample and
reconstruction grids (samples/), and metrics.jsonl. Everything is written to a temporary file
and renamed into place, so a crash at any moment leaves the previous epoch's files intact.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler
from torchvision.utils import make_grid, save_image
from tqdm import tqdm

from .checkpoint import CONFIG_NAME, atomic_write, save_model, write_json
from .data import image_lists, make_dataset
from .losses import capacity_at, vae_loss, warmup_factor
from .metrics import psnr
from .model import VAEConfig, build_model, check_image_size

log = logging.getLogger(__name__)

STATE_NAME = "training_state.pt"
METRICS_NAME = "metrics.jsonl"
TRAIN_OPTIONS_NAME = "train_options.json"
GRID_COUNT = 64  # prior samples per grid
RECON_COUNT = 8  # validation images per reconstruction grid


class TrainingError(RuntimeError):
    """Training cannot start or go on; the message says why and what was kept."""


@dataclass
class TrainOptions:
    data: str | None = None  # photo folder; None = the procedural landscape set
    out: str | None = None  # run folder; None = runs/<arch>-beta<beta>-<time>
    model: VAEConfig = field(default_factory=VAEConfig)
    epochs: int = 20
    batch_size: int = 64  # per process under torchrun
    lr: float = 1e-3
    seed: int = 0
    max_minutes: float | None = None
    device: str = "auto"
    resume: bool = False
    precision: str = "auto"  # auto: bf16 autocast where the hardware has bf16 units
    kl_warmup_steps: int = 0
    capacity: float | None = None  # Burgess et al.: target KL in nats; None = plain beta-VAE
    capacity_steps: int = 10_000
    procedural_count: int = 2000
    workers: int | None = None  # DataLoader workers; None = 0 for cached data, else a few
    cache: bool | None = None  # None = cache decoded images when they fit in memory
    compile: bool = False


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


def write_metrics(run_dir: Path, history: list[dict]) -> None:
    lines = "".join(json.dumps(row) + "\n" for row in history)
    atomic_write(run_dir / METRICS_NAME, lambda tmp: Path(tmp).write_text(lines))


def save_grid(images: torch.Tensor, path: Path, *, nrow: int) -> None:
    atomic_write(path, lambda tmp: save_image(make_grid(images, nrow=nrow, padding=2), tmp, format="png"))


# the loop


def to_batch(pixels: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float in [0, 1] on the device, channels_last."""
    x = pixels.to(device, non_blocking=True).float().div_(255.0)
    return x.contiguous(memory_format=torch.channels_last)


@torch.inference_mode()
def validate(model, loader, device, options: TrainOptions, bf16: bool) -> dict:
    """Loss terms and PSNR of decode(mu), averaged over the validation images."""
    totals, count = {}, 0
    generator = torch.Generator(device=device).manual_seed(options.seed)
    for pixels in loader:
        x = to_batch(pixels, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits, mu, logvar, z = model(x)
            terms = vae_loss(logits, x, mu, logvar, z, beta=model.config.beta, reconstruction=model.config.reconstruction,
                             objective=model.config.objective, generator=generator)
            x_hat = model.decode(mu)
        terms["psnr"] = psnr(x_hat, x).mean()
        for key, value in terms.items():
            totals[key] = totals.get(key, 0.0) + value.item() * len(x)
        count += len(x)
    return {key: value / max(count, 1) for key, value in totals.items()}


def spread_sample(dataset, count: int) -> torch.Tensor:
    """`count` images evenly spaced through a dataset, so the grid shows every class of a sorted folder."""
    step = max(1, len(dataset) // count)
    return torch.stack([dataset[i] for i in range(0, len(dataset), step)][:count])


def save_epoch(run_dir: Path, model, optimizer, history: list[dict], best_val: float, val_loss: float,
               prior_z: torch.Tensor, recon_inputs: torch.Tensor) -> float:
    """Write every file of the epoch that just ended; return the best validation loss so far."""
    epoch, step = history[-1]["epoch"], history[-1]["step"]
    with torch.inference_mode():
        samples = model.decode(prior_z).float().cpu()
        x = to_batch(recon_inputs, prior_z.device)
        shown = torch.cat([x, model.decode(model.encode(x)[0])]).float().cpu()
    save_grid(samples, run_dir / "samples" / f"sample_epoch_{epoch:03d}.png", nrow=8)
    save_grid(shown, run_dir / "samples" / f"recon_epoch_{epoch:03d}.png", nrow=RECON_COUNT)
    save_model(model, run_dir)
    if val_loss < best_val:
        best_val = val_loss
        save_model(model, run_dir / "best")
    write_metrics(run_dir, history)
    # the state goes last: once it names this epoch, every file of the epoch is in place
    resumable = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "step": step,
                 "best_val": best_val, "history": history, "rng": torch.get_rng_state()}
    atomic_write(run_dir / STATE_NAME, lambda tmp: torch.save(resumable, tmp))
    return best_val


def train(options: TrainOptions) -> Path:
    """Train (or resume) a run and return its folder."""
    rank, world = distributed_context()
    device = pick_device(options.device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    is_writer = rank == 0
    run_dir = Path(options.out) if options.out else default_run_dir(options.model)

    state = None
    if options.resume:
        state = load_state(run_dir)
        model_config = VAEConfig.from_dict(json.loads((run_dir / CONFIG_NAME).read_text()))
    else:
        if (run_dir / STATE_NAME).exists():
            raise TrainingError(f"{run_dir} already holds a run: pass --resume to continue it, or choose another --out")
        model_config = options.model
    check_image_size(model_config.image_size)
    if is_writer:
        (run_dir / "samples").mkdir(parents=True, exist_ok=True)
        for stale in run_dir.rglob(".*.tmp"):  # left by a process killed mid-write
            stale.unlink()
        write_json(run_dir / TRAIN_OPTIONS_NAME, {**asdict(options), "model": model_config.to_dict()})
        log.info("run folder: %s", run_dir.resolve())

    torch.manual_seed(options.seed + rank)
    lists = image_lists(options.data, procedural_count=options.procedural_count, seed=options.seed)
    size = model_config.image_size
    train_set, skipped = make_dataset(lists["train"], size, train=True, cache=options.cache)
    val_set, val_skipped = make_dataset(lists["val"] if len(lists["val"]) else lists["train"], size, train=False, cache=options.cache)
    if skipped or val_skipped:
        log.warning("skipped %d unreadable training and %d validation images", skipped, val_skipped)
    if len(train_set) == 0:
        raise TrainingError("no readable training images")

    model = build_model(model_config).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr, fused=device.type == "cuda")
    start_epoch, step, best_val, history = 0, 0, math.inf, []
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, step, best_val, history = state["epoch"], state["step"], state["best_val"], list(state["history"])
        torch.set_rng_state(state["rng"])
        log.info("resuming after epoch %d (step %d)", start_epoch, step)
        if is_writer:
            write_metrics(run_dir, history)  # drops a row written after the state was last saved
    if start_epoch >= options.epochs:
        log.info("run already has %d epochs; pass a larger --epochs to train more", start_epoch)
        return run_dir
    train_model = DistributedDataParallel(model) if world > 1 else model
    if options.compile:
        train_model = torch.compile(train_model)
    bf16 = use_bf16(device, options.precision)
    log.info("device %s, %s, %d process(es), %d training images", device, "bf16 autocast" if bf16 else "fp32", world, len(train_set))

    on_gpu = device.type == "cuda"
    cached = hasattr(train_set, "pixels")
    workers = options.workers if options.workers is not None else (0 if cached else min(8, os.cpu_count() or 1))
    loader_args = dict(batch_size=options.batch_size, num_workers=workers, pin_memory=on_gpu,
                       persistent_workers=workers > 0, drop_last=len(train_set) >= options.batch_size)
    sampler_generator = torch.Generator()
    sampler = (DistributedSampler(train_set, seed=options.seed) if world > 1
               else RandomSampler(train_set, generator=sampler_generator))
    train_loader = DataLoader(train_set, sampler=sampler, **loader_args)
    val_loader = DataLoader(val_set, batch_size=options.batch_size, num_workers=workers, pin_memory=on_gpu)
    recon_inputs = spread_sample(val_set, RECON_COUNT)
    prior_z = torch.randn(GRID_COUNT, model_config.latent_dim, generator=torch.Generator().manual_seed(options.seed)).to(device)

    started = time.monotonic()
    deadline = started + options.max_minutes * 60 if options.max_minutes else None
    for epoch in range(start_epoch + 1, options.epochs + 1):
        # the shuffle depends only on (seed, epoch), so a resumed run sees the same order
        sampler_generator.manual_seed(options.seed * 100_003 + epoch)
        if world > 1:
            sampler.set_epoch(epoch)
        model.train()
        epoch_start, sums, seen, out_of_time = time.monotonic(), {}, 0, False
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{options.epochs}", disable=not is_writer, leave=False)
        for pixels in bar:
            x = to_batch(pixels, device)
            step += 1
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits, mu, logvar, z = train_model(x)
                terms = vae_loss(
                    logits, x, mu, logvar, z, beta=model_config.beta, reconstruction=model_config.reconstruction,
                    objective=model_config.objective, kl_weight=warmup_factor(step, options.kl_warmup_steps),
                    capacity=None if options.capacity is None else capacity_at(step, target=options.capacity, steps=options.capacity_steps),
                )
            loss_value = terms["loss"].item()
            if not math.isfinite(loss_value):
                raise TrainingError(
                    f"loss became {loss_value} at step {step} (epoch {epoch}); stopped. "
                    f"The last good model (epoch {epoch - 1}) is kept in {run_dir}. Try a lower --lr."
                )
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            for key, value in terms.items():
                sums[key] = sums.get(key, 0.0) + value.item() * len(x)
            seen += len(x)
            bar.set_postfix(loss=f"{loss_value:.1f}")
            if deadline is not None and any_rank(time.monotonic() > deadline, world, device):
                out_of_time = True
                break
        train_seconds = time.monotonic() - epoch_start

        model.eval()
        val = validate(model, val_loader, device, options, bf16)
        if is_writer:
            history.append({"epoch": epoch, "step": step, "train_loss": sums["loss"] / seen, "train_recon": sums["recon"] / seen,
                   "train_kl": sums["kl"] / seen, "val_loss": val["loss"], "val_recon": val["recon"], "val_kl": val["kl"],
                   "val_psnr": val["psnr"], "seconds": round(train_seconds, 2),
                   "images_per_second": round(seen * world / train_seconds, 1)})
            try:
                best_val = save_epoch(run_dir, model, optimizer, history, best_val, val["loss"], prior_z, recon_inputs)
            except OSError as error:
                raise TrainingError(f"cannot write the run folder {run_dir}: {error}. "
                                    f"The files of the previous epoch are intact.") from None
            row = history[-1]
            log.info("epoch %d: train loss %.1f, val loss %.1f, val PSNR %.2f dB, %.0f images/s",
                     epoch, row["train_loss"], row["val_loss"], row["val_psnr"], row["images_per_second"])
        if world > 1:
            dist.barrier()
        if out_of_time:
            log.info("stopped after %.1f minutes (--max-minutes)", (time.monotonic() - started) / 60)
            break
    return run_dir

