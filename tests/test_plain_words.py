"""Issue 39: plain words first, numbers for the curious. On both pages at 1440×900, with nothing unfolded, the text of
Explore, Sample and Reconstruct holds none of the terms a visitor who never met machine learning stumbles on; each
term stays on the page, under the tabs' "For the curious", once unfolded. And a first sight that shows the idea: Explore
opens on the start photo beside its copy, the class sliders above the first few directions (the rest folded), and the
map on the start photo's spot, inside its kind's cluster."""

import re

import pytest
from playwright.sync_api import expect

from support.browser import STATIC_VIEWS, WAIT_MS
from support.static_server import served
from ui.explore_inputs import SHOWN_DIRECTIONS
from ui.widgets import START_PHOTO
from ui.words import CURIOUS
from vae.latent import explore
from vae.latent.atlas import map_spot

from .conftest import ROOT

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1440, "height": 900}
# each term as the page might write it: the acronyms as whole words in capitals (so "kl" inside an ordinary word, or a
# "Kl…" starting one, is no match), "nats" and the words in any case but whole ("gnats" is no match; "Latent" is),
# N(0 as it is; the runtime's names anywhere
TERMS = {
    "KL": r"\bKL\b",
    "nats": r"(?i)\bnats\b",
    "PSNR": r"\bPSNR\b",
    "SSIM": r"\bSSIM\b",
    "N(0": r"N\(0",
    "latent": r"(?i)\blatent",
    "held-out": r"(?i)\bheld-out\b",
    "WebAssembly": r"(?i)webassembly",
    "onnxruntime": r"(?i)onnxruntime",
}
GRADIO_TABS = ("Explore", "Sample", "Reconstruct")
STATIC_TABS = {"explore-tab": "#explore-curious", "sample-tab": "#sample-curious", "reconstruct-tab": "#recon-curious"}


def terms_in(text: str) -> set[str]:
    return {term for term, pattern in TERMS.items() if re.search(pattern, text)}


def test_the_terms_match_as_the_page_writes_them_and_not_inside_ordinary_words():
    jargon = (
        "KL 440 nats · PSNR 21.6 dB · SSIM 0.47 · N(0, I) · the Latent space · held-out · WebAssembly · onnxruntime-web"
    )
    assert terms_in(jargon) == set(TERMS)
    assert terms_in("Klaus and the gnats held out on a weekly walk: no latency, signatures from Kl.") == set()


def first_sight_and_curious(page, panels) -> tuple[dict, dict]:
    """({tab: terms in the page's visible text with that tab open}, {tab: terms in its unfolded "For the curious"});
    `panels` yields (tab, its "For the curious" part) with the tab open and drawn, nothing unfolded."""
    seen, curious = {}, {}
    for tab, fold in panels:
        seen[tab] = terms_in(page.locator("body").inner_text())
        folded = fold.inner_text()
        fold.get_by_text(CURIOUS, exact=True).click()
        expect(fold).not_to_have_text(folded, timeout=WAIT_MS)  # unfolded: more than its summary
        curious[tab] = terms_in(fold.inner_text())
    return seen, curious


def gradio_panels(page):
    for tab in GRADIO_TABS:
        page.get_by_role("tab", name=tab, exact=True).click()
        panel = page.locator("[role=tabpanel]:visible")
        expect(panel).to_have_count(1)
        expect(panel.locator("img").first).to_be_visible(timeout=WAIT_MS)  # its first pictures, drawn as it opens
        yield tab, panel.locator(".curious")


def static_panels(page):
    for tab, fold in STATIC_TABS.items():
        page.click(f"#tabs [data-tab={tab}]")
        page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)  # its first pictures and words
        yield tab, page.locator(fold)


