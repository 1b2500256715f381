"""How fast the app feels, and how it holds up under load, against the real server.

    python -m bench.app_latency                          # start-up time and slider latency, one client
    python -m bench.app_latency --clients 16 --calls 25 --uploads 40    # the load test

Starts `python app.py` on a free port and times until its page answers; then `--clients` clients
each move the first slider `--calls` times through gradio_client (the /decode round trip) while
one more client uploads a photo to /reconstruct `--uploads` times. Prints p50/p95/max, failed
requests, and the growth of the server's memory and of Gradio's temp folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from tests.app_launcher import ROOT, folder_bytes, running_app, rss_bytes

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"
SLIDERS = 12


def timed(call) -> float | None:
    """Milliseconds the call took, or None when it failed."""
    start = time.perf_counter()
    try:
        call()
    except Exception:  # a failed request is counted, not raised: the load test reports them
        return None
    return (time.perf_counter() - start) * 1000


def slider_client(url: str, calls: int, offset: int) -> list[float | None]:
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)
    client.predict("beta-1", *([0.0] * SLIDERS), api_name="/decode")  # warm-up, not timed

    def move(i: int):
        """Slider #1 to a different value each call, sweeping -3..3."""
        return client.predict("beta-1", ((i * 7 + offset) % 61 - 30) / 10, *([0.0] * (SLIDERS - 1)), api_name="/decode")

    return [timed(partial(move, i)) for i in range(calls)]


def upload_client(url: str, uploads: int) -> list[float | None]:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, download_files=False)
    return [timed(lambda: client.predict("beta-1", handle_file(str(PHOTO)), api_name="/reconstruct")) for _ in range(uploads)]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def measure(clients: int, calls: int, uploads: int) -> dict:
    """Start the app on the bundled models, time its start-up, then `measure_running`."""
    with tempfile.TemporaryDirectory() as base:
        start = time.perf_counter()
        with running_app(ROOT / "assets" / "models", base_dir=Path(base)) as (url, process, temp_dir):
            startup = time.perf_counter() - start
            return {"startup_s": startup, **measure_running(url, process, temp_dir, clients, calls, uploads)}


def measure_running(url: str, process, temp_dir, clients: int, calls: int, uploads: int) -> dict:
    """Concurrent slider clients (and uploads) against an app that is already running."""
    slider_client(url, 3, 0)  # the first requests pay for lazy imports
    memory, temp = rss_bytes(process.pid), folder_bytes(temp_dir)
    with ThreadPoolExecutor(clients + 1) as pool:
        sliding = [pool.submit(slider_client, url, calls, c) for c in range(clients)]
        uploading = pool.submit(upload_client, url, uploads) if uploads else None
        slider_times = [t for f in sliding for t in f.result()]
        upload_times = uploading.result() if uploading else []
    return {
        "slider_ms": [t for t in slider_times if t is not None],
        "upload_ms": [t for t in upload_times if t is not None],
        "failed": sum(t is None for t in slider_times + upload_times),
        "requests": len(slider_times) + len(upload_times),
        "memory_growth_mb": (rss_bytes(process.pid) - memory) / 1e6,
        "temp_growth_mb": (folder_bytes(temp_dir) - temp) / 1e6,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--calls", type=int, default=200, help="slider moves per client")
    parser.add_argument("--uploads", type=int, default=0, help="uploads to /reconstruct at the same time")
    args = parser.parse_args(argv)
    r = measure(args.clients, args.calls, args.uploads)
    print(f"start-up to first page: {r['startup_s']:.1f} s")
    s = r["slider_ms"]
    print(f"/decode, {args.clients} client(s) x {args.calls}: p50 {percentile(s, 50):.0f} ms, p95 {percentile(s, 95):.0f} ms, "
          f"max {max(s):.0f} ms")
    if r["upload_ms"]:
        u = r["upload_ms"]
        print(f"/reconstruct uploads x {len(u)}: p50 {percentile(u, 50):.0f} ms, p95 {percentile(u, 95):.0f} ms")
    print(f"failed requests: {r['failed']} of {r['requests']}")
    print(f"server memory growth: {r['memory_growth_mb']:+.0f} MB; Gradio temp folder growth: {r['temp_growth_mb']:+.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
