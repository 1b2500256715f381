"""Landscape VAE Explorer: the Gradio UI over the bundled models. All model work lives in vae.latent.explore.

    python app.py [--models assets/models] [--onnxruntime-web URL|FOLDER]
        # serves on 127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT override); slider moves decode in the browser
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import math
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

try:  # ZeroGPU (a free account's Space hardware) starts only an app that binds a spaces.GPU function here;
    # imported first, as its docs advise
    import spaces  # noqa: E402

    on_gpu = spaces.GPU
except ImportError:  # everywhere else the batch handlers run as they are

    def on_gpu(handler):
        return handler


import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from ui import words  # noqa: E402
from ui.gradio_compat import REQUIRED, CheckedBlocks, PhotoInput, with_named_inputs  # noqa: E402
from vae.latent import explore, share_link  # noqa: E402
from vae.latent.atlas import MAP_EXTENT, MAP_SIZE  # noqa: E402
from vae.core.data import DataError, file_digest  # noqa: E402
from vae.latent.onnx_decoder import cached_decoder  # noqa: E402

ROOT = Path(__file__).resolve().parent
MODELS_DIR = ROOT / "assets" / "models"
EXAMPLES_DIR = ROOT / "assets" / "examples"
EXAMPLES = sorted(str(p) for p in EXAMPLES_DIR.glob("*.jpg"))
START_PHOTO = EXAMPLES_DIR / "mountain-ridge.jpg"  # what a visitor sees first
# ready-made groups for "make your own slider": (name, photos with the quality, photos without it)
OWN_EXAMPLES = [("ice", ["glacier-lake", "glacier-snowfield"], ["forest-light", "forest-path"]),
                ("open sea", ["sea-calm", "sea-cove"], ["mountain-ridge", "mountain-slope"])]
CACHE = ROOT / "cache"  # where the app writes (git-ignored), unless $VAE_CACHE_DIR says otherwise
BROWSER_DECODER = ROOT / "web" / "browser_decoder.js"
ONNXRUNTIME_WEB_VERSION = "1.30.0"  # the npm package's version; the tests install it into .cache/npm
ONNXRUNTIME_WEB_CDN = f"https://cdn.jsdelivr.net/npm/onnxruntime-web@{ONNXRUNTIME_WEB_VERSION}/dist/"
SLIDERS = 12
SLIDER_RANGE = 3.0
MAX_CLASSES = 6  # "more forest"-style sliders; a model shows one per class of its training photos, then own ones
MAX_OWN_NAME = 30  # characters of an own slider's name
CLASS_RANGE = (-1.0, 2.0)  # in units of the class direction: 1 moves the code by a class's mean offset
MAX_SEED = 2**31 - 1
MAX_UPLOAD = "10mb"
CACHE_CLEANUP = (600, 1800)  # every 10 minutes, delete served files older than 30 minutes
CONCURRENCY = 2  # one request per core: decoding is compute-bound
# decoded images are 128 px: show them large and smooth instead of as a small tile
CSS = """.big-image img { width: 100%; height: 100%; object-fit: contain; }
.slider-preview { display: flex; gap: 4px; justify-content: space-between; }
.slider-preview img { width: 48px; height: 48px; border-radius: 3px; }
#landscape-map img { cursor: crosshair; }"""
# the in-browser decoder (web/browser_decoder.js): a quiet note saying where sliders decode
DECODER_HTML = '<small class="decoder-note"></small>'
DECODER_LOAD_JS = "import(new URL(props.value.module, document.baseURI).href).then((m) => m.start({ element, props, watch }));"
SLIDER_MOVED_JS = "(image, ...values) => window.browserDecoder ? window.browserDecoder.move(image, values) : image"
# the strip under each main slider: the picture with that slider at each of PREVIEW_POSITIONS, PREVIEW_SIZE px
PREVIEW_POSITIONS = (-2.0, -1.0, 1.0, 2.0)
PREVIEW_SIZE = 48
PREVIEW_HTML = '<div class="slider-preview">{{#each value}}<img src="{{this}}" alt="">{{/each}}</div>'
SHARE_HTML = ('<a class="share-url" href="" target="_blank" rel="noopener">🔗 A link to this picture</a> '
              '<button class="share-copy" type="button">Copy the link</button>')
# hovering over the map: the browser paints the spot under the mouse (a JS-only event, no request)
MAP_HOVER_JS = "(image, x, y) => window.browserDecoder ? window.browserDecoder.hoverFrame(image, x, y) : [image, x, y]"
# what gradio_client users see /decode's inputs called, with their defaults
DECODE_INPUTS = [("model", REQUIRED), *((f"slider_{i + 1}", 0.0) for i in range(SLIDERS)), ("axes", "main"),
                 *((f"more_class_{i + 1}", 0.0) for i in range(MAX_CLASSES)), ("base", None), ("own", None)]
AXIS_CHOICES = [("Main directions (how photos differ most)", "main"), ("Single code numbers (ranked by KL)", "single")]

# checking what comes in: every public input is checked where it enters, and named in the message


def checked_number(value, name: str, low: float, high: float) -> float:
    if value is None:
        return low
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise gr.Error(f"{name} must be a number from {low:g} to {high:g}, got {value!r}.")
    return number


def checked_seed(value) -> int:
    return int(checked_number(value, "Seed", 0, MAX_SEED))


