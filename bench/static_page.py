"""The static edition against the Gradio page, side by side in one run, in headless Chromium on this machine.

    python -m bench.static_page

Stages the static site as the README writes it (`python -m vae.hub space … --static --dry-run`, with onnxruntime-web
from the npm package copied in), serves it with `python -m http.server`, and starts `python app.py` (serving the
same onnxruntime-web). For each page:
- the first picture: seconds from the page's request until the Explore picture shows;
- the bytes loaded until then (the Resource Timing API's transfer sizes, the page itself included);
- the slider's frame time (the code to the picture shown, median) and slider frames per second while the first main slider moves every animation frame (strips off, as
  bench.browser_decode's baseline), and map frames per second while the pointer circles over the landscape map;
- a 16-sample grid and a reconstruction of an example photo: in the static page, the browser's own work from the
  call to the last picture (a reconstruction also paints Compare β's copies by every model; the first one loads
  their networks too); for the Gradio app, its /sample and /reconstruct API calls (gradio_client, the server's
  work and the transfer a Gradio page waits on).

And the static page on a phone (390x844, touch) on "Fast 4G" (DevTools' numbers: 1.01 MB/s down, 165 ms latency,
through CDP's Network.emulateNetworkConditions), served plainly and gzip-compressed as a CDN serves it: seconds until
the first picture (the one drawn at staging), the bytes received by then (CDP's encoded lengths, partial files
included), seconds until the sliders are live (a slider move repaints the picture, decoded here), all bytes received
by then; and a second visit in the same browser context (its HTTP cache kept; service workers blocked, as their
fetches escape the page's throttling). Then onnxruntime-web's
wasm builds in the npm package's dist/: bytes, gzip and brotli sizes, and the browser's compile time.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gzip
import http.server
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client, handle_file
from playwright.async_api import async_playwright

from support.app_launcher import ROOT, install_onnxruntime_web, running_app
from support.browser import CHROMIUM, CHROMIUM_ARGS, GRADIO_EXPLORER, STATIC_EXPLORER, STATIC_VIEWS
from support.static_server import served, served_in_thread, stage_static_site
from ui.browser_decoding import ONNXRUNTIME_WEB_VERSION
from vae.publish.static_site import ONNXRUNTIME_WEB_FOLDER

try:
    import brotli
except ImportError:  # the table then leaves brotli's column out
    brotli = None

WAIT_MS = 120_000
EXAMPLE = ROOT / "assets" / "examples" / "forest-light.jpg"
BYTES_SO_FAR = """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
  .reduce((sum, entry) => sum + (entry.transferSize || entry.encodedBodySize || 0), 0)"""
# what each page calls its parts: the first slider, the map, and the counters of frames painted
PAGES = {
    "static page": {
        "first_picture": f"() => {STATIC_EXPLORER}?.sliderTimes.count > 0",
        "slider": "#preview-0 input[type=range]",
        "slider_frames": f"{STATIC_EXPLORER}.sliderTimes.count",
        "frame_ms": f"{STATIC_EXPLORER}.sliderTimes.ms",
        "strips_off": f"{STATIC_EXPLORER}.strips.on = false",
        "map_tab": "#tabs button[data-tab=map-tab]",
        "map": "#map",
        "map_frames": f"{STATIC_VIEWS}.mapTimes.count",
        "map_ready": f"{STATIC_VIEWS}.open('map-tab')",
        "idle": f"{STATIC_EXPLORER}.running",
    },
    "Gradio page": {
        "first_picture": f"() => document.querySelector('#explore-image img') && {GRADIO_EXPLORER}?.mode === 'browser'",
        "slider": "#slider-0 input[type=range]",
        "slider_frames": f"{GRADIO_EXPLORER}.sliderTimes.count",
        "frame_ms": f"{GRADIO_EXPLORER}.sliderTimes.ms",
        "strips_off": f"{GRADIO_EXPLORER}.strips.on = false",
        "map_tab": "role=tab[name='Landscape map']",
        "map": "#landscape-map img",
        "map_frames": f"{GRADIO_EXPLORER}.mapTimes.count",
        "map_ready": "true",
        "idle": f"{GRADIO_EXPLORER}.running",
    },
}


# Input at display rate, from inside the page: each animation frame moves the slider (an input event) or the pointer
# over the map (a pointermove), as a browser delivers a real drag, coalesced to one event a frame. Playwright's own
# mouse moves round-trip through the driver and reach the page only about 20 times a second here.
DRIVE = """async ([selector, seconds, counter, kind]) => {
  const target = document.querySelector(selector);
  const count = () => Function(`return ${counter}`)();
  const before = count();
  const start = performance.now();
  await new Promise((resolve) => {
    const step = (now) => {
      const t = (now - start) / 1000;
      if (t > seconds) return resolve();
      if (kind === "slider") {
        const phase = (t / 2) % 1; // there and back every 2 s
        const [low, high] = [Number(target.min), Number(target.max)];
        target.value = String(low + (high - low) * (phase < 0.5 ? 2 * phase : 2 - 2 * phase));
        target.dispatchEvent(new Event("input", { bubbles: true }));
      } else {
        const box = target.getBoundingClientRect(); // a circle round the middle of the map, every 2 s
        const angle = Math.PI * t;
        target.dispatchEvent(new PointerEvent("pointermove", { bubbles: true,
          clientX: box.left + box.width * (0.5 + 0.3 * Math.cos(angle)), clientY: box.top + box.height * (0.5 + 0.3 * Math.sin(angle)) }));
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  return (count() - before) / ((performance.now() - start) / 1000);
}"""
SECONDS = 4


async def drag(page, parts: dict) -> float:
    """Slider frames per second while the first slider moves every animation frame."""
    fps = await page.evaluate(DRIVE, [parts["slider"], SECONDS, parts["slider_frames"], "slider"])
    await page.evaluate(f"() => {parts['idle']}")
    return fps


async def hover(page, parts: dict) -> float:
    """Map frames per second while the pointer circles over the map every animation frame."""
    await page.locator(parts["map_tab"]).click()
    landscape = page.locator(parts["map"])
    await page.evaluate(f"() => {parts['map_ready']}")
    await landscape.wait_for(state="visible", timeout=WAIT_MS)
    await landscape.scroll_into_view_if_needed()
    fps = await page.evaluate(DRIVE, [parts["map"], SECONDS, parts["map_frames"], "map"])
    await page.evaluate(f"() => {parts['idle']}")
    return fps


async def one_page(browser, url: str, parts: dict) -> dict:
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    start = time.perf_counter()
    await page.goto(url)
    await page.wait_for_function(parts["first_picture"], timeout=WAIT_MS, polling=10)
    first = time.perf_counter() - start
    loaded = await page.evaluate(BYTES_SO_FAR)
    await page.evaluate(f"() => {{ {parts['strips_off']}; }}")
    fps = statistics.median([await drag(page, parts) for _ in range(3)])
    frame_ms = statistics.median(await page.evaluate(f"() => {parts['frame_ms']}.slice()"))
    hover_fps = await hover(page, parts)
    result = {"first_s": first, "bytes": loaded, "slider_fps": fps, "frame_ms": frame_ms, "map_fps": hover_fps}
    if parts is PAGES["static page"]:
        await page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
        await page.evaluate(f"() => {STATIC_VIEWS}.ready")
        result["sample_s"] = await page.evaluate(
            f"""async () => {{ document.querySelector('#sample-count').value = 16;
          const t = performance.now(); await {STATIC_VIEWS}.sample(); return (performance.now() - t) / 1000; }}"""
        )
        for key in ("first_reconstruct_s", "reconstruct_s"):  # the first also loads every model's networks
            result[key] = await page.evaluate(
                f"""async (url) => {{ const t = performance.now();
              await {STATIC_VIEWS}.reconstruct(url); return (performance.now() - t) / 1000; }}""",
                f"{url}examples/{EXAMPLE.name}",
            )
    await page.close()
    return result


# the phone: DevTools' "Fast 4G" as the issue gives it, at a phone's size
FAST_4G = {"offline": False, "latency": 165, "downloadThroughput": 1.01e6, "uploadThroughput": 0.1875e6}
# a service worker's own fetches escape the page's throttling and byte count: blocked here, so the rows measure the
# network path (the second visit is the HTTP cache's; tests/test_offline.py checks the worker's)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "service_workers": "block",
}
COMPRESSED = (".wasm", ".onnx", ".mjs", ".js", ".json", ".f32", ".html", ".css", ".md", ".webmanifest")
WASM_BUILDS = (
    "ort-wasm-simd-threaded.wasm",
    "ort-wasm-simd-threaded.jspi.wasm",
    "ort-wasm-simd-threaded.asyncify.wasm",
)
EXPLORE_TIMES = f"() => {STATIC_EXPLORER}?.times"
# a slider move once the sliders are live, until its picture is painted: ms after the page's request
MOVE_WHEN_LIVE = f"""async () => {{
  const explore = {STATIC_EXPLORER};
  const slider = document.querySelector("#preview-0 input[type=range]");
  slider.value = String(Number(slider.value) > 0 ? -1.5 : 1.5);
  slider.dispatchEvent(new Event("input", {{ bubbles: true }}));
  await explore.sliderBatch.pending;
  return performance.now();
}}"""


class Compressing(http.server.SimpleHTTPRequestHandler):
    """http.server's files, gzip-compressed where the browser accepts it, as a CDN or Hugging Face's hosts send them."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if not (path.is_file() and path.suffix in COMPRESSED and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzipped(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


@functools.cache
def gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6)


async def phone_visit(context, url: str) -> dict:
    """One visit on Fast 4G: first picture, bytes by then, sliders live, bytes by then (CDP's encoded lengths)."""
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    received: dict[str, int] = {}

    def on_data(event):
        received[event["requestId"]] = received.get(event["requestId"], 0) + event.get("encodedDataLength", 0)

    def on_finished(event):
        received[event["requestId"]] = max(received.get(event["requestId"], 0), event.get("encodedDataLength", 0))

    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", FAST_4G)
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(f"() => {STATIC_EXPLORER}?.times.firstPicture", timeout=WAIT_MS, polling=20)
    first_bytes = sum(received.values())
    times = await page.evaluate(EXPLORE_TIMES)
    await page.wait_for_function(f"() => {STATIC_EXPLORER}.times.live", timeout=WAIT_MS, polling=50)
    moved = await page.evaluate(MOVE_WHEN_LIVE)
    result = {
        "first_s": times["firstPicture"] / 1000,
        "first_bytes": first_bytes,
        "live_s": moved / 1000,
        "live_bytes": sum(received.values()),
    }
    await page.close()
    return result


async def phone_rows(browser, urls: dict) -> dict:
    rows = {}
    for name, url in urls.items():
        context = await browser.new_context(**PHONE)
        rows[f"phone, Fast 4G, {name}"] = await phone_visit(context, url)
        rows[f"phone, Fast 4G, {name}, second visit"] = await phone_visit(context, url)
        await context.close()
    return rows


WASM_COMPILE = """async (url) => { const bytes = await (await fetch(url)).arrayBuffer();
  const t = performance.now(); await WebAssembly.compile(bytes); return performance.now() - t; }"""


async def wasm_builds(browser, url: str, dist: Path) -> list[dict]:
    """Each wasm build in onnxruntime-web's dist/: bytes, gzip -6 and brotli -11 sizes, and compile ms here."""
    page = await browser.new_page()
    await page.goto(url)
    rows = []
    for name in WASM_BUILDS:
        data = (dist / name).read_bytes()
        compile_ms = statistics.median(
            [await page.evaluate(WASM_COMPILE, f"{url}wasm-builds/{name}") for _ in range(3)]
        )
        rows.append(
            {
                "name": name,
                "bytes": len(data),
                "gzip": len(gzip.compress(data, compresslevel=6)),
                "brotli": len(brotli.compress(data, quality=11)) if brotli else None,
                "compile_ms": compile_ms,
            }
        )
    await page.close()
    return rows


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


async def measure(urls: dict, phone_urls: dict, dist: Path) -> tuple[dict, dict, list]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            desktop = {name: await one_page(browser, urls[name], PAGES[name]) for name in PAGES}
            phone = await phone_rows(browser, phone_urls)
            builds = await wasm_builds(browser, phone_urls["plain"], dist)
            return desktop, phone, builds
        finally:
            await browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    dist = str(install_onnxruntime_web(ONNXRUNTIME_WEB_VERSION))
    with tempfile.TemporaryDirectory(prefix="static-site-") as folder:
        stage = Path(folder) / "site"
        stage_static_site(stage, dist)
        (stage / "wasm-builds").mkdir()  # the builds the table compares, served beside the site
        for name in WASM_BUILDS:
            (stage / "wasm-builds" / name).symlink_to(Path(dist) / name)
        with (
            served(stage) as site_url,
            served_in_thread(stage, Compressing) as compressed_url,
            running_app(ROOT / "assets" / "models", env={"ONNXRUNTIME_WEB": dist}) as app,
        ):
            results, phone, builds = asyncio.run(
                measure(
                    {"static page": site_url, "Gradio page": app[0]},
                    {"plain": site_url, "gzip": compressed_url},
                    Path(dist),
                )
            )
            results["Gradio page"].update(server_calls(app[0]))
    print(
        "| one page, this machine | first picture (s) | loaded before it (MB) | slider frame p50 (ms) | slider frames/s "
        "| map frames/s | 16 samples (s) | reconstruction (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['first_s']:.1f} | {r['bytes'] / 1e6:.1f} | {r['frame_ms']:.1f} | {r['slider_fps']:.1f} "
            f"| {r['map_fps']:.1f} "
            f"| {r['sample_s']:.2f} | {r['reconstruct_s']:.2f}"
            + (f" (first: {r['first_reconstruct_s']:.2f})" if "first_reconstruct_s" in r else "")
            + " |"
        )
    print()
    print(
        "| static page, phone (390x844), Fast 4G (1.01 MB/s, 165 ms) | first picture (s) | received by then (MB) "
        "| sliders live (s) | received by then (MB) |"
    )
    print("|---|---|---|---|---|")
    for name, r in phone.items():
        print(
            f"| {name} | {r['first_s']:.2f} | {r['first_bytes'] / 1e6:.2f} | {r['live_s']:.2f} "
            f"| {r['live_bytes'] / 1e6:.2f} |"
        )
    print()
    print(f"| onnxruntime-web {ONNXRUNTIME_WEB_VERSION} wasm | MB | gzip MB | brotli MB | compile here (ms) |")
    print("|---|---|---|---|---|")
    for b in builds:
        shrunk = "-" if b["brotli"] is None else f"{b['brotli'] / 1e6:.2f}"
        print(f"| {b['name']} | {b['bytes'] / 1e6:.2f} | {b['gzip'] / 1e6:.2f} | {shrunk} | {b['compile_ms']:.0f} |")
    print(f"(the page loads {WASM_BUILDS[0]} from {ONNXRUNTIME_WEB_FOLDER} or the CDN: the smallest)")
    static, gradio = results["static page"], results["Gradio page"]
    print(
        f"static / Gradio: slider frames {static['slider_fps'] / gradio['slider_fps']:.2f}x, map frames "
        f"{static['map_fps'] / gradio['map_fps']:.2f}x; the slider goal is 40 frames/s on one page"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
