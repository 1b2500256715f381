"""python -m vae.hub: staging a Space and a model repo, and what is sent. The Hub is unreachable here, so the
upload is tested by recording huggingface_hub's own calls; the staged Space is started as a Space would run it."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from huggingface_hub import HfApi, ModelCard
from PIL import Image

import vae.publish.hub as hub
from support.app_launcher import MODELS, ROOT, model_names, running_app
from vae.publish import staging
from vae.publish.model_card import MODEL_TAGS

SPACE_ENTRIES = {"app.py", "requirements.txt", "LICENSE", "README.md", "vae", "ui", "web", "assets"}


@pytest.fixture(scope="module")
def staged_space(tmp_path_factory):
    stage = tmp_path_factory.mktemp("space") / "stage"
    assert hub.main(["space", "someone/landscape-vae", "--dry-run", "--stage", str(stage)]) == 0
    return stage


def test_a_space_stages_the_app_and_its_models_and_nothing_else(staged_space, capsys):
    assert {p.name for p in staged_space.iterdir()} == SPACE_ENTRIES
    files, total = staging.listing(staged_space)
    assert total <= staging.SPACE_BUDGET_MB * 1e6
    assert not [
        name for name, _ in files if re.search(r"__pycache__|\.pyc$|\.pyi$|^tests/|^bench/|^support/|^docs/", name)
    ]
    assert {p.name for p in (staged_space / "assets" / "models").iterdir() if p.name != "shared"} == set(model_names())
    assert len(list((staged_space / "assets" / "models" / "shared").glob("atlas-*.jpg"))) == 1  # one copy for all
    assert (staged_space / "README.md").read_text().startswith("---\ntitle: Landscape VAE Explorer")


def test_zero_gpu_front_matter_and_requirements_fit_zero_gpu(tmp_path):
    staging.stage_space(tmp_path, [MODELS], hardware="zero")
    front = (tmp_path / "README.md").read_text().split("---\n")[1]
    assert 'python_version: "3.10"' in front and "sdk: gradio" in front and "suggested_hardware: zero-a10g" in front
    pins = {
        staging.requirement_name(line): line.split("#")[0].strip()
        for line in (tmp_path / "requirements.txt").read_text().splitlines()
    }
    assert pins["torch"] == "torch==2.8.0" and pins["numpy"] == "numpy==2.2.6" and pins["spaces"].startswith("spaces==")
    assert all("==" in pin for name, pin in pins.items() if name)  # every requirement stays an exact pin


@pytest.mark.slow
def test_each_targets_staged_requirements_resolve_for_its_python_from_pypi(space_resolves):
    """The Space's first build, short of downloading: pip resolves every staged pin on the front matter's Python
    (started in the background when the session collected this test: support/space_resolve.py)."""
    found = space_resolves
    assert found["zero"]["torch"] == "2.8.0" and found["zero"]["numpy"] == "2.2.6" and "spaces" in found["zero"]
    assert found["cpu"]["numpy"] == "2.4.6" and found["cpu"]["gradio"] == found["zero"]["gradio"]


def recorded_upload(monkeypatch, token="hf_test") -> list:
    """Replace the network half of HfApi with a recorder; return the list the calls go to."""
    calls = []
    monkeypatch.setattr("huggingface_hub.get_token", lambda: token)
    monkeypatch.setattr(
        HfApi,
        "create_repo",
        lambda self, repo_id, **kw: (
            calls.append(("create_repo", repo_id, kw)) or f"https://huggingface.co/spaces/{repo_id}"
        ),
    )

    def upload_folder(self, *, folder_path, repo_id, repo_type, **kw):
        files = sorted(p.relative_to(folder_path).as_posix() for p in Path(folder_path).rglob("*") if p.is_file())
        calls.append(("upload_folder", repo_id, {"repo_type": repo_type, "files": files}))

    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    return calls


def test_the_upload_creates_a_gradio_space_and_sends_only_the_staged_folder(monkeypatch, staged_space, capsys):
    calls = recorded_upload(monkeypatch)
    assert hub.main(["space", "someone/landscape-vae", "--private"]) == 0
    (create, repo_id, create_options), (upload, _, upload_options) = calls
    assert (create, repo_id) == ("create_repo", "someone/landscape-vae")
    assert create_options == {"repo_type": "space", "private": True, "exist_ok": True, "space_sdk": "gradio"}
    assert upload == "upload_folder" and upload_options["repo_type"] == "space"
    assert upload_options["files"] == [
        name for name, _ in staging.listing(staged_space)[0]
    ]  # the same files as the dry run
    assert "done: https://huggingface.co/spaces/someone/landscape-vae" in capsys.readouterr().out


def test_no_token_and_a_network_failure_are_one_line_each(monkeypatch, capsys):
    recorded_upload(monkeypatch, token=None)
    assert hub.main(["space", "someone/landscape-vae"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "hf auth login" in error and "HF_TOKEN" in error
    recorded_upload(monkeypatch)

    def offline(self, *args, **kwargs):
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    monkeypatch.setattr(HfApi, "create_repo", offline)
    assert hub.main(["push", str(MODELS / "beta-1"), "someone/beta-1"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "could not send to the Hub" in error


@pytest.fixture(scope="module")
def pushed_model(tmp_path_factory):
    """`vae.hub push --dry-run` of a stand-alone copy of beta-1 (with its onnx/): the copy and the staged repo."""
    folder = tmp_path_factory.mktemp("models") / "beta-1"
    staging.stage_model_folder(MODELS / "beta-1", folder)
    stage = folder.parent / "repo"
    assert hub.main(["push", str(folder), "someone/beta-1", "--dry-run", "--stage", str(stage)]) == 0
    return folder, stage


def test_a_pushed_model_has_a_card_huggingface_hub_reads_and_its_weights_beside_it(pushed_model, tmp_path):
    folder, stage = pushed_model
    card = ModelCard.load(stage / "README.md")
    assert card.data.license == "mit" and card.data.library_name == "pytorch"
    assert set(MODEL_TAGS) <= set(card.data.tags)
    assert 'load_model("someone/beta-1")' in card.text and "python train.py" in card.text and "test PSNR" in card.text
    shipped = (
        "model.safetensors",
        "config.json",
        "facts.json",
        "atlas.jpg",
        "diffusion_prior.safetensors",
        "diffusion_prior.json",
    )
    for name in (*shipped, "samples.png", "reconstructions.png"):
        assert (stage / name).is_file(), name
    assert hub.main(["push", str(tmp_path / "nowhere"), "someone/x", "--dry-run"]) == 1


def test_a_pushed_models_onnx_files_go_with_it_and_its_card_says_they_run_in_a_browser(pushed_model):
    folder, stage = pushed_model
    networks = sorted(p.relative_to(folder).as_posix() for p in (folder / "onnx").iterdir())
    assert "onnx/decoder.onnx" in networks
    for name in networks:
        assert (stage / name).read_bytes() == (folder / name).read_bytes(), name
    text = ModelCard.load(stage / "README.md").text
    assert "onnxruntime-web" in text and all(f"`{name}`" in text for name in networks)
    assert "huggingface.co/someone/beta-1/resolve/main/onnx/decoder.onnx" in text


@pytest.mark.slow  # a torch import in a new process: 3 s
def test_the_cards_python_runs_as_written_against_a_local_model_folder(pushed_model, tmp_path):
    """The card's python block, with the repo id replaced by a bundled folder (the Hub is unreachable here), run
    elsewhere than the checkout with the package on the path, as an installed `vae` would be."""
    text = ModelCard.load(pushed_model[1] / "README.md").text
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert code.count('"someone/beta-1"') == 1
    script = code.replace('"someone/beta-1"', repr(str(MODELS / "beta-1"))) + "print(tuple(images.shape))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(16, 3, 128, 128)"


@pytest.mark.slow
def test_the_staged_space_runs_on_its_own_as_a_space_would(staged_space, tmp_path):
    elsewhere = tmp_path / "copied-space"
    shutil.copytree(staged_space, elsewhere)  # outside the checkout: no ../shared, no tests, no support
    (tmp_path / "home").mkdir()
    env = {
        "SPACE_ID": "someone/landscape-vae",
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(ROOT / "support" / "without_onnx_export"),  # it exports nothing: it reads onnx/
    }
    with running_app(None, env=env, app_dir=elsewhere) as (url, _, _):
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        photo = handle_file(str(ROOT / "assets" / "examples" / "sea-cove.jpg"))
        decoded = client.predict("beta-1", *[0.0] * 12, api_name="/decode")
        assert np.asarray(Image.open(decoded)).shape == (128, 128, 3)
        assert client.predict("beta-1", 0, 4, 1.0, "fitted", api_name="/sample")
        assert client.predict("beta-1", photo, api_name="/reconstruct")[1]
        assert len(client.predict(photo, api_name="/compare")) == len(model_names())
        assert len(client.predict("beta-1", 1.0, -1.0, api_name="/map")[1]) == 3


def test_a_hub_model_loads_from_huggingface_hubs_offline_cache_with_every_file_the_app_uses(tmp_path, monkeypatch):
    """The real snapshot_download, offline, over a cache laid out as huggingface_hub writes it."""
    from vae.latent.explore import load_explorer_models

    snapshot = tmp_path / "hub" / "models--someone--beta-1" / "snapshots" / ("0" * 40)
    staging.stage_model_folder(MODELS / "beta-1", snapshot)  # a pushed folder: the photo sheet inside it
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    shown = load_explorer_models("someone/beta-1")
    (em,) = shown.values()
    assert em.name == "beta-1" and em.atlas is not None and em.density is not None and em.history
    assert em.atlas.photos.shape[1] == 96  # the atlas picture came too
    with pytest.raises(FileNotFoundError, match="someone/typo: no such folder here, and it could not be fetched"):
        load_explorer_models("someone/typo")


def test_a_mistyped_models_path_is_one_line(tmp_path):
    import app

    with pytest.raises(SystemExit) as stopped:
        app.main(["--models", str(MODELS), "--models", str(tmp_path / "nowhere")])
    assert stopped.value.code == (
        f"error: {tmp_path / 'nowhere'}: not a model folder, nor a folder of model folders "
        "(config.json + model.safetensors)"
    )  # sys.exit prints it as one line
