"""What a Space's first build costs: the staged requirements installed into a fresh virtual environment.

    python -m bench.space_install [--hardware cpu|zero] [--keep DIR]

Stages the Space as `python -m vae.hub space ... --dry-run` does, makes a new venv, times
`pip install -r requirements.txt` of the staged folder, and prints the minutes and the venv's size on disk.
Here pip takes torch's wheels from this machine's local disk; a Space downloads them, so its build is slower.
The staged app's cold start is `python -m bench.app_latency --app-dir DIR` on a `--stage` folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from vae.publish.hub import HARDWARE, ROOT, stage_space


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hardware", choices=HARDWARE, default="cpu")
    parser.add_argument("--keep", help="a new folder to keep the staged Space and its venv in")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="space-install-") as scratch:
        base = Path(args.keep or scratch)
        stage, env = base / "stage", base / "venv"
        stage.mkdir(parents=True)
        stage_space(stage, [ROOT / "assets" / "models"], hardware=args.hardware)
        venv.create(env, with_pip=True)
        started = time.perf_counter()
        subprocess.run(
            [str(env / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(stage / "requirements.txt")],
            check=True,
        )
        seconds = time.perf_counter() - started
        print(
            f"pip install -r requirements.txt ({args.hardware}): {seconds / 60:.1f} min, venv {folder_mb(env):,.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
