"""A soak of the real app: thousands of mixed requests (support/soak_mix.py) from a few client threads.

    python -m bench.soak --requests 10000 [--clients 4]

Starts `python app.py` on a free port, sends the first 10% of the requests as warm-up and the rest after,
and prints a markdown table: throughput, p50/p95 latency of the first and last 10% of requests, failures
that were not clear refusals (goal: 0), the server's memory at start, after warm-up and at the end (goal:
under 100 MB growth after warm-up), and Gradio's temp folder at start and end (goal: within what the
requests wrote). Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from support import soak_mix
from support.app_launcher import MODELS, folder_bytes, rss_bytes, running_app
from support.latency import percentile

MAX_MEMORY_GROWTH = 100e6


def latency(outcomes: list[soak_mix.Outcome]) -> str:
    ms = [o.seconds * 1000 for o in outcomes]
    return f"{percentile(ms, 50):.0f} / {percentile(ms, 95):.0f} ms"


def measure(requests: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory() as work, running_app(MODELS) as (url, process, temp_dir):
        odd = soak_mix.write_odd_files(Path(work))
        connected = soak_mix.connect(url, clients)
        memory, temp = [rss_bytes(process.pid)], [folder_bytes(temp_dir)]
        start = time.perf_counter()
        warm_up = soak_mix.run(connected, odd, requests=max(1, requests // 10))
        memory.append(rss_bytes(process.pid))
        rest = soak_mix.run(connected, odd, requests=requests - len(warm_up), seed=1)
        seconds = time.perf_counter() - start
        memory.append(rss_bytes(process.pid))
        temp.append(folder_bytes(temp_dir))
        return {
            "outcomes": warm_up + rest,
            "seconds": seconds,
            "memory": memory,
            "temp": temp,
            "temp_bound": (len(warm_up) + len(rest)) * soak_mix.most_bytes_per_request(odd),
            "alive": process.poll() is None,
        }


def report(r: dict, clients: int) -> tuple[str, bool]:
    """(the markdown table, whether every goal was met)"""
    outcomes, tenth = r["outcomes"], max(1, len(r["outcomes"]) // 10)
    unclear = [o for o in outcomes if o.unclear]
    mb = [m / 1e6 for m in r["memory"]]
    growth, temp_growth = r["memory"][2] - r["memory"][1], r["temp"][1] - r["temp"][0]
    rows = [
        ("requests (clients)", f"{len(outcomes)} ({clients})"),
        ("throughput", f"{len(outcomes) / r['seconds']:.1f} requests/s"),
        ("latency p50 / p95, first 10%", latency(outcomes[:tenth])),
        ("latency p50 / p95, last 10%", latency(outcomes[-tenth:])),
        ("odd files refused clearly", str(sum(o.error is not None and not o.unclear for o in outcomes))),
        ("failures that were not clear refusals", str(len(unclear))),
        ("server RSS start / after warm-up / end", f"{mb[0]:.0f} / {mb[1]:.0f} / {mb[2]:.0f} MB"),
        ("RSS growth after warm-up (goal < 100 MB)", f"{growth / 1e6:+.0f} MB"),
        ("temp folder start / end", f"{r['temp'][0] / 1e6:.1f} / {r['temp'][1] / 1e6:.1f} MB"),
        (
            "temp growth (bound: requests x largest result)",
            f"{temp_growth / 1e6:+.1f} MB (bound {r['temp_bound'] / 1e6:.0f} MB)",
        ),
        ("server alive at the end", "yes" if r["alive"] else "NO"),
    ]
    lines = ["| measure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    lines += [f"- {o.kind}: {o.error}" for o in unclear[:5]]
    ok = not unclear and growth < MAX_MEMORY_GROWTH and temp_growth <= r["temp_bound"] and r["alive"]
    return "\n".join(lines), ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    table, ok = report(measure(args.requests, args.clients), args.clients)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
