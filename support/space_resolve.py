"""pip's resolution of a Space's staged requirements on the target's Python, from PyPI alone, as a Space's first build
does short of downloading. It waits on PyPI for about a minute, so the test session starts it in the background when
it collects the test that reads it (tests/conftest.py), and the other tests run meanwhile; the results go to files, so
that any test process can read them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from vae.publish import staging

ROOT = Path(__file__).resolve().parents[1]

# the Hub builds Spaces on x86-64 Linux; wheels name the glibc they need in many spellings
LINUX_X86_64 = [f"manylinux_2_{v}_x86_64" for v in range(5, 40)] + [  # glibc 2.5 ... 2.39, then the old aliases
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
    "linux_x86_64",
]
TIMEOUT_S = 600


def lowest_priority() -> None:
    """In a background job's process: yield the CPU to the tests in the foreground (it mostly waits on PyPI)."""
    os.nice(19)


def resolve_command(stage: Path, python: str) -> list[str]:
    """pip --isolated (no local wheels or constraints of this machine), binaries only, a JSON report."""
    platforms = [flag for tag in LINUX_X86_64 for flag in ("--platform", tag)]
    return [
        sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--ignore-installed", "--quiet",
        "--target", str(stage / "unused"), "--python-version", python, "--implementation", "cp", *platforms,
        "--only-binary=:all:", "-r", str(stage / "requirements.txt"), "--report", str(stage / "report.json"),
    ]  # fmt: skip


def start_resolves(folder: Path) -> list[subprocess.Popen]:
    """Each hardware target's staged requirements, resolved by pip side by side in the background into `folder`
    (one subfolder per target, each ending with the file `returncode`), at the lowest priority."""
    jobs = []
    for hardware in staging.HARDWARE:
        stage = Path(folder) / hardware
        stage.mkdir(parents=True)
        (stage / "requirements.txt").write_text(staging.space_requirements(hardware))
        command = [sys.executable, "-m", "support.space_resolve", str(stage), staging.SPACE_PYTHON[hardware]]
        jobs.append(subprocess.Popen(command, cwd=ROOT, preexec_fn=lowest_priority))
    return jobs


def results(folder: Path, timeout_s: float = TIMEOUT_S) -> dict[str, dict[str, str]]:
    """{hardware: {package: version}} once every resolve in `folder` has ended; AssertionError naming the Python for
    a resolve that failed or never ended. Any process may read them: under pytest-xdist, a worker reads what the
    controller started."""
    found, deadline = {}, time.monotonic() + timeout_s
    for hardware in staging.HARDWARE:
        stage = Path(folder) / hardware
        while not (stage / "returncode").is_file():
            assert time.monotonic() < deadline, f"Python {staging.SPACE_PYTHON[hardware]}: pip's resolve never ended"
            time.sleep(0.5)
        errors = (stage / "errors.txt").read_text()
        assert (stage / "returncode").read_text() == "0", f"Python {staging.SPACE_PYTHON[hardware]}: " + errors[-1500:]
        report = json.loads((stage / "report.json").read_text())
        found[hardware] = {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in report["install"]}
    return found


def main(stage: str, python: str) -> None:
    """One target's resolve (a background job of `start_resolves`): pip's errors, then its exit code, into `stage`."""
    done = subprocess.run(resolve_command(Path(stage), python), capture_output=True, text=True, timeout=TIMEOUT_S)
    (Path(stage) / "errors.txt").write_text(done.stderr)
    (Path(stage) / "returncode").write_text(str(done.returncode))


if __name__ == "__main__":
    main(*sys.argv[1:])