class Handlers:
    """The app's event handlers, one named method each; the work is done by vae.latent.explore."""

    def __init__(self, models: dict[str, explore.ExplorerModel]):
        self.models = models
        self.names = list(models)
        self.default = "beta-1" if "beta-1" in models else self.names[0]
        self.start_photo = str(START_PHOTO) if START_PHOTO.is_file() else None

    def model_of(self, model: str) -> explore.ExplorerModel:
        if model not in self.models:
            raise gr.Error(f"Unknown model {model!r}: choose one of {', '.join(self.names)}.")
        return self.models[model]

    def axes_of(self, em: explore.ExplorerModel, kind: str, count: int = SLIDERS) -> explore.SliderAxes:
        if kind not in em.axis_kinds():
            raise gr.Error(f"Unknown slider axes {kind!r}: choose one of {', '.join(em.axis_kinds())}.")
        return explore.slider_axes(em, kind, count)

    @staticmethod
    @contextlib.contextmanager
    def upload_of(path):
        """Around the use of a visitor's file: a missing or unusable one becomes a message, not a traceback."""
        if not path:
            raise gr.Error("Please upload a photo first (or click one of the examples).")
        try:
            yield
        except DataError as error:
            raise gr.Error(f"Could not use this file: {error}.") from None

    @staticmethod
    def nearest(em: explore.ExplorerModel, z: torch.Tensor) -> list[tuple]:
        return [(photo, words.class_caption(name)) for photo, name in explore.nearest_photos(em, z)]

    def photo_of(self, path, size: int) -> torch.Tensor:
        with self.upload_of(path):
            return explore.photo_tensor(path, size)

    # Explore

    def start_code(self, em: explore.ExplorerModel) -> torch.Tensor:
        """Open on a real photo's code rather than the all-zero code, which decodes to a grey average."""
        if self.start_photo is None:
            return torch.zeros(em.latent_dim)
        return explore.encode(em, explore.photo_tensor(self.start_photo, em.image_size))

    def code_view(self, model: str, kind: str, z: torch.Tensor) -> tuple:
        """(decoded image, the code to keep, slider settings) for code z on axes `kind`."""
        em = self.model_of(model)
        axes = self.axes_of(em, kind)
        z = explore.clamp_to_sliders(axes, z, SLIDER_RANGE)
        return explore.decode(em, z), z.tolist(), slider_settings(axes, explore.slider_values(axes, z, SLIDER_RANGE))

    def show_code(self, model: str, kind: str, z: torch.Tensor) -> list:
        image, code, sliders = self.code_view(model, kind, z)
        return [image, code, *(gr.update(**slider) for slider in sliders)]

    @staticmethod
    def own_vectors(own, model: str) -> list:
        """The directions of a visitor's own sliders (the `own` state), if they were made for this model."""
        return [slider["vector"] for slider in own["sliders"]] if own and own.get("model") == model else []

    def current_code(self, model: str, *inputs) -> tuple[explore.ExplorerModel, explore.SliderAxes, list[float], torch.Tensor]:
        """(model, axes, slider values, code) the Explore tab shows, from its inputs (the sliders, the axes, the
        "more …" sliders, the starting code, own sliders): `base` moved to the slider values, plus the amounts."""
        values, kind, amounts, base, own = inputs[:SLIDERS], inputs[SLIDERS], inputs[SLIDERS + 1 : -2], *inputs[-2:]
        em = self.model_of(model)
        axes = self.axes_of(em, kind or "main")
        values = [checked_number(v, f"Slider {i + 1}", -SLIDER_RANGE, SLIDER_RANGE) for i, v in enumerate(values)]
        amounts = [checked_number(a, f"Class slider {i + 1}", *CLASS_RANGE) for i, a in enumerate(amounts)]
        base_z = torch.tensor(base, dtype=torch.float32) if base and len(base) == em.latent_dim else axes.origin
        moved = axes.with_values(base_z, values[: len(axes.scale)])
        return em, axes, values, explore.with_class_amounts(em, moved, amounts, self.own_vectors(own, model))

    def decode_sliders(self, model: str, *inputs):
        em, _, _, z = self.current_code(model, *inputs)
        return explore.decode(em, z)

    def how_typical_code(self, model: str, *inputs):
        em, _, _, z = self.current_code(model, *inputs)
        return words.typicality(explore.code_typicality(em, z), "this code"), self.nearest(em, z)

    def preview_strips(self, model: str, *inputs) -> list[list[str]]:
        """The strips under the main sliders, drawn on the server for a browser that cannot decode: per slider,
        its pictures at PREVIEW_POSITIONS as data URLs (none under a hidden slider)."""
        em, axes, values, z = self.current_code(model, *inputs)
        strips = explore.slider_previews(em, axes, z, values, PREVIEW_POSITIONS, PREVIEW_SIZE)
        return [[png_data_url(picture) for picture in strip] for strip in strips] + [[]] * (SLIDERS - len(strips))

    def switch_axes(self, model: str, *inputs):
        """Keep the code on screen, show it on the newly chosen axes."""
        values, kind, base = inputs[:SLIDERS], inputs[SLIDERS], inputs[-1]
        em = self.model_of(model)
        other = next(k for k in em.axis_kinds() if k != kind) if len(em.axis_kinds()) > 1 else kind
        old_axes = self.axes_of(em, other)
        base_z = torch.tensor(base, dtype=torch.float32) if base and len(base) == em.latent_dim else old_axes.origin
        return self.show_code(model, kind, old_axes.with_values(base_z, values[: len(old_axes.scale)]))

    def randomise(self, model: str, kind: str, seed: float):
        em = self.model_of(model)
        return self.show_code(model, kind, explore.random_latent(em, checked_seed(seed), fitted=True)[0])

    def reset(self, model: str, kind: str):
        em = self.model_of(model)
        return self.show_code(model, kind, self.axes_of(em, kind).origin)

    def start_from_photo(self, model: str, kind: str, path):
        em = self.model_of(model)
        kind = kind if kind in em.axis_kinds() else em.axis_kinds()[0]
        path = path or self.start_photo
        z = explore.encode(em, self.photo_of(path, em.image_size)) if path else torch.zeros(em.latent_dim)
        return [axis_choices(em, kind), *self.show_code(model, kind, z), *(gr.update(**c) for c in class_slider_settings(em))]

    def open_link(self, request: gr.Request, settings) -> list:
        """When a page opens: a share link's view, with `settings` (BrowserDecoding.settings) for it; for a link
        that cannot be read, the default view and a note saying why; for a plain visit, nothing changes."""
        params = {key: request.query_params.getlist(key) for key in request.query_params}
        unchanged = [gr.update()] * (6 + SLIDERS + MAX_CLASSES)
        try:
            view = share_link.read_link(params)
            return [*unchanged, ""] if view is None else [*self.shared_view(view, settings), ""]
        except ValueError as error:
            return [*unchanged, words.broken_link(str(error))]

    def shared_view(self, view: share_link.SharedView, settings) -> list:
        """The Explore tab's values (model, axes, picture, code, sliders, own sliders, the browser decoder's
        settings) for a share link's view; ValueError, naming the problem, for one this app cannot show."""
        em = self.models.get(view.model)
        if em is None:
            raise ValueError(f"it names a model this app does not have ({view.model[:40]!r})")
        if view.axes not in em.axis_kinds():
            raise ValueError(f"it names slider axes this model does not have ({view.axes[:20]!r})")
        room = MAX_CLASSES - len(em.classes)
        for numbers, count, what in [(view.own, room, "own sliders"),
                                     (view.sliders, SLIDERS, "slider values"), (view.more, MAX_CLASSES, "class amounts")]:
            if len(numbers) > count:
                raise ValueError(f"it has {len(numbers)} {what}, more than the {count} this model has")
        if len(view.code) != em.latent_dim or any(len(vector) != em.latent_dim for _, vector in view.own):
            raise ValueError(f"its codes do not have this model's {em.latent_dim} numbers")
        if not all(abs(v) <= SLIDER_RANGE for v in view.sliders) or not all(CLASS_RANGE[0] <= a <= CLASS_RANGE[1] for a in view.more):
            raise ValueError("its slider values are beyond the sliders' ends")
        names = [name[:MAX_OWN_NAME] for name, _ in view.own]
        own = {"model": view.model, "sliders": [{"name": name, "vector": vector} for name, (_, vector) in
                                                 zip(names, view.own)]} if view.own else None
        values = [*view.sliders, *[0.0] * (SLIDERS - len(view.sliders))]
        amounts = [*view.more, *[0.0] * (MAX_CLASSES - len(view.more))]
        _, axes, _, z = self.current_code(view.model, *values, view.axes, *amounts, view.code, own)
        classes = class_slider_settings(em, names, amounts)
        return [view.model, axis_choices(em, view.axes), explore.decode(em, z), view.code,
                *(gr.update(**slider) for slider in slider_settings(axes, values[: len(axes.scale)])),
                *(gr.update(**c) for c in classes), own, settings(view.model, view.axes, view.code, own, *values, *amounts)]

    # the other tabs

    def sample(self, model: str, seed: float, count: float, temperature: float = 1.0, source: str = "fitted"):
        em = self.model_of(model)
        count = int(checked_number(count, "Count", 1, explore.MAX_SAMPLES))
        temperature = checked_number(temperature, "Temperature", 0.1, 2.0)
        if source not in ("standard", "fitted"):
            raise gr.Error(f"Unknown sampler {source!r}: choose 'standard' or 'fitted'.")
        return explore.sample_grid(em, checked_seed(seed), count, temperature, fitted=source == "fitted")

    def reconstruct(self, model: str, path):
        em = self.model_of(model)
        original, copy, scores = explore.reconstruct(em, self.photo_of(path, em.image_size))
        return original, copy, words.describe_scores(scores)

    def reconstruct_extras(self, model: str, path, original, copy):
        """The before/after wipe, how typical the photo is, and the nearest real photos."""
        em = self.model_of(model)
        x = self.photo_of(path, em.image_size)
        return ((original, copy), words.typicality(explore.photo_typicality(em, x), "this photo"),
                self.nearest(em, explore.encode(em, x)))

    def map_clicked(self, event: gr.SelectData):
        x_pixel, y_pixel = event.index
        return explore.map_click(x_pixel, y_pixel)

    def decode_map(self, model: str, x: float, y: float):
        em = self.model_of(model)
        if em.axes is None:
            raise gr.Error(f"Model {model!r} ships no main directions, so it has no map.")
        z = explore.map_point(em, checked_number(x, "x", -MAP_EXTENT, MAP_EXTENT), checked_number(y, "y", -MAP_EXTENT, MAP_EXTENT))
        return explore.decode(em, z), self.nearest(em, z)

    def show_map(self, model: str):
        return self.model_of(model).map_image

    def compare(self, path):
        with self.upload_of(path):
            compared = explore.compare_reconstructions(self.models, path)
        return [(copy, words.reconstruction_caption(em.model.config.beta, scores)) for em, copy, scores in compared]

    def compare_samples(self, seed: float):
        return [(image, words.model_caption(em.model.config.beta, em.facts))
                for em, image in explore.own_samples(self.models, checked_seed(seed))]

    def compare_traversals(self) -> list[tuple[str, object]]:
        """(caption, picture) per model: drawn once, when the page is built, since they never change."""
        return [(words.model_caption(em.model.config.beta, em.facts), row) for em, row in explore.first_direction_rows(self.models)]

    def traverse(self, model: str, kind: str, start: str, seed: float, path, rows: float):
        em = self.model_of(model)
        axes = self.axes_of(em, kind, int(checked_number(rows, "Rows", 1, SLIDERS)))
        if start == "photo":
            base = explore.encode(em, self.photo_of(path, em.image_size))
        elif start == "random":
            base = explore.random_latent(em, checked_seed(seed), fitted=True)[0]
        else:
            base = axes.origin
        return explore.traversal_grid(em, base, axes)

    def direction(self, model: str, photos_with, photos_without) -> dict:
        """/direction: the numbers of a slider made from photos with a quality and photos without it."""
        em = self.model_of(model)
        groups = [list(photos or []) for photos in (photos_with, photos_without)]
        with self.upload_of(groups[0] or groups[1]):
            if {file_digest(p) for p in groups[0]} & {file_digest(p) for p in groups[1]}:
                raise gr.Error("The same photo is in both groups: a photo either has the quality or it does not.")
            tensors = [[explore.photo_tensor(path, em.image_size) for path in group] for group in groups]
        try:
            own = explore.own_direction(em, *tensors)
        except ValueError as error:
            raise gr.Error(f"{str(error).capitalize()}.") from None
        return {"direction": own.vector.tolist(), "spread": own.spread, "separation": own.separation}

    def add_own_slider(self, model: str, photos_with, photos_without, name: str, own) -> list:
        """A "more <name>" slider from the visitor's photos, in the next free class-slider place."""
        name = (name or "").strip()[:MAX_OWN_NAME]
        if not name:
            raise gr.Error("Please name the quality the first photos have (for example: snow).")
        em = self.model_of(model)
        sliders = own["sliders"] if own and own.get("model") == model else []
        if len(em.classes) + len(sliders) >= MAX_CLASSES:
            raise gr.Error(f"This model has room for {MAX_CLASSES - len(em.classes)} sliders of your own; reload the "
                           "page to start again.")
        numbers = self.direction(model, photos_with, photos_without)
        sliders = [*sliders, {"name": name, "vector": numbers["direction"]}]
        place = len(em.classes) + len(sliders) - 1
        label = class_slider_settings(em, [slider["name"] for slider in sliders])[place]["label"]
        updates = [gr.update(label=label, visible=True, value=0.0) if i == place else gr.update() for i in range(MAX_CLASSES)]
        note = f"Added **More {name}**: the two groups of photos are {numbers['separation']:.1f} spreads apart."
        return [{"model": model, "sliders": sliders}, *updates, note]

    @staticmethod
    def add_photos(shown, group) -> tuple[list[str], str]:
        """The photos a gallery shows (the map's nearest photos) added to one group of an own slider's photos,
        each photo once."""
        if not shown:
            raise gr.Error("Click the map first: its nearest real photos are the ones added.")
        photos = [str(path) for path in group or []]
        seen = {file_digest(path) for path in photos}
        for path, _ in shown:
            digest = file_digest(path)
            if digest not in seen:
                photos.append(str(path))
                seen.add(digest)
        return photos, words.photos_added(len(photos))

    @staticmethod
    def forget_own_sliders():
        return None  # a new model: own sliders are made of the old one's codes

    def interpolate(self, model: str, path_a, path_b, frames: float):
        em = self.model_of(model)
        images = explore.interpolate(em, self.photo_of(path_a, em.image_size), self.photo_of(path_b, em.image_size),
                                     int(checked_number(frames, "Frames", 2, explore.MAX_FRAMES)))
        gif = explore.write_gif(images, Path(tempfile.mkdtemp()) / "interpolation.gif")
        return images, str(gif)


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
        raise ValueError(f"ONNXRUNTIME_WEB must be a URL or a folder holding onnxruntime-web's dist/ files, got {source!r}")
    gr.set_static_paths([folder])
    return served_url(folder)


