"""Compare β, the walk, the traversal and the map as a first-time visitor meets them, on both pages: the photo before
its copies, whole captions, training curves that mark where a model's training changed its goal (the fall at epoch 59
reads as meant, not as a broken model), the models' numbers folded; the walk playing on the page and as a GIF to
download (still for a visitor who asks for less motion); the traversal's rows and columns named; the map's kinds in
colours told apart, its legend clear of the page's label; the static About rendered and naming every tab."""

import base64
import colorsys
import html
import io
import json
import re

import numpy as np
import pytest
from PIL import Image, ImageSequence
from playwright.sync_api import expect

from support.browser import STATIC_VIEWS, WAIT_MS
from support.static_server import served
from ui import words
from vae.latent import comparison, explore
from vae.latent.atlas import CLASS_COLOURS, LEGEND_ROW, MAP_SIZE

from .conftest import ROOT

MODELS = ROOT / "assets" / "models"
PAGE = ROOT / "web" / "static" / "index.html"


@pytest.fixture(scope="module")
def models():
    return explore.load_explorer_models(MODELS)


def history(em) -> dict[int, float]:
    return {row["epoch"]: row["val_psnr"] for row in em.history}


# the words and data (no browser)


def test_the_curves_mark_each_change_of_goal_where_a_models_validation_falls(models):
    changes = comparison.plot_data(models)["curves"]["changes"]
    by_model = {change["model"]: change for change in changes}
    assert by_model["beta-128"] == {"model": "beta-128", "epoch": 59, "beta_from": 32.0, "beta_to": 128.0}
    assert by_model["beta-1024"]["beta_to"] == 1024.0 and by_model["beta-1-detailed"]["decoder_only"]
    assert "beta-1" not in by_model  # its stages kept β = 1 and trained the whole model
    for name, change in by_model.items():  # each marked epoch is where that model's curve falls
        curve = history(models[name])
        assert curve[change["epoch"]] < curve[change["epoch"] - 1] - 0.05, name


def test_the_note_under_the_curves_says_what_changed_at_each_dashed_line(models):
    note = words.goal_change_note(comparison.plot_data(models)["curves"]["changes"])
    assert "epoch 59" in note
    assert "beta-128 and beta-1024 went on from β = 32 to β = 128 and 1024" in note
    assert "beta-1-detailed went on training a second decoder alone" in note
    assert words.goal_change_note([]) == ""


def test_the_plots_ranges_hold_every_point_and_curve(models):
    data = comparison.plot_data(models)
    low, high = data["rate_distortion"]["psnr_range"]
    assert all(low < p["psnr"] < high for p in data["rate_distortion"]["points"])
    low, high = data["curves"]["psnr_range"]
    assert all(low <= v <= high for s in data["curves"]["series"] for v in s["val_psnr"])
    assert [s["model"] for s in data["curves"]["series"]] == list(models)


def test_the_about_text_names_every_tab_of_both_pages(models):
    tabs = {html.unescape(tab) for tab in re.findall(r'role="tab"[^>]*>([^<]+)</button>', PAGE.read_text())}
    about = words.about([em.facts for em in models.values()])
    named = set(re.findall(r"\*\*([^*]+)\*\*:", about))
    assert tabs - {"About"} <= named, tabs - named
    assert "β = 1, 128 and 1024" in about  # a second painter has no point of its own on the trade


def test_the_maps_kinds_have_colours_told_apart_and_a_legend_at_the_bottom(models):
    hues = [360 * colorsys.rgb_to_hsv(*(c / 255 for c in colour))[0] for colour in CLASS_COLOURS[:4]]
    apart = min(min(abs(a - b), 360 - abs(a - b)) for i, a in enumerate(hues) for b in hues[i + 1 :])
    assert apart > 30, hues  # forest, glacier, mountain, sea: glacier and sea were two blues, 6° apart
    em = models["beta-1"]
    top = MAP_SIZE - 8 - LEGEND_ROW * len(em.classes)
    assert top > MAP_SIZE // 2  # the top left, where a page puts the picture's label, stays free
    for i, _ in enumerate(em.classes):
        assert tuple(em.map_image[top + LEGEND_ROW * i + 6, 14]) == CLASS_COLOURS[i]


