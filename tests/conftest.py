"""Shared fixtures: tiny image folders (support/photos.py), a PCA-started model, and the real app, launched
once per test session. Every test that starts the app, a browser or a subprocess, or trains for more
than a few steps, is marked slow: `python -m pytest -m "not slow"` is the fast inner loop."""

import os
from pathlib import Path

import pytest

from support.photos import seed_layout, write_photos  # noqa: F401  (fixtures and helpers for the test files)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pca_started_model():
    """make(images, latent_dim=, linear_size=) -> (a model with a linear path started as the PCA of the
    images' logits, those small logits, the PCA)."""
    import torch

    from vae import VAEConfig, build_model
    from vae.core.linear_path import LinearPath
    from vae.core.pca import fit_pca

    def make(images: "torch.Tensor", *, latent_dim: int, linear_size: int):
        config = VAEConfig(image_size=images.shape[-1], latent_dim=latent_dim, linear_size=linear_size)
        model = build_model(config).eval()
        small = LinearPath.logits_of(images, images.shape[-1] // linear_size).flatten(1)
        pca = fit_pca(small, latent_dim)
        model.start_from_pca(pca)
        return model, small, pca

    return make


# the real app, launched once per test session (see support/app_launcher.py)

from support.app_launcher import MODELS  # noqa: E402  (the app under test serves these)


@pytest.fixture(scope="session")
def onnxruntime_web() -> str:
    """The dist/ folder of the app's pinned onnxruntime-web, installed from npm into .cache/npm the first time."""
    from support.app_launcher import install_onnxruntime_web
    from ui.browser_decoding import ONNXRUNTIME_WEB_VERSION

    return str(install_onnxruntime_web(ONNXRUNTIME_WEB_VERSION))


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, onnxruntime_web):
    """(url, process, temp_dir) of `python app.py --models assets/models` on a free port, serving
    onnxruntime-web itself (as the public app does from its CDN) so the browser decodes slider moves."""
    from support.app_launcher import running_app

    env = {"ONNXRUNTIME_WEB": onnxruntime_web}
    with running_app(MODELS, base_dir=tmp_path_factory.mktemp("app-server"), env=env) as server:
        yield server


@pytest.fixture(scope="session")
def client(app_server, tmp_path_factory):
    """A gradio_client Client of the launched app, downloading results into a temporary folder."""
    from gradio_client import Client

    return Client(app_server[0], verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium (Debian's), one per test module."""
    from playwright.sync_api import sync_playwright

    from support.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where browser tests save screenshots: docs/screenshots/ (the README's pictures) when SAVE_SCREENSHOTS=1,
    else a temporary folder."""
    folder = ROOT / "docs" / "screenshots" if os.environ.get("SAVE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


SERVER_FIXTURES = {"app_server", "client", "browser_page", "chromium"}  # each starts the app or a browser


RESOLVE_TEST = "test_each_targets_staged_requirements_resolve_for_its_python_from_pypi"
STATIC_SITE_TESTS = "test_static_site.py"


def pytest_collection_finish(session):
    """Two slow preparations start now, in the background at the lowest priority, when the session runs the tests
    that read them, so that the tests before those run meanwhile: pip's resolve of the Spaces' requirements (about a
    minute, mostly waiting on PyPI) and the staging of the static edition (exporting every model to ONNX)."""
    names = {item.name for item in session.items}
    files = {item.path.name for item in session.items}
    if RESOLVE_TEST in names:
        from support.space_resolve import Resolves

        session.config.space_resolves = Resolves()
    if STATIC_SITE_TESTS in files:
        from support.app_launcher import install_onnxruntime_web
        from support.static_server import BackgroundStaging
        from ui.browser_decoding import ONNXRUNTIME_WEB_VERSION

        session.config.static_staging = BackgroundStaging(str(install_onnxruntime_web(ONNXRUNTIME_WEB_VERSION)))


def pytest_unconfigure(config):
    for name in ("space_resolves", "static_staging"):
        job = getattr(config, name, None)
        if job is not None:
            job.close()


@pytest.fixture
def space_resolves(request):
    return request.config.space_resolves


@pytest.fixture(scope="session")
def static_staging(request):
    """(the staged static site, what its command printed), staged in the background since collection."""
    return request.config.static_staging.result()


def pytest_collection_modifyitems(items):
    """A test that starts the app or a browser is slow, whether or not its file says so."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
