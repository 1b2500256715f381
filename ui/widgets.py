"""The app's repeated widgets and page pieces: builders, slider settings, the page's CSS and its small JS hooks."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import gradio as gr
import pandas as pd
from PIL import Image

from ui import words
from ui.explore_inputs import CLASS_RANGE, MAX_CLASSES, MAX_OWN_NAME, SLIDER_RANGE, SLIDERS
from ui.gradio_compat import PhotoInput
from vae.latent import comparison, explore
from vae.latent.atlas import MAP_EXTENT

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "assets" / "examples"
EXAMPLES = sorted(str(p) for p in EXAMPLES_DIR.glob("*.jpg"))
START_PHOTO = EXAMPLES_DIR / "mountain-ridge.jpg"  # what a visitor sees first
COMPARE_PHOTO = next((p for p in EXAMPLES if p.endswith("glacier-lake.jpg")), None)  # Compare β's, before any upload
# ready-made groups for "make your own slider": (name, photos with the quality, photos without it)
OWN_EXAMPLES = [
    ("ice", ["glacier-lake", "glacier-snowfield"], ["forest-light", "forest-path"]),
    ("open sea", ["sea-calm", "sea-cove"], ["mountain-ridge", "mountain-slope"]),
]
MAX_SEED = 2**31 - 1
MAX_UPLOAD_MB = 10  # a visitor's file, in the app and on the static page
MIN_PHOTO_SIDE = 16  # the static page refuses smaller photos (a 1-pixel image is no landscape)
# decoded images are 128 px: show them large and smooth instead of as a small tile
CSS = """.big-image img { width: 100%; height: 100%; object-fit: contain; }
.slider-preview { display: flex; gap: 4px; justify-content: space-between; }
.slider-preview img { width: 48px; height: 48px; border-radius: 3px; }
#landscape-map img { cursor: crosshair; }
/* a phone: the picture stays on screen, pinned above the sliders as they scroll past; the picture's column lends its
   other parts to the row (display: contents), so the picture's sticky box is the whole row, sliders included */
