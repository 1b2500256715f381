"""A model's networks as ONNX, written once at export into the model folder's onnx/ (as the Hub's in-browser models
ship them), for onnxruntime-web in a visitor's browser and for the static edition:

- `onnx/decoder.onnx`: z (1, D) float32 -> image (1, 3, S, S) in [0, 1], the sigmoid included;
- `onnx/encoder.onnx`: image (1, 3, S, S) in [0, 1] -> mean and logvar (1, D), the posterior VAE.encode returns;
- `onnx/prior.onnx` (where the model ships a diffusion prior): its network, z (B, D) standardised, t (B,) and label
  (B, classes) one-hot -> v (B, D), the velocity (a "flow" prior) or the noise (a "ddpm" prior); the browser runs
  Heun's or DDIM's steps around it (web/sampler.js), then `* std + mean`.

Exported with torch's current exporter (torch.export-based, `dynamo=True`, translated by onnxscript). Large weights
are stored as fp16, each widened back to fp32 by a Cast node, where that changes no picture by more than 1/255: half
the bytes to download, the same fp32 arithmetic. The bundled models' weights are fp16 already, so theirs are lossless.
The app and the static staging only read these files (`vae.latent.onnx_files`); nothing exports at start-up.
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

from ..core.checkpoint import ATLAS_CODES_NAME, FACTS_NAME, read_json, write_json
from ..core.model import VAE, load_model
from ..latent.atlas import Atlas
from ..latent.diffusion_prior import DiffusionPrior
from ..latent.onnx_files import ONNX_FILES, onnx_folder

OPSET = 18
SMALL_TENSOR = 1024  # weights with fewer values stay fp32: halving them saves nothing worth a Cast node
PICTURE_TOLERANCE = 1 / 255  # fp16 weights are kept only where the pictures stay this close to fp32's


class Decoder(nn.Module):
    """VAE.decode as a module of its own, so the export holds nothing of the encoder."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z)  # (1, 3, S, S) in [0, 1]


class Encoder(nn.Module):
    """VAE.encode as a module of its own, so the export holds nothing of the decoder."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        posterior = self.vae.encode(x)
        return posterior.mean, posterior.logvar


@torch.no_grad()
def export_module(
    module: nn.Module, example: tuple, path, inputs: list[str], outputs: list[str], *, batch_axis: bool = False
) -> Path:
    """Write `module` (in eval mode) to `path` as one self-contained ONNX file, through a temporary file so that two
    processes exporting at once never mix files; `batch_axis` leaves every input's first axis free."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    batch = torch.export.Dim("batch")
    with warnings.catch_warnings():  # one shared batch axis: the exporter notes that it names it only once
        warnings.filterwarnings("ignore", message=".*shares the same shape constraints.*")
        torch.onnx.export(
            module.eval(), example, str(temporary), input_names=inputs, output_names=outputs, opset_version=OPSET,
            dynamo=True, external_data=False, verbose=False,
            dynamic_shapes=tuple({0: batch} for _ in example) if batch_axis else None,
        )  # fmt: skip
    os.replace(temporary, path)
    return path


def export_decoder(vae: VAE, path) -> Path:
    """The decoder of `vae` as ONNX (input "z", output "image")."""
    return export_module(Decoder(vae), (torch.zeros(1, vae.config.latent_dim),), path, ["z"], ["image"])


def export_encoder(vae: VAE, path) -> Path:
    """The encoder of `vae` as ONNX (input "image", outputs "mean" and "logvar")."""
    size = vae.config.image_size
    return export_module(Encoder(vae), (torch.zeros(1, 3, size, size),), path, ["image"], ["mean", "logvar"])


def export_prior(prior: DiffusionPrior, path) -> Path:
    """The diffusion prior's network as ONNX (inputs z, t, label; output v), any batch size."""
    example = (torch.zeros(2, prior.config.dim), torch.zeros(2), torch.zeros(2, prior.config.classes))
    return export_module(prior.net, example, path, ["z", "t", "label"], ["v"], batch_axis=True)


def with_half_weights(path: Path) -> Path:
    """Rewrite an ONNX file so that its large float weights are stored as fp16, each widened back to fp32 by a Cast
    node: the same graph and fp32 arithmetic, on weights rounded to fp16."""
    model = onnx.load(str(path))
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
    onnx.save(model, str(path))
    return path


@torch.no_grad()
def half_weight_difference(module: nn.Module, run, inputs: torch.Tensor) -> float:
    """The largest change in `run(module, inputs)`'s output when the module's weights are rounded to fp16 (as
    with_half_weights stores them) and computed in fp32 as before."""
    rounded = copy.deepcopy(module)
    for tensor in rounded.state_dict().values():
        if tensor.is_floating_point():
            tensor.copy_(tensor.half().float())
    return float((run(module, inputs) - run(rounded, inputs)).abs().max())


def picture_differences(vae: VAE, codes: torch.Tensor) -> dict[str, float]:
    """How much fp16 weights change the decoder's pictures of `codes`, and the encoder's (as pictures decoded from
    the posterior means of a few random photos)."""
    size = vae.config.image_size
    photos = torch.rand(4, 3, size, size, generator=torch.Generator().manual_seed(0))
    return {
        "decoder": half_weight_difference(vae, lambda m, z: m.decode(z), codes),
        "encoder": half_weight_difference(vae, lambda m, x: m.decode(m.encode(x).mean), photos),
    }


def write_onnx_files(folder, vae: VAE, prior: DiffusionPrior | None, codes: torch.Tensor) -> dict[str, float]:
    """Write the model's networks into `folder`/onnx/ (the prior's only where there is one; an earlier prior.onnx
    goes with it), each with fp16 weights where the pictures of `codes` stay within PICTURE_TOLERANCE; returns the
    differences measured."""
    target = onnx_folder(folder)
    target.mkdir(parents=True, exist_ok=True)
    vae = vae.float().eval()
    differences = picture_differences(vae, codes)
    for network, export in (("decoder", export_decoder), ("encoder", export_encoder)):
        path = export(vae, target / ONNX_FILES[network])
        if differences[network] <= PICTURE_TOLERANCE:
            with_half_weights(path)
    prior_path = target / ONNX_FILES["prior"]
    prior_path.unlink(missing_ok=True)
    if prior is not None:
        export_prior(prior, prior_path)
        if all(torch.equal(w, w.half().float()) for w in prior.net.state_dict().values()):  # fitted priors are
            with_half_weights(prior_path)
    return differences


def write_networks(model, model_dir: Path) -> dict:
    """Write the folder's onnx/ files (the prior's where the folder ships one); returns the facts that say how much
    their fp16 weights change the pictures (of the atlas's first codes, else of random ones)."""
    prior = DiffusionPrior.load(model_dir) if DiffusionPrior.exists(model_dir) else None
    if (model_dir / ATLAS_CODES_NAME).is_file():
        codes = Atlas.load(model_dir).codes[:16]
    else:
        codes = torch.randn(16, model.config.latent_dim, generator=torch.Generator().manual_seed(0))
    differences = write_onnx_files(model_dir, model, prior, codes)
    return {"onnx_fp16_difference": {network: round(value, 6) for network, value in differences.items()}}


def add_networks(model_dir) -> dict:
    """Write an exported model folder's onnx/ files from its shipped weights (and prior), nothing else."""
    model_dir = Path(model_dir)
    facts = {**read_json(model_dir / FACTS_NAME), **write_networks(load_model(model_dir), model_dir)}
    write_json(model_dir / FACTS_NAME, facts)
    return facts