class BrowserDecoding:
    """What web/browser_decoder.js needs to decode slider moves in the browser: every model's decoder as ONNX,
    and, for each new starting code, the slider formula's data (SliderAxes and class directions) as JSON."""

    def __init__(self, h: Handlers):
        self.h = h
        onnx_cache = writable_cache() / "onnx"
        self.onnx = {name: cached_decoder(em.model, name, onnx_cache) for name, em in h.models.items()}
        gr.set_static_paths([BROWSER_DECODER, *self.onnx.values()])
        self.common = {"module": served_url(BROWSER_DECODER), "ort": onnxruntime_web_prefix(), "sliders": SLIDERS,
                       "previews": {"positions": PREVIEW_POSITIONS, "size": PREVIEW_SIZE},
                       "map_frame": {"size": MAP_SIZE, "extent": MAP_EXTENT}}

    def open_link(self, request: gr.Request) -> list:
        """The page-open event: a share link's view, with these settings in it (a plain visit changes nothing)."""
        return self.h.open_link(request, self.settings)

    def settings(self, model: str, kind: str, base, own=None, *values) -> dict:
        """The formula's data for the code on screen, the sliders' values (main, then "more …"), what the share
        link names, and the map's two directions (hovering decodes map_point's code)."""
        em = self.h.model_of(model)
        axes = self.h.axes_of(em, kind or "main")
        base = base if base and len(base) == em.latent_dim else axes.origin.tolist()
        own_vectors = self.h.own_vectors(own, model)
        classes = explore.slider_directions(em, own_vectors).tolist()
        own_names = [slider["name"] for slider in own["sliders"]] if own_vectors else []
        values = [float(v or 0.0) for v in values] or [0.0] * (SLIDERS + MAX_CLASSES)
        map_axes = None if em.map_image is None else {"origin": em.axes.mean.tolist(), "scale": em.axes.spread[:2].tolist(),
                                                       "vectors": em.axes.directions[:2].tolist()}
        return {**self.common, "onnx": served_url(self.onnx[model]), "model": model, "axes": kind or "main",
                "base": base, "origin": axes.origin.tolist(), "vectors": axes.vectors.tolist(), "scale": axes.scale.tolist(),
                "class_directions": classes, "own_names": own_names, "values": values, "map": map_axes}