# the static page


@pytest.fixture(scope="module")
def site(static_staging):
    with served(static_staging[0]) as url:
        yield url


CUT = "all => all.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent)"  # captions cut short


def open_static(chromium, url: str, tab: str, **options):
    page = chromium.new_page(viewport={"width": 1440, "height": 900}, **options)
    page.goto(url)
    page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
    page.click(f"#tabs button[data-tab={tab}]")
    page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)
    return page


@pytest.mark.browser
def test_static_compare_shows_the_photo_first_whole_captions_both_plots_and_folded_numbers(chromium, site, models):
    page = open_static(chromium, site, "compare-tab")
    expect(page.locator("#compare canvas")).to_have_count(len(models), timeout=WAIT_MS)
    captions = page.locator("#compare-tab .card").first.locator("figcaption").all_text_contents()
    assert captions[0] == words.COMPARE_ORIGINAL
    for caption, name in zip(captions[1:], models, strict=True):
        assert caption.startswith(f"{name} (β = ") and re.search(r"PSNR \d+\.\d dB$", caption), caption
    assert page.eval_on_selector_all("#compare-tab figcaption", CUT) == []
    expect(page.locator("#rate-distortion svg circle")).to_have_count(2 * len(models))  # a dot and its legend's
    expect(page.locator("#training-curves .plot-curve")).to_have_count(len(models))
    marker = page.locator("#training-curves .plot-change")
    expect(marker).to_have_count(1)
    box = page.locator("#training-curves svg").bounding_box()
    # the dashed line sits between epochs 58 and 59 of a 0…96 axis inside the plot's frame
    assert box["x"] + 0.55 * box["width"] < marker.bounding_box()["x"] < box["x"] + 0.7 * box["width"]
    expect(page.locator("#goal-changes")).to_contain_text("epoch 59")
    expect(page.locator("#training-curves svg")).to_have_attribute("aria-label", re.compile("epoch 59"))
    assert page.eval_on_selector("#compare-facts", "fold => fold.open") is False
    expect(page.locator("#facts-table tr")).to_have_count(1 + len(models))
    page.close()


@pytest.mark.browser
def test_static_traversal_names_its_rows_and_columns(chromium, site):
    page = open_static(chromium, site, "traverse-tab")
    expect(page.locator("#traversal canvas")).to_have_count(1, timeout=WAIT_MS)
    columns = page.locator(".grid-columns > span").all_text_contents()
    assert columns == ["−3", "−2", "−1", "0", "+1", "+2", "+3"]
    rows = page.locator(".grid-rows > span")
    count = int(page.locator("#traverse-rows").input_value())
    labels = page.evaluate(f"() => {STATIC_VIEWS}.entry.axes.main.labels")
    assert rows.all_text_contents() == labels[:count]
    grid = page.locator("#traversal canvas").bounding_box()
    for r in range(count):  # each name beside its own row of pictures
        label = rows.nth(r).bounding_box()
        middle = label["y"] + label["height"] / 2
        assert grid["y"] + r * grid["height"] / count < middle < grid["y"] + (r + 1) * grid["height"] / count
    page.close()


def walk_gif(page) -> Image.Image:
    """The walk's GIF as a visitor downloads it."""
    expect(page.locator("#walk-gif")).to_be_visible(timeout=WAIT_MS)
    with page.expect_download() as download:
        page.click("#walk-gif")
    assert download.value.suggested_filename.endswith(".gif")
    return Image.open(io.BytesIO(download.value.path().read_bytes()))


def canvas_rgb(page, selector: str) -> np.ndarray:
    url = page.eval_on_selector(selector, "canvas => canvas.toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"), dtype=np.int16)


def loop_pictures(page, looks: int = 6, ms: int = 200) -> set[bytes]:
    """The different pictures the walk's loop shows over `looks` looks, `ms` apart (a frame shows for 370 ms)."""
    seen = set()
    for _ in range(looks):
        seen.add(canvas_rgb(page, "#walk-loop").tobytes())
        page.wait_for_timeout(ms)
    return seen


