"""The decoder as ONNX, for decoding codes in a visitor's browser (onnxruntime-web): z (1, D) float32 ->
image (1, 3, S, S) in [0, 1], the sigmoid included. Only the decoder is exported; the encoder stays on the server.

Files are cached by the hash of the model's config and weights, so an app start exports each model once.
Exporting a new version of a model removes that model's earlier files once they are a day old, so the
cache does not grow with every retrained model (an app started within the day may still serve one).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ..core.model import VAE

OPSET = 18
STALE_SECONDS = 24 * 3600  # an earlier version of a model's file is removed once it is this old


class Decoder(nn.Module):
    """VAE.decode as a module of its own, so the export holds nothing of the encoder."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z)  # (1, 3, S, S) in [0, 1]


def fingerprint(vae: VAE) -> str:
    """A short hash of the model's config and weights: a new model gets a new file."""
    digest = hashlib.sha256(json.dumps(asdict(vae.config), sort_keys=True, default=str).encode())
    for name, tensor in sorted(vae.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


@torch.no_grad()
def export_module(module: nn.Module, example: torch.Tensor, path, inputs: list[str], outputs: list[str]) -> Path:
    """Write `module` (in eval mode) to `path` as ONNX, through a temporary file so that two processes exporting at
    once never mix files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    torch.onnx.export(
        module.eval(), (example,), str(temporary), input_names=inputs, output_names=outputs, opset_version=OPSET,
        dynamo=False,
    )  # fmt: skip
    os.replace(temporary, path)
    return path


def export_decoder(vae: VAE, path) -> Path:
    """Write the decoder of `vae` to `path` as ONNX (input "z", output "image")."""
    return export_module(Decoder(vae), torch.zeros(1, vae.config.latent_dim), path, ["z"], ["image"])


def cached_decoder(vae: VAE, name: str, cache_dir) -> Path:
    """The ONNX decoder of `vae` in `cache_dir`, exported only if this model's file is not there yet."""
    path = Path(cache_dir) / f"{name}-{fingerprint(vae)}.onnx"
    if path.is_file():
        return path
    export_decoder(vae, path)
    remove_stale_versions(path, name)
    return path


def remove_stale_versions(current: Path, name: str) -> None:
    """Delete `name`'s other cached files that were exported more than STALE_SECONDS ago."""
    cutoff = time.time() - STALE_SECONDS
    for other in current.parent.glob(f"{name}-*.onnx"):
        if other != current and other.stem[len(name) + 1 :].isalnum():  # "beta-1-<hash>", not "beta-1-x-<hash>"
            try:
                if other.stat().st_mtime < cutoff:
                    other.unlink()
            except FileNotFoundError:  # another app start removed it first
                pass