# small builders for the repeated widgets


def seed_box(label: str = "Seed") -> gr.Number:
    return gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED, label=label,
                     info="The same seed always gives the same random code.")


def picture(label: str, **options) -> gr.Image:
    return gr.Image(label=label, elem_classes="big-image", format="png", interactive=False, **options)


def example_photos(target: gr.Image) -> gr.Examples:
    return gr.Examples(EXAMPLES, target, label="Example photos")


def example_paths(names: list[str]) -> list[str]:
    return [str(EXAMPLES_DIR / f"{name}.jpg") for name in names]


def nearest_gallery(label: str = "The nearest real photos (by code)", **options) -> gr.Gallery:
    return gr.Gallery(label=label, columns=3, height=150, object_fit="contain", type="filepath", interactive=False,
                      **options)


def class_slider_settings(em: explore.ExplorerModel, own_names=(), amounts=None) -> list[dict]:
    """One "more <class>" slider per class of the model, then one per own slider, the rest hidden."""
    names = [name.lower() for name in em.classes] + list(own_names)
    amounts = amounts or [0.0] * MAX_CLASSES
    shown = [{"value": amount, "label": f"More {name}", "visible": True} for name, amount in zip(names, amounts)]
    return shown + [{"value": 0.0, "label": "(unused)", "visible": False}] * (MAX_CLASSES - len(shown))