def test_the_gradio_page_speaks_plainly_first_and_keeps_the_terms_for_the_curious(chromium, app_server, shots):
    page = chromium.new_page(viewport=DESKTOP)
    page.goto(app_server[0])
    expect(page.locator("#explore-image img")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#browser-decoder")).to_contain_text("decode in your browser", timeout=WAIT_MS)  # its last note
    page.screenshot(path=shots / "plain-gradio.png")
    seen, curious = first_sight_and_curious(page, gradio_panels(page))
    page.close()
    assert seen == {tab: set() for tab in GRADIO_TABS}, seen
    assert set().union(*curious.values()) == set(TERMS), curious


def test_the_static_page_speaks_plainly_first_and_keeps_the_terms_for_the_curious(chromium, static_staging, shots):
    with served(static_staging[0]) as url:
        page = chromium.new_page(viewport=DESKTOP)
        page.goto(url)
        page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
        page.evaluate(f"() => {STATIC_VIEWS}.ready")
        page.screenshot(path=shots / "plain-static.png")
        seen, curious = first_sight_and_curious(page, static_panels(page))
        page.close()
    assert seen == {tab: set() for tab in STATIC_TABS}, seen
    assert set().union(*curious.values()) == set(TERMS), curious


@pytest.fixture(scope="module")
def start_spot() -> tuple[float, float]:
    """Where the start photo lies on beta-1's map (both pages open on beta-1)."""
    em = explore.load_explorer_model(ROOT / "assets" / "models" / "beta-1")
    return map_spot(em.axes, explore.encode(em, explore.photo_tensor(START_PHOTO, em.image_size)))


def below(page, upper: str, lower: str) -> bool:
    return page.locator(upper).bounding_box()["y"] < page.locator(lower).bounding_box()["y"]


def test_the_gradio_page_opens_on_a_photo_beside_its_copy_and_the_map_in_a_cluster(chromium, app_server, start_spot):
    page = chromium.new_page(viewport=DESKTOP)
    page.goto(app_server[0])
    expect(page.locator("#explore-photo img")).to_be_visible(timeout=WAIT_MS)
    assert below(page, "#class-slider-3", "#slider-0")  # the class sliders first
    expect(page.locator(f"#slider-{SHOWN_DIRECTIONS - 1} input[type=range]")).to_be_visible()
    expect(page.locator(f"#slider-{SHOWN_DIRECTIONS} input[type=range]")).to_be_hidden()  # under "More directions"
    page.get_by_role("tab", name="Landscape map", exact=True).click()
    expect(page.locator("#map-tab-x input")).to_have_value(f"{start_spot[0]:g}")
    expect(page.locator("#map-tab-y input")).to_have_value(f"{start_spot[1]:g}")
    page.get_by_role("tab", name="Explore", exact=True).click()
    page.locator("#random-button").click()  # a random code is no photo's: the photo goes
    expect(page.locator("#explore-photo")).to_be_hidden(timeout=WAIT_MS)
    page.close()


def test_the_static_page_opens_on_a_photo_beside_its_copy_and_the_map_in_a_cluster(
    chromium, static_staging, start_spot
):
    with served(static_staging[0]) as url:
        page = chromium.new_page(viewport=DESKTOP)
        page.goto(url)
        page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
        expect(page.locator("#explore-photo")).to_be_visible()
        assert page.eval_on_selector("#explore-photo", "photo => photo.complete && photo.naturalWidth") > 0
        assert below(page, "#class-sliders", "#sliders")
        expect(page.locator(f"#preview-{SHOWN_DIRECTIONS - 1} input")).to_be_visible()
        expect(page.locator(f"#preview-{SHOWN_DIRECTIONS} input")).to_be_hidden()  # under "More directions"
        page.click("#tabs [data-tab=map-tab]")
        page.evaluate(f"() => {STATIC_VIEWS}.open('map-tab')")
        expect(page.locator("#map-xy")).to_have_text(f"x {start_spot[0]:.2f} · y {start_spot[1]:.2f}")
        page.click("#tabs [data-tab=explore-tab]")
        page.click("#random")
        expect(page.locator("#explore-photo")).to_be_hidden(timeout=WAIT_MS)
        page.close()
