"""Staging the static edition, without a browser: its front matter, where onnxruntime-web comes from, fp16 weights
content-named files, and what the upload sends (huggingface_hub's calls, recorded)."""

import contextlib
import io
import json

import pytest

import vae.publish.hub as hub
from ui.static_page import page_settings
from vae.publish import staging, static_site

from .conftest import ROOT
from .test_hub import recorded_upload

ONE_MODEL = ROOT / "assets" / "models" / "beta-1024"
ORT_FILES = static_site.ONNXRUNTIME_WEB_FILES


def test_the_static_front_matter_names_the_static_sdk_and_no_python():
    front = staging.space_front_matter("static").split("---\n")[1].splitlines()
    assert "sdk: static" in front and "app_file: index.html" in front
    assert not [line for line in front if line.startswith(("sdk_version", "python_version", "app_file: app"))]


def test_onnxruntime_web_comes_from_a_url_as_it_is_or_from_a_folder_copied_in(tmp_path):
    stage = tmp_path / "stage"
    stage.mkdir()
    assert static_site.onnxruntime_web_source(stage, "https://cdn.example/ort") == "https://cdn.example/ort/"
    assert not (stage / static_site.ONNXRUNTIME_WEB_FOLDER).exists()
    dist = tmp_path / "dist"
    dist.mkdir()
    with pytest.raises(ValueError, match="dist/ folder"):
        static_site.onnxruntime_web_source(stage, str(dist))
    for name in ORT_FILES:
        (dist / name).write_text(name)
    assert static_site.onnxruntime_web_source(stage, str(dist)) == static_site.ONNXRUNTIME_WEB_FOLDER
    assert sorted(p.name for p in (stage / static_site.ONNXRUNTIME_WEB_FOLDER).iterdir()) == sorted(ORT_FILES)


def test_files_are_named_by_their_content_and_written_once(tmp_path):
    first = static_site.content_file(tmp_path, b"codes", ".f32")
    assert static_site.content_file(tmp_path, b"codes", ".f32") == first
    assert static_site.content_file(tmp_path, b"other", ".f32") != first
    assert len(list((tmp_path / static_site.DATA).iterdir())) == 2


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory):
    """(the staged folder, huggingface_hub's recorded calls, what the command printed) for one model's static Space."""
    stage = tmp_path_factory.mktemp("static") / "s"
    argv = ["space", "someone/landscape-vae", "--static", "--models", str(ONE_MODEL), "--stage", str(stage)]
    argv += ["--onnxruntime-web", "https://cdn.example/ort/"]
    with pytest.MonkeyPatch.context() as monkeypatch, contextlib.redirect_stdout(io.StringIO()) as printed:
        calls = recorded_upload(monkeypatch)
        assert hub.main(argv, static_page=page_settings) == 0
    return stage, calls, printed.getvalue()


def test_the_upload_creates_a_static_space_of_the_staged_files(uploaded):
    stage, calls, printed = uploaded
    (_, _, create_options), (_, _, upload_options) = calls
    assert create_options["space_sdk"] == "static" and upload_options["repo_type"] == "space"
    files = upload_options["files"]
    assert files == [name for name, _ in staging.listing(stage)[0]]  # the files it listed
    assert {"index.html", "site.json", "README.md", "web/sampler.js", "web/static/site.js"} <= set(files)
    assert not [name for name in files if name.endswith(".py")]
    assert "beta-1024: fp16 weights change its pictures by at most 0.000 / 255" in printed


def test_without_the_pages_words_the_static_command_says_how_to_run_it(capsys):
    assert hub.main(["space", "someone/x", "--static", "--dry-run"]) == 1
    assert "python -m vae.hub" in capsys.readouterr().err


def test_the_site_json_holds_the_pages_words_and_each_models_views(uploaded):
    stage = uploaded[0]
    site = json.loads((stage / "site.json").read_text())
    (model,) = site["models"]
    assert model["name"] == "beta-1024" and set(model["axes"]) == {"main", "single"}
    assert len(model["axes"]["main"]["vectors"]) == site["layout"]["sliders"]
    assert {"weights", "means", "scale_trils"} == set(model["mixture"])
    assert model["prior"] is None and model["fitted_source"] == "mixture"  # beta-1024 ships no diffusion prior
    assert list(site["words"]["samplers"]) == ["fitted", "diffusion", "mixture", "standard"]
    assert (stage / model["atlas"]["sheet"]).is_file() and (stage / model["map"]["picture"]).is_file()
    assert site["words"]["about"].startswith("## What is a VAE?") and site["ort"] == "https://cdn.example/ort/"
