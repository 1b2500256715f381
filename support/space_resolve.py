"""pip's resolution of a Space's staged requirements on the target's Python, from PyPI alone, as a Space's first build
does short of downloading. It waits on PyPI for about a minute, so the test session starts it in the background when
it collects the test that reads it (tests/conftest.py), and the other tests run meanwhile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import vae.publish.hub as hub

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


class Resolves:
    """Each hardware target's staged requirements, resolved by pip side by side in the background."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="space-resolve-")
        self.jobs = {}
        for hardware in hub.HARDWARE:
            stage = Path(self.folder.name) / hardware
            stage.mkdir()
            (stage / "requirements.txt").write_text(hub.space_requirements(hardware))
            command = resolve_command(stage, hub.SPACE_PYTHON[hardware])
            job = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lowest_priority
            )
            self.jobs[hardware] = (stage, job)

    def results(self) -> dict[str, dict[str, str]]:
        """{hardware: {package: version}}; AssertionError naming the Python for a resolve that failed."""
        found = {}
        for hardware, (stage, job) in self.jobs.items():
            _, errors = job.communicate(timeout=TIMEOUT_S)
            assert job.returncode == 0, f"Python {hub.SPACE_PYTHON[hardware]}: " + errors[-1500:]
            report = json.loads((stage / "report.json").read_text())
            found[hardware] = {
                item["metadata"]["name"].lower(): item["metadata"]["version"] for item in report["install"]
            }
        return found

    def close(self) -> None:
        for _, job in self.jobs.values():
            if job.poll() is None:
                job.kill()
                job.wait()
        self.folder.cleanup()
