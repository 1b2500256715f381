"""Start the real app (`python app.py --models DIR`) as a subprocess: for the end-to-end tests, and for the benchmarks that load it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "assets" / "models"
START_TIMEOUT = 60.0


def model_names() -> list[str]:
    """The bundled model folders, as the app finds them."""
    return sorted(p.name for p in MODELS.iterdir() if (p / "config.json").is_file())


def install_npm_package(name: str, version: str, folder: Path | None = None) -> Path:
    """The folder of npm package `name` at `version`, installed into `folder` (git-ignored; by default
    .cache/npm-<name>) the first time. One package to a folder: `npm install --no-save` prunes what else lies there."""
    folder = folder or ROOT / ".cache" / f"npm-{name}"
    installed = folder / "node_modules" / name
    package = installed / "package.json"
    if not (package.is_file() and f'"version": "{version}"' in package.read_text()):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing: install Node.js 20 (CI has it)")
        subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder), f"{name}@{version}"],
            check=True,
            capture_output=True,
            timeout=240,
        )
    return installed


def install_onnxruntime_web(version: str, folder: Path = ROOT / ".cache" / "npm") -> Path:
    """The dist/ folder of onnxruntime-web `version`, installed from npm into `folder` (git-ignored) the first time."""
    return install_npm_package("onnxruntime-web", version, folder) / "dist"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited with code {process.returncode} before answering:\n{log_path.read_text()}")
        if answers(url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"app did not answer {url} within {timeout:.0f} s:\n{log_path.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (no psutil needed)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def folder_bytes(path: Path) -> int:
    """Bytes of the files under `path`, such as Gradio's temp folder, counted while the app may be deleting some."""
    total = 0
    for folder, _, files in os.walk(path):  # os.walk skips a folder deleted while it walks
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.path.getsize(os.path.join(folder, name))
    return total


@contextlib.contextmanager
def running_app(
    models_dir: Path | None,
    *,
    base_dir: Path | None = None,
    env: dict[str, str] | None = None,
    app_dir: Path = ROOT,
    python: str = sys.executable,
):
    """Yield (url, process, temp_dir) for `app_dir`'s app.py serving `models_dir` (None: its own default), with
    `env` added to its environment, run by `python` (another venv's, for a staged Space); stop it afterwards."""
    with contextlib.ExitStack() as stack:
        if base_dir is None:
            base_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="app-server-")))
        temp_dir = base_dir / "gradio-temp"
        temp_dir.mkdir(parents=True, exist_ok=True)
        log_path = base_dir / "server.log"
        port = free_port()
        env = {
            **os.environ,
            "GRADIO_SERVER_PORT": str(port),
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "GRADIO_TEMP_DIR": str(temp_dir),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log = stack.enter_context(open(log_path, "w"))
        models = ["--models", str(models_dir)] if models_dir is not None else []
        process = subprocess.Popen(
            [python, "app.py", *models], cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        stack.callback(stop, process)
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, process, log_path)
        yield url, process, temp_dir
