"""Odd and hostile uploads against the real server: good images work, bad ones get a short clear error,
the server keeps answering, its memory stays bounded, and it serves no files outside its cache."""

import httpx
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from support.app_launcher import ROOT, model_names, rss_bytes
from support.upload_corpus import BAD, BLUE, GOOD, GREEN, PHOTO, RED, photo

MODEL = "beta-1"
MAX_RSS = 2.5e9


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    makers = {**GOOD, **{name: make for name, (make, _) in BAD.items()}}
    for name, make in makers.items():
        make(folder / name)
    return folder


# talking to the app


def reconstruct(client, path):
    original, copy, text = client.predict(MODEL, handle_file(path), api_name="/reconstruct")
    return load(original), load(copy), text


def load(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def assert_still_serving(client):
    original, copy, text = reconstruct(client, PHOTO)
    assert original.shape == copy.shape and "PSNR" in text


def assert_clear_refusal(error: AppError, phrase: str):
    message = str(error)
    assert phrase in message.lower(), message
    assert len(message) < 200 and "Traceback" not in message, message


# what the app makes of each file (on the 128 px "input" image it returns)


def left_is_white(image):
    return image[:, : image.shape[1] // 3].min() >= 250


def colour_is(image, rgb):
    return np.abs(image.mean(axis=(0, 1)) - rgb).max() < 40


CHECKS = {
    "gradient-16bit.png": lambda im: im.mean() < 200 and im.std() > 30,  # scaled to 8 bits, not clipped to white
    "rgba-transparent-left.png": left_is_white,
    "palette-transparent.png": left_is_white,
    "grayscale.png": lambda im: (im[..., 0] == im[..., 1]).all() and (im[..., 1] == im[..., 2]).all(),
    "exif-rotated.jpg": lambda im: colour_is(im[:40], RED) and colour_is(im[-40:], BLUE),  # left half went up
    "animated.gif": lambda im: colour_is(im, RED),  # the first frame
    "one-pixel.png": lambda im: colour_is(im, GREEN),
}


@pytest.mark.parametrize("name", GOOD)
def test_valid_image_is_reconstructed(client, corpus, name):
    original, copy, text = reconstruct(client, corpus / name)
    assert original.shape == copy.shape == (128, 128, 3)
    assert "PSNR" in text and "KL" in text
    if name in CHECKS:
        assert CHECKS[name](original), f"unexpected input image for {name}: mean {original.mean(axis=(0, 1))}"


@pytest.mark.parametrize("name", BAD)
def test_invalid_file_is_refused_clearly(client, corpus, name):
    with pytest.raises(AppError) as error:
        reconstruct(client, corpus / name)
    assert_clear_refusal(error.value, BAD[name][1])
    assert_still_serving(client)


def test_compare_accepts_webp_and_refuses_html(client, corpus):
    gallery = client.predict(handle_file(corpus / "photo.webp"), api_name="/compare")
    assert len(gallery) == len(model_names())
    with pytest.raises(AppError) as error:
        client.predict(handle_file(corpus / "page.png"), api_name="/compare")
    assert_clear_refusal(error.value, "not a supported image")
    assert len(client.predict(handle_file(PHOTO), api_name="/compare")) == len(model_names())


def test_memory_stays_bounded_after_huge_uploads(client, corpus, app_server):
    for name in ("bomb.png", "48-megapixels.png"):
        with pytest.raises(AppError):
            reconstruct(client, corpus / name)
    reconstruct(client, corpus / "twelve-megapixels.jpg")
    assert rss_bytes(app_server[1].pid) < MAX_RSS


def test_uploads_over_the_size_limit_are_refused(client, app_server, tmp_path):
    url, _, temp_dir = app_server
    path = tmp_path / "eleven-megabytes.bmp"
    photo((2000, 1900)).save(path)  # a valid image of 11.4 MB
    with pytest.raises(ValueError, match="exceeds the maximum file size"):  # the client checks first
        reconstruct(client, path)
    with path.open("rb") as file:  # and the server refuses it anyway
        response = httpx.post(f"{url}gradio_api/upload", files={"files": (path.name, file, "image/bmp")}, timeout=30)
    assert response.status_code == 413, response.text
    assert not [p for p in temp_dir.rglob("*") if p.is_file() and p.stat().st_size > 10_000_000]
    assert_still_serving(client)


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../etc/passwd", str(ROOT / "app.py")])
def test_files_outside_the_cache_are_not_served(app_server, target):
    response = httpx.get(f"{app_server[0]}gradio_api/file={target}", timeout=10)
    assert response.status_code in (400, 403, 404)
    assert "root:" not in response.text and "gradio" not in response.text


@pytest.mark.parametrize("name", ["script.svg", "page.png"])
def test_uploaded_scripts_are_never_served_as_pages(app_server, corpus, name):
    url = app_server[0]
    with (corpus / name).open("rb") as file:
        response = httpx.post(f"{url}gradio_api/upload", files={"files": (name, file)}, timeout=10)
    served = httpx.get(f"{url}gradio_api/file={response.json()[0]}", timeout=10)
    kind, disposition = served.headers["content-type"], served.headers.get("content-disposition", "")
    assert disposition.startswith("attachment") or not ("html" in kind or "svg" in kind), (kind, disposition)
