"""Slider moves decoded in the visitor's browser (onnxruntime-web, web/browser_decoder.js): no request reaches
the server while the sliders move, and the picture matches the server's /decode. When onnxruntime-web cannot
load (the browser's request for it fails), or a model's decoder file is gone from the server, the sliders still
work through the server, and the page says so.

onnxruntime-web comes from npm, installed once into .cache/npm (git-ignored) by conftest's `onnxruntime_web`.
"""

import base64
import io
import time

import numpy as np
import pytest
from gradio_client import Client
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from support.app_launcher import ROOT, model_names
from support.browser import CHROMIUM, CHROMIUM_ARGS, SERVER_CALLS, WAIT_MS

pytestmark = pytest.mark.browser

MOVES = 50


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_explorer(browser, url: str, *, refuse: str | None = None, missing: str | None = None):
    """(page, server calls seen) with the Explore tab loaded and the decoder's note showing; requests
    for URLs matching the glob `refuse` fail, as when a network blocks them, and those matching `missing`
    get a 404, as for a file the server no longer has."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    if refuse:
        page.route(refuse, lambda route: route.abort("connectionrefused"))
    if missing:
        page.route(missing, lambda route: route.fulfill(status=404, body="File not found"))
    calls = []
    page.on("request", lambda request: calls.append(request.url) if any(c in request.url for c in SERVER_CALLS) else None)
    page.goto(url)
    expect(page.locator("#explore-image img")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#browser-decoder [data-mode=browser], #browser-decoder [data-mode=server]")).to_have_count(
        1, timeout=WAIT_MS)
    return page, calls


def slider(i: int) -> str:
    """The i-th of the main sliders, then the class sliders, round and round."""
    return f"#slider-{i % 12} input[type=range]" if i % 3 else f"#class-slider-{i % 4} input[type=range]"


def data_url_pixels(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,"), url[:80]
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64)


def test_sliders_decode_in_the_browser_without_asking_the_server(chromium, app_server, tmp_path):
    url = app_server[0]  # serves onnxruntime-web from the npm package (see the `onnxruntime_web` fixture)
    page, calls = open_explorer(chromium, url)
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser")
    calls.clear()
    first = page.locator("#explore-image img").get_attribute("src")
    rng = np.random.default_rng(0)
    seen = set()
    for i in range(MOVES):
        page.locator(slider(i)).fill(f"{rng.uniform(-1, 1.5):.2f}")  # in both sliders' ranges
        seen.add(page.locator("#explore-image img").get_attribute("src"))
    page.evaluate("() => window.browserDecoder.running")  # the last frame's decode
    time.sleep(0.3)  # and Gradio showing it
    shown = page.locator("#explore-image img").get_attribute("src")
    values = page.evaluate("() => window.browserDecoder.latest")
    assert calls == [], f"slider moves reached the server: {calls[:5]}"
    assert shown != first and len(seen) > MOVES // 4, f"the picture changed {len(seen)} times in {MOVES} moves"

    client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
    served = client.predict("beta-1", *values[:12], "main", *values[12:], api_name="/decode")
    with Image.open(served) as image:
        expected = np.asarray(image.convert("RGB"), dtype=np.float64)
    difference = np.abs(data_url_pixels(shown) - expected).mean()
    assert difference < 1.0, f"the browser's picture differs from /decode's by {difference:.2f} of 255 on average"
    page.close()


def test_without_onnxruntime_web_the_sliders_decode_on_the_server(chromium, app_server):
    page, calls = open_explorer(chromium, app_server[0], refuse="**/ort.wasm.min.mjs")
    expect(page.locator("#browser-decoder")).to_contain_text("decode on the server", timeout=WAIT_MS)
    calls.clear()
    before = page.locator("#explore-image img").get_attribute("src")
    page.locator("#slider-0 input[type=range]").fill("2")
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    assert page.locator("#explore-image img").get_attribute("src").startswith("http")  # a file the server wrote
    assert calls, "the slider move did not reach the server"
    page.close()


def test_a_decoder_file_the_server_no_longer_has_falls_back_to_the_server(chromium, app_server):
    """A page opened on an app whose cached decoder of one model was pruned by a later app start: switching
    to that model keeps its sliders working, decoded on the server, and the page says so."""
    other = next(name for name in model_names() if name != "beta-1")  # the page opens on beta-1
    page, calls = open_explorer(chromium, app_server[0], missing=f"**/{other}-*.onnx")
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser")  # beta-1's file is there
    beta_1 = page.locator("#explore-image img").get_attribute("src")
    page.get_by_label("Model").click()
    page.get_by_role("option", name=other).click()
    page.wait_for_function(f"() => window.browserDecoder.settings.onnx.includes('{other}-')", timeout=WAIT_MS)
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", beta_1, timeout=WAIT_MS)  # the other's picture
    before = page.locator("#explore-image img").get_attribute("src")
    calls.clear()
    page.locator("#slider-0 input[type=range]").fill("2")
    expect(page.locator("#browser-decoder")).to_contain_text("decode on the server", timeout=WAIT_MS)
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    assert calls, "the slider move did not reach the server"
    page.close()


def shown_pixels(page, src: str) -> np.ndarray:
    """The picture an img shows: a data URL the browser decoded, or a file the server wrote."""
    if src.startswith("data:"):
        return data_url_pixels(src)
    with Image.open(io.BytesIO(page.request.get(src).body())) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64)


def add_own_slider(page, name: str) -> None:
    """Glacier photos with the quality, forest photos without it, through the Explore tab's controls."""
    examples = ROOT / "assets" / "examples"
    page.locator("#own-slider").get_by_text("Make your own slider").click()
    page.locator("#own-with input[type=file]").set_input_files([examples / "glacier-lake.jpg", examples / "glacier-snowfield.jpg"])
    page.locator("#own-without input[type=file]").set_input_files([examples / "forest-light.jpg", examples / "forest-path.jpg"])
    page.locator("#own-name textarea, #own-name input").first.fill(name)
    page.locator("#own-add").click()
    expect(page.locator("#own-note")).to_contain_text(f"Added More {name}", timeout=WAIT_MS)
    expect(page.locator("#class-slider-4")).to_contain_text(f"More {name}", timeout=WAIT_MS)  # after the 4 classes


@pytest.mark.parametrize("where", ["browser", "server"])
def test_your_own_slider_is_added_and_moves_the_picture(chromium, app_server, where):
    page, calls = open_explorer(chromium, app_server[0], refuse="**/ort.wasm.min.mjs" if where == "server" else None)
    add_own_slider(page, "ice")
    if where == "browser":
        page.wait_for_function("() => window.browserDecoder.settings.class_directions.length === 5", timeout=WAIT_MS)
    before = page.locator("#explore-image img").get_attribute("src")
    calls.clear()
    page.locator("#class-slider-4 input[type=range]").fill("2")
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    page.evaluate("() => window.browserDecoder.running")
    after = page.locator("#explore-image img").get_attribute("src")
    assert np.abs(shown_pixels(page, after) - shown_pixels(page, before)).mean() > 3  # the picture itself moved
    if where == "browser":
        assert calls == [], f"moving your own slider asked the server: {calls[:3]}"
    else:
        assert calls, "without onnxruntime-web the own slider's move did not reach the server"
    page.close()
