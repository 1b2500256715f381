"""The static edition as the tests and `bench.static_page` see it: staged by the command the README gives, and served
by Python's plain static file server; and a stand-in for the CDN that serves onnxruntime-web."""

from __future__ import annotations

import contextlib
import functools
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 20


def stage_command(stage: Path, onnxruntime_web: str) -> list[str]:
    """`python -m vae.hub space someone/landscape-vae --static --dry-run --stage STAGE --onnxruntime-web DIR`."""
    command = [sys.executable, "-m", "vae.hub", "space", "someone/landscape-vae", "--static", "--dry-run"]
    return command + ["--stage", str(stage), "--onnxruntime-web", onnxruntime_web]


def stage_static_site(stage: Path, onnxruntime_web: str) -> str:
    """Stage the site as the README writes the command; returns what it printed."""
    return subprocess.run(
        stage_command(stage, onnxruntime_web), cwd=ROOT, capture_output=True, text=True, timeout=600, check=True
    ).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(folder: Path):
    """`python -m http.server` serving `folder` on a free local port; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the static server on port {port} did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


class CrossOriginFiles(SimpleHTTPRequestHandler):
    """Files that pages of any origin may read, as a public CDN serves them."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


def served_to_any_origin(folder: Path):
    """`folder` served as a CDN serves files (to pages of any origin), on a free local port, its files read at each
    request; yields its URL."""
    return served_in_thread(folder, CrossOriginFiles)


@contextlib.contextmanager
def served_in_thread(folder: Path, handler: type[SimpleHTTPRequestHandler]):
    """`folder` served by `handler` (a SimpleHTTPRequestHandler) on a free local port, from a thread of this process;
    yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
