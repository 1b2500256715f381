"""The app's public API, through gradio_client against the real server (python app.py)."""

import json
import time

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from .conftest import MODELS, ROOT, model_names

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"
MODEL = "beta-1" if (MODELS / "beta-1").is_dir() else model_names()[0]
IMAGE_SIZE = json.loads((MODELS / MODEL / "config.json").read_text())["image_size"]
PUBLIC = {"/decode", "/sample", "/reconstruct", "/compare"}


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def decode(client, values, model=MODEL) -> np.ndarray:
    return pixels(client.predict(model, *values, api_name="/decode"))


def sample(client, seed, count=4) -> np.ndarray:
    return pixels(client.predict(MODEL, seed, count, api_name="/sample"))


def test_only_the_four_public_endpoints_are_listed(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == PUBLIC
    assert not api["unnamed_endpoints"]


def test_decode_depends_on_the_sliders_and_nothing_else(client):
    zeros, ones = [0.0] * 12, [1.5] + [-1.0] * 11
    first = decode(client, zeros)
    assert first.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    assert np.array_equal(first, decode(client, zeros))
    assert not np.array_equal(first, decode(client, ones))


def test_sample_is_reproducible_by_seed(client):
    first = sample(client, seed=7)
    assert np.array_equal(first, sample(client, seed=7))
    assert not np.array_equal(first, sample(client, seed=8))
    assert sample(client, seed=7, count=1).shape[1] < first.shape[1]  # one picture, not a grid of four


def test_sample_uses_its_defaults(client):
    image = pixels(client.predict(MODEL, 3, 4, api_name="/sample"))  # temperature, source left out
    explicit = pixels(client.predict(MODEL, 3, 4, 1.0, "fitted", api_name="/sample"))
    assert np.array_equal(image, explicit)


def test_reconstruct_returns_input_copy_and_scores(client):
    original, copy, text = client.predict(MODEL, handle_file(PHOTO), api_name="/reconstruct")
    assert pixels(original).shape == pixels(copy).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    assert pixels(original).std() > 5  # the photo itself, not a blank
    for word in ("PSNR", "SSIM", "KL", "dB"):
        assert word in text


def test_compare_has_one_entry_per_model(client):
    gallery = client.predict(handle_file(PHOTO), api_name="/compare")
    assert len(gallery) == len(model_names())
    for entry in gallery:
        assert "β =" in entry["caption"] and "PSNR" in entry["caption"]
        assert pixels(entry["image"]).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)


def test_unknown_model_is_refused_clearly_and_the_app_goes_on(client):
    with pytest.raises(AppError) as error:
        client.predict("no-such-model", *[0.0] * 12, api_name="/decode")
    message = str(error.value)
    assert "no-such-model" in message and ("not in the list of choices" in message or "Unknown model" in message)
    assert decode(client, [0.0] * 12).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)


def test_results_are_served_from_the_configured_temp_dir(client, app_server):
    client.predict(MODEL, *[0.3] * 12, api_name="/decode")
    _, _, temp_dir = app_server
    assert any(p.suffix == ".png" for p in temp_dir.rglob("*"))


def test_decode_is_interactive(client):
    rng = np.random.default_rng(0)
    seconds = []
    for _ in range(30):
        start = time.perf_counter()
        client.predict(MODEL, *rng.uniform(-3, 3, 12).round(2).tolist(), api_name="/decode")
        seconds.append(time.perf_counter() - start)
    p95 = float(np.percentile(seconds, 95))
    assert p95 < 1.0, f"p95 of /decode is {p95:.3f} s (median {np.median(seconds):.3f} s)"
