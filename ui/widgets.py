"""The app's repeated widgets and page pieces: builders, slider settings, the page's CSS and its small JS hooks."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import gradio as gr
from PIL import Image

from ui.explore_inputs import CLASS_RANGE, MAX_CLASSES, MAX_OWN_NAME, SLIDERS
from ui.gradio_compat import PhotoInput
from vae.latent import explore

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "assets" / "examples"
EXAMPLES = sorted(str(p) for p in EXAMPLES_DIR.glob("*.jpg"))
START_PHOTO = EXAMPLES_DIR / "mountain-ridge.jpg"  # what a visitor sees first
# ready-made groups for "make your own slider": (name, photos with the quality, photos without it)
OWN_EXAMPLES = [("ice", ["glacier-lake", "glacier-snowfield"], ["forest-light", "forest-path"]),
                ("open sea", ["sea-calm", "sea-cove"], ["mountain-ridge", "mountain-slope"])]
MAX_SEED = 2**31 - 1
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
AXIS_CHOICES = [("Main directions (how photos differ most)", "main"), ("Single code numbers (ranked by KL)", "single")]

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
