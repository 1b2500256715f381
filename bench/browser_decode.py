"""How fast the Explore tab and the map decode in the browser (onnxruntime-web, web/browser_decoder.js), in
headless Chromium.

    python -m bench.browser_decode                 # 1 page, then 8 pages at once
    python -m bench.browser_decode --pages 1 4 --moves 100

Starts `python app.py` serving onnxruntime-web from the npm package (installed into .cache/npm), opens
`--pages` pages at once, and in each: moves sliders `--moves` times (as Playwright's fill); then drags the
first slider with the mouse in four strokes with a pause between them, long enough for the strips under the
sliders to start redrawing (the next stroke cancels them); then moves the mouse over the landscape map.
Prints the decode time per slider frame (p50/p95, from the slider values to the PNG shown), slider frames per
second while dragging with the strips on, strip pictures drawn, map frames per second while hovering, and
requests to the server's queue/API during all of it (0 when decoding stays in the browser).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time

from playwright.async_api import async_playwright

from support.app_launcher import ROOT, install_onnxruntime_web, running_app
from support.browser import CHROMIUM, CHROMIUM_ARGS, GRADIO_EXPLORER, SERVER_CALLS
from support.latency import percentile
from ui.browser_decoding import ONNXRUNTIME_WEB_VERSION

WAIT_MS = 180_000  # 8 pages loading onnxruntime-web at once share 2 cores


async def one_page(browser, url: str, moves: int) -> dict:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    calls = []
    page.on(
        "request", lambda request: calls.append(request.url) if any(c in request.url for c in SERVER_CALLS) else None
    )
    await page.goto(url)
    await page.locator("#browser-decoder [data-mode=browser], #browser-decoder [data-mode=server]").wait_for(
        state="attached", timeout=WAIT_MS
    )
    if await page.evaluate(f"() => {GRADIO_EXPLORER}.mode") != "browser":  # onnxruntime-web did not load in time
        await page.close()
        return None
    calls.clear()
    await page.locator("#more-directions").get_by_text("More directions", exact=True).click()  # sliders 5 to 12
    for i in range(moves):
        await page.locator(f"#slider-{i % 12} input[type=range]").fill(f"{(i % 7 - 3) * 0.8:.2f}")
    await page.evaluate(f"() => {GRADIO_EXPLORER}.running")
    decode_ms = await page.evaluate(f"() => {GRADIO_EXPLORER}.sliderTimes.ms.slice()")

    await page.evaluate(f"() => {{ {GRADIO_EXPLORER}.strips.on = false; }}")  # the baseline: no strips
    drag_fps_without, _ = await drag_with_pauses(page)
    await page.evaluate(f"() => {{ {GRADIO_EXPLORER}.strips.on = true; }}")
    drag_fps, strip_pictures = await drag_with_pauses(page)
    hover_fps = await hover_over_map(page)
    server_calls = len(calls)
    await page.close()
    return {
        "decode_ms": decode_ms,
        "server_calls": server_calls,
        "drag_fps": drag_fps,
        "hover_fps": hover_fps,
        "drag_fps_without": drag_fps_without,
        "strip_pictures": strip_pictures,
    }


async def counter(page, name: str) -> int:
    """One of the decoder's counts: sliderTimes.count, mapTimes.count, strips.pictures."""
    return await page.evaluate(f"() => {GRADIO_EXPLORER}.{name}")


async def drag_with_pauses(page, strokes: int = 4, steps: int = 15, pause_s: float = 0.4) -> tuple[float, int]:
    """Slider frames per second while the mouse drags slider 1, and strip pictures drawn in the pauses."""
    box = await page.locator("#slider-0 input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    width = box["width"] - 4
    drawn_before = await counter(page, "strips.pictures")
    await page.mouse.move(box["x"] + 2, y)
    await page.mouse.down()
    frames, seconds = 0, 0.0
    for stroke in range(strokes):
        before = await counter(page, "sliderTimes.count")
        start = time.perf_counter()
        for step in range(1, steps + 1):  # there and back again, a quarter of the way per stroke
            where = (stroke * steps + step) / (strokes * steps / 2)
            await page.mouse.move(box["x"] + 2 + width * (where if where <= 1 else 2 - where), y)
            await asyncio.sleep(1 / 60)
        await page.evaluate(f"() => {GRADIO_EXPLORER}.running")
        seconds += time.perf_counter() - start
        frames += await counter(page, "sliderTimes.count") - before
        await asyncio.sleep(pause_s)  # the strips start redrawing; the next stroke cancels them
    await page.mouse.up()
    return frames / seconds, await counter(page, "strips.pictures") - drawn_before


async def hover_over_map(page, steps: int = 60) -> float:
    """Map frames per second while the mouse moves over the map picture at 60 moves a second."""
    await page.get_by_role("tab", name="Landscape map").click()
    landscape_map = page.locator("#landscape-map img")
    await landscape_map.wait_for(state="visible", timeout=WAIT_MS)
    await landscape_map.scroll_into_view_if_needed()
    box = await landscape_map.bounding_box()
    before = await counter(page, "mapTimes.count")
    start = time.perf_counter()
    for step in range(steps):  # a circle round the middle of the map
        angle = 2 * math.pi * step / steps
        await page.mouse.move(
            box["x"] + box["width"] * (0.5 + 0.3 * math.cos(angle)),
            box["y"] + box["height"] * (0.5 + 0.3 * math.sin(angle)),
        )
        await asyncio.sleep(1 / 60)
    await page.evaluate(f"() => {GRADIO_EXPLORER}.running")
    return (await counter(page, "mapTimes.count") - before) / (time.perf_counter() - start)


async def measure(url: str, pages: int, moves: int) -> list[dict]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            results = await asyncio.gather(*(one_page(browser, url, moves) for _ in range(pages)))
            if None in results:
                print(f"{results.count(None)} of {pages} pages fell back to decoding on the server; the rest:")
            return [r for r in results if r is not None]
        finally:
            await browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 8], help="pages open at once, one run each")
    parser.add_argument("--moves", type=int, default=50, help="slider moves per page")
    args = parser.parse_args(argv)
    dist = install_onnxruntime_web(ONNXRUNTIME_WEB_VERSION)
    with running_app(ROOT / "assets" / "models", env={"ONNXRUNTIME_WEB": str(dist)}) as (url, _, _):
        for pages in args.pages:
            results = asyncio.run(measure(url, pages, args.moves))
            decode_ms = [ms for r in results for ms in r["decode_ms"]]
            drag = [r["drag_fps"] for r in results]
            without = [r["drag_fps_without"] for r in results]
            hover = [r["hover_fps"] for r in results]
            calls = sum(r["server_calls"] for r in results)
            print(
                f"{pages} page(s): slider decode p50 {percentile(decode_ms, 50):.1f} ms, p95 {percentile(decode_ms, 95):.1f} ms "
                f"({len(decode_ms)} frames); dragging with strips {statistics.mean(drag):.1f} frames/s per page "
                f"(min {min(drag):.1f}), without strips {statistics.mean(without):.1f} (ratio "
                f"{statistics.mean(drag) / statistics.mean(without):.2f}), {statistics.mean(r['strip_pictures'] for r in results):.0f} strip pictures "
                f"drawn per page in the pauses; hovering over the map {statistics.mean(hover):.1f} frames/s per page "
                f"(min {min(hover):.1f}); server requests: {calls}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
