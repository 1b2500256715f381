"""How fast the app feels: start-up to first page, and slider-to-image latency through gradio_client.

    python -m bench.app_latency [--calls 200] [--clients 1]

Starts the real app (python app.py) on a free port, times until its page answers, then moves the
first slider `--calls` times per client and prints p50/p95/max of the /decode round trip. With
--clients N, N clients do it at once (the load test); the server's memory before and after and the
growth of Gradio's temp folder are printed too.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(models: str | None = None, temp_dir: str | None = None) -> tuple[subprocess.Popen, str, float]:
    """(process, url, seconds until the page answered)."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    if temp_dir:
        env["GRADIO_TEMP_DIR"] = temp_dir
    args = [sys.executable, "app.py"] + (["--models", models] if models else [])
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - start < 120:
        if process.poll() is not None:
            raise RuntimeError("the app exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process, url, time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the app did not answer within 120 s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(path: str) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def slider_session(url: str, calls: int, seed: int) -> list[float]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    client.predict("beta-1", *([0.0] * 12), api_name="/decode")  # warm-up
    timings = []
    for i in range(calls):
        values = [((i * 7 + seed) % 61 - 30) / 10] + [0.0] * 11
        start = time.perf_counter()
        client.predict("beta-1", *values, api_name="/decode")
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="slider moves per client")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--models", help="models folder (default: the app's)")
    args = parser.parse_args(argv)
    temp_dir = tempfile.mkdtemp(prefix="gradio-bench-")
    process, url, startup = start_app(args.models, temp_dir)
    try:
        slider_session(url, 3, 0)
        memory_before, temp_before = rss_mb(process.pid), folder_mb(temp_dir)
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(lambda c: slider_session(url, args.calls, c), range(args.clients)))
        timings = [t for r in results for t in r]
        print(f"start-up to first page: {startup:.1f} s")
        print(f"/decode round trip, {args.clients} client(s) x {args.calls} calls: "
              f"p50 {percentile(timings, 50):.0f} ms, p95 {percentile(timings, 95):.0f} ms, max {max(timings):.0f} ms")
        print(f"server memory: {memory_before:.0f} MB before, {rss_mb(process.pid):.0f} MB after; "
              f"Gradio temp folder: {temp_before:.1f} MB before, {folder_mb(temp_dir):.1f} MB after")
    finally:
        process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
