"""The static edition (`python -m vae.hub space … --static`), staged by the command as the README writes it, served by
Python's plain static file server and opened in Chromium: every view shows pictures with no click, every request is
a GET of the site's own files, the browser paints PyTorch's pictures and the app's samples for a seed, bad files
and tampered links get one line, and a browser without WebAssembly is told what still works.

onnxruntime-web comes from npm (conftest's `onnxruntime_web`), copied into the site by --onnxruntime-web."""

import base64
import io
import json
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import torch
from PIL import Image
from playwright.sync_api import expect

from support.browser import GRADIO_EXPLORER, STATIC_EXPLORER, STATIC_SITE, STATIC_VIEWS, WAIT_MS
from support.static_server import served
from ui.words import typicality
from vae.latent import explore, share_link
from vae.latent.explore import SOURCES
from vae.publish.staging import listing

from .conftest import ROOT

pytestmark = pytest.mark.browser
MODELS = ROOT / "assets" / "models"
EXAMPLE = ROOT / "assets" / "examples" / "forest-light.jpg"
LEVEL = 1 / 255 + 1e-9  # one level of 255, and float rounding


@pytest.fixture(scope="module")
def staged(static_staging):
    """(the folder, what the command printed): `vae.hub space … --static --dry-run`, run once by conftest."""
    return static_staging


@pytest.fixture(scope="module")
def site(staged):
    with served(staged[0]) as url:
        yield url


@pytest.fixture(scope="module")
def models():
    return explore.load_explorer_models(MODELS)


