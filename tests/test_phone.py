"""Both pages in a phone's hand (issue 38): Chromium at 390×844 with touch. The picture stays on screen beside the
slider being moved (at least half of it with slider 1, 6 or 12 in view), no tab scrolls sideways, a tap moves a
slider and the map, and axe-core finds no serious or critical WCAG 2.x A/AA violation on any tab of the static page.
The Gradio page's count is printed: Gradio's own components are not ours to fix, what we render is.

axe-core comes from npm (support/app_launcher.py install_npm_package), into the git-ignored .cache/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.app_launcher import install_npm_package
from support.browser import STATIC_VIEWS, WAIT_MS
from support.static_server import served

pytestmark = pytest.mark.browser
AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 1}
WIDTH = PHONE["viewport"]["width"]
SLIDERS_CHECKED = (0, 5, 11)  # sliders 1, 6 and 12
STATIC_TABS = ["explore-tab", "sample-tab", "reconstruct-tab", "compare-tab", "map-tab", "traverse-tab", "about-tab"]
GRADIO_TABS = ["Explore", "Sample", "Reconstruct", "Compare β", "Landscape map", "Traverse & interpolate", "About"]
OURS = ("#browser-decoder", "#share-link", ".slider-preview")  # what we render on the Gradio page
# the share of an element's box inside the viewport
SHOWN = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
  const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
  const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  return (w * h) / (r.width * r.height); }"""
