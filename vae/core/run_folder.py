"""A run folder's beginning: where it is, what it resumes from, and the weights a new run starts with (another
model's, or the PCA of the photos)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision.utils import make_grid, save_image

from .checkpoint import CONFIG_NAME, SAMPLES_NAME, STATE_NAME, TRAIN_OPTIONS_NAME, atomic_write, read_config, write_json
from .linear_path import LinearPath
from .model import VAEConfig, check_image_size, load_model
from .pca import fit_pca
from .train_options import TrainingError, TrainOptions

log = logging.getLogger(__name__)


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
    mismatch = {
        k: (getattr(donor.config, k), getattr(model.config, k))
        for k in shape_keys
        if getattr(donor.config, k) != getattr(model.config, k)
    }
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
    small = torch.cat(
        [
            LinearPath.logits_of(torch.cat([pixels, pixels.flip(-1)]).float() / 255.0, factor).flatten(1)
            for pixels in DataLoader(dataset, batch_size=batch_size)
        ]
    )
    model.start_from_pca(fit_pca(small, model.config.latent_dim))
    log.info(
        "linear path: PCA of %d training photos and their mirror images at %d px (%.0f s)",
        len(small) // 2,
        model.config.linear_size,
        time.monotonic() - started,
    )
