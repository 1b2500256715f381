"""The browser decoder's one owner: every model's decoder as ONNX (the model folder's onnx/decoder.onnx, written at
export; a folder without it decodes on the server), where the browser loads onnxruntime-web from,
and the settings web/browser_decoder.js decodes with (the slider formula's data for the code on screen), including
those of a share link's view when a page opens. `BrowserDecoding.settings` is their one builder on this side; their
shape is web/explore_settings.js's ExploreSettings (GradioSettings), whose settingsOfEntry builds the static page's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import gradio as gr

from ui import words
from ui.explore_inputs import ExploreInputs, ExploreView, browser_layout
from ui.handlers import Handlers
from ui.widgets import PREVIEW_POSITIONS, PREVIEW_SIZE
from vae.latent import explore, share_link
from vae.latent.atlas import MAP_EXTENT, MAP_SIZE
from vae.latent.onnx_files import missing_onnx_message

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"  # the browser modules: browser_decoder.js imports its neighbours
BROWSER_DECODER = WEB / "browser_decoder.js"
ONNXRUNTIME_WEB_VERSION = "1.30.0"  # the npm package's version; the tests install it into .cache/npm
ONNXRUNTIME_WEB_CDN = f"https://cdn.jsdelivr.net/npm/onnxruntime-web@{ONNXRUNTIME_WEB_VERSION}/dist/"
# the files the pages load from it (web/onnx_runtime.js: the runtime with its wasm glue inside, and its wasm), each with
# the Subresource Integrity hash of the pinned version's bytes, so that the static page runs no other bytes
# (tests/test_static_trust.py recomputes them from the npm package)
ONNXRUNTIME_WEB_INTEGRITY = {
    "ort.wasm.bundle.min.mjs": "sha384-PLWz+nHEVHpjwBsO0YVdvQj6n5814Iv8E3b8FG0Rp/uIAtjFMCKOpP66iPzedrIG",
    "ort-wasm-simd-threaded.wasm": "sha384-vjBJ1z7qrhkTyYsNqKeF6c7N+nOJSU94czEo+tvZcu8G75JparGq9kB+kTnEUNVM",
}


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
    if not all((folder / name).is_file() for name in ONNXRUNTIME_WEB_INTEGRITY):
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
        self.onnx = {name: em.onnx.get("decoder") for name, em in h.models.items()}  # None: decoded on the server
        for name, decoder in self.onnx.items():
            if decoder is None:
                print(missing_onnx_message(name, h.models[name].folder), file=sys.stderr)
        gr.set_static_paths([WEB, *filter(None, self.onnx.values())])
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
        the map's two directions (hovering decodes map_point's code) and the decoder's URL (None for a model folder
        without its ONNX files: the page then decodes on the server), in web/explore_settings.js's shape."""
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
                "origin": em.axes.origin.tolist(),
                "scale": em.axes.scale[:2].tolist(),
                "vectors": em.axes.vectors[:2].tolist(),
            }
        )
        return {
            **self.common,
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
            "decoder": None if self.onnx[inputs.model] is None else served_url(self.onnx[inputs.model]),
        }
