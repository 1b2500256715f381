"""The app in real Chromium (Playwright): every tab, the sliders on both kinds of axes and the class
sliders, the landscape map, uploads with "how typical", the β plots, and an example photo.

Screenshots of each tab go to docs/screenshots/ when SAVE_SCREENSHOTS=1, else to a temporary folder.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from support.app_launcher import ROOT, model_names
from support.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

pytestmark = pytest.mark.browser

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"


@pytest.fixture(scope="module")
def browser_page(app_server):
    """(page, problems) of the app loaded in headless Chromium, shared by this module's tests; problems
    collects script errors and server errors (HTTP 5xx) seen by the page."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `apt-get install -y chromium` (CI installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = []
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status} from {r.url}") if r.status >= 500 else None)
        page.goto(app_server[0])
        try:
            expect(page.locator("#explore-image img")).to_be_visible(timeout=WAIT_MS)
        except AssertionError:
            pytest.fail(f"the page did not finish loading; problems seen: {problems}")
        yield page, problems
        browser.close()


@pytest.fixture
def page(browser_page):
    return browser_page[0]


def open_tab(page, name: str):
    """Click a tab and return its (only rendered) panel."""
    page.get_by_role("tab", name=name).click()
    panel = page.locator("[role=tabpanel]:visible")
    expect(panel).to_have_count(1)
    return panel


def block(panel, label: str):
    """The component whose label starts with `label`."""
    return panel.locator("div.block").filter(has=panel.page.locator("label", has_text=label))


def image_src(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} img").get_attribute("src")


def test_page_loads_without_errors(browser_page):
    page, problems = browser_page
    expect(page.get_by_role("heading", name="Landscape VAE Explorer")).to_be_visible()
    assert not problems


# every picture panel of each tab, by its label: none may be empty before any click
FIRST_SIGHT = {
    "Explore": ["The photo it starts from", "What the sliders paint", "The nearest real photos"],
    "Sample": ["Samples"],
    "Reconstruct": ["Your photo", "What the model sees", "Reconstruction", "Before / after", "The nearest real photos"],
    "Compare β": ["A photo", "Reconstructed by each model", "Each model's own sample"],
    "Landscape map": ["The landscape map", "The landscape at that spot", "The nearest real photos"],
    "Traverse & interpolate": [
        "Each row moves",
        "Photo",
        "From",
        "To",
        "The walk, frame by frame",
        "The walk, looping",
    ],
}


def test_every_tab_opens_on_pictures_not_empty_boxes(app_server, browser_page):
    """A fresh visit, no click but the tabs': each picture panel holds a picture (the walk's GIF plays in one)."""
    page = browser_page[0].context.browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_server[0])
    empty = []
    for tab, labels in FIRST_SIGHT.items():
        panel = open_tab(page, tab)
        for label in labels:
            try:
                expect(block(panel, label).first.locator("img").first).to_be_visible(timeout=WAIT_MS)
            except AssertionError:
                empty.append(f"{tab}: {label}")
    page.close()
    assert empty == []


def test_moving_sliders_redraws_the_decoded_image(page):
    open_tab(page, "Explore")
    before = image_src(page, "explore-image")
    page.locator("#slider-0 input[type=range]").fill("2")  # as if dragged
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    after_drag = image_src(page, "explore-image")
    number = page.locator("#slider-1 input[type=number]")  # typed into the number box
    number.fill("-2.5")
    number.press("Enter")
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", after_drag, timeout=WAIT_MS)


def test_uploading_a_photo_reconstructs_it(page):
    panel = open_tab(page, "Reconstruct")
    panel.locator("input[type=file]").first.set_input_files(PHOTO)
    expect(page.locator("#recon-output img")).to_be_visible(timeout=WAIT_MS)
    expect(panel.locator("#recon-typical")).to_contain_text("The copy keeps", timeout=WAIT_MS)  # the verdict, in words
    curious = panel.locator("#recon-curious")
    numbers = curious.get_by_text("PSNR").first
    if not numbers.is_visible():  # the numbers, folded under "For the curious"
        curious.get_by_text("For the curious", exact=True).click()
    expect(numbers).to_be_visible(timeout=WAIT_MS)


def test_clicking_an_example_compares_every_model(page):
    panel = open_tab(page, "Compare β")
    panel.locator("button.gallery-item").first.click()  # the first example photo
    gallery = block(panel, "Reconstructed by each model")
    expect(gallery.locator("img")).to_have_count(1 + len(model_names()), timeout=WAIT_MS)  # the photo, then copies
    expect(gallery.get_by_text("PSNR").first).to_be_visible()


def test_switching_axes_relabels_the_sliders_and_both_kinds_move_the_picture(page):
    panel = open_tab(page, "Explore")
    expect(panel.locator("#slider-0")).to_contain_text("Direction 1")
    before = image_src(page, "explore-image")
    panel.locator("#slider-0 input[type=range]").fill("-2.5")  # a main direction
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    panel.get_by_text("Single code numbers (most informative first)").click()
    expect(panel.locator("#slider-0")).to_contain_text("code number", timeout=WAIT_MS)
    panel.get_by_text("Main directions (how photos differ most)").click()
    expect(panel.locator("#slider-0")).to_contain_text("Direction 1", timeout=WAIT_MS)


