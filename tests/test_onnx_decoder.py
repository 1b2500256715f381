"""The decoder exported to ONNX (vae.latent.onnx_decoder) decodes like PyTorch, and the export is cached."""

import os
import time

import numpy as np
import onnxruntime
import torch

from support.app_launcher import MODELS, model_names
from vae import VAEConfig, build_model
from vae.core.model import load_model
from vae.latent.onnx_decoder import cached_decoder


def onnx_images(path, codes: torch.Tensor) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(["image"], {"z": z[None].numpy()})[0] for z in codes])


def test_onnx_decoder_matches_pytorch_on_random_codes(tmp_path):
    model = load_model(MODELS / model_names()[0]).eval()
    codes = torch.randn(8, model.config.latent_dim, generator=torch.Generator().manual_seed(0)) * 2
    with torch.inference_mode():
        expected = model.decode(codes).numpy()  # (8, 3, S, S) in [0, 1]
    images = onnx_images(cached_decoder(model, "bundled", tmp_path), codes)
    assert images.shape == expected.shape
    assert np.abs(images - expected).max() <= 1e-4


def test_the_export_is_cached_per_model(tmp_path):
    torch.manual_seed(0)
    tiny = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    first = cached_decoder(tiny, "tiny", tmp_path)
    mtime = first.stat().st_mtime_ns
    assert cached_decoder(tiny, "tiny", tmp_path) == first and first.stat().st_mtime_ns == mtime
    with torch.no_grad():
        tiny.fc_decode.bias.add_(1.0)  # new weights: a new file
    assert cached_decoder(tiny, "tiny", tmp_path) != first
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".onnx", ".onnx"]  # no temporary files left


def test_a_new_version_removes_only_that_models_day_old_files(tmp_path):
    torch.manual_seed(0)
    tiny = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    two_days_ago = time.time() - 2 * 24 * 3600
    old = cached_decoder(tiny, "tiny", tmp_path)
    other_model = tmp_path / "tiny-2-0123456789abcdef.onnx"  # another model whose name starts alike
    other_model.write_bytes(b"onnx")
    for path in (old, other_model):
        os.utime(path, (two_days_ago, two_days_ago))
    with torch.no_grad():
        tiny.fc_decode.bias.add_(1.0)
    recent = cached_decoder(tiny, "tiny", tmp_path)  # exported now: `old` is a day-old earlier version
    with torch.no_grad():
        tiny.fc_decode.bias.add_(1.0)
    newest = cached_decoder(tiny, "tiny", tmp_path)  # `recent` is an earlier version, but fresh
    assert sorted(tmp_path.iterdir()) == sorted([recent, newest, other_model])


def test_a_linear_path_decodes_in_onnx_as_in_pytorch(tmp_path, pca_started_model):
    images = torch.rand(60, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    model, _, _ = pca_started_model(images, latent_dim=8, linear_size=8)
    codes = torch.randn(4, 8, generator=torch.Generator().manual_seed(4)) * 2
    with torch.inference_mode():
        expected = model.decode(codes).numpy()
    images = onnx_images(cached_decoder(model, "linear", tmp_path), codes)  # bilinear upsampling as ONNX Resize
    assert np.abs(images - expected).max() <= 1e-4
