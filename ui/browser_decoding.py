"""The browser decoder's one owner: every model's decoder as ONNX, where the browser loads onnxruntime-web from,
and the settings web/browser_decoder.js decodes with (the slider formula's data for the code on screen), including
those of a share link's view when a page opens."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import gradio as gr

from ui import words
from ui.explore_inputs import ExploreInputs, ExploreView, browser_layout
from ui.handlers import Handlers
from ui.widgets import PREVIEW_POSITIONS, PREVIEW_SIZE
from vae.latent import explore, share_link
from vae.latent.atlas import MAP_EXTENT, MAP_SIZE
from vae.latent.onnx_decoder import cached_decoder

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "cache"  # where the app writes (git-ignored), unless $VAE_CACHE_DIR says otherwise
WEB = ROOT / "web"  # the browser modules: browser_decoder.js imports its neighbours
BROWSER_DECODER = WEB / "browser_decoder.js"
ONNXRUNTIME_WEB_VERSION = "1.30.0"  # the npm package's version; the tests install it into .cache/npm
ONNXRUNTIME_WEB_CDN = f"https://cdn.jsdelivr.net/npm/onnxruntime-web@{ONNXRUNTIME_WEB_VERSION}/dist/"


def writable_cache() -> Path:
    """$VAE_CACHE_DIR, else cache/ beside the app, else (a read-only copy, such as some Spaces) a temporary folder."""
    for folder in filter(None, [os.environ.get("VAE_CACHE_DIR"), CACHE]):
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder):
                return Path(folder)
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="vae-cache-"))


def served_url(path: Path) -> str:
    """The address at which the app serves a file or folder under one of its static paths."""
    return f"gradio_api/file={path.resolve()}{'/' if path.is_dir() else ''}"


def onnxruntime_web_prefix() -> str:
    """Where the browser loads onnxruntime-web from: $ONNXRUNTIME_WEB (a URL prefix, or a local folder of the
    npm package's dist/ files that the app then serves itself), else the pinned version on jsDelivr."""
    source = os.environ.get("ONNXRUNTIME_WEB") or ONNXRUNTIME_WEB_CDN
    if "://" in source:
        return source if source.endswith("/") else source + "/"
    folder = Path(source)
    if not (folder / "ort.wasm.min.mjs").is_file():
        raise ValueError(
            f"ONNXRUNTIME_WEB must be a URL or a folder holding onnxruntime-web's dist/ files, got {source!r}"
        )
    gr.set_static_paths([folder])
    return served_url(folder)


class BrowserDecoding:
    """What web/browser_decoder.js needs to decode slider moves in the browser: every model's decoder as ONNX,
    and, for each new starting code, the slider formula's data (SliderAxes and class directions) as JSON."""

    def __init__(self, h: Handlers):
        self.h = h
        onnx_cache = writable_cache() / "onnx"
        self.onnx = {name: cached_decoder(em.model, name, onnx_cache) for name, em in h.models.items()}
        gr.set_static_paths([WEB, *self.onnx.values()])
        self.common = {
            "module": served_url(BROWSER_DECODER),
            "ort": onnxruntime_web_prefix(),
            "inputs": browser_layout(),
            "previews": {"positions": PREVIEW_POSITIONS, "size": PREVIEW_SIZE},
            "map_frame": {"size": MAP_SIZE, "extent": MAP_EXTENT},
        }

    def open_link(self, request: gr.Request) -> list:
        """The page-open event: a share link's view with its settings, and a note; for a link that cannot be read,
        the default view and a note saying why; for a plain visit, nothing changes."""
        params = {key: request.query_params.getlist(key) for key in request.query_params}
        unchanged = ExploreView.unchanged(gr.update()).to_list()
        try:
            view = share_link.read_link(params)
            if view is None:
                return [*unchanged, ""]
            shown, inputs = self.h.shared_view(view)
            shown.settings = self.settings(inputs)
            return [*shown.to_list(), ""]
        except ValueError as error:
            return [*unchanged, words.broken_link(str(error))]

    def settings_of(self, *values) -> dict:
        """`settings` for the Explore tab's inputs as Gradio hands them over."""
        return self.settings(ExploreInputs.from_list(values))

    def settings(self, inputs: ExploreInputs) -> dict:
        """The formula's data for the code on screen, the sliders' values (by name), what the share link names,
        and the map's two directions (hovering decodes map_point's code)."""
        em = self.h.model_of(inputs.model)
        kind = inputs.axes or "main"
        axes = self.h.axes_of(em, kind)
        base = inputs.base if inputs.base and len(inputs.base) == em.latent_dim else axes.origin.tolist()
        own_vectors = self.h.own_vectors(inputs.own, inputs.model)
        classes = explore.slider_directions(em, own_vectors).tolist()
        own_names = [slider["name"] for slider in inputs.own["sliders"]] if own_vectors else []
        map_axes = (
            None
            if em.map_image is None
            else {
                "origin": em.axes.mean.tolist(),
                "scale": em.axes.spread[:2].tolist(),
                "vectors": em.axes.directions[:2].tolist(),
            }
        )
        return {
            **self.common,
            "onnx": served_url(self.onnx[inputs.model]),
            "model": inputs.model,
            "axes": kind,
            "base": base,
            "origin": axes.origin.tolist(),
            "vectors": axes.vectors.tolist(),
            "scale": axes.scale.tolist(),
            "class_directions": classes,
            "own_names": own_names,
            "map": map_axes,
            "values": {
                "sliders": [float(v or 0.0) for v in inputs.sliders],
                "more": [float(v or 0.0) for v in inputs.more],
            },
        }
