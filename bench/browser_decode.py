"""How fast slider moves decode in the browser (onnxruntime-web, web/browser_decoder.js), in headless Chromium.

    python -m bench.browser_decode                 # 1 page, then 8 pages at once
    python -m bench.browser_decode --pages 1 4 --moves 100

Starts `python app.py` serving onnxruntime-web from the npm package (installed into .cache/npm), opens
`--pages` pages at once, and in each: moves sliders `--moves` times (as Playwright's fill), then drags the
first slider with the mouse. Prints the decode time per frame in the browser (p50/p95, from the slider
values to the PNG shown), frames per second while dragging, and requests to the server's queue/API during
the moves (0 when decoding stays in the browser).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from playwright.async_api import async_playwright

from app import ONNXRUNTIME_WEB_VERSION
from support.app_launcher import ROOT, install_onnxruntime_web, running_app
from support.browser import CHROMIUM, CHROMIUM_ARGS, SERVER_CALLS
from support.latency import percentile

WAIT_MS = 60_000


async def one_page(browser, url: str, moves: int) -> dict:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    calls = []
    page.on("request", lambda request: calls.append(request.url) if any(c in request.url for c in SERVER_CALLS) else None)
    await page.goto(url)
    await page.locator("#browser-decoder [data-mode=browser]").wait_for(state="attached", timeout=WAIT_MS)
    calls.clear()
    for i in range(moves):
        await page.locator(f"#slider-{i % 12} input[type=range]").fill(f"{(i % 7 - 3) * 0.8:.2f}")
    await page.evaluate("() => window.browserDecoder.running")
    decode_ms = await page.evaluate("() => window.browserDecoder.decodeMs.slice()")
    server_calls = len(calls)

    box = await page.locator("#slider-0 input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    before = await page.evaluate("() => window.browserDecoder.decodes")
    await page.mouse.move(box["x"] + 2, y)
    await page.mouse.down()
    start = time.perf_counter()
    for step in range(1, 61):  # a two-way drag across the slider
        x = box["x"] + 2 + (box["width"] - 4) * (step / 30 if step <= 30 else (60 - step) / 30)
        await page.mouse.move(x, y)
        await asyncio.sleep(1 / 60)
    await page.mouse.up()
    await page.evaluate("() => window.browserDecoder.running")
    seconds = time.perf_counter() - start
    frames = await page.evaluate("() => window.browserDecoder.decodes") - before
    await page.close()
    return {"decode_ms": decode_ms, "server_calls": server_calls, "drag_fps": frames / seconds}


async def measure(url: str, pages: int, moves: int) -> list[dict]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*(one_page(browser, url, moves) for _ in range(pages)))
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
            fps = [r["drag_fps"] for r in results]
            calls = sum(r["server_calls"] for r in results)
            print(f"{pages} page(s): decode p50 {percentile(decode_ms, 50):.1f} ms, p95 {percentile(decode_ms, 95):.1f} ms "
                  f"({len(decode_ms)} frames); dragging {statistics.mean(fps):.1f} frames/s per page (min {min(fps):.1f}); "
                  f"server requests during {pages} x {args.moves} moves: {calls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