def slider_settings(axes: explore.SliderAxes, values) -> list[dict]:
    """The main sliders at `values`, labelled by their axes; the rest hidden."""
    shown = [{"value": v, "label": label, "visible": True} for v, label in zip(values, axes.labels, strict=True)]
    return shown + [{"value": 0.0, "label": "(unused)", "visible": False}] * (SLIDERS - len(shown))


def shown_axes(em: explore.ExplorerModel) -> list[tuple[str, str]]:
    """The axis choices a model offers (single code numbers only, without shipped main directions)."""
    return [choice for choice in AXIS_CHOICES if choice[1] in em.axis_kinds()]


def axis_choices(em: explore.ExplorerModel, kind: str):
    return gr.update(choices=shown_axes(em), value=kind)


def png_data_url(pixels) -> str:
    """A small picture inlined in the page (the strips under the sliders)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def start_controls() -> tuple:
    """Where the Explore tab's code starts: a seed and a random draw, the average, or a photo."""
    with gr.Row():
        seed = seed_box()
        random_button = gr.Button("🎲 Random", variant="primary", elem_id="random-button")
        reset_button = gr.Button("Reset to the average")
    photo = PhotoInput(label="…or start from a photo", height=200)
    example_photos(photo)
    return seed, random_button, reset_button, photo


def own_slider_controls() -> tuple:
    """The photos, name and button that make a slider of the visitor's own (`Handlers.add_own_slider`)."""
    with gr.Accordion("Make your own slider", open=False, elem_id="own-slider"):
        gr.Markdown("Choose 2 or more photos that have a quality and 2 or more that do not. The new slider moves any "
                    "code towards the first kind, decoded in your browser like the others.")
        with gr.Row():
            photos_with = gr.File(file_count="multiple", file_types=["image"], label="Photos with it", elem_id="own-with")
            photos_without = gr.File(file_count="multiple", file_types=["image"], label="Photos without it",
                                     elem_id="own-without")
        name = gr.Textbox(label="Its name", placeholder="snow", max_length=MAX_OWN_NAME, elem_id="own-name")
        examples = [[example_paths(with_it), example_paths(without_it), quality] for quality, with_it, without_it in OWN_EXAMPLES]
        if all(Path(path).is_file() for example in examples for path in example[0] + example[1]):
            gr.Examples(examples, [photos_with, photos_without, name], label="…or start from example photos (then add "
                        "your own, or the map's)", elem_id="own-examples")
        button = gr.Button("Add the slider", elem_id="own-add")
        note = gr.Markdown(elem_id="own-note")
    return photos_with, photos_without, name, button, note


# one function per tab: its layout, then its events