@media (max-width: 640px) {
  #explore-row { flex-direction: column; }
  #explore-picture-column { display: contents; }
  #explore-image { position: sticky; top: 0; z-index: 100; order: -1; background: var(--background-fill-primary);
    box-shadow: 0 6px 8px -6px rgba(0, 0, 0, 0.35); }
  #explore-picture-column > :not(#explore-image) { order: 2; }
}"""
# Gradio scopes the css above inside its container, whose own `overflow: hidden` defeats `position: sticky`; this
# rule goes into the page's head as it is (clip hides the same overflow without making a scroll box)
PAGE_HEAD = "<style>@media (max-width: 640px) { .gradio-container { overflow: clip !important; } }</style>"
# the in-browser decoder (web/browser_decoder.js): a quiet note saying where sliders decode; the decoder hangs on the
# element that carries its mode (data-mode), not on window
DECODER_HTML = '<small class="decoder-note"></small>'
DECODER_LOAD_JS = (
    "import(new URL(props.value.module, document.baseURI).href).then((m) => m.start({ element, props, watch }));"
)
GRADIO_EXPLORER = "(document.querySelector('#browser-decoder [data-mode]')?.explorer)"  # (): an assignment's target too
SLIDER_MOVED_JS = f"(image, ...values) => {GRADIO_EXPLORER}?.move(image, values) ?? image"
# the strip under each main slider: the picture with that slider at each of PREVIEW_POSITIONS, PREVIEW_SIZE px
PREVIEW_POSITIONS = (-2.0, -1.0, 1.0, 2.0)
PREVIEW_SIZE = 48
PREVIEW_HTML = '<div class="slider-preview">{{#each value}}<img src="{{this}}" alt="">{{/each}}</div>'
SHARE_HTML = (
    '<a class="share-url" href="" target="_blank" rel="noopener">🔗 A link to this picture</a> '
    '<button class="share-copy" type="button">Copy the link</button>'
)
# hovering over the map: the browser paints the spot under the mouse (a JS-only event, no request)
MAP_HOVER_JS = f"(image, x, y) => {GRADIO_EXPLORER}?.hoverFrame(image, x, y) ?? [image, x, y]"
AXIS_CHOICES = [("Main directions (how photos differ most)", "main"), ("Single code numbers (ranked by KL)", "single")]


def seed_box(label: str = "Seed") -> gr.Number:
    return gr.Number(
        value=0,
        precision=0,
        minimum=0,
        maximum=MAX_SEED,
        label=label,
        info="The same seed always gives the same random code.",
    )


def picture(label: str, **options) -> gr.Image:
    return gr.Image(label=label, elem_classes="big-image", format="png", interactive=False, **options)


def example_photos(target: gr.Image) -> gr.Examples:
    return gr.Examples(EXAMPLES, target, label="Example photos")


def example_paths(names: list[str]) -> list[str]:
    return [str(EXAMPLES_DIR / f"{name}.jpg") for name in names]


def nearest_gallery(label: str = "The nearest real photos (by code)", **options) -> gr.Gallery:
    return gr.Gallery(
        label=label, columns=3, height=150, object_fit="contain", type="filepath", interactive=False, **options
    )


def class_slider_settings(em: explore.ExplorerModel, own_names=(), amounts=None) -> list[dict]:
    """One "more <class>" slider per class of the model, then one per own slider, the rest hidden."""
    names = [name.lower() for name in em.classes] + list(own_names)
    amounts = amounts or [0.0] * MAX_CLASSES
    shown = [
        {"value": amount, "label": f"More {name}", "visible": True}
        for name, amount in zip(names, amounts, strict=False)
    ]
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
        gr.Markdown(
            "Choose 2 or more photos that have a quality and 2 or more that do not. The new slider moves any "
            "code towards the first kind, decoded in your browser like the others."
        )
        with gr.Row():
            photos_with = gr.File(
                file_count="multiple", file_types=["image"], label="Photos with it", elem_id="own-with"
            )
            photos_without = gr.File(
                file_count="multiple", file_types=["image"], label="Photos without it", elem_id="own-without"
            )
        name = gr.Textbox(label="Its name", placeholder="snow", max_length=MAX_OWN_NAME, elem_id="own-name")
        examples = [
            [example_paths(with_it), example_paths(without_it), quality]
            for quality, with_it, without_it in OWN_EXAMPLES
        ]
        if all(Path(path).is_file() for example in examples for path in example[0] + example[1]):
            gr.Examples(
                examples,
                [photos_with, photos_without, name],
                label="…or start from example photos (then add your own, or the map's)",
                elem_id="own-examples",
            )
        button = gr.Button("Add the slider", elem_id="own-add")
        note = gr.Markdown(elem_id="own-note")
    return photos_with, photos_without, name, button, note


def main_sliders(start_sliders: list[dict], start_strips: list[list[str]]) -> tuple[list[gr.Slider], list[gr.HTML]]:
    """The main sliders, each with its preview strip below (drawn on the server for the first code, then by the
    browser)."""
    sliders, strips = [], []
    gr.Markdown(words.PREVIEW_NOTE)
    for i, (settings, strip) in enumerate(zip(start_sliders, start_strips, strict=True)):
        sliders.append(gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, step=0.05, elem_id=f"slider-{i}", **settings))
        strips.append(
            gr.HTML(strip, html_template=PREVIEW_HTML, elem_id=f"preview-{i}", container=False, padding=False)
        )
    return sliders, strips


def model_comparison(models: dict[str, explore.ExplorerModel]) -> None:
    """The Compare β tab's plots (rate against distortion, the training curves) and the models' facts."""
    with gr.Row():
        points = pd.DataFrame(comparison.rate_distortion(models), columns=["model", "kl", "psnr"])
        gr.ScatterPlot(
            points.rename(columns={"kl": words.KL_LABEL, "psnr": words.PSNR_LABEL}),
            x=words.KL_LABEL,
            y=words.PSNR_LABEL,
            color="model",
            x_lim=comparison.padded_range(points["kl"]),
            y_lim=comparison.padded_range(points["psnr"]),
            title="What β trades: information in the code (KL) against sharpness (PSNR)",
            elem_id="rate-distortion",
        )
        curves = pd.DataFrame(comparison.training_curves(models), columns=["model", "epoch", "val_psnr"])
        gr.LinePlot(
            curves.rename(columns={"val_psnr": words.CURVE_LABEL}),
            x="epoch",
            y=words.CURVE_LABEL,
            color="model",
            title="How each model learned",
            elem_id="training-curves",
        )
    facts = pd.DataFrame(comparison.model_facts(models), columns=list(words.FACT_HEADERS))
    gr.Dataframe(value=facts.rename(columns=words.FACT_HEADERS), label="The models", interactive=False)


def map_coordinates() -> tuple[gr.Number, gr.Number]:
    """The map's x and y: where on the two main directions the spot is."""
    with gr.Row():
        x = gr.Number(
            value=0.0,
            label="x: main direction 1",
            minimum=-MAP_EXTENT,
            maximum=MAP_EXTENT,
            elem_id="map-tab-x",
            info="In standard deviations of the photos' codes",
        )
        y = gr.Number(
            value=0.0, label="y: main direction 2", minimum=-MAP_EXTENT, maximum=MAP_EXTENT, elem_id="map-tab-y"
        )
    return x, y