def open_site(browser, url: str, *, init_script: str | None = None):
    """(page, requests seen as (method, url)) with every view drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    if init_script:
        page.add_init_script(init_script)
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    page.goto(url)
    if init_script is None:
        page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
        page.evaluate(f"() => {STATIC_VIEWS}.ready")
    return page, requests


@pytest.fixture(scope="module")
def opened(chromium, site):
    """(page, requests) of the site opened once, shared by the tests that need no fresh page (the first checks what
    it showed before any click)."""
    page, requests = open_site(chromium, site)
    yield page, requests
    page.close()


def canvas_pixels(page, selector: str) -> np.ndarray:
    url = page.eval_on_selector(selector, "canvas => canvas.toDataURL('image/png')")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64) / 255


def test_the_static_space_stages_every_sampler_with_the_static_front_matter(staged):
    """No size cap: what a visitor waits for is the first picture and the live sliders (the Fast 4G test below and
    bench.static_page measure them), and the page loads each sampler only when it draws codes."""
    stage, printed = staged
    front = (stage / "README.md").read_text().split("---\n")[1].splitlines()
    assert "sdk: static" in front and "app_file: index.html" in front
    assert not any(line.startswith(("python_version", "sdk_version")) for line in front)
    files, _ = listing(stage)
    site = json.loads((stage / "site.json").read_text())
    shipped = {m["name"]: m["fitted_source"] for m in site["models"]}
    assert shipped == {name: em.fitted_source for name, em in explore.load_explorer_models(MODELS).items()}
    assert all(m["prior"] for m in site["models"] if m["fitted_source"] == "diffusion")
    assert not any(name.endswith(".py") for name, _ in files)  # nothing runs on the host
    assert "MB  index.html" in printed and "MB  site.json" in printed
    assert "fp16 weights change its pictures by at most 0.000 / 255" in printed
    assert [m["name"] for m in site["models"]] == list(explore.load_explorer_models(MODELS))
    assert site["ort"] == "onnxruntime-web/"


TAB_PICTURES = {  # what each tab shows the first time it opens, with no other click
    "sample-tab": {"#samples canvas": 16},
    "reconstruct-tab": {"#recon-nearest canvas": 3, "#original": 1, "#reconstruction": 1},
    "compare-tab": {"#compare canvas": "models", "#compare-samples canvas": "models"},
    "map-tab": {"#map-nearest canvas": 3, "#map-picture": 1},
    "traverse-tab": {"#traversal canvas": 1, "#frames canvas": 8, "#walk-loop": 1},
}


def test_every_view_opens_on_pictures_and_every_request_is_a_get_of_the_sites_files(opened, site, models, shots):
    page, requests = opened
    expect(page.locator(".slider-preview img")).to_have_count(12 * 4, timeout=WAIT_MS)
    expect(page.locator("#explore-nearest canvas")).to_have_count(3)
    assert canvas_pixels(page, "#picture").std() > 0.02, "the Explore picture is blank"
    page.screenshot(path=str(shots / "static_page.png"))
    for tab, pictures in TAB_PICTURES.items():
        page.click(f"#tabs button[data-tab={tab}]")
        page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)  # the pictures its opening started
        for selector, count in pictures.items():
            expect(page.locator(selector)).to_have_count(len(models) if count == "models" else count)
            assert canvas_pixels(page, f"{selector} >> nth=0").std() > 0.02, f"{selector} is blank"
    assert page.eval_on_selector("#map", "image => image.complete && image.naturalWidth") > 0
    page.click("#tabs button[data-tab=about-tab]")
    expect(page.locator("#about-tab")).to_contain_text("What is a VAE?")
    assert page.locator("#message").text_content() == ""
    assert all(method == "GET" and url.startswith(site) for method, url in requests), requests
    page.click("#tabs button[data-tab=explore-tab]")


def test_the_browser_paints_pytorchs_pictures_and_reconstructs_as_the_app(opened, site, models):
    page, _ = opened
    for name, em in models.items():
        code = em.atlas.codes[5]
        painted = page.evaluate(
            f"async ([name, z]) => Array.from((await {STATIC_SITE}.decode({STATIC_SITE}.entry(name), z)).pixels)",
            [name, code.tolist()],
        )
        expected = explore.decode(em, code).transpose(2, 0, 1).reshape(-1) / 255
        assert np.abs(np.round(np.asarray(painted) * 255) / 255 - expected).max() <= LEVEL, name
    page.evaluate(f"async (url) => {STATIC_VIEWS}.reconstruct(url)", f"{site}examples/{EXAMPLE.name}")
    shown = canvas_pixels(page, "#reconstruction")
    _, copy, _ = explore.reconstruct(models["beta-1"], explore.photo_tensor(EXAMPLE, 128))  # what /reconstruct shows
    assert np.abs(shown - copy / 255).mean() <= 0.02


def test_a_seed_draws_the_apps_sample_codes(opened, models):
    page, _ = opened
    for name, em in models.items():
        for source in SOURCES:
            if source == "diffusion" and em.prior is None:  # the app refuses it too
                said = page.evaluate(
                    f"async (name) => {STATIC_SITE}.codes({STATIC_SITE}.entry(name), 1, 1, 1, 'diffusion')"
                    ".catch((e) => e.message)",
                    name,
                )
                assert "ships no diffusion sampler" in said
                continue
            drawn = page.evaluate(
                f"async ([name, source]) => (await {STATIC_SITE}.codes({STATIC_SITE}.entry(name), 123, 4, 0.8, source))"
                ".map((z) => Array.from(z))",
                [name, source],
            )
            expected = explore.random_latent(em, 123, source=source, temperature=0.8, count=4)
            # the diffusion prior's 64 network calls in WebAssembly add up float32 rounding
            uses_prior = source == "diffusion" or (source == "fitted" and em.fitted_source == "diffusion")
            tolerance = 1e-3 if uses_prior else 1e-4
            np.testing.assert_allclose(drawn, expected.numpy(), atol=tolerance, err_msg=f"{name} {source}")
    said = page.evaluate(
        f"async () => {STATIC_SITE}.codes({STATIC_SITE}.entry('beta-1'), 1, 1, 1, 'bell').catch((e) => e.message)"
    )
    assert "ships no bell sampler" in said


def grid_tiles(grid: np.ndarray, count: int, size: int) -> np.ndarray:
    """The `count` pictures of a make_grid picture (2 px padding, ceil(sqrt(count)) a row), as (count, S, S, 3)."""
    per_row = int(np.ceil(np.sqrt(count)))
    at = [(2 + (n // per_row) * (size + 2), 2 + (n % per_row) * (size + 2)) for n in range(count)]
    return np.stack([grid[y : y + size, x : x + size] for y, x in at])


def test_the_sample_grid_is_the_apps_sample_for_every_model_from_its_fitted_source(chromium, site, models, client):
    """Seed 0, 16 pictures, temperature 1 and the default source ("fitted": what each model ships as its sampler,
    beta-1's diffusion prior first): the static page's Sample grid is the app's /sample within 1/255 on average."""
    page, _ = open_site(chromium, site)
    for name in sorted(models, key=lambda name: name != "beta-1"):
        page.click("#tabs button[data-tab=explore-tab]")
        page.select_option("#model", name)  # the model is chosen on the Explore tab
        page.click("#tabs button[data-tab=sample-tab]")
        assert page.locator("#sampler").input_value() == "fitted"
        page.fill("#sample-seed", "0")
        page.fill("#sample-count", "16")
        page.fill("#temperature", "1")
        page.click("#sample")
        page.wait_for_function(
            """(name) => { const shown = document.querySelectorAll('#samples canvas');
              return shown.length === 16 && shown[0].getAttribute('aria-label') === `${name}, sample 1 of seed 0`; }""",
            arg=name,
            timeout=WAIT_MS,
        )
        shown = np.stack([canvas_pixels(page, f"#samples canvas:nth-child({n + 1})") for n in range(16)])
        with Image.open(client.predict(name, 0, 16, 1.0, "fitted", api_name="/sample")) as grid:
            apps = grid_tiles(np.asarray(grid.convert("RGB"), dtype=np.float64) / 255, 16, models[name].image_size)
        assert np.abs(shown - apps).mean() < LEVEL, name
    page.close()


def test_how_typical_a_code_is_reads_as_the_app_says_it(opened, models):
    page, _ = opened
    page.click("#typical")
    expect(page.locator("#typical-text")).to_contain_text("% of them", timeout=WAIT_MS)
    name, z = page.evaluate(f"() => [{STATIC_EXPLORER}.settings.model, Array.from({STATIC_EXPLORER}.code())]")
    percentile = explore.code_typicality(models[name], torch.tensor(z))
    said = typicality(percentile, "this code").replace("**", "")
    assert page.locator("#typical-text").text_content().strip() == said


def test_sliders_your_own_slider_the_map_and_samples_work_with_no_request_but_the_sites_files(opened, site):
    page, requests = opened
    before = canvas_pixels(page, "#picture")
    seen = len(requests)
    for i in range(10):
        page.locator("#preview-0 input").fill(str(-2.5 + 0.5 * i))
    page.wait_for_function(f"() => {STATIC_EXPLORER}.sliderTimes.count >= 3")
    assert np.abs(canvas_pixels(page, "#picture") - before).mean() > 0.01
    assert requests[seen:] == []  # slider moves send nothing
    page.click("#own summary")
    page.click("#own-examples button >> nth=0")
    expect(page.locator("#class-sliders input[type=range]")).to_have_count(5, timeout=WAIT_MS)
    # the example photos, read here, and the encoder, loaded when first needed
    assert {url.split("/")[-2] for _, url in requests[seen:]} <= {"examples", "data"}
    page.click("#tabs button[data-tab=map-tab]")
    page.evaluate(f"() => {STATIC_VIEWS}.open('map-tab')")
    box = page.locator("#map").bounding_box()
    for step in range(8):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.05 * step), box["y"] + box["height"] * 0.4)
        page.wait_for_timeout(30)
    page.wait_for_function(f"() => {STATIC_VIEWS}.mapTimes.count >= 2")
    page.click("#tabs button[data-tab=sample-tab]")
    page.evaluate(f"() => {STATIC_VIEWS}.open('sample-tab')")
    first = canvas_pixels(page, "#samples canvas >> nth=0")
    page.fill("#sample-seed", "7")
    page.click("#sample")
    for _ in range(100):  # the new grid replaces the old one when its last picture is painted
        if not np.array_equal(canvas_pixels(page, "#samples canvas >> nth=0"), first):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the Sample button drew no new samples")
    assert all(method == "GET" and url.startswith(site) for method, url in requests[seen:])
    page.click("#tabs button[data-tab=explore-tab]")


