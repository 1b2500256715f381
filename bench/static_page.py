"""The static edition against the Gradio page, side by side in one run, in headless Chromium on this machine.

    python -m bench.static_page [--strokes 4]

Stages the static site as the README writes it (`python -m vae.hub space … --static --dry-run`, with onnxruntime-web
from the npm package copied in), serves it with `python -m http.server`, and starts `python app.py` (serving the
same onnxruntime-web). For each page:
- the first picture: seconds from the page's request until the Explore picture shows;
- the bytes loaded until then (the Resource Timing API's transfer sizes, the page itself included);
- slider frames per second while the mouse drags the first main slider (strips off, as bench.browser_decode's
  baseline), and map frames per second while the mouse circles over the landscape map;
- a 16-sample grid and a reconstruction of an example photo: in the static page, the browser's own work from the
  call to the last picture; for the Gradio app, its /sample and /reconstruct API calls (gradio_client, the server's
  work and the transfer a Gradio page waits on).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client, handle_file
from playwright.async_api import async_playwright

from support.app_launcher import ROOT, install_onnxruntime_web, running_app
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.static_server import served, stage_static_site
from ui.browser_decoding import ONNXRUNTIME_WEB_VERSION

WAIT_MS = 120_000
EXAMPLE = ROOT / "assets" / "examples" / "forest-light.jpg"
BYTES_SO_FAR = """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
  .reduce((sum, entry) => sum + (entry.transferSize || entry.encodedBodySize || 0), 0)"""
# what each page calls its parts: the first slider, the map, and the counters of frames painted
PAGES = {
    "static page": {
        "first_picture": "() => window.explore && window.explore.decodes > 0",
        "slider": "#preview-0 input[type=range]",
        "slider_frames": "window.explore.decodes",
        "strips_off": "window.explore.previewsOn = false",
        "map_tab": "#tabs button[data-tab=map-tab]",
        "map": "#map",
        "map_frames": "window.views.hovers",
        "idle": "window.staticSite.networks.running",
    },
    "Gradio page": {
        "first_picture": "() => document.querySelector('#explore-image img') && window.browserDecoder"
        " && window.browserDecoder.mode === 'browser'",
        "slider": "#slider-0 input[type=range]",
        "slider_frames": "window.browserDecoder.decodes",
        "strips_off": "window.browserDecoder.previewsOn = false",
        "map_tab": "role=tab[name='Landscape map']",
        "map": "#landscape-map img",
        "map_frames": "window.browserDecoder.hoverDecodes",
        "idle": "window.browserDecoder.running",
    },
}


async def drag(page, parts: dict, strokes: int, steps: int = 15) -> float:
    """Frames per second while the mouse drags the first slider back and forth at 60 moves a second."""
    box = await page.locator(parts["slider"]).bounding_box()
    y, width = box["y"] + box["height"] / 2, box["width"] - 4
    await page.mouse.move(box["x"] + 2, y)
    await page.mouse.down()
    before = await page.evaluate(f"() => {parts['slider_frames']}")
    start = time.perf_counter()
    for step in range(strokes * steps):
        where = (step % (2 * steps)) / steps
        await page.mouse.move(box["x"] + 2 + width * (where if where <= 1 else 2 - where), y)
        await asyncio.sleep(1 / 60)
    await page.evaluate(f"() => {parts['idle']}")
    seconds = time.perf_counter() - start
    await page.mouse.up()
    return (await page.evaluate(f"() => {parts['slider_frames']}") - before) / seconds


async def hover(page, parts: dict, steps: int = 90) -> float:
    """Map frames per second while the mouse circles over the map at 60 moves a second."""
    await page.locator(parts["map_tab"]).click()
    landscape = page.locator(parts["map"])
    await landscape.wait_for(state="visible", timeout=WAIT_MS)
    await landscape.scroll_into_view_if_needed()
    box = await landscape.bounding_box()
    before = await page.evaluate(f"() => {parts['map_frames']}")
    start = time.perf_counter()
    for step in range(steps):
        angle = 2 * math.pi * step / steps
        await page.mouse.move(
            box["x"] + box["width"] * (0.5 + 0.3 * math.cos(angle)),
            box["y"] + box["height"] * (0.5 + 0.3 * math.sin(angle)),
        )
        await asyncio.sleep(1 / 60)
    await page.evaluate(f"() => {parts['idle']}")
    return (await page.evaluate(f"() => {parts['map_frames']}") - before) / (time.perf_counter() - start)


async def one_page(browser, url: str, parts: dict, strokes: int) -> dict:
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    start = time.perf_counter()
    await page.goto(url)
    await page.wait_for_function(parts["first_picture"], timeout=WAIT_MS, polling=10)
    first = time.perf_counter() - start
    loaded = await page.evaluate(BYTES_SO_FAR)
    await page.evaluate(f"() => {{ {parts['strips_off']}; }}")
    fps = statistics.median([await drag(page, parts, strokes) for _ in range(3)])
    hover_fps = await hover(page, parts)
    result = {"first_s": first, "bytes": loaded, "slider_fps": fps, "map_fps": hover_fps}
    if parts is PAGES["static page"]:
        await page.wait_for_function("() => window.views && window.views.ready", timeout=WAIT_MS)
        await page.evaluate("window.views.ready")
        result["sample_s"] = await page.evaluate("""async () => { document.querySelector('#sample-count').value = 16;
          const t = performance.now(); await views.sample(); return (performance.now() - t) / 1000; }""")
        result["reconstruct_s"] = await page.evaluate(
            """async (url) => { const t = performance.now();
          await views.reconstruct(url); return (performance.now() - t) / 1000; }""",
            f"{url}examples/{EXAMPLE.name}",
        )
    await page.close()
    return result


def server_calls(url: str) -> dict:
    client = Client(url, verbose=False, download_files=tempfile.mkdtemp(prefix="bench-static-"))
    client.predict("beta-1", 0, 16, api_name="/sample")  # the first call pays for connecting
    timings = {}
    for key, call in {
        "sample_s": lambda: client.predict("beta-1", 1, 16, api_name="/sample"),
        "reconstruct_s": lambda: client.predict("beta-1", handle_file(str(EXAMPLE)), api_name="/reconstruct"),
    }.items():
        start = time.perf_counter()
        call()
        timings[key] = time.perf_counter() - start
    return timings


async def measure(urls: dict, strokes: int) -> dict:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            return {name: await one_page(browser, urls[name], PAGES[name], strokes) for name in PAGES}
        finally:
            await browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=4, help="back-and-forth drags of the slider, per measurement")
    args = parser.parse_args(argv)
    dist = str(install_onnxruntime_web(ONNXRUNTIME_WEB_VERSION))
    with tempfile.TemporaryDirectory(prefix="static-site-") as folder:
        stage = Path(folder) / "site"
        stage_static_site(stage, dist)
        with served(stage) as site_url, running_app(ROOT / "assets" / "models", env={"ONNXRUNTIME_WEB": dist}) as app:
            results = asyncio.run(measure({"static page": site_url, "Gradio page": app[0]}, args.strokes))
            results["Gradio page"].update(server_calls(app[0]))
    print(
        "| one page, this machine | first picture (s) | loaded before it (MB) | slider frames/s | map frames/s "
        "| 16 samples (s) | reconstruction (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['first_s']:.1f} | {r['bytes'] / 1e6:.1f} | {r['slider_fps']:.1f} | {r['map_fps']:.1f} "
            f"| {r['sample_s']:.2f} | {r['reconstruct_s']:.2f} |"
        )
    static, gradio = results["static page"], results["Gradio page"]
    print(
        f"static / Gradio: slider frames {static['slider_fps'] / gradio['slider_fps']:.2f}x, map frames "
        f"{static['map_fps'] / gradio['map_fps']:.2f}x; the slider goal is 40 frames/s on one page"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
