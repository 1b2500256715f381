"""The app's repeated widgets and page pieces: builders, slider settings, the page's CSS and its small JS hooks."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import gradio as gr
import pandas as pd
from PIL import Image

from ui import words
from ui.explore_inputs import CLASS_RANGE, MAX_CLASSES, MAX_OWN_NAME, SHOWN_DIRECTIONS, SLIDER_RANGE, SLIDERS
from ui.gradio_compat import PhotoInput
from vae.latent import comparison, explore
from vae.latent.atlas import MAP_EXTENT, map_spot

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "assets" / "examples"
EXAMPLES = sorted(str(p) for p in EXAMPLES_DIR.glob("*.jpg"))
START_PHOTO = EXAMPLES_DIR / "forest-light.jpg"  # what a visitor sees first: a photo whose copy keeps its colours
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
/* Compare β: each picture's caption whole, on as many lines as it takes; the galleries as tall as their pictures */
#compare-reconstructions .caption-label, #compare-samples .caption-label { white-space: normal;
  max-width: calc(100% - 2 * var(--block-label-margin)); }
#compare-reconstructions .grid-wrap, #compare-samples .grid-wrap { min-height: 0; max-height: none; }
.plot-box svg { display: block; max-width: 100%; height: auto; }
@media (max-width: 640px) {  /* a phone: two pictures a row, below the gallery's label (two lines there) */
  #compare-reconstructions .grid-container, #compare-samples .grid-container {
    grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-rows: none; padding-top: 3rem; }
}
#explore-pair { flex-wrap: nowrap; }
/* a phone: the photo and its copy stay on screen, pinned above the sliders as they scroll past; the pictures' column
   lends its other parts to the row (display: contents), so the pair's sticky box is the whole row, sliders included */
@media (max-width: 640px) {
  #explore-row { flex-direction: column; }
  #explore-picture-column { display: contents; }
  #explore-pair { position: sticky; top: 0; z-index: 100; order: -1; background: var(--background-fill-primary);
    box-shadow: 0 6px 8px -6px rgba(0, 0, 0, 0.35); }
  .tab-wrapper { z-index: 101; }  /* the tabs' "more" menu opens over the pair */
  #explore-picture-column > :not(#explore-pair) { order: 2; }
  #explore-pair > .block { height: auto !important; }  /* two squares side by side, not two 320 px boxes */
  #explore-pair img { height: auto; aspect-ratio: 1; }
  #explore-pair .icon-button-wrapper { display: none; }  /* room for the labels */
  #explore-pair label { position: static; }  /* above the pictures, not floating over half of each */
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
# "More directions" unfolded: Gradio draws its sliders and strips only now, with the strips it was last given, so a page
# that decodes here redraws them for the code shown (the server's strips are the ones given)
REDRAW_STRIPS_JS = (
    f"() => {{ const explorer = {GRADIO_EXPLORER}; if (explorer?.mode === 'browser') explorer.strips.schedule(); }}"
)
# the strip under each main slider: the picture with that slider at each of PREVIEW_POSITIONS, PREVIEW_SIZE px
PREVIEW_POSITIONS = (-2.0, -1.0, 1.0, 2.0)
PREVIEW_SIZE = 48
PREVIEW_HTML = '<div class="slider-preview">{{#each value}}<img src="{{this}}" alt="">{{/each}}</div>'
SHARE_HTML = (
    '<a class="share-url" href="" target="_blank" rel="noopener">🔗 A link to this picture</a> '
    '<button class="share-copy" type="button">Copy the link</button>'
)
# Compare β's plots: web/plots.js draws each into its gr.HTML from the value's data, as it does on the static page
PLOTS_MODULE = ROOT / "web" / "plots.js"
PLOT_HTML = '<div class="plot-box"></div>'
PLOT_LOAD_JS = (
    "import(new URL(props.value.module, document.baseURI).href)"
    ".then((m) => m.drawPlot(element.querySelector('.plot-box'), props.value));"
)
# hovering over the map: the browser paints the spot under the mouse (a JS-only event, no request)
MAP_HOVER_JS = f"(image, x, y) => {GRADIO_EXPLORER}?.hoverFrame(image, x, y) ?? [image, x, y]"
AXIS_CHOICES = [
    ("Main directions (how photos differ most)", "main"),
    ("Single code numbers (most informative first)", "single"),
]


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
    browser); those after the first SHOWN_DIRECTIONS fold under "More directions"."""
    sliders, strips = [], []

    def add(i: int) -> None:
        sliders.append(gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, step=0.05, elem_id=f"slider-{i}", **start_sliders[i]))
        strips.append(
            gr.HTML(start_strips[i], html_template=PREVIEW_HTML, elem_id=f"preview-{i}", container=False, padding=False)
        )

    gr.Markdown(words.PREVIEW_NOTE)
    for i in range(SHOWN_DIRECTIONS):
        add(i)
    with gr.Accordion(words.MORE_DIRECTIONS, open=False, elem_id="more-directions") as more:
        for i in range(SHOWN_DIRECTIONS, len(start_sliders)):
            add(i)
    more.expand(None, js=REDRAW_STRIPS_JS, show_progress="hidden")
    return sliders, strips


