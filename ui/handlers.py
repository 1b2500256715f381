"""The app's event handlers, one named method each, over vae.latent.explore, which does the work. Every public input
is checked where it enters, and named in the message."""

from __future__ import annotations

import contextlib
import math
import tempfile
from pathlib import Path

import gradio as gr
import torch

from ui import words
from ui.explore_inputs import CLASS_RANGE, MAX_CLASSES, MAX_OWN_NAME, SLIDER_RANGE, SLIDERS, ExploreInputs, ExploreView
from ui.widgets import (
    MAX_SEED,
    PREVIEW_POSITIONS,
    PREVIEW_SIZE,
    START_PHOTO,
    axis_choices,
    class_slider_settings,
    no_photo,
    photo_update,
    png_data_url,
    slider_settings,
)
from vae.core.data import DataError, file_digest
from vae.latent import explore, share_link
from vae.latent.atlas import MAP_EXTENT
from vae.latent.own_direction import own_direction


def as_sentence(error: Exception) -> str:
    """A ValueError's lower-case message as the sentence a visitor reads: its first letter raised, a full stop."""
    text = str(error)
    return f"{text[:1].upper()}{text[1:]}."


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
    def nearest(em: explore.ExplorerModel, z: torch.Tensor, *, leave_out: int | None = None) -> list[tuple]:
        found = explore.nearest_photos(em, z, leave_out=leave_out)
        return [(photo, words.class_caption(name)) for photo, name in found]

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

    def current_code(
        self, inputs: ExploreInputs
    ) -> tuple[explore.ExplorerModel, explore.SliderAxes, list[float], torch.Tensor]:
        """(model, axes, slider values, code) the Explore tab shows: `base` moved to the slider values, plus the
        "more …" amounts along the classes' and own sliders' directions."""
        em = self.model_of(inputs.model)
        axes = self.axes_of(em, inputs.axes or "main")
        values = [
            checked_number(v, f"Slider {i + 1}", -SLIDER_RANGE, SLIDER_RANGE) for i, v in enumerate(inputs.sliders)
        ]
        amounts = [checked_number(a, f"Class slider {i + 1}", *CLASS_RANGE) for i, a in enumerate(inputs.more)]
        moved = axes.with_values(self.base_code(em, inputs.base, axes), values[: len(axes.scale)])
        return (
            em,
            axes,
            values,
            explore.with_class_amounts(em, moved, amounts, self.own_vectors(inputs.own, inputs.model)),
        )

    @staticmethod
    def base_code(em: explore.ExplorerModel, base, axes: explore.SliderAxes) -> torch.Tensor:
        """The starting code the sliders move: the one kept, else (none yet, or another model's) the axes' origin."""
        return torch.tensor(base, dtype=torch.float32) if base and len(base) == em.latent_dim else axes.origin

    def decode_sliders(self, *values):
        em, _, _, z = self.current_code(ExploreInputs.from_list(values))
        return explore.decode(em, z)

    def how_typical_code(self, *values):
        em, _, _, z = self.current_code(ExploreInputs.from_list(values))
        return words.typicality(explore.code_typicality(em, z), "this code"), self.nearest(em, z)

    def preview_strips(self, *values) -> list[list[str]]:
        """The strips under the main sliders, drawn on the server for a browser that cannot decode: per slider,
        its pictures at PREVIEW_POSITIONS as data URLs (none under a hidden slider)."""
        em, axes, values, z = self.current_code(ExploreInputs.from_list(values))
        strips = explore.slider_previews(em, axes, z, values, PREVIEW_POSITIONS, PREVIEW_SIZE)
        return [[png_data_url(picture) for picture in strip] for strip in strips] + [[]] * (SLIDERS - len(strips))

    def switch_axes(self, *values):
        """Keep the code on screen, show it on the newly chosen axes."""
        inputs = ExploreInputs.from_list(values)
        em = self.model_of(inputs.model)
        kind = inputs.axes
        other = next(k for k in em.axis_kinds() if k != kind) if len(em.axis_kinds()) > 1 else kind
        old_axes = self.axes_of(em, other)
        moved = old_axes.with_values(self.base_code(em, inputs.base, old_axes), inputs.sliders[: len(old_axes.scale)])
        return self.show_code(inputs.model, kind, moved)

    def randomise(self, model: str, kind: str, seed: float):
        em = self.model_of(model)
        return self.show_code(model, kind, explore.random_latent(em, checked_seed(seed), source="fitted")[0])

    def reset(self, model: str, kind: str):
        em = self.model_of(model)
        return self.show_code(model, kind, self.axes_of(em, kind).origin)

    def start_from_photo(self, model: str, kind: str, path):
        em = self.model_of(model)
        kind = kind if kind in em.axis_kinds() else em.axis_kinds()[0]
        path = path or self.start_photo
        z = explore.encode(em, self.photo_of(path, em.image_size)) if path else torch.zeros(em.latent_dim)
        return [
            axis_choices(em, kind),
            *self.show_code(model, kind, z),
            *(gr.update(**c) for c in class_slider_settings(em)),
        ]

    def photo_beside_copy(self, model: str, path) -> dict:
        """Explore's photo beside its picture: the one its code is made of, as start_from_photo reads it."""
        return photo_update(self.model_of(model), path or self.start_photo)

    def shared_view(self, view: share_link.SharedView) -> tuple[ExploreView, ExploreInputs]:
        """The Explore tab's view of a share link (without the browser decoder's settings, which
        BrowserDecoding adds) and the inputs it is made of; ValueError, naming the problem, for a link this app
        cannot show."""
        em = self.models.get(view.model)
        if em is None:
            raise ValueError(f"it names a model this app does not have ({view.model[:40]!r})")
        share_link.check_view(
            view,
            share_link.LinkLimits(
                latent_dim=em.latent_dim,
                axis_kinds=em.axis_kinds(),
                sliders=SLIDERS,
                slider_range=SLIDER_RANGE,
                classes=MAX_CLASSES,
                class_range=CLASS_RANGE,
                own_room=MAX_CLASSES - len(em.classes),
            ),
        )
        names = [name[:MAX_OWN_NAME] for name, _ in view.own]
        own = (
            {
                "model": view.model,
                "sliders": [
                    {"name": name, "vector": vector} for name, (_, vector) in zip(names, view.own, strict=True)
                ],
            }
            if view.own
            else None
        )
        inputs = ExploreInputs(
            model=view.model,
            sliders=[*view.sliders, *[0.0] * (SLIDERS - len(view.sliders))],
            axes=view.axes,
            more=[*view.more, *[0.0] * (MAX_CLASSES - len(view.more))],
            base=view.code,
            own=own,
        )
        _, axes, _, z = self.current_code(inputs)
        shown = ExploreView(
            model=view.model,
            axes=axis_choices(em, view.axes),
            image=explore.decode(em, z),
            photo=no_photo(),
            base=view.code,
            sliders=[gr.update(**s) for s in slider_settings(axes, inputs.sliders[: len(axes.scale)])],
            more=[gr.update(**c) for c in class_slider_settings(em, names, inputs.more)],
            own=own,
            settings=None,
        )
        return shown, inputs

    # the other tabs

    def sample(self, model: str, seed: float, count: float, temperature: float = 1.0, source: str = "fitted"):
        em = self.model_of(model)
        count = int(checked_number(count, "Count", 1, explore.MAX_SAMPLES))
        temperature = checked_number(temperature, "Temperature", 0.1, 2.0)
        try:
            return explore.sample_grid(em, checked_seed(seed), count, temperature, source=source)
        except ValueError as error:  # an unknown sampler, or one this model does not ship
            raise gr.Error(as_sentence(error)) from None

    def reconstruct(self, model: str, path):
        em = self.model_of(model)
        original, copy, scores = explore.reconstruct(em, self.photo_of(path, em.image_size))
        return original, copy, words.describe_scores(scores)

    def reconstruct_extras(self, model: str, path, original, copy):
        """The before/after wipe, how close the copy comes and how typical the photo is in plain words (the numbers are
        /reconstruct's), and the nearest real photos: when the photo is itself on the map, it says so and shows the
        next three."""
        em = self.model_of(model)
        x = self.photo_of(path, em.image_size)
        z = explore.encode(em, x)
        own = explore.photo_on_map(em, z)
        verdict = words.closeness_sentence(explore.reconstruct(em, x)[2])
        typical = verdict + words.typicality(explore.photo_typicality(em, x), "this photo")
        return (
            (original, copy),
            typical if own is None else f"{typical} {words.ON_THE_MAP}",
            self.nearest(em, z, leave_out=own),
        )

    def map_clicked(self, event: gr.SelectData):
        x_pixel, y_pixel = event.index
        return explore.map_click(x_pixel, y_pixel)

    def decode_map(self, model: str, x: float, y: float):
        em = self.model_of(model)
        if em.axes is None:
            raise gr.Error(f"Model {model!r} ships no main directions, so it has no map.")
        z = explore.map_point(
            em, checked_number(x, "x", -MAP_EXTENT, MAP_EXTENT), checked_number(y, "y", -MAP_EXTENT, MAP_EXTENT)
        )
        return explore.decode(em, z), self.nearest(em, z)

    def show_map(self, model: str):
        return self.model_of(model).map_image

    def compare(self, path):
        with self.upload_of(path):
            compared = explore.compare_reconstructions(self.models, path)
        return [(copy, words.reconstruction_caption(em.name, em.model.config.beta, s)) for em, copy, s in compared]

    def compare_with_photo(self, path):
        """Compare β's gallery: the photo as the models see it, then every model's copy (/compare's)."""
        copies, seen = self.compare(path), self.photo_of(path, self.models[self.default].image_size)
        return [(explore.to_uint8(seen[0]), words.COMPARE_ORIGINAL), *copies]

    def compare_samples(self, seed: float):
        return [
            (image, words.name_caption(em.name, em.model.config.beta))
            for em, image in explore.own_samples(self.models, checked_seed(seed))
        ]

    def compare_traversals(self) -> list[tuple[str, object]]:
        """(caption, picture) per model: drawn once, when the page is built, since they never change."""
        return [
            (words.model_caption(em.model.config.beta, em.facts), row)
            for em, row in explore.first_direction_rows(self.models)
        ]

    def traverse(self, model: str, kind: str, start: str, seed: float, path, rows: float):
        em = self.model_of(model)
        axes = self.axes_of(em, kind, int(checked_number(rows, "Rows", 1, SLIDERS)))
        if start == "photo":
            base = explore.encode(em, self.photo_of(path, em.image_size))
        elif start == "random":
            base = explore.random_latent(em, checked_seed(seed), source="fitted")[0]
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
            own = own_direction(em, *tensors)
        except ValueError as error:
            raise gr.Error(as_sentence(error)) from None
        return {"direction": own.vector.tolist(), "spread": own.spread, "separation": own.separation}

    def add_own_slider(self, model: str, photos_with, photos_without, name: str, own) -> list:
        """A "more <name>" slider from the visitor's photos, in the next free class-slider place."""
        name = (name or "").strip()[:MAX_OWN_NAME]
        if not name:
            raise gr.Error("Please name the quality the first photos have (for example: snow).")
        em = self.model_of(model)
        sliders = own["sliders"] if own and own.get("model") == model else []
        if len(em.classes) + len(sliders) >= MAX_CLASSES:
            raise gr.Error(
                f"This model has room for {MAX_CLASSES - len(em.classes)} sliders of your own; reload the "
                "page to start again."
            )
        numbers = self.direction(model, photos_with, photos_without)
        sliders = [*sliders, {"name": name, "vector": numbers["direction"]}]
        place = len(em.classes) + len(sliders) - 1
        label = class_slider_settings(em, [slider["name"] for slider in sliders])[place]["label"]
        updates = [
            gr.update(label=label, visible=True, value=0.0) if i == place else gr.update() for i in range(MAX_CLASSES)
        ]
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

    # what each tab shows before any click (no tab opens on empty boxes): drawn once, when the page is built

    def first_reconstruction(self) -> tuple:
        """Reconstruct's panels for the start photo: (seen, copy, scores, wipe, typicality, nearest)."""
        seen, copy, text = self.reconstruct(self.default, self.start_photo)
        return (seen, copy, text, *self.reconstruct_extras(self.default, self.start_photo, seen, copy))

    def interpolate(self, model: str, path_a, path_b, frames: float):
        em = self.model_of(model)
        images = explore.interpolate(
            em,
            self.photo_of(path_a, em.image_size),
            self.photo_of(path_b, em.image_size),
            int(checked_number(frames, "Frames", 2, explore.MAX_FRAMES)),
        )
        gif = explore.write_gif(images, Path(tempfile.mkdtemp()) / "interpolation.gif")
        return images, str(gif)
