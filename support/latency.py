"""Latency of the running app under concurrent clients, through gradio_client: slider moves on /decode and
photo uploads on /reconstruct. Used by the load test and by `bench.app_latency`."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from .app_launcher import ROOT, folder_bytes, model_names, rss_bytes

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"
SLIDERS = 12
MODEL = "beta-1" if "beta-1" in model_names() else model_names()[0]


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
    client.predict(MODEL, *([0.0] * SLIDERS), api_name="/decode")  # warm-up, not timed

    def move(i: int):
        """Slider #1 to a different value each call, sweeping -3..3."""
        return client.predict(MODEL, ((i * 7 + offset) % 61 - 30) / 10, *([0.0] * (SLIDERS - 1)), api_name="/decode")

    return [timed(partial(move, i)) for i in range(calls)]


def upload_client(url: str, uploads: int) -> list[float | None]:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, download_files=False)
    return [
        timed(lambda: client.predict(MODEL, handle_file(str(PHOTO)), api_name="/reconstruct")) for _ in range(uploads)
    ]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


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
