"""Model files on disk: config.json + model.safetensors, written atomically, read without pickle.

A model folder describes itself (the config sits beside the weights), so loading never needs the
command line that trained it. The resumable training state lives in `vae.training`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .model import VAE, VAEConfig, build_model

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


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


def save_model(model: VAE, directory, *, half: bool = False) -> Path:
    """Write config.json + model.safetensors; `half` stores fp16 (for the small bundled models)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    atomic_write(directory / WEIGHTS_NAME, lambda tmp: save_file(state, tmp, metadata={"format": "pt"}))
    write_json(directory / CONFIG_NAME, model.config.to_dict())
    return directory


def _resolve(source) -> Path:
    """A local folder as is; anything else that looks like `owner/name` is fetched from the Hub."""
    path = Path(source)
    if path.exists() or not isinstance(source, str) or source.count("/") != 1:
        return path
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(source, allow_patterns=[CONFIG_NAME, WEIGHTS_NAME, "*.json"]))


def load_model(source, *, device: str | torch.device = "cpu") -> VAE:
    """Rebuild a model from a folder (or Hub repo id) holding config.json + model.safetensors.

    Strict: a missing file, a malformed config, or weights whose keys or shapes differ from what
    the config builds is a ModelFileError naming the file. Nothing is unpickled.
    """
    directory = _resolve(source)
    if not directory.is_dir():
        raise ModelFileError(f"model folder not found: {directory}")
    config_path, weights_path = directory / CONFIG_NAME, directory / WEIGHTS_NAME
    for path in (config_path, weights_path):
        if not path.is_file():
            raise ModelFileError(f"missing {path}")
    try:
        config = VAEConfig.from_dict(json.loads(config_path.read_text()))
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"bad model config {config_path}: {error}") from None
    model = build_model(config)
    try:
        state = load_file(weights_path)
    except (SafetensorError, OSError) as error:
        raise ModelFileError(f"unreadable weights {weights_path}: {error}") from None
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    wrong_shape = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or wrong_shape:
        raise ModelFileError(
            f"weights in {weights_path} do not match {config_path}: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {wrong_shape[:3]}"
        )
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    return model.to(device).eval()