def main_sliders(h: Handlers, kind: str, start_code: list, start_sliders: list[dict]) -> tuple[list[gr.Slider], list[gr.HTML]]:
    """The main sliders, each with its preview strip below (drawn here for the first code, then by the browser)."""
    start_strips = h.preview_strips(h.default, *(s["value"] for s in start_sliders), kind,
                                    *[0.0] * MAX_CLASSES, start_code, None)
    sliders, strips = [], []
    gr.Markdown(words.PREVIEW_NOTE)
    for i, (settings, strip) in enumerate(zip(start_sliders, start_strips, strict=True)):
        sliders.append(gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, step=0.05, elem_id=f"slider-{i}", **settings))
        strips.append(gr.HTML(strip, html_template=PREVIEW_HTML, elem_id=f"preview-{i}", container=False, padding=False))
    return sliders, strips


def slider_events(h: Handlers, code_inputs: list, image: gr.Image, strips: list[gr.HTML], server_decode: gr.Button,
                  server_previews: gr.Button) -> None:
    """Slider moves decode in the browser (no request); the browser clicks the hidden server buttons if it cannot."""
    sliders = code_inputs[1 : SLIDERS + 1] + code_inputs[SLIDERS + 2 : -2]  # the main sliders, then the "more …" ones
    gr.on([s.input for s in sliders], None, [image, *sliders], image, js=SLIDER_MOVED_JS, show_progress="hidden")
    server_decode.click(with_named_inputs(h.decode_sliders, DECODE_INPUTS), code_inputs, image, api_name="decode",
                        trigger_mode="always_last", show_progress="hidden")
    server_previews.click(h.preview_strips, code_inputs, strips, api_visibility="private", trigger_mode="always_last",
                          show_progress="hidden")


def explore_tab(h: Handlers, model: gr.Dropdown, demo: gr.Blocks) -> tuple[gr.File, gr.File]:
    """The Explore tab; returns its own slider's two groups of photos, which the map's photos can join."""
    first = h.models[h.default]
    kind = first.axis_kinds()[0]
    start_image, start_code, start_sliders = h.code_view(h.default, kind, h.start_code(first))
    decoding = BrowserDecoding(h)
    with gr.Tab("Explore"):
        with gr.Row():
            with gr.Column(scale=1):
                image = picture("Decoded image", value=start_image, height=320, elem_id="explore-image")
                gr.HTML(html_template=SHARE_HTML, elem_id="share-link", container=False)
                share_note = gr.Markdown(elem_id="share-note")
                start_values = [*(s["value"] for s in start_sliders), *[0.0] * MAX_CLASSES]
                decoder = gr.HTML(decoding.settings(h.default, kind, start_code, None, *start_values),
                                  html_template=DECODER_HTML, js_on_load=DECODER_LOAD_JS, elem_id="browser-decoder")
                server_decode = gr.Button("Decode on the server", visible="hidden", elem_id="server-decode")
                server_previews = gr.Button("Draw the strips on the server", visible="hidden", elem_id="server-previews")
                seed, random_button, reset_button, photo = start_controls()
            with gr.Column(scale=1):
                axis_kind = gr.Radio(shown_axes(first), value=kind,
                                     label="The sliders move", elem_id="axis-kind",
                                     info="Main directions change the picture most; single numbers show what each of "
                                          "the 128 numbers does (clearer at large β).")
                base, own = gr.State(start_code), gr.State(None)  # the code sliders start from; own sliders' directions
                sliders, strips = main_sliders(h, kind, start_code, start_sliders)
                with gr.Accordion("More forest, more sea… (class sliders)", open=True, visible=bool(first.classes)):
                    gr.Markdown("Each adds the direction from the average photo to the average photo of one kind, "
                                "to whatever code is shown: a random one, a photo's, or the sliders'.")
                    class_sliders = [gr.Slider(*CLASS_RANGE, step=0.05, elem_id=f"class-slider-{i}", **settings)
                                     for i, settings in enumerate(class_slider_settings(first))]
                photos_with, photos_without, own_name, own_button, own_note = own_slider_controls()
                typical_button = gr.Button("How typical is this picture's code?", elem_id="typical-code-button")
                typical_text = gr.Markdown(elem_id="typical-code-text")
                typical_nearest = nearest_gallery()
    outputs = [image, base, *sliders]
    code_inputs = [model, *sliders, axis_kind, *class_sliders, base, own]
    slider_events(h, code_inputs, image, strips, server_decode, server_previews)
    typical_button.click(h.how_typical_code, code_inputs, [typical_text, typical_nearest], api_visibility="private")
    # a model chosen by the visitor (input, not change: a share link sets the model without starting afresh)
    new_codes = [
        axis_kind.input(h.switch_axes, [model, *sliders, axis_kind, base], outputs, api_visibility="private"),
        model.input(h.start_from_photo, [model, axis_kind, photo], [axis_kind, *outputs, *class_sliders],
                    api_visibility="private"),
        photo.change(h.start_from_photo, [model, axis_kind, photo], [axis_kind, *outputs, *class_sliders],
                     api_visibility="private"),
        random_button.click(h.randomise, [model, axis_kind, seed], outputs, api_visibility="private"),
        reset_button.click(h.reset, [model, axis_kind], outputs, api_visibility="private"),
    ]
    demo.load(decoding.open_link, None, [model, axis_kind, image, base, *sliders, *class_sliders, own, decoder, share_note],
              api_visibility="private")
    model.input(h.forget_own_sliders, None, own, api_visibility="private")
    new_codes.append(own_button.click(h.add_own_slider, [model, photos_with, photos_without, own_name, own],
                                      [own, *class_sliders, own_note], api_visibility="private"))
    for event in new_codes:  # the browser's decoder learns each new starting code, axes, model and own slider
        event.then(decoding.settings, [model, axis_kind, base, own, *sliders, *class_sliders], decoder,
                   api_visibility="private", show_progress="hidden")
    return photos_with, photos_without


