"""The one home of the project's files on disk: their names, atomic writes, JSON and metrics,
strict safetensors reading, and Hugging Face Hub ids. It knows nothing of networks, so every other
module can import it; `vae.core.model` builds models from what it reads.

A model folder is config.json + model.safetensors (+ what `vae.publish.export` adds for the app);
a run folder adds the resumable state, metrics.jsonl, the training options and samples/.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

# a model folder
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
# what vae.publish.export adds for the app
FACTS_NAME = "facts.json"
DENSITY_NAME = "latent_density.safetensors"
AXES_NAME = "latent_axes.safetensors"
ATLAS_CODES_NAME = "atlas.safetensors"
ATLAS_PHOTOS_NAME = "atlas.jpg"
# a run folder
STATE_NAME = "training_state.pt"
METRICS_NAME = "metrics.jsonl"
TRAIN_OPTIONS_NAME = "train_options.json"
BEST_NAME = "best"
SAMPLES_NAME = "samples"


class ModelFileError(ValueError):
    """A model folder that is missing, malformed, or does not match its config."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path) then rename over `path`, so a crash never leaves a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; model files are meant to be shared
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: Path, data) -> None:
    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")

    atomic_write(path, write)


def read_json(path: Path):
    return json.loads(Path(path).read_text())


def write_metrics(run_dir: Path, history: list[dict]) -> None:
    lines = "".join(json.dumps(row) + "\n" for row in history)
    atomic_write(Path(run_dir) / METRICS_NAME, lambda tmp: Path(tmp).write_text(lines))


def read_metrics(run_dir: Path) -> list[dict]:
    """metrics.jsonl as a list of rows, one per epoch."""
    return [json.loads(line) for line in (Path(run_dir) / METRICS_NAME).read_text().splitlines() if line.strip()]


def save_tensors(
    tensors: dict[str, torch.Tensor],
    path: Path,
    *,
    dtype: torch.dtype | None = None,
    metadata: dict[str, str] | None = None,
) -> None:
    """Tensors as safetensors, atomically; `dtype` converts floating-point ones (fp16 for bundled models)."""
    state = {
        k: v.detach().to("cpu", dtype if dtype is not None and v.is_floating_point() else v.dtype).contiguous()
        for k, v in tensors.items()
    }
    atomic_write(path, lambda tmp: save_file(state, tmp, metadata={"format": "pt", **(metadata or {})}))


def load_tensors(path: Path, *, with_metadata: bool = False):
    """A safetensors file (and its metadata); nothing is unpickled. ModelFileError names an unreadable file."""
    try:
        if not with_metadata:
            return load_file(path)
        with safe_open(path, framework="pt") as opened:
            return {key: opened.get_tensor(key) for key in opened.keys()}, opened.metadata() or {}
    except (SafetensorError, OSError) as error:
        raise ModelFileError(f"unreadable weights {path}: {error}") from None


def check_state_matches(state: dict, expected: dict, weights_path: Path, config_path: Path) -> None:
    """Strict loading: the file's keys and shapes must be exactly those the config builds."""
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    wrong_shape = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or wrong_shape:
        raise ModelFileError(
            f"weights in {weights_path} do not match {config_path}: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {wrong_shape[:3]}"
        )


HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
MODEL_FILES = ["*.json", "*.safetensors", "*.jsonl", "*.jpg"]  # config, weights and all the app shows; never pickles


def looks_like_hub_id(source) -> bool:
    """`owner/name` that is not a local path: its first part is not a folder here."""
    return (
        isinstance(source, str)
        and HUB_ID.fullmatch(source) is not None
        and not Path(source).exists()
        and not Path(source.split("/")[0]).exists()
    )


def resolve_model_folder(source) -> Path:
    """A local folder as is; an `owner/name` that is not a local path is fetched from the Hub (and cached, so
    it loads offline later). Either failing is a ModelFileError of one line."""
    if not looks_like_hub_id(source):
        return Path(source)
    import httpx
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(source, allow_patterns=MODEL_FILES))
    except (LocalEntryNotFoundError, HfHubHTTPError, HFValidationError, httpx.HTTPError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelFileError(
            f"{source}: no such folder here, and it could not be fetched from the Hub ({reason})"
        ) from None


def model_folder_files(source) -> tuple[Path, Path]:
    """(config path, weights path) of a model folder or Hub id; ModelFileError if either is missing."""
    directory = resolve_model_folder(source)
    if not directory.is_dir():
        raise ModelFileError(f"model folder not found: {directory}")
    config_path, weights_path = directory / CONFIG_NAME, directory / WEIGHTS_NAME
    for path in (config_path, weights_path):
        if not path.is_file():
            raise ModelFileError(f"missing {path}")
    return config_path, weights_path


def read_config(config_path: Path) -> dict:
    try:
        data = read_json(config_path)
    except ValueError as error:
        raise ModelFileError(f"bad model config {config_path}: {error}") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"bad model config {config_path}: not a JSON object")
    return data
