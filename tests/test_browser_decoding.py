"""Slider moves decoded in the visitor's browser (onnxruntime-web, web/browser_decoder.js): no request reaches
the server while the sliders move, and the picture matches the server's /decode. When onnxruntime-web cannot
load (the browser's request for it fails), or a model's decoder file is gone from the server, the sliders still
work through the server, and the page says so.

onnxruntime-web comes from npm, installed once into .cache/npm (git-ignored) by conftest's `onnxruntime_web`.
"""

import base64
import io
import re
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from gradio_client import Client
from PIL import Image
from playwright.sync_api import expect

from support.app_launcher import ROOT, model_names
from support.browser import GRADIO_EXPLORER, SERVER_CALLS, WAIT_MS
from support.without_onnx_export.exporter_mark import MARK
from ui.explore_inputs import ExploreInputs
from vae.latent import share_link

pytestmark = pytest.mark.browser

MOVES = 50


def open_explorer(browser, url: str, *, refuse: str | None = None, missing: str | None = None):
    """(page, server calls seen) with the Explore tab loaded, "More directions" unfolded and the decoder's note
    showing; requests for URLs matching the glob `refuse` fail, as when a network blocks them, and those matching
    `missing` get a 404, as for a file the server no longer has."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    if refuse:
        page.route(refuse, lambda route: route.abort("connectionrefused"))
    if missing:
        page.route(missing, lambda route: route.fulfill(status=404, body="File not found"))
    calls = []
    page.on(
        "request", lambda request: calls.append(request.url) if any(c in request.url for c in SERVER_CALLS) else None
    )
    page.goto(url)
    expect(page.locator("#explore-image img")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#browser-decoder [data-mode=browser], #browser-decoder [data-mode=server]")).to_have_count(
        1, timeout=WAIT_MS
    )
    page.locator("#more-directions").get_by_text("More directions", exact=True).click()  # every slider on the page
    expect(page.locator("#slider-11")).to_be_visible(timeout=WAIT_MS)
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
    page.evaluate(f"() => {GRADIO_EXPLORER}.running")  # the last frame's decode
    time.sleep(0.3)  # and Gradio showing it
    shown = page.locator("#explore-image img").get_attribute("src")
    values = page.evaluate(f"() => {GRADIO_EXPLORER}.latest")
    assert calls == [], f"slider moves reached the server: {calls[:5]}"
    assert shown != first and len(seen) > MOVES // 4, f"the picture changed {len(seen)} times in {MOVES} moves"

    client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
    shown_inputs = ExploreInputs("beta-1", values["sliders"], "main", values["more"])  # the browser's values, by name
    served = client.predict(**shown_inputs.api_arguments(), api_name="/decode")
    with Image.open(served) as image:
        expected = np.asarray(image.convert("RGB"), dtype=np.float64)
    difference = np.abs(data_url_pixels(shown) - expected).mean()
    assert difference < 1.0, f"the browser's picture differs from /decode's by {difference:.2f} of 255 on average"
    page.close()


def test_the_app_runs_without_the_onnx_exporter(app_server):
    """The app under test was started with the ONNX exporter raising (as once it is removed): it exports nothing,
    and the test above found every slider move decoded in the browser."""
    log = (app_server[2].parent / "server.log").read_text()
    assert log.count(MARK) == 1, "the exporter was removed at start, and nothing called it since (it raises MARK)"


def test_a_decoder_file_the_server_no_longer_has_falls_back_to_the_server(chromium, app_server):
    """A page opened on an app whose decoder file of one model is gone (a model folder replaced meanwhile): switching
    to that model keeps its sliders working, decoded on the server, and the page says so."""
    other = next(name for name in model_names() if name != "beta-1")  # the page opens on beta-1
    page, calls = open_explorer(chromium, app_server[0], missing=f"**/{other}/onnx/decoder.onnx")
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser")  # beta-1's file is there
    beta_1 = page.locator("#explore-image img").get_attribute("src")
    page.get_by_label("Model").click()
    page.get_by_role("option", name=other).click()
    page.wait_for_function(f"() => {GRADIO_EXPLORER}.settings.decoder.includes('/{other}/onnx/')", timeout=WAIT_MS)
    expect(page.locator("#explore-image img")).not_to_have_attribute(
        "src", beta_1, timeout=WAIT_MS
    )  # the other's picture
    before = page.locator("#explore-image img").get_attribute("src")
    calls.clear()
    page.locator("#slider-0 input[type=range]").fill("2")
    expect(page.locator("#browser-decoder")).to_contain_text("decode on the server", timeout=WAIT_MS)
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    assert calls, "the slider move did not reach the server"
    page.close()


def test_a_model_without_an_in_browser_decoder_decodes_on_the_server_and_says_so(chromium, app_server):
    """Settings without a decoder URL, as the app sends for a model folder without its ONNX files (an older export):
    the note says why, slider moves decode on the server, and a model with a decoder brings the browser back."""
    page, calls = open_explorer(chromium, app_server[0])
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser")
    decoder = page.evaluate(f"() => {GRADIO_EXPLORER}.settings.decoder")
    settings_with = f"(decoder) => {GRADIO_EXPLORER}.useSettings({{ ...{GRADIO_EXPLORER}.settings, decoder }})"
    page.evaluate(settings_with, None)  # what Gradio's watch hands over when the app's settings change
    expect(page.locator("#browser-decoder")).to_contain_text("no in-browser decoder (an older export)")
    expect(page.locator("#browser-decoder [data-mode=server]")).to_have_count(1)
    before = page.locator("#explore-image img").get_attribute("src")
    calls.clear()
    page.locator("#slider-0 input[type=range]").fill("2")
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    assert calls, "the slider move did not reach the server"
    page.evaluate(settings_with, decoder)
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser", timeout=WAIT_MS)
    page.close()


def shown_pixels(page, src: str) -> np.ndarray:
    """The picture an img shows: a data URL the browser decoded, or a file the server wrote."""
    if src.startswith("data:"):
        return data_url_pixels(src)
    with Image.open(io.BytesIO(page.request.get(src).body())) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64)


def add_own_slider(page, name: str, *, from_examples: bool = False) -> None:
    """Glacier photos with the quality, forest photos without it, through the Explore tab's controls: uploaded,
    or as the example row named "ice"."""
    examples = ROOT / "assets" / "examples"
    page.locator("#own-slider").get_by_text("Make your own slider").click()
    if from_examples:
        page.locator("#own-examples").get_by_role("gridcell", name="ice", exact=True).click()
        expect(page.locator("#own-without")).to_contain_text("forest-path", timeout=WAIT_MS)
    else:
        page.locator("#own-with input[type=file]").set_input_files(
            [examples / "glacier-lake.jpg", examples / "glacier-snowfield.jpg"]
        )
        page.locator("#own-without input[type=file]").set_input_files(
            [examples / "forest-light.jpg", examples / "forest-path.jpg"]
        )
    page.locator("#own-name textarea, #own-name input").first.fill(name)
    page.locator("#own-add").click()
    expect(page.locator("#own-note")).to_contain_text(f"Added More {name}", timeout=WAIT_MS)
    expect(page.locator("#class-slider-4")).to_contain_text(f"More {name}", timeout=WAIT_MS)  # after the 4 classes


# the map: the spot under the mouse follows it, decoded in the browser


def map_points(box: dict, count: int) -> list[tuple[float, float]]:
    """`count` points spread over the map picture's box (a 600 x 640 box holds the square picture with
    bands above and below), none on the same spot."""
    rng = np.random.default_rng(1)
    return [(box["x"] + box["width"] * u, box["y"] + box["height"] * v) for u, v in rng.uniform(0.1, 0.9, (count, 2))]


def open_map(page):
    page.get_by_role("tab", name="Landscape map").click()
    landscape_map = page.locator("#landscape-map img")
    expect(landscape_map).to_be_visible(timeout=WAIT_MS)
    landscape_map.scroll_into_view_if_needed()  # the mouse moves inside the window only
    return landscape_map.bounding_box()


def test_hovering_over_the_map_paints_each_spot_in_the_browser(chromium, app_server, shots):
    page, calls = open_explorer(chromium, app_server[0])
    box = open_map(page)
    calls.clear()
    seen = set()
    for x, y in map_points(box, 20):
        before = page.evaluate(f"() => {GRADIO_EXPLORER}.mapTimes.count")
        page.mouse.move(x, y)
        page.wait_for_function(f"() => {GRADIO_EXPLORER}.mapTimes.count > {before}", timeout=WAIT_MS)
        page.evaluate(f"() => {GRADIO_EXPLORER}.running")
        expect(page.locator("#map-decoded img")).to_have_attribute(
            "src", re.compile("^data:image/png"), timeout=WAIT_MS
        )
        seen.add(page.locator("#map-decoded img").get_attribute("src"))
    assert calls == [], f"hovering reached the server: {calls[:3]}"
    assert len(seen) >= 15, f"20 spots painted {len(seen)} different pictures"

    hovered = shown_pixels(page, page.locator("#map-decoded img").get_attribute("src"))
    spot = [page.locator(f"#map-tab-{axis} input").input_value() for axis in "xy"]
    page.mouse.down()
    page.mouse.up()  # a click pins the spot: the server paints it and finds the nearest photos, as before
    expect(page.locator("#map-decoded img")).to_have_attribute("src", re.compile("^http"), timeout=WAIT_MS)
    assert [page.locator(f"#map-tab-{axis} input").input_value() for axis in "xy"] == spot  # the same spot
    served = shown_pixels(page, page.locator("#map-decoded img").get_attribute("src"))
    assert np.abs(served - hovered).mean() < 1.0, "the server painted another picture for the hovered spot"
    assert calls, "the click did not reach the server"
    page.screenshot(path=shots / "map-hover.png")
    page.locator("#map-own-without").click()  # the nearest photos join your own slider's photos without a quality
    expect(page.locator("#map-own-note")).to_contain_text("3 photos", timeout=WAIT_MS)
    page.get_by_role("tab", name="Explore").click()
    page.locator("#own-slider").get_by_text("Make your own slider").click()
    expect(page.locator("#own-without tr")).to_have_count(3, timeout=WAIT_MS)
    page.close()


# the strips under the main sliders


def strip_sources(page) -> list[list[str]]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.slider-preview')].map("
        "(strip) => [...strip.querySelectorAll('img')].map((img) => img.src))"
    )


def test_the_strips_show_where_each_slider_leads_and_follow_a_move(chromium, app_server, shots):
    page, calls = open_explorer(chromium, app_server[0])
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser")
    before = strip_sources(page)
    assert len(before) == 12 and all(len(strip) == 4 for strip in before), [len(s) for s in before]
    calls.clear()
    page.locator("#slider-0 input[type=range]").fill("2")
    page.locator("#slider-3 input[type=range]").fill("1")
    page.wait_for_function(f"() => {GRADIO_EXPLORER}.strips.drawn >= 1", timeout=WAIT_MS)
    after = strip_sources(page)
    assert calls == [], f"drawing the strips asked the server: {calls[:3]}"
    assert all(a[j] != b[j] for a, b in zip(after[1:], before[1:], strict=True) for j in (0, 3)), (
        "a strip did not follow the move"
    )
    # slider 3 stands at +1 now: the third picture of its strip is the picture shown, small
    page.evaluate(f"() => {GRADIO_EXPLORER}.running")
    time.sleep(0.3)
    shown = Image.fromarray(
        shown_pixels(page, page.locator("#explore-image img").get_attribute("src")).astype(np.uint8)
    )
    small = np.asarray(shown.resize((48, 48), Image.BOX), dtype=np.float64)
    difference = np.abs(data_url_pixels(after[3][2]) - small).mean()
    assert difference < 6, f"the strip's +1 picture differs from the picture at +1 by {difference:.1f} of 255"
    page.locator("#slider-0").scroll_into_view_if_needed()
    top, bottom = page.locator("#slider-0").bounding_box(), page.locator("#preview-1").bounding_box()
    page.screenshot(path=shots / "slider-strip.png", clip={**top, "height": bottom["y"] + bottom["height"] - top["y"]})
    page.close()


# share links, and your own slider


def test_your_own_slider_moves_the_picture_in_the_browser_and_a_share_link_reopens_it(chromium, app_server, shots):
    page, calls = open_explorer(chromium, app_server[0])
    add_own_slider(page, "ice", from_examples=True)
    page.wait_for_function(f"() => {GRADIO_EXPLORER}.settings.own_names.length === 1", timeout=WAIT_MS)
    before = shown_pixels(page, page.locator("#explore-image img").get_attribute("src"))
    calls.clear()
    for selector, value in [("#class-slider-4", "1.2"), ("#slider-1", "-1.5"), ("#class-slider-1", "0.8")]:
        page.locator(f"{selector} input[type=range]").fill(value)
    page.evaluate(f"() => {GRADIO_EXPLORER}.running")
    time.sleep(0.3)
    shown = shown_pixels(page, page.locator("#explore-image img").get_attribute("src"))
    assert np.abs(shown - before).mean() > 3, "the sliders did not move the picture"
    assert calls == [], f"moving your own slider asked the server: {calls[:3]}"
    link = page.locator("#share-link a").get_attribute("href")
    base = page.evaluate(f"() => {GRADIO_EXPLORER}.settings.base")
    assert parse_qs(urlsplit(link).query)["code"] == [share_link.encode_numbers(base)]  # fp16 as Python writes it
    page.locator("#explore-image").screenshot(path=shots / "share-link.png")
    page.locator("#own-slider").screenshot(path=shots / "own-slider.png")

    page.goto(link)  # the same page, reopened by the link
    expect(page.locator("#class-slider-4")).to_contain_text("More ice", timeout=WAIT_MS)
    expect(page.locator("#class-slider-4 input[type=number]")).to_have_value("1.2", timeout=WAIT_MS)
    assert page.locator("#slider-1 input[type=number]").input_value() == "-1.5"
    reopened = shown_pixels(page, page.locator("#explore-image img").get_attribute("src"))
    difference = np.abs(reopened - shown).mean()
    assert difference < 1.0, f"the link's picture differs from the one shared by {difference:.2f} of 255 on average"
    assert page.locator("#share-note").inner_text().strip() == ""

    page.goto(app_server[0] + "?model=nobody&code=AAAAAA")  # the app's tests name every other problem
    expect(page.locator("#share-note")).to_contain_text("could not be opened", timeout=WAIT_MS)
    page.close()


# without onnxruntime-web


def wait_until_the_server_drew_the_last_strips(page, quiet_s: float = 0.6) -> None:
    """Until no new set of strips has been asked of the server for `quiet_s` (strips wait 150 ms after a change)."""
    asked = f"() => {GRADIO_EXPLORER}.strips.serverDrawn"
    before, after = None, page.evaluate(asked)
    while before != after:
        time.sleep(quiet_s)
        before, after = after, page.evaluate(asked)
    time.sleep(quiet_s)  # and the last set's request answered


def test_without_onnxruntime_web_everything_works_through_the_server(chromium, app_server):
    """The sliders decode through /decode, a settled change has the server draw the strips once, your own slider
    works, hovering over the map does nothing and a click paints the spot."""
    page, calls = open_explorer(chromium, app_server[0], refuse="**/ort.wasm.bundle.min.mjs")
    expect(page.locator("#browser-decoder")).to_contain_text("decode on the server", timeout=WAIT_MS)
    image, strips = page.locator("#explore-image img").get_attribute("src"), strip_sources(page)
    calls.clear()
    page.evaluate("""() => { for (const value of ["0.5", "1", "1.5", "2"]) {  // four moves in one instant
        const input = document.querySelector("#slider-0 input[type=range]");
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
    } }""")
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", image, timeout=WAIT_MS)
    assert page.locator("#explore-image img").get_attribute("src").startswith("http")  # a file the server wrote
    page.wait_for_function(
        "(first) => document.querySelector('#preview-1 img').src !== first", arg=strips[1][0], timeout=WAIT_MS
    )
    time.sleep(0.5)
    asked = page.evaluate(f"() => {GRADIO_EXPLORER}.strips.serverDrawn")
    assert asked == 1, f"the server drew the strips {asked} times"
    assert strip_sources(page)[0] == strips[0]  # slider 1's own strip: the other sliders did not move
    assert calls, "the slider moves did not reach the server"

    add_own_slider(page, "ice")
    before = page.locator("#explore-image img").get_attribute("src")
    page.locator("#class-slider-4 input[type=range]").fill("2")
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    after = page.locator("#explore-image img").get_attribute("src")
    assert np.abs(shown_pixels(page, after) - shown_pixels(page, before)).mean() > 3  # the picture itself moved

    wait_until_the_server_drew_the_last_strips(page)  # a settled change asks for them once; its call is not the map's
    box = open_map(page)
    centre = page.locator("#map-decoded img").get_attribute("src")  # the map's centre, drawn with the page
    calls.clear()
    for x, y in map_points(box, 5):
        page.mouse.move(x, y)
    time.sleep(0.3)
    assert page.locator("#map-decoded img").get_attribute("src") == centre and calls == []  # nothing painted or asked
    page.mouse.down()
    page.mouse.up()
    expect(page.locator("#map-decoded img")).not_to_have_attribute("src", centre, timeout=WAIT_MS)
    expect(page.locator("#map-decoded img")).to_have_attribute("src", re.compile("^http"), timeout=WAIT_MS)
    page.close()
