"""How fast the app feels, and how it holds up under load, against the real server.

    python -m bench.app_latency                          # start-up time and slider latency, one client
    python -m bench.app_latency --clients 16 --calls 25 --uploads 40    # the load test
    python -m bench.app_latency --app-dir /tmp/space --calls 20         # a staged Space, copied anywhere

Starts `python app.py` on a free port and times until its page answers; then `--clients` clients
each move the first slider `--calls` times through gradio_client (the /decode round trip) while
one more client uploads a photo to /reconstruct `--uploads` times. Prints p50/p95/max, failed
requests, and the growth of the server's memory and of Gradio's temp folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from support.app_launcher import ROOT, running_app
from support.latency import measure_running, percentile


def measure(clients: int, calls: int, uploads: int, app_dir: Path = ROOT) -> dict:
    """Start the app in `app_dir` on its bundled models, time its start-up, then `measure_running`."""
    with tempfile.TemporaryDirectory() as base:
        start = time.perf_counter()
        with running_app(None, base_dir=Path(base), app_dir=app_dir) as (url, process, temp_dir):
            startup = time.perf_counter() - start
            return {"startup_s": startup, **measure_running(url, process, temp_dir, clients, calls, uploads)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--calls", type=int, default=200, help="slider moves per client")
    parser.add_argument("--uploads", type=int, default=0, help="uploads to /reconstruct at the same time")
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="the app to start, e.g. a Space staged by "
        "`python -m vae.hub space ... --dry-run --stage DIR` (default: this checkout)",
    )
    args = parser.parse_args(argv)
    r = measure(args.clients, args.calls, args.uploads, args.app_dir)
    print(f"start-up to first page: {r['startup_s']:.1f} s")
    s = r["slider_ms"]
    print(
        f"/decode, {args.clients} client(s) x {args.calls}: p50 {percentile(s, 50):.0f} ms, p95 {percentile(s, 95):.0f} ms, "
        f"max {max(s):.0f} ms"
    )
    if r["upload_ms"]:
        u = r["upload_ms"]
        print(f"/reconstruct uploads x {len(u)}: p50 {percentile(u, 50):.0f} ms, p95 {percentile(u, 95):.0f} ms")
    print(f"failed requests: {r['failed']} of {r['requests']}")
    print(
        f"server memory growth: {r['memory_growth_mb']:+.0f} MB; Gradio temp folder growth: {r['temp_growth_mb']:+.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