@pytest.mark.browser
def test_the_static_walk_loops_on_the_page_and_downloads_as_the_apps_gif(chromium, site, tmp_path):
    page = open_static(chromium, site, "traverse-tab")
    expect(page.locator("#frames canvas")).to_have_count(8, timeout=WAIT_MS)
    gif = walk_gif(page)
    frames = [canvas_rgb(page, f"#frames canvas >> nth={f}") for f in range(8)]
    app_gif = Image.open(explore.write_gif([f.astype(np.uint8) for f in frames], tmp_path / "walk.gif"))
    assert (gif.n_frames, gif.size, gif.info["duration"], gif.info["loop"]) == (
        app_gif.n_frames,
        app_gif.size,
        app_gif.info["duration"],
        0,
    )
    order = list(range(8)) + list(range(8))[-2:0:-1]
    for shown, f in zip(ImageSequence.Iterator(gif), order, strict=True):  # forward, then back, each pixel doubled
        picture = np.asarray(shown.convert("RGB"), dtype=np.int16)[::2, ::2]
        assert np.abs(picture - frames[f]).mean() < 3
    assert len(loop_pictures(page)) > 1, "the walk does not play on the page"
    page.close()


@pytest.mark.browser
def test_less_motion_stills_the_static_walk(chromium, site):
    page = open_static(chromium, site, "traverse-tab", reduced_motion="reduce")
    expect(page.locator("#frames canvas")).to_have_count(8, timeout=WAIT_MS)
    expect(page.locator("#walk-loop")).to_have_attribute("aria-label", re.compile("its first frame"))
    assert len(loop_pictures(page)) == 1
    assert np.array_equal(canvas_rgb(page, "#walk-loop"), canvas_rgb(page, "#frames canvas >> nth=0"))
    expect(page.locator("#walk-gif")).to_be_visible()  # the loop still downloads
    page.close()


@pytest.mark.browser
def test_static_about_renders_its_emphasis_and_names_every_tab(chromium, site):
    page = open_static(chromium, site, "about-tab")
    text = page.locator("#about-tab").inner_text()
    assert "*" not in text
    for tab in page.locator("#tabs button").all_text_contents()[:-1]:
        expect(page.locator("#about-tab strong", has_text=tab).first).to_be_visible()
    page.close()


# the Gradio page


@pytest.fixture(scope="module")
def gradio_page(chromium, app_server):
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    page.goto(app_server[0])
    expect(page.locator("#explore-image img")).to_be_visible(timeout=WAIT_MS)
    yield page
    page.close()


@pytest.mark.browser
def test_gradio_compare_shows_the_photo_first_the_marked_curves_and_folded_numbers(gradio_page, models):
    page = gradio_page
    page.get_by_role("tab", name="Compare β").click()
    gallery = page.locator("#compare-reconstructions")
    expect(gallery.locator("img")).to_have_count(1 + len(models), timeout=WAIT_MS)
    captions = gallery.locator(".caption-label").all_text_contents()
    assert captions[0] == words.COMPARE_ORIGINAL and [c.split(" (")[0] for c in captions[1:]] == list(models)
    assert page.eval_on_selector_all("#compare-reconstructions .caption-label", CUT) == []
    expect(page.locator("#training-curves .plot-change")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#rate-distortion svg")).to_be_visible()
    expect(page.locator("#goal-changes")).to_contain_text("epoch 59")
    expect(page.locator("#compare-facts [role=gridcell]").first).to_be_hidden()  # folded for the curious


@pytest.mark.browser
def test_gradio_walk_plays_as_a_gif_and_the_maps_buttons_say_what_they_do(gradio_page):
    page = gradio_page
    page.get_by_role("tab", name="Traverse & interpolate").click()
    expect(page.locator("#walk-gif img")).to_have_attribute("src", re.compile(r"\.gif$"), timeout=WAIT_MS)
    page.get_by_role("tab", name="Landscape map").click()
    expect(page.locator("#map-own-explained")).to_contain_text("your own slider")


@pytest.mark.slow
def test_the_static_site_stages_the_plots_data_as_small_json(static_staging, models):
    site = json.loads((static_staging[0] / "site.json").read_text())
    assert site["comparison"]["curves"] == comparison.plot_data(models)["curves"]
    assert [row["model"] for row in site["comparison"]["facts"]] == [m["name"] for m in site["models"]]
    assert len(json.dumps(site["comparison"])) < 20_000