def sample_tab(h: Handlers, model: gr.Dropdown, demo: gr.Blocks) -> None:
    with gr.Tab("Sample"):
        with gr.Row():
            seed = seed_box()
            count = gr.Slider(1, explore.MAX_SAMPLES, value=16, step=1, label="How many")
            temperature = gr.Slider(0.1, 2.0, value=1.0, step=0.05, label="Temperature",
                                    info="Below 1: safer, duller pictures; above 1: wilder ones.")
            source = gr.Radio([("Fitted to the photos", "fitted"), ("Standard bell curve N(0, I)", "standard")],
                              value="fitted", label="Draw codes from",
                              info="Fitted: where real photos' codes lie, so samples look more like photos.")
        button = gr.Button("Sample", variant="primary")
        samples = picture("Samples")
    inputs = [model, seed, count, temperature, source]
    button.click(on_gpu(h.sample), inputs, samples, api_name="sample")
    demo.load(on_gpu(h.sample), inputs, samples, api_visibility="private")


def reconstruct_tab(h: Handlers, model: gr.Dropdown) -> None:
    with gr.Tab("Reconstruct"):
        with gr.Row():
            photo = PhotoInput(label="Your photo", height=300)
            seen = picture("What the model sees (square, 128 px)", height=300)
            copy = picture("Reconstruction", height=300, elem_id="recon-output")
        with gr.Row():
            wipe = gr.ImageSlider(label="Before / after: drag the handle", height=300, elem_id="recon-wipe",
                                  interactive=False)
            with gr.Column():
                text = gr.Markdown()
                typical = gr.Markdown(elem_id="recon-typical")
                nearest = nearest_gallery()
        example_photos(photo)
    photo.change(h.reconstruct, [model, photo], [seen, copy, text], api_name="reconstruct").then(
        h.reconstruct_extras, [model, photo, seen, copy], [wipe, typical, nearest], api_visibility="private")


def compare_tab(h: Handlers, demo: gr.Blocks) -> None:
    columns = len(h.models)
    with gr.Tab("Compare β"):
        gr.Markdown(words.BETA_NOTE)
        with gr.Row():
            photo = PhotoInput(label="A photo", height=260)
            reconstructions = gr.Gallery(label="Reconstructed by each model (PSNR in dB)", columns=columns, height=300,
                                         elem_id="compare-reconstructions")
        example_photos(photo)
        with gr.Row():
            seed = seed_box("Seed")
            button = gr.Button("A new sample from every model")
        samples = gr.Gallery(label="Each model's own sample for this seed", columns=columns, height=300,
                             elem_id="compare-samples")
        gr.Markdown("**Each model's first main direction**, from its average code, −3 … +3: how smoothly the picture "
                    "changes along the direction in which its photos differ most.")
        with gr.Column(elem_id="compare-traversals"):
            for caption, row in h.compare_traversals():
                gr.Image(row, label=caption, show_label=True, interactive=False, format="png", container=True)
        with gr.Row():
            points = pd.DataFrame(explore.rate_distortion(h.models), columns=["model", "kl", "psnr"])
            gr.ScatterPlot(points.rename(columns={"kl": words.KL_LABEL, "psnr": words.PSNR_LABEL}), x=words.KL_LABEL,
                           y=words.PSNR_LABEL, color="model", x_lim=explore.padded_range(points["kl"]),
                           y_lim=explore.padded_range(points["psnr"]),
                           title="What β trades: information in the code (KL) against sharpness (PSNR)",
                           elem_id="rate-distortion")
            curves = pd.DataFrame(explore.training_curves(h.models), columns=["model", "epoch", "val_psnr"])
            gr.LinePlot(curves.rename(columns={"val_psnr": words.CURVE_LABEL}), x="epoch", y=words.CURVE_LABEL,
                        color="model", title="How each model learned", elem_id="training-curves")
        facts = pd.DataFrame(explore.model_facts(h.models), columns=list(words.FACT_HEADERS))
        gr.Dataframe(value=facts.rename(columns=words.FACT_HEADERS), label="The models", interactive=False)
    photo.change(on_gpu(h.compare), photo, reconstructions, api_name="compare")
    button.click(on_gpu(h.compare_samples), seed, samples, api_visibility="private")
    demo.load(on_gpu(h.compare_samples), seed, samples, api_visibility="private")