SERIOUS = """async (tags) => (await axe.run(document, { runOnly: { type: "tag", values: tags } })).violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")) }))"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    return str(install_npm_package("axe-core", AXE_VERSION) / "axe.min.js")


@pytest.fixture(scope="module")
def phone(chromium):
    context = chromium.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture(scope="module")
def static_phone(phone, static_staging):
    """The staged static site on the phone, every strip drawn."""
    with served(static_staging[0]) as url:
        page = phone.new_page()
        page.goto(url)
        page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
        expect(page.locator(".slider-preview img[alt]")).to_have_count(12 * 4, timeout=WAIT_MS)
        yield page
        page.close()


def serious_violations(page, axe_script: str) -> list[dict]:
    if not page.evaluate("() => typeof axe === 'object'"):
        page.evaluate(Path(axe_script).read_text())  # not a <script>: the static page's policy refuses inline script
    return page.evaluate(SERIOUS, AXE_TAGS)


def picture_beside_sliders(page, picture: str, slider: str) -> dict[int, float]:
    """{slider index: the share of the picture on screen with that slider scrolled into view}."""
    shown = {}
    for k in SLIDERS_CHECKED:
        page.locator(f"{slider.format(k)} input[type=range]").scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        assert page.evaluate(SHOWN, f"{slider.format(k)} input[type=range]") == 1, f"slider {k + 1} is not in view"
        shown[k] = page.evaluate(SHOWN, picture)
    return shown


def picture_in_view_and_shot(page, picture: str, slider: str, shot) -> None:
    """At least half of `picture` is on screen with sliders 1, 6 and 12 in view (those after the first few unfolded
    from "More directions"); the screenshot shows slider 6."""
    if not page.locator(f"{slider.format(SLIDERS_CHECKED[-1])} input[type=range]").is_visible():
        page.locator("#more-directions").get_by_text("More directions", exact=True).click()
    shown = picture_beside_sliders(page, picture, slider)
    print(f"share of {picture} on screen with sliders 1, 6, 12 in view:", shown)
    assert min(shown.values()) >= 0.5, shown
    page.locator(f"{slider.format(5)} input[type=range]").scroll_into_view_if_needed()
    page.screenshot(path=shot)


def page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_static_page_keeps_the_picture_in_view_fits_the_phone_and_answers_touch(static_phone, shots):
    page = static_phone
    picture_in_view_and_shot(page, "#picture", "#preview-{}", shots / "phone-static.png")
    # a tap near a slider's right end moves it there, and says its value in words
    slider = page.locator("#preview-5 input")
    before = float(slider.input_value())
    box = slider.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    expect(slider).not_to_have_value(str(before))
    assert float(slider.input_value()) > before
    assert slider.get_attribute("aria-valuetext").startswith("Direction 6 at +")
    widths = {}
    for tab in STATIC_TABS:
        page.click(f"#tabs [data-tab={tab}]")
        page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)
        widths[tab] = page_width(page)
    print("static page, each tab's width at 390 px:", widths)
    assert max(widths.values()) <= WIDTH, widths
    # the map takes a finger: no panning over it, and a tap pins the spot it touches
    page.click("#tabs [data-tab=map-tab]")
    assert page.eval_on_selector("#map", "map => getComputedStyle(map).touchAction") == "none"
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    expect(page.locator("#map-xy")).not_to_have_text("x 0.00 · y 0.00", timeout=WAIT_MS)
    # and a keyboard moves the spot with the arrow keys
    tapped = page.locator("#map-xy").text_content()
    page.focus("#map")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#map-xy")).not_to_have_text(tapped, timeout=WAIT_MS)
    page.click("#tabs [data-tab=explore-tab]")


def test_static_page_has_no_serious_axe_violation_on_any_tab(static_phone, axe_script):
    page = static_phone
    found = {}
    for tab in STATIC_TABS:
        page.click(f"#tabs [data-tab={tab}]")
        page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)
        found[tab] = serious_violations(page, axe_script)
    page.click("#tabs [data-tab=explore-tab]")
    print("static page, serious or critical axe violations per tab:", {tab: len(v) for tab, v in found.items()})
    assert not any(found.values()), found


def test_static_page_names_every_picture_and_slider(static_phone):
    page = static_phone
    assert page.locator("#preview-2 input").get_attribute("aria-valuetext").startswith("Direction 3 at ")
    assert page.locator("#preview-2 label").get_attribute("for") == page.locator("#preview-2 input").get_attribute("id")
    alt = page.locator("#preview-2 .slider-preview img >> nth=3").get_attribute("alt")
    assert alt.endswith("Direction 3 at +2") and alt.startswith("beta-")
    for tab in STATIC_TABS[1:-1]:
        page.click(f"#tabs [data-tab={tab}]")
        page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)
    unnamed = page.evaluate(
        "() => Array.from(document.querySelectorAll('canvas'))"
        ".filter((c) => c.getAttribute('role') !== 'img' || !c.getAttribute('aria-label'))"
        ".map((c) => c.id || c.parentElement.id || c.parentElement.tagName)"
    )
    assert unnamed == []
    assert page.locator("#tabs [aria-selected=true]").text_content() == "Traverse & interpolate"
    page.click("#tabs [data-tab=explore-tab]")


@pytest.fixture(scope="module")
def gradio_phone(phone, app_server):
    page = phone.new_page()
    page.goto(app_server[0])
    expect(page.locator("#explore-image img")).to_be_visible(timeout=WAIT_MS)
    yield page
    page.close()


def open_gradio_tab(page, name: str) -> None:
    """Gradio folds the tabs that do not fit into a menu: open it when the tab is in there."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if not tab.is_visible():
        page.locator(".overflow-menu button, button.overflow-menu").first.click()
        tab = page.locator(".overflow-dropdown button", has_text=name).first
    tab.click()
    page.wait_for_timeout(300)


def test_gradio_page_keeps_the_picture_in_view_and_fits_the_phone(gradio_phone, shots):
    page = gradio_phone
    picture_in_view_and_shot(page, "#explore-image", "#slider-{}", shots / "phone-gradio.png")
    widths = {}
    for tab in GRADIO_TABS:
        open_gradio_tab(page, tab)
        expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
        widths[tab] = page_width(page)
    print("Gradio page, each tab's width at 390 px:", widths)
    assert max(widths.values()) <= WIDTH, widths
    open_gradio_tab(page, "Explore")


def test_gradio_explore_tab_axe_count_and_none_in_what_we_render(gradio_phone, axe_script):
    page = gradio_phone
    open_gradio_tab(page, "Explore")
    found = serious_violations(page, axe_script)
    print(
        f"Gradio page, Explore tab: {len(found)} kinds of serious or critical axe violation,",
        f"{sum(len(v['targets']) for v in found)} elements:",
        [(v["id"], len(v["targets"])) for v in found],
    )
    for violation in found:
        print("  ", violation["id"], violation["targets"][:4])
    ours = [(v["id"], t) for v in found for t in v["targets"] if any(part in t for part in OURS)]
    assert ours == [], ours
