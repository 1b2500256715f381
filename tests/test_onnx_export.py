"""The networks as ONNX, written once at export into the model folder's onnx/ (vae.publish.onnx_export): they compute
what PyTorch computes, fp16 weights halve them and change no output of a bundled model, and the app and the static
staging read them and never export."""

import json
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime
import pytest
import torch

from support.app_launcher import MODELS, model_names
from vae import VAEConfig, build_model
from vae.core.model import load_model
from vae.latent.diffusion_prior import DiffusionPrior
from vae.latent.explore import load_explorer_model
from vae.latent.onnx_files import onnx_networks
from vae.publish import onnx_export, static_site

from .conftest import ROOT


def session(path) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def onnx_images(path, codes: torch.Tensor) -> np.ndarray:
    decoder = session(path)
    return np.concatenate([decoder.run(["image"], {"z": z[None].numpy()})[0] for z in codes])


@pytest.mark.parametrize("name", model_names())
def test_every_bundled_model_ships_networks_that_compute_what_pytorch_does(name):
    folder = MODELS / name
    model, networks = load_model(folder).eval(), onnx_networks(folder)
    assert {"decoder", "encoder"} <= networks.keys()
    assert ("prior" in networks) == DiffusionPrior.exists(folder)
    generator = torch.Generator().manual_seed(0)
    codes = torch.randn(4, model.config.latent_dim, generator=generator) * 2
    photo = torch.rand(1, 3, model.config.image_size, model.config.image_size, generator=generator)
    with torch.inference_mode():
        pictures, posterior = model.decode(codes).numpy(), model.encode(photo)
    assert np.abs(onnx_images(networks["decoder"], codes) - pictures).max() <= 1e-4  # far within 1/255
    mean, logvar = session(networks["encoder"]).run(None, {"image": photo.numpy()})
    assert np.abs(mean - posterior.mean.numpy()).max() <= 1e-4
    assert np.abs(logvar - posterior.logvar.numpy()).max() <= 1e-3
    facts = json.loads((folder / "facts.json").read_text())
    assert facts["onnx_fp16_difference"] == {"decoder": 0.0, "encoder": 0.0}  # its weights are fp16 already


def test_the_prior_network_takes_any_batch_and_matches_pytorch():
    folder = MODELS / "beta-1"
    prior, velocity = DiffusionPrior.load(folder), session(onnx_networks(folder)["prior"])
    generator = torch.Generator().manual_seed(1)
    for count in (1, 7):
        z, t = torch.randn(count, prior.config.dim, generator=generator), torch.rand(count, generator=generator)
        label = torch.nn.functional.one_hot(torch.arange(count) % prior.config.classes, prior.config.classes).float()
        with torch.inference_mode():
            expected = prior.net(z, t, label).numpy()
        (v,) = velocity.run(None, {"z": z.numpy(), "t": t.numpy(), "label": label.numpy()})
        assert np.abs(v - expected).max() <= 1e-4


@pytest.mark.slow  # an export takes seconds
def test_fp16_weights_halve_the_files_and_change_no_output_of_fp16_weights(tmp_path):
    torch.manual_seed(0)
    tiny = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    with torch.no_grad():
        for tensor in tiny.state_dict().values():
            tensor.copy_(tensor.half().float())  # as a bundled model's weights are
    z = torch.randn(2, 4, generator=torch.Generator().manual_seed(0))
    full = onnx_export.export_decoder(tiny, tmp_path / "full.onnx")
    half = onnx_export.with_half_weights(onnx_export.export_decoder(tiny, tmp_path / "half.onnx"))
    assert half.stat().st_size < 0.55 * full.stat().st_size
    assert np.array_equal(onnx_images(full, z), onnx_images(half, z))
    assert onnx_export.half_weight_difference(tiny, lambda m, codes: m.decode(codes), z) == 0.0


@pytest.mark.slow  # an export takes seconds
def test_written_files_replace_a_prior_that_is_gone_and_leave_no_temporary_files(tmp_path):
    torch.manual_seed(0)
    tiny = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "prior.onnx").write_bytes(b"an earlier export's prior")
    differences = onnx_export.write_onnx_files(tmp_path, tiny, None, torch.zeros(2, 4))
    assert sorted(p.name for p in (tmp_path / "onnx").iterdir()) == ["decoder.onnx", "encoder.onnx"]
    assert set(differences) == {"decoder", "encoder"}


@pytest.mark.slow  # an export takes seconds
def test_a_linear_path_decodes_in_onnx_as_in_pytorch(tmp_path, pca_started_model):
    images = torch.rand(60, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    model, _, _ = pca_started_model(images, latent_dim=8, linear_size=8)
    codes = torch.randn(4, 8, generator=torch.Generator().manual_seed(4)) * 2
    with torch.inference_mode():
        expected = model.decode(codes).numpy()
    images = onnx_images(onnx_export.export_decoder(model, tmp_path / "linear.onnx"), codes)  # upsampling as Resize
    assert np.abs(images - expected).max() <= 1e-4


@pytest.fixture(scope="module")
def older_export(tmp_path_factory):
    """beta-1024's folder as an export from before onnx/ shipped."""
    models = tmp_path_factory.mktemp("older")
    shutil.copytree(MODELS / "beta-1024", models / "beta-1024", ignore=shutil.ignore_patterns("onnx"))
    shutil.copytree(MODELS / "shared", models / "shared")  # the photo sheet it shares with the other models
    return models / "beta-1024"


def test_a_folder_without_onnx_files_is_refused_by_the_static_staging_with_what_to_run(older_export, tmp_path):
    em = load_explorer_model(older_export)
    assert em.onnx == {}
    with pytest.raises(ValueError, match=r"has no ONNX files .* python -m vae.export --onnx"):
        static_site.model_entry(tmp_path, em, 12)


@pytest.mark.slow
def test_the_export_command_adds_the_onnx_files_to_an_older_folder(older_export):
    done = subprocess.run(
        [sys.executable, "-m", "vae.export", "--onnx", str(older_export)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {older_export / 'onnx'}: decoder, encoder" in done.stdout
    codes = torch.randn(2, 128, generator=torch.Generator().manual_seed(5))
    written, shipped = (folder / "onnx" / "decoder.onnx" for folder in (older_export, MODELS / "beta-1024"))
    assert np.array_equal(onnx_images(written, codes), onnx_images(shipped, codes))
