"""Headless Chromium as the browser tests and `bench.browser_decode` start it (Debian's, never a downloaded one)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# without the background-networking flags Chromium keeps trying hosts this closed network refuses
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000
SERVER_CALLS = ("/gradio_api/queue/join", "/gradio_api/call")  # the requests a server-side decode sends