def test_a_class_slider_moves_the_picture_and_the_code_can_be_rated(page):
    panel = open_tab(page, "Explore")
    expect(panel.locator("#class-slider-0")).to_contain_text("More forest")
    before = image_src(page, "explore-image")
    panel.locator("#class-slider-3 input[type=range]").fill("1.5")  # more sea
    expect(page.locator("#explore-image img")).not_to_have_attribute("src", before, timeout=WAIT_MS)
    panel.locator("#typical-code-button").click()
    expect(panel.locator("#typical-code-text")).to_contain_text("typical", timeout=WAIT_MS)


def test_clicking_the_map_paints_two_different_places_and_their_nearest_photos(page, shots):
    panel = open_tab(page, "Landscape map")
    landscape_map = panel.locator("#landscape-map img")
    expect(landscape_map).to_be_visible(timeout=WAIT_MS)
    box = landscape_map.bounding_box()
    landscape_map.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.3})
    expect(panel.locator("#map-decoded img")).to_be_visible(timeout=WAIT_MS)
    first = image_src(page, "map-decoded")
    nearest = block(panel, "The nearest real photos").locator("img")
    expect(nearest).to_have_count(3, timeout=WAIT_MS)
    landscape_map.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.75})
    expect(page.locator("#map-decoded img")).not_to_have_attribute("src", first, timeout=WAIT_MS)
    page.screenshot(path=shots / "map.png", full_page=True)


def checkerboard(path: Path) -> Path:
    board = np.kron(np.indices((8, 8)).sum(0) % 2 * 255, np.ones((16, 16))).astype(np.uint8)
    Image.fromarray(np.stack([board] * 3, -1)).save(path)
    return path


def upload(panel, path: Path) -> None:
    """Put a file into the tab's first photo input, clearing a photo already there."""
    clear = panel.get_by_role("button", name="Clear")
    if clear.count():
        clear.first.click()
    panel.locator("input[type=file]").first.set_input_files(path)


def test_a_landscape_is_typical_and_a_checkerboard_unusual(page, tmp_path, shots):
    panel = open_tab(page, "Reconstruct")
    upload(panel, PHOTO)
    expect(panel.locator("#recon-typical")).to_contain_text("Typical", timeout=WAIT_MS)
    expect(panel.locator("#recon-wipe img").first).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=shots / "reconstruct-typical.png", full_page=True)
    upload(panel, checkerboard(tmp_path / "checkerboard.png"))
    expect(panel.locator("#recon-typical")).to_contain_text("Unusual", timeout=WAIT_MS)


def test_compare_shows_the_rate_distortion_plot_and_training_curves(page):
    panel = open_tab(page, "Compare β")
    for plot in ("rate-distortion", "training-curves"):
        expect(panel.locator(f"#{plot} canvas, #{plot} svg").first).to_be_visible(timeout=WAIT_MS)


def check_explore(panel):
    more = panel.locator("#more-directions")  # sliders 5 to 12, folded at first
    if not panel.locator("#slider-11").is_visible():
        more.get_by_text("More directions", exact=True).click()
    expect(panel.locator("#slider-11")).to_be_visible()
    expect(panel.locator("#explore-image img")).to_be_visible()


def check_sample(panel):
    expect(panel.get_by_text("Anywhere at all (often muddled scenes)")).to_be_visible()
    expect(block(panel, "Samples").locator("img")).to_be_visible(timeout=WAIT_MS)  # drawn when the page loads


def check_reconstruct(panel):
    expect(panel.get_by_text("What the model sees (square, 128 px)")).to_be_visible()


def check_compare(panel):
    expect(panel.get_by_text("What β trades.")).to_be_visible()
    expect(panel.locator("#compare-traversals img")).to_have_count(len(model_names()), timeout=WAIT_MS)
    expect(panel.locator("#compare-samples img")).to_have_count(len(model_names()), timeout=WAIT_MS)
    panel.locator("#compare-facts .label-wrap").click()  # the models' numbers, folded for the curious
    for name in model_names():
        expect(panel.get_by_role("gridcell", name=name, exact=True).first).to_be_visible()


def check_map(panel):
    expect(panel.locator("#landscape-map img")).to_be_visible()


def check_traverse(panel):
    expect(panel.get_by_text("Interpolate between two photos")).to_be_visible()
    panel.get_by_role("button", name="Traverse", exact=True).click()
    expect(block(panel, "Each row moves along one axis").locator("img")).to_be_visible(timeout=WAIT_MS)


def check_about(panel):
    expect(panel.get_by_role("heading", name="What is a VAE?")).to_be_visible()


TABS = {
    "Explore": ("explore", check_explore),
    "Sample": ("sample", check_sample),
    "Reconstruct": ("reconstruct", check_reconstruct),
    "Compare β": ("compare", check_compare),
    "Landscape map": ("map-tab", check_map),
    "Traverse & interpolate": ("traverse", check_traverse),
    "About": ("about", check_about),
}


def test_every_tab_shows_its_content(page, shots):  # last, so the screenshots show the results above
    for tab, (slug, check) in TABS.items():
        check(open_tab(page, tab))
        page.screenshot(path=shots / f"{slug}.png", full_page=True)
        assert (shots / f"{slug}.png").stat().st_size > 10_000


def test_no_errors_behind_the_scenes(browser_page):
    assert not browser_page[1]