def test_a_share_link_reopens_its_picture_here_and_reads_in_python(chromium, opened, models):
    page, _ = opened
    page.locator("#preview-1 input").fill("1.5")
    page.locator("#class-0 input").fill("0.8")
    page.wait_for_timeout(500)
    link = page.eval_on_selector("#share-link a.share-url", "a => a.href")
    shown = canvas_pixels(page, "#picture")
    view = share_link.read_link(parse_qs(urlsplit(link).query))
    em = models[view.model]
    axes = explore.slider_axes(em, view.axes, len(view.sliders))
    own = [vector for _, vector in view.own]  # the own slider the test above added travels in the link
    assert own, "the link carries the own slider"
    z = explore.with_class_amounts(em, axes.with_values(torch.tensor(view.code), view.sliders), view.more, own)
    assert np.abs(explore.decode(em, z) / 255 - shown).max() <= 2 * LEVEL  # the code travels as fp16
    reopened, _ = open_site(chromium, link)
    assert np.abs(canvas_pixels(reopened, "#picture") - shown).max() <= LEVEL
    expect(reopened.locator("#message")).to_have_text("")  # once the atlas, loaded after the sliders, is in
    tampered, _ = open_site(chromium, link.replace("code=", "code=%21%21"))
    expect(tampered.locator("#message")).to_contain_text("could not be opened")
    assert tampered.locator("#preview-1 input").input_value() != "1.5"  # the usual starting picture instead
    reopened.close()
    tampered.close()


