"""Shared fixtures: tiny image folders made by the tests themselves."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parents[1]


def write_photos(folder: Path, count: int, *, size: int = 48, seed: int = 0) -> list[Path]:
    """Smooth random colour images (gradients plus a blob), like tiny landscapes."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    ramp = np.linspace(0, 1, size)[:, None, None]
    for i in range(count):
        top, bottom = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        pixels = (top * (1 - ramp) + bottom * ramp) * np.ones((size, size, 3))
        path = folder / f"img_{i:03d}.jpg"
        Image.fromarray(pixels.astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


@pytest.fixture
def seed_layout(tmp_path) -> Path:
    """A miniature of the seed's layout: two classes in each split."""
    root = tmp_path / "landscapes"
    for i, (split, count) in enumerate((("Training Data", 24), ("Validation Data", 6), ("Testing Data", 6))):
        for k, cls in enumerate(("Forest", "Sea")):
            write_photos(root / split / cls, count // 2, seed=10 * i + k)
    return root


@pytest.fixture
def pca_started_model():
    """make(images, latent_dim=, linear_size=) -> (a model with a linear path started as the PCA of the
    images' logits, those small logits, the PCA)."""
    import torch

    from vae import VAEConfig, build_model
    from vae.model import LinearPath
    from vae.pca import fit_pca

    def make(images: "torch.Tensor", *, latent_dim: int, linear_size: int):
        config = VAEConfig(image_size=images.shape[-1], latent_dim=latent_dim, linear_size=linear_size)
        model = build_model(config).eval()
        small = LinearPath.logits_of(images, images.shape[-1] // linear_size).flatten(1)
        pca = fit_pca(small, latent_dim)
        model.start_from_pca(pca)
        return model, small, pca

    return make


# the real app, launched once per test session (see tests/app_launcher.py)

MODELS = ROOT / "assets" / "models"


def model_names() -> list[str]:
    """The bundled model folders, as the app finds them."""
    return sorted(p.name for p in MODELS.iterdir() if (p / "config.json").is_file())


@pytest.fixture(scope="session")
def onnxruntime_web() -> str:
    """The dist/ folder of the app's pinned onnxruntime-web, installed from npm into .cache/npm the first time."""
    from app import ONNXRUNTIME_WEB_VERSION

    from .app_launcher import install_onnxruntime_web

    return str(install_onnxruntime_web(ONNXRUNTIME_WEB_VERSION))


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, onnxruntime_web):
    """(url, process, temp_dir) of `python app.py --models assets/models` on a free port, serving
    onnxruntime-web itself (as the public app does from its CDN) so the browser decodes slider moves."""
    from .app_launcher import running_app

    env = {"ONNXRUNTIME_WEB": onnxruntime_web}
    with running_app(MODELS, base_dir=tmp_path_factory.mktemp("app-server"), env=env) as server:
        yield server


@pytest.fixture(scope="session")
def client(app_server, tmp_path_factory):
    """A gradio_client Client of the launched app, downloading results into a temporary folder."""
    from gradio_client import Client

    return Client(app_server[0], verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))
