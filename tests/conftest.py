"""Shared fixtures: tiny image folders (support/photos.py), a PCA-started model, and the real app, launched
once per test session. Every test that starts the app, a browser or a subprocess, or trains for more
than a few steps, is marked slow: `python -m pytest -m "not slow"` is the fast inner loop."""

import os
from pathlib import Path

import pytest

from support.photos import seed_layout, write_photos  # noqa: F401  (fixtures and helpers for the test files)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parents[1]


def share_the_cores_between_workers() -> None:
    """Under pytest-xdist, each worker's torch (and the training subprocesses it starts, through OMP_NUM_THREADS) gets
    its share of the cores: two workers each running torch's default thread per core spin against each other."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import torch

        torch.set_num_threads(threads)


share_the_cores_between_workers()


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
    onnxruntime-web itself (as the public app does from its CDN) so the browser decodes slider moves, and started
    with the ONNX exporter unavailable (support/without_onnx_export): the app exports nothing."""
    from support.app_launcher import running_app

    env = {"ONNXRUNTIME_WEB": onnxruntime_web, "PYTHONPATH": str(ROOT / "support" / "without_onnx_export")}
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


def resolve_folder(config) -> Path:
    """Where pip's resolves of the Spaces' requirements write: in the session's temporary folder, which under
    pytest-xdist is the controller's (each worker's lies inside it)."""
    base = config._tmp_path_factory.getbasetemp()
    return (base.parent if hasattr(config, "workerinput") else base) / "space-resolve"


def start_resolves(config) -> None:
    """pip's resolve of the Spaces' requirements (about a minute, mostly waiting on PyPI) starts in the background,
    at the lowest priority, as soon as the session knows it runs the test that reads it."""
    from support.space_resolve import start_resolves

    if not hasattr(config, "space_resolves"):
        config.space_resolves = start_resolves(resolve_folder(config))


def pytest_collection_finish(session):
    if not hasattr(session.config, "workerinput") and any(item.name == RESOLVE_TEST for item in session.items):
        start_resolves(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under pytest-xdist the controller starts the resolve (once) when a worker collects its test."""
    if any(test_id.endswith(f"::{RESOLVE_TEST}") for test_id in ids):
        start_resolves(node.config)


def pytest_unconfigure(config):
    for job in getattr(config, "space_resolves", []):
        if job.poll() is None:
            job.kill()
            job.wait()


@pytest.fixture
def space_resolves(request) -> dict:
    """{hardware: {package: version}}: what pip resolved for each Space target."""
    from support.space_resolve import results

    return results(resolve_folder(request.config))


@pytest.fixture(scope="session")
def static_staging(tmp_path_factory, onnxruntime_web):
    """(the staged static site, what its command printed): staged once per test process, as the README writes it."""
    from support.static_server import stage_static_site

    stage = tmp_path_factory.mktemp("static-site") / "site"
    return stage, stage_static_site(stage, onnxruntime_web)


def pytest_collection_modifyitems(items):
    """A test that starts the app or a browser is slow, whether or not its file says so."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