def curious_fold(**options) -> gr.Accordion:
    """A tab's folded part "For the curious": the terms and numbers behind its plain words."""
    return gr.Accordion(words.CURIOUS, open=False, elem_classes="curious", **options)


def curious_part(text: str, elem_id: str, numbers: str | None = None) -> gr.Markdown | None:
    """A curious_fold holding `text`, below `numbers` where given (a Markdown, returned for the tab's events to
    fill)."""
    with curious_fold(elem_id=elem_id):
        shown = None if numbers is None else gr.Markdown(numbers)
        gr.Markdown(text)
    return shown


def photo_update(em: explore.ExplorerModel | None, path) -> dict:
    """photo_and_copy's photo: the one at `path` as `em` sees it; hidden without one (a code of no photo)."""
    if not path:
        return gr.update(value=None, visible=False)
    return gr.update(value=explore.to_uint8(explore.photo_tensor(path, em.image_size)[0]), visible=True)


def no_photo(*_) -> dict:
    """photo_and_copy's photo for a code of no photo (a random one, the average, a shared one), whatever the inputs."""
    return photo_update(None, None)


def photo_and_copy(photo: dict, copy) -> tuple[gr.Image, gr.Image]:
    """Explore's photo (`photo`: photo_update's) beside the picture the sliders paint, at first its copy."""
    with gr.Row(elem_id="explore-pair"):
        options = {"value": photo.get("value"), "visible": photo["visible"]}
        shown = picture("The photo it starts from", height=320, elem_id="explore-photo", **options)
        image = picture("What the sliders paint", value=copy, height=320, elem_id="explore-image")
    return shown, image


def model_choices(models: dict[str, explore.ExplorerModel]) -> list[tuple[str, str]]:
    """The model menu: each model's name with what it does (ui.words.model_label), standing for its name."""
    return [(words.model_label(name, em.model.config.beta, em.facts), name) for name, em in models.items()]


def model_comparison(models: dict[str, explore.ExplorerModel], plots_module: str) -> None:
    """The Compare β tab's plots (web/plots.js draws them from the models' facts and metrics, as on the static page;
    `plots_module` is its URL), what the training curves' dashed lines mark, and the models' numbers, folded."""
    gr.set_static_paths([PLOTS_MODULE])
    data = comparison.plot_data(models)
    with gr.Row():
        for kind, elem_id in (("rate_distortion", "rate-distortion"), ("curves", "training-curves")):
            value = {"module": plots_module, "kind": kind, "data": data[kind], "words": words.PLOT_WORDS}
            gr.HTML(
                value,
                html_template=PLOT_HTML,
                js_on_load=PLOT_LOAD_JS,
                elem_id=elem_id,
                elem_classes="plot",
                min_width=320,  # a phone: one under the other
            )
    gr.Markdown(words.goal_change_note(data["curves"]["changes"]), elem_id="goal-changes")
    with curious_fold(elem_id="compare-facts"):
        facts = pd.DataFrame(comparison.model_facts(models), columns=list(words.FACT_HEADERS))
        gr.Dataframe(value=facts.rename(columns=words.FACT_HEADERS), label="The models", interactive=False)


def map_coordinates(em: explore.ExplorerModel, z) -> tuple[gr.Number, gr.Number]:
    """The map's x and y: where on the two main directions the spot is, at first code z's (the start photo's: inside
    its kind's cluster of photos, not the grey centre)."""
    spot = map_spot(em.axes, z) if em.axes is not None else (0.0, 0.0)
    with gr.Row():
        x = gr.Number(
            value=spot[0],
            label="x: main direction 1",
            minimum=-MAP_EXTENT,
            maximum=MAP_EXTENT,
            elem_id="map-tab-x",
            info="In standard deviations of the photos' codes",
        )
        y = gr.Number(
            value=spot[1], label="y: main direction 2", minimum=-MAP_EXTENT, maximum=MAP_EXTENT, elem_id="map-tab-y"
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
    return gr.Gallery(value, label=label, columns=columns, rows=1, height="auto", elem_id=elem_id)


def walk_loop(gif_path) -> gr.Image:
    """The walk as its GIF, which plays as a path shows it as written; its ⬇ button downloads it."""
    return gr.Image(gif_path, label=words.WALK_LOOP, type="filepath", interactive=False, elem_id="walk-gif")


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
    with gr.Accordion("More forest, more sea…", open=True, visible=bool(em.classes), elem_id="class-sliders"):
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
