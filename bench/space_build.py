"""A Space built and started as the Hub builds it: the target's Python, its staged requirements, the real `spaces`.

    python -m bench.space_build [--hardware zero|cpu] [--fresh] [--tests]

Stages the Space as `python -m vae.hub space ... --dry-run` does; makes a venv from pyenv's build of the front
matter's Python (3.10.13 for ZeroGPU, whose docs name it; stops, naming it, where pyenv lacks it); installs the
staged requirements.txt from PyPI alone (`pip --isolated`: none of this machine's local wheels), the CUDA torch
build a Space gets included; starts the staged app there with SPACE_ID set and HOME elsewhere, so `spaces` runs as
on a Space outside ZeroGPU's GPU workers; and calls every public endpoint through gradio_client.
Prints the install's time and size and the cold start (until the page answers).

The venv is kept in .cache/space-build/ (git-ignored): a first build downloads several GB. `--fresh` rebuilds it,
which is what the install time means; a kept venv's install only checks what is there. `--tests` also runs the
fast test path on the venv's Python and torch (with the test packages pip resolves for it).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client, handle_file

from support.app_launcher import running_app
from vae.publish.staging import HARDWARE, ROOT, SPACE_PYTHON, stage_space

CACHE = ROOT / ".cache" / "space-build"
PYENV_VERSIONS = Path.home() / ".pyenv" / "versions"
EXACT_PYTHON = {"zero": "3.10.13"}  # ZeroGPU's docs: "Python: 3.10.13"; a CPU Space takes the newest patch release
VERSIONS = (  # what the venv runs ("-" for a package it lacks, as a CPU Space lacks spaces)
    "import sys; from importlib import metadata\n"
    "def version(name):\n"
    "    try:\n        return metadata.version(name)\n    except metadata.PackageNotFoundError:\n        return '-'\n"
    "print(sys.version.split()[0], *(version(p) for p in ('torch', 'numpy', 'gradio', 'spaces')))"
)
TEST_PACKAGES = [
    "pytest",
    "pytest-timeout",
    "hypothesis",
    "onnxruntime",
    "scipy",
    "scikit-image",
    "vermin",
    "ruff",
    "playwright",
]


def target_python(hardware: str) -> Path:
    """pyenv's interpreter for the target; SystemExit naming the version where pyenv has none."""
    wanted = EXACT_PYTHON.get(hardware, SPACE_PYTHON[hardware])
    found = sorted(
        PYENV_VERSIONS.glob(f"{wanted}*/bin/python"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
    )
    if not found:
        raise SystemExit(f"error: Python {wanted} is missing: install it with `pyenv install {wanted}` and run again")
    return found[-1]


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def pip(env: Path, *arguments: str) -> None:
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "--isolated", "install", "-q", *arguments], check=True)


def build(hardware: str, stage: Path, fresh: bool) -> tuple[Path, float, bool]:
    """(the venv, seconds its install took, whether it was made new)."""
    env = CACHE / hardware
    new = fresh or not (env / "bin" / "python").is_file()
    if new:
        shutil.rmtree(env, ignore_errors=True)
        subprocess.run([str(target_python(hardware)), "-m", "venv", str(env)], check=True)
    started = time.perf_counter()
    pip(env, "-r", str(stage / "requirements.txt"))
    return env, time.perf_counter() - started, new


def call_every_endpoint(url: str, model: str) -> list[str]:
    """Each public endpoint once, as a gradio_client user would; returns their names."""
    photos = sorted((ROOT / "assets" / "examples").glob("*.jpg"))
    client = Client(url, verbose=False, download_files=tempfile.mkdtemp(prefix="space-build-"))
    client.predict(model, *[0.5] * 12, api_name="/decode")
    client.predict(model, 0, 4, 1.0, "fitted", api_name="/sample")
    client.predict(model, handle_file(str(photos[0])), api_name="/reconstruct")
    client.predict(handle_file(str(photos[1])), api_name="/compare")
    client.predict(model, 0.5, -0.5, api_name="/map")
    groups = [[handle_file(str(p)) for p in photos[i : i + 2]] for i in (0, 2)]
    client.predict(model, *groups, api_name="/direction")
    return ["/decode", "/sample", "/reconstruct", "/compare", "/map", "/direction"]


def fast_tests(env: Path) -> str:
    """The fast path on the venv's Python and torch: pytest's closing line."""
    pip(env, "--only-binary=:all:", *TEST_PACKAGES)
    result = subprocess.run(
        [str(env / "bin" / "python"), "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hardware", choices=HARDWARE, default="zero")
    parser.add_argument("--fresh", action="store_true", help="rebuild the kept venv: the install time of a first build")
    parser.add_argument("--tests", action="store_true", help="also run the fast test path on the venv's torch")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="space-build-") as scratch:
        stage, home = Path(scratch) / "stage", Path(scratch) / "home"
        stage.mkdir()
        home.mkdir()
        stage_space(stage, [ROOT / "assets" / "models"], hardware=args.hardware)
        env, seconds, new = build(args.hardware, stage, args.fresh)
        python = env / "bin" / "python"
        versions = subprocess.run(
            [str(python), "-c", VERSIONS], capture_output=True, text=True, check=True
        ).stdout.split()
        print(
            f"{args.hardware}: Python {versions[0]}, torch {versions[1]}, numpy {versions[2]}, gradio {versions[3]}, "
            f"spaces {versions[4]}"
        )
        print(
            f"install: {seconds / 60:.1f} min ({'a new venv' if new else 'a kept venv: --fresh for a first build'}), "
            f"venv {folder_mb(env):,.0f} MB"
        )
        space = {"SPACE_ID": "someone/landscape-vae", "HOME": str(home)}
        started = time.perf_counter()
        with running_app(None, base_dir=Path(scratch), env=space, app_dir=stage, python=str(python)) as (url, _, _):
            cold_start = time.perf_counter() - started
            called = call_every_endpoint(url, "beta-1")
        print(f"cold start to first page: {cold_start:.1f} s; answered {', '.join(called)}")
        if args.tests:
            print(f"fast test path on torch {versions[1]}: {fast_tests(env)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