def test_another_model_starts_from_its_own_average_code(chromium, site):
    """Issue 39: reset to the average on beta-1, then choose beta-1024: the sliders read 0, not beta-1's average
    code seen through beta-1024's directions."""
    page, _ = open_site(chromium, site)
    page.click("#reset")
    page.select_option("#model", "beta-1024")
    page.wait_for_function(f"() => {STATIC_EXPLORER}.settings.model === 'beta-1024'", timeout=WAIT_MS)
    page.evaluate(f"() => {STATIC_EXPLORER}.sliderBatch.pending")  # its first frame
    values = page.eval_on_selector_all("#sliders input[type=range]", "inputs => inputs.map((input) => input.value)")
    assert len(values) == 12 and set(values) == {"0"}, values
    base, average = page.evaluate(
        f"() => [{STATIC_EXPLORER}.settings.base, {STATIC_SITE}.entry('beta-1024').axes.main.origin]"
    )
    assert base == average
    expect(page.locator("#message")).to_have_text("", timeout=WAIT_MS)  # no error; the progress line clears
    page.close()


BAD_FILES = {
    "notes.txt": (b"not a picture at all", "not an image"),
    "broken.jpg": (EXAMPLE.read_bytes()[:300], "not an image"),
    "huge.png": (b"\x89PNG" + bytes(11_000_000), "too large"),
}


def one_pixel_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_bad_files_get_one_line_and_change_nothing(opened, tmp_path):
    page, _ = opened
    page.click("#tabs button[data-tab=reconstruct-tab]")
    page.evaluate(f"() => {STATIC_VIEWS}.open('reconstruct-tab')")
    before = canvas_pixels(page, "#reconstruction")
    cases = {**BAD_FILES, "dot.png": (one_pixel_png(), "too small")}
    for name, (data, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.set_input_files("#photo", str(path))
        expect(page.locator("#message")).to_contain_text(words, timeout=WAIT_MS)
        assert "\n" not in page.locator("#message").text_content()
        assert np.array_equal(canvas_pixels(page, "#reconstruction"), before), name


def test_without_webassembly_the_page_says_so_in_one_line(chromium, site):
    page, _ = open_site(chromium, site, init_script="delete window.WebAssembly")
    expect(page.locator("#message")).to_contain_text("no WebAssembly", timeout=WAIT_MS)
    expect(page.locator("#about-tab")).to_contain_text("What is a VAE?")
    page.close()


def gradio_picture(page) -> np.ndarray:
    """The Gradio page's Explore picture in [0, 1]: a data URL the browser decoded, or a file the server wrote."""
    src = page.locator("#explore-image img").get_attribute("src")
    data = base64.b64decode(src.split(",", 1)[1]) if src.startswith("data:") else page.request.get(src).body()
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64) / 255