def sampler_controls() -> tuple[gr.Slider, gr.Radio]:
    """The Sample tab's temperature and the choice of sampler."""
    temperature = gr.Slider(
        0.1,
        2.0,
        value=1.0,
        step=0.05,
        label="Temperature",
        info="Below 1: safer, duller pictures; above 1: wilder ones.",
    )
    source = gr.Radio(
        [(label, source) for source, label in words.SAMPLER_CHOICES.items()],
        value="fitted",
        label="Draw codes from",
        info=words.SAMPLER_INFO,
    )
    return temperature, source


def model_gallery(label: str, columns: int, elem_id: str, value=None) -> gr.Gallery:
    """One picture per model, side by side (Compare β)."""
    return gr.Gallery(value, label=label, columns=columns, height=300, elem_id=elem_id)


def map_image(picture_of_map) -> gr.Image:
    """The landscape map the mouse hovers over and clicks."""
    return gr.Image(
        value=picture_of_map,
        label="The landscape map (hover, click)",
        interactive=False,
        format="png",
        elem_id="landscape-map",
        height=640,
        show_label=True,
    )


def class_sliders_panel(em: explore.ExplorerModel) -> list[gr.Slider]:
    """The "more <class>" sliders (one per class of the model's photos, then the visitor's own), folded away for a
    model without classes."""
    with gr.Accordion("More forest, more sea… (class sliders)", open=True, visible=bool(em.classes)):
        gr.Markdown(
            "Each adds the direction from the average photo to the average photo of one kind, "
            "to whatever code is shown: a random one, a photo's, or the sliders'."
        )
        class_sliders = [
            gr.Slider(*CLASS_RANGE, step=0.05, elem_id=f"class-slider-{i}", **settings)
            for i, settings in enumerate(class_slider_settings(em))
        ]
    return class_sliders


def browser_decoder_parts(settings: dict) -> tuple[gr.HTML, gr.Button, gr.Button]:
    """The element that loads web/browser_decoder.js with its settings, and the hidden buttons it clicks when the
    server must decode (onnxruntime-web not loaded, or unable to)."""
    decoder = gr.HTML(settings, html_template=DECODER_HTML, js_on_load=DECODER_LOAD_JS, elem_id="browser-decoder")
    server_decode = gr.Button("Decode on the server", visible="hidden", elem_id="server-decode")
    server_previews = gr.Button("Draw the strips on the server", visible="hidden", elem_id="server-previews")
    return decoder, server_decode, server_previews


def axis_radio(em: explore.ExplorerModel, kind: str) -> gr.Radio:
    """What the main sliders move: main directions or single code numbers."""
    return gr.Radio(
        shown_axes(em),
        value=kind,
        label="The sliders move",
        elem_id="axis-kind",
        info="Main directions change the picture most; single numbers show what each of "
        f"the {em.latent_dim} numbers does (clearer at large β).",
    )
