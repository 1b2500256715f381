"""Fuzz the image loader for longer than tests/test_fuzz.py does, with the same mutations.

    python -m bench.fuzz --minutes 10                          # open_rgb + square_resize, in this process
    python -m bench.fuzz --minutes 10 --server-minutes 5       # then uploads to the real app's /reconstruct

Prints how many inputs were tried, how many accepted, the refusals counted by reason (numbers folded
to N), and every other exception: those inputs are saved to bench/out/fuzz-crashes/ for replay, e.g.
`python -c "from vae.core.data import open_rgb; open_rgb('bench/out/fuzz-crashes/png-0123456789ab.png')"`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import random
import re
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from support.app_launcher import MODELS, ROOT, model_names, running_app
from support.fuzz_inputs import EXTENSIONS, is_clear_refusal, mutants
from vae.core.data import DataError, open_rgb, square_resize

CRASHES = ROOT / "bench" / "out" / "fuzz-crashes"
PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"

Target = Callable[[str, bytes], str | None]  # (format, bytes) -> None if accepted, else why refused; raising: a crash


@dataclass
class Tally:
    tried: int = 0
    seconds: float = 0.0
    accepted: int = 0
    refused: Counter = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)


def save_crash(kind: str, data: bytes) -> Path:
    CRASHES.mkdir(parents=True, exist_ok=True)
    path = CRASHES / f"{kind.lower()}-{hashlib.sha1(data).hexdigest()[:12]}.{EXTENSIONS[kind]}"
    path.write_bytes(data)
    return path


def fuzz(target: Target, seconds: float, seed: int, stopped: Callable[[], bool] = lambda: False) -> Tally:
    tally, start = Tally(), time.monotonic()
    for kind, data in mutants(random.Random(seed)):
        tally.seconds = time.monotonic() - start
        if tally.seconds > seconds or stopped():
            return tally
        tally.tried += 1
        try:
            reason = target(kind, data)
        except Exception as error:  # what fuzzing looks for: recorded with its input, not raised
            tally.crashes.append(f"{save_crash(kind, data)}: {type(error).__name__}: {error}"[:300])
            continue
        if reason is None:
            tally.accepted += 1
        else:
            tally.refused[re.sub(r"\d+", "N", reason)] += 1
    return tally


@contextlib.contextmanager
def c_stderr_silenced():
    """libtiff prints each decoding error to the process's stderr itself; the tally counts them already."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load(kind: str, data: bytes) -> str | None:
    try:
        square_resize(open_rgb(io.BytesIO(data), draft_size=32), 32)
    except DataError as error:
        return str(error)
    return None


def uploader(client, folder: Path) -> Target:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    model = model_names()[0]

    def upload(kind: str, data: bytes) -> str | None:
        path = folder / f"upload.{EXTENSIONS[kind]}"
        path.write_bytes(data)
        try:
            client.predict(model, handle_file(path), api_name="/reconstruct")
        except AppError as error:
            if not is_clear_refusal(str(error)):
                raise
            return str(error)
        return None

    return upload


def fuzz_server(seconds: float, seed: int) -> tuple[Tally, bool]:
    """(tally, whether the server still answered a good photo afterwards)."""
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as base:
        with running_app(MODELS, base_dir=Path(base)) as (url, process, _):
            upload = uploader(Client(url, verbose=False, download_files=False), Path(base))
            tally = fuzz(upload, seconds, seed, stopped=lambda: process.poll() is not None)
            healthy = process.poll() is None and upload("JPEG", PHOTO.read_bytes()) is None  # None: accepted
            return tally, healthy


def report(name: str, tally: Tally, seed: int) -> None:
    print(
        f"{name}: {tally.tried} inputs in {tally.seconds:.0f} s (seed {seed}): {tally.accepted} accepted, "
        f"{tally.refused.total()} refused, {len(tally.crashes)} other exceptions"
    )
    for reason, count in tally.refused.most_common():
        print(f"  {count:8d}  {reason}")
    for crash in tally.crashes:
        print(f"  CRASH {crash}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="on open_rgb, in this process")
    parser.add_argument("--server-minutes", type=float, default=0.0, help="then on the real app's /reconstruct")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # Pillow warns of every corrupt EXIF block it meets
    failed = False
    if args.minutes > 0:
        with c_stderr_silenced():
            tally = fuzz(load, args.minutes * 60, args.seed)
        report("open_rgb", tally, args.seed)
        failed = bool(tally.crashes)
    if args.server_minutes > 0:
        tally, healthy = fuzz_server(args.server_minutes * 60, args.seed)
        report("/reconstruct", tally, args.seed)
        print(f"  server afterwards: {'answers a good photo' if healthy else 'NO LONGER ANSWERS'}")
        failed = failed or bool(tally.crashes) or not healthy
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
