"""Installable and offline (issue 38): the staged static site's manifest and icons, and its service worker, which keeps
the site's files so that after one visit the page opens and a slider repaints with no network at all, and which a
new staging's worker replaces, old cache and all."""

import json
import re
import shutil

import pytest
from PIL import Image
from playwright.sync_api import expect

from support.browser import STATIC_EXPLORER, STATIC_VIEWS, WAIT_MS
from support.static_server import served
from vae.publish import static_site

SLIDER = "#sliders input[type=range] >> nth=0"
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
SITE_CACHES = "async () => (await caches.keys()).filter((name) => name.startsWith('landscape-vae '))"
# every file of the site's own that the page fetched, kept in the site's cache
ALL_KEPT = """async () => {
  const used = performance.getEntriesByType("resource").map((e) => e.name)
    .filter((url) => url.startsWith(location.origin) && !url.endsWith("/service-worker.js"));
  const kept = new Set();
  for (const name of await caches.keys()) (await (await caches.open(name)).keys()).forEach((r) => kept.add(r.url));
  return used.length > 0 && used.every((url) => kept.has(url.split("?")[0]));
}"""


def fake_stage(folder):
    """The files stage_offline reads, as stage_static leaves them."""
    (folder / "web" / "static").mkdir(parents=True)
    shutil.copyfile(static_site.PAGE, folder / "index.html")
    (folder / "web" / "static" / "site.js").write_text("// the page\n")
    (folder / "data").mkdir()
    (folder / "data" / "0123456789abcdef.onnx").write_bytes(b"a network")
    (folder / "site.json").write_text(json.dumps({"ort": "onnxruntime-web/", "words": {"intro": "Hello"}}))
    return folder


def staged_worker(stage) -> dict:
    """What staging wrote into service-worker.js."""
    return json.loads(re.search(r"^const STAGED = (\{.*\});", (stage / "service-worker.js").read_text(), re.M)[1])


def test_the_staged_site_has_an_installable_manifest_that_the_page_links(tmp_path):
    stage = fake_stage(tmp_path)
    version = static_site.stage_offline(stage)
    manifest = json.loads((stage / "manifest.webmanifest").read_text())
    assert manifest["name"] and manifest["short_name"] and manifest["start_url"] == "./"
    assert manifest["display"] == "standalone"
    icons = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    assert set(icons) == {"192x192", "512x512"}
    for sizes, src in icons.items():
        with Image.open(stage / src) as icon:
            assert icon.format in ("PNG", "WEBP") and f"{icon.width}x{icon.height}" == sizes
    assert sum((stage / src).stat().st_size for src in icons.values()) < 100_000  # small beside the models
    head = static_site.PAGE.read_text().split("</head>")[0]
    assert '<link rel="manifest" href="manifest.webmanifest">' in head
    assert '<script type="module" src="web/static/offline.js"></script>' in head
    worker = staged_worker(stage)
    assert worker["version"] == version and worker["ort"] == "onnxruntime-web/"
    assert {"./", "index.html", "site.json", "manifest.webmanifest", "web/static/site.js", *icons.values()} <= set(
        worker["shell"]
    )
    assert not [name for name in worker["shell"] if name.startswith(("data/", "service-worker"))]  # kept when used


def test_a_changed_site_gets_a_new_version_and_the_same_site_the_same_one(tmp_path):
    stage = fake_stage(tmp_path)
    first = static_site.stage_offline(stage)
    assert static_site.stage_offline(stage) == first
    (stage / "site.json").write_text(json.dumps({"ort": "onnxruntime-web/", "words": {"intro": "Hello again"}}))
    assert static_site.stage_offline(stage) != first


def open_controlled(context, url):
    """A page of the site that its service worker controls, its views ready."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(CONTROLLED, timeout=WAIT_MS)
    page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
    page.evaluate(f"() => {STATIC_VIEWS}.ready")
    return page


def picture(page) -> str:
    return page.eval_on_selector("#picture", "canvas => canvas.toDataURL('image/png')")


def moved_slider_repaints(page, value: str) -> None:
    """Moves the first main slider and waits for the picture its decode paints."""
    before, frames = picture(page), page.evaluate(f"() => {STATIC_EXPLORER}.sliderTimes.count")
    page.locator(SLIDER).fill(value)
    page.wait_for_function(f"(n) => {STATIC_EXPLORER}.sliderTimes.count > n", arg=frames, timeout=WAIT_MS)
    page.evaluate(f"() => {STATIC_EXPLORER}.running")
    assert picture(page) != before, "the slider's move did not change the picture"


@pytest.mark.browser
def test_after_one_visit_the_page_opens_and_a_slider_repaints_with_no_network(chromium, static_staging):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    with served(static_staging[0]) as url:
        page = open_controlled(context, url)
        moved_slider_repaints(page, "1.5")
        page.wait_for_function(ALL_KEPT, timeout=WAIT_MS)
        errors = context.new_cdp_session(page).send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []  # a test's context is one
    context.set_offline(True)  # and the server is gone: Playwright's offline does not reach service workers
    page.reload()
    page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
    page.evaluate(f"() => {STATIC_VIEWS}.ready")
    moved_slider_repaints(page, "-1.5")
    assert "could not" not in page.locator("#message").text_content()
    context.close()


@pytest.mark.browser
def test_a_new_staging_replaces_the_old_cache(chromium, static_staging, tmp_path):
    stage = shutil.copytree(static_staging[0], tmp_path / "site")
    old = staged_worker(stage)["version"]
    context = chromium.new_context()
    with served(stage) as url:
        page = open_controlled(context, url)
        assert [name.split()[-1] for name in page.evaluate(SITE_CACHES)] == [old]
        site = json.loads((stage / "site.json").read_text())
        site["words"]["intro"] += "\n\nA new version."
        (stage / "site.json").write_text(json.dumps(site))
        new = static_site.stage_offline(stage)
        assert new != old
        page.reload()
        page.wait_for_function(
            f"async () => JSON.stringify(await ({SITE_CACHES})()).includes('{new}')", timeout=WAIT_MS
        )
        page.wait_for_function(f"async () => (await ({SITE_CACHES})()).length === 1", timeout=WAIT_MS)
        assert page.evaluate("() => navigator.serviceWorker.controller.state") == "activated"
        expect(page.locator("#intro")).to_contain_text("A new version.")  # site.json from the network when online
    context.close()