def test_a_link_opens_the_same_picture_on_the_static_page_and_in_the_gradio_app(chromium, opened, site, app_server):
    page, _ = opened
    page.click("#tabs button[data-tab=explore-tab]")
    page.locator("#preview-2 input").fill("-1.2")
    page.wait_for_timeout(300)
    static_link = page.eval_on_selector("#share-link a.share-url", "a => a.href")
    gradio = chromium.new_page(viewport={"width": 1280, "height": 900})
    gradio.goto(f"{app_server[0]}?{urlsplit(static_link).query}")
    expect(gradio.locator("#slider-2 input[type=number]")).to_have_value("-1.2", timeout=WAIT_MS)
    gradio.wait_for_function(f"() => {GRADIO_EXPLORER}?.settings.own_names.length === 1")
    assert gradio.locator("#share-note").inner_text().strip() == ""
    assert np.abs(gradio_picture(gradio) - canvas_pixels(page, "#picture")).mean() < LEVEL  # on average
    gradio.locator("#slider-0 input[type=range]").fill("2.1")
    gradio.evaluate(f"() => {GRADIO_EXPLORER}.running")
    gradio.wait_for_timeout(300)
    gradio_link = gradio.locator("#share-link a").get_attribute("href")
    shown = gradio_picture(gradio)
    reopened, _ = open_site(chromium, f"{site}?{urlsplit(gradio_link).query}")
    assert reopened.locator("#preview-0 input").input_value() == "2.1"
    assert np.abs(canvas_pixels(reopened, "#picture") - shown).mean() < LEVEL
    gradio.close()
    reopened.close()


FAST_4G = {"offline": False, "latency": 165, "downloadThroughput": 1.01e6, "uploadThroughput": 0.1875e6}
NO_THROTTLE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def test_on_fast_4g_the_staged_picture_shows_first_and_an_early_slider_move_is_the_first_live_frame(
    chromium, site, staged, models
):
    """Issue 38: the first view drawn at staging shows before onnxruntime-web's wasm is in; a slider moved then is
    what the first picture decoded here shows. The network is throttled until the move, then let go (a short test)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FAST_4G)
    page.goto(site, wait_until="commit")
    page.wait_for_function(f"() => {STATIC_EXPLORER}?.times.firstPicture", timeout=WAIT_MS)
    wasm_done = "() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm'))"
    assert not page.evaluate(wasm_done) and not page.evaluate(f"() => {STATIC_EXPLORER}.live")
    start = json.loads((staged[0] / "site.json").read_text())["start"]
    with Image.open(staged[0] / start["picture"]) as image:
        assert np.abs(canvas_pixels(page, "#picture") - np.asarray(image, dtype=np.float64) / 255).max() <= LEVEL
    page.locator("#preview-0 input").fill("2")  # before the runtime is here
    cdp.send("Network.emulateNetworkConditions", NO_THROTTLE)
    page.wait_for_function(f"() => {STATIC_EXPLORER}.times.live", timeout=WAIT_MS)
    em = models[start["model"]]
    axes = explore.slider_axes(em, start["axes"], len(start["sliders"]))
    z = axes.with_values(torch.tensor(start["code"]), [2.0, *start["sliders"][1:]])
    assert np.abs(canvas_pixels(page, "#picture") - explore.decode(em, z) / 255).max() <= 2 * LEVEL
    context.close()
