"""Headless Chromium as the browser tests and the benches start it (Debian's, never a downloaded one), and where each
page keeps the objects they read."""

from pathlib import Path

# the Gradio page's explorer (web/browser_decoder.js), as the page's own hooks find it
from ui.widgets import GRADIO_EXPLORER  # noqa: F401

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

# where each page keeps its objects (nothing on window): on the element each one owns; the Gradio page's is
# GRADIO_EXPLORER, above
STATIC_EXPLORER = "document.querySelector('#explore-tab').explorer"  # web/static/explore_view.js
STATIC_SITE = f"{STATIC_EXPLORER}.site"  # web/static/site.js: site.json, the networks, decode and encode
STATIC_VIEWS = "document.querySelector('#tabs').views"  # web/static/views.js: the other tabs, once they can paint
