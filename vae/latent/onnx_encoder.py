"""The encoder as ONNX, for encoding a visitor's photo in their browser (the static edition): image (1, 3, S, S) in
[0, 1] -> mean and logvar (1, D), the posterior that VAE.encode returns. And ONNX files whose weights are stored as
fp16 and widened to fp32 when loaded, half the bytes to download, kept only where the pictures stay within 1/255.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

from ..core.model import VAE
from .onnx_decoder import export_module

SMALL_TENSOR = 1024  # weights with fewer values stay fp32: halving them saves nothing worth a Cast node


class Encoder(nn.Module):
    """VAE.encode as a module of its own, so the export holds nothing of the decoder."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        posterior = self.vae.encode(x)
        return posterior.mean, posterior.logvar


def export_encoder(vae: VAE, path) -> Path:
    """Write the encoder of `vae` to `path` as ONNX (input "image", outputs "mean" and "logvar")."""
    size = vae.config.image_size
    return export_module(Encoder(vae), torch.zeros(1, 3, size, size), path, ["image"], ["mean", "logvar"])


def with_half_weights(source: Path, target: Path) -> Path:
    """A copy of an ONNX file whose large float weights are stored as fp16, each widened back to fp32 by a Cast
    node: the same graph and fp32 arithmetic, on weights rounded to fp16."""
    model = onnx.load(str(source))
    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        values = numpy_helper.to_array(initializer)
        if values.dtype != np.float32 or values.size < SMALL_TENSOR:
            continue
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(values.astype(np.float16), f"{name}_fp16"))
        casts.append(helper.make_node("Cast", [f"{name}_fp16"], [name], to=onnx.TensorProto.FLOAT))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return target