def map_tab(h: Handlers, model: gr.Dropdown, own_groups: tuple[gr.File, gr.File]) -> None:
    first = h.models[h.default]
    with gr.Tab("Landscape map", visible=first.map_image is not None):
        gr.Markdown(words.MAP_NOTE)
        with gr.Row():
            landscape_map = gr.Image(value=first.map_image, label="The landscape map (hover, click)", interactive=False,
                                     format="png", elem_id="landscape-map", height=640, show_label=True)
            with gr.Column():
                with gr.Row():
                    x = gr.Number(value=0.0, label="x: main direction 1", minimum=-MAP_EXTENT, maximum=MAP_EXTENT, elem_id="map-tab-x",
                                  info="In standard deviations of the photos' codes")
                    y = gr.Number(value=0.0, label="y: main direction 2", minimum=-MAP_EXTENT, maximum=MAP_EXTENT,
                                  elem_id="map-tab-y")
                painted = picture("The landscape at that spot", height=280, elem_id="map-decoded")
                nearest = nearest_gallery(elem_id="map-nearest")
                with gr.Row():
                    own_buttons = [gr.Button("These photos have a quality", size="sm", elem_id="map-own-with"),
                                   gr.Button("These do not", size="sm", elem_id="map-own-without")]
                own_note = gr.Markdown(elem_id="map-own-note")
                hover = gr.Button("Paint the spot under the mouse", visible="hidden", elem_id="map-hover")
    # the browser clicks `hover` once per animation frame while the mouse moves over the map (nothing without it)
    hover.click(None, [painted, x, y], [painted, x, y], js=MAP_HOVER_JS, show_progress="hidden", trigger_mode="multiple")
    landscape_map.select(h.map_clicked, None, [x, y], api_visibility="private").then(
        h.decode_map, [model, x, y], [painted, nearest], api_name="map")
    model.change(h.show_map, model, landscape_map, api_visibility="private")
    for button, group in zip(own_buttons, own_groups, strict=True):  # photos for "make your own slider" (Explore)
        button.click(h.add_photos, [nearest, group], [group, own_note], api_visibility="private")


def traverse_tab(h: Handlers, model: gr.Dropdown, demo: gr.Blocks) -> None:
    first = h.models[h.default]
    with gr.Tab("Traverse & interpolate"):
        with gr.Row():
            start = gr.Radio([("The average", "zero"), ("Random code", "random"), ("A photo", "photo")],
                             value="photo" if h.start_photo else "zero", label="Start from")
            kind = gr.Radio(shown_axes(first), value=first.axis_kinds()[0],
                            label="Rows move along")
            seed = seed_box()
            rows = gr.Slider(1, SLIDERS, value=8, step=1, label="Rows")
            photo = PhotoInput(label="Photo", height=160, value=h.start_photo)
        button = gr.Button("Traverse", variant="primary")
        traversal = picture("Each row moves along one axis; columns: −3 … +3")
        gr.Markdown("### Interpolate between two photos")
        with gr.Row():
            photo_a = PhotoInput(label="From", height=200, value=EXAMPLES[0] if EXAMPLES else None)
            photo_b = PhotoInput(label="To", height=200, value=EXAMPLES[-1] if EXAMPLES else None)
            frames = gr.Slider(2, explore.MAX_FRAMES, value=10, step=1, label="Frames")
        interpolate_button = gr.Button("Interpolate", variant="primary")
        frame_gallery = gr.Gallery(label="Frames", columns=10, height=200)
        gif = gr.File(label="Animated GIF")
    inputs = [model, kind, start, seed, photo, rows]
    button.click(on_gpu(h.traverse), inputs, traversal, api_visibility="private")
    demo.load(on_gpu(h.traverse), inputs, traversal, api_visibility="private")
    interpolate_button.click(on_gpu(h.interpolate), [model, photo_a, photo_b, frames], [frame_gallery, gif], api_visibility="private")


def direction_endpoint(h: Handlers, model: gr.Dropdown) -> None:
    """/direction for gradio_client users: photos with a quality and photos without it, to a slider's numbers."""
    photos_with = gr.File(file_count="multiple", file_types=["image"], label="Photos with the quality", visible=False)
    photos_without = gr.File(file_count="multiple", file_types=["image"], label="Photos without it", visible=False)
    numbers = gr.JSON(visible=False)
    gr.Button(visible=False).click(h.direction, [model, photos_with, photos_without], numbers, api_name="direction")


def build_demo(models: dict[str, explore.ExplorerModel]) -> gr.Blocks:
    h = Handlers(models)
    with CheckedBlocks(title="Landscape VAE Explorer", delete_cache=CACHE_CLEANUP) as demo:
        gr.Markdown(words.INTRO)
        model = gr.Dropdown(h.names, value=h.default, label="Model", info="β: how strongly each model's code is squeezed")
        with gr.Tabs():
            own_groups = explore_tab(h, model, demo)
            sample_tab(h, model, demo)
            reconstruct_tab(h, model)
            compare_tab(h, demo)
            map_tab(h, model, own_groups)
            traverse_tab(h, model, demo)
            with gr.Tab("About"):
                gr.Markdown(words.ABOUT)
        direction_endpoint(h, model)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=64)
    return demo


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", action="append", help="a folder of model folders, or one model folder; may be "
                        f"given several times (default: {MODELS_DIR})")
    parser.add_argument("--onnxruntime-web", help="URL prefix or local folder of onnxruntime-web's dist/ files, for "
                        f"decoding in the browser (default: $ONNXRUNTIME_WEB, else {ONNXRUNTIME_WEB_CDN})")
    args = parser.parse_args(argv)
    if args.onnxruntime_web:
        os.environ["ONNXRUNTIME_WEB"] = args.onnxruntime_web
    torch.set_num_threads(max(1, (os.cpu_count() or 2) // CONCURRENCY))
    try:
        models = explore.load_explorer_models(*(args.models or [MODELS_DIR]))
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")  # one line, no usage: the flag was right, its value was not
    demo = build_demo(models)
    demo.launch(max_file_size=MAX_UPLOAD, theme=gr.themes.Soft(), css=CSS, share=False, footer_links=["api"])


if __name__ == "__main__":
    main()
