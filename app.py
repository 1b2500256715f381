"""Landscape VAE Explorer: the Gradio UI over the bundled models. This file lays out the tabs and wires their
events; ui/handlers.py answers them, and vae.latent.explore does the model work.

    python app.py [--models assets/models] [--onnxruntime-web URL|FOLDER]
        # serves on 127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT override); slider moves decode in the browser
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

try:  # ZeroGPU (a free account's Space hardware) starts only an app that binds a spaces.GPU function here;
    # imported first, as its docs advise
    import spaces  # noqa: E402

    on_gpu = spaces.GPU
except ImportError:  # everywhere else those handlers run as they are

    def on_gpu(handler):
        return handler


import gradio as gr  # noqa: E402
import torch  # noqa: E402

from ui import words  # noqa: E402
from ui.browser_decoding import ONNXRUNTIME_WEB_CDN, BrowserDecoding, served_url  # noqa: E402
from ui.explore_inputs import MAX_CLASSES, SLIDERS, ExploreInputs, ExploreView  # noqa: E402
from ui.gradio_compat import CheckedBlocks, PhotoInput, with_named_inputs  # noqa: E402
from ui.handlers import Handlers  # noqa: E402
from ui.widgets import (  # noqa: E402
    COMPARE_PHOTO,
    CSS,
    EXAMPLES,
    MAP_HOVER_JS,
    MAX_UPLOAD_MB,
    PAGE_HEAD,
    PLOTS_MODULE,
    SHARE_HTML,
    SLIDER_MOVED_JS,
    axis_radio,
    browser_decoder_parts,
    class_sliders_panel,
    curious_part,
    example_photos,
    main_sliders,
    map_coordinates,
    map_image,
    model_choices,
    model_comparison,
    model_gallery,
    nearest_gallery,
    no_photo,
    own_slider_controls,
    photo_and_copy,
    picture,
    sampler_controls,
    seed_box,
    shown_axes,
    start_controls,
    walk_loop,
)
from vae.latent import explore  # noqa: E402

ROOT = Path(__file__).resolve().parent
MODELS_DIR = ROOT / "assets" / "models"
CACHE_CLEANUP = (600, 1800)  # every 10 minutes, delete served files older than 30 minutes
CONCURRENCY = 2  # one request per core: decoding is compute-bound
PRIVATE = {"api_visibility": "private"}  # an event of the page's own, not in the API


# one function per tab: its layout, then its events


def slider_events(
    h: Handlers,
    controls: ExploreInputs,
    image: gr.Image,
    strips: list[gr.HTML],
    server_decode: gr.Button,
    server_previews: gr.Button,
) -> None:
    """Slider moves decode in the browser (no request); the browser clicks the hidden server buttons if it cannot."""
    sliders = [*controls.sliders, *controls.more]  # as web/browser_decoder.js's namedValues reads them
    code_inputs = controls.to_list()
    gr.on([s.input for s in sliders], None, [image, *sliders], image, js=SLIDER_MOVED_JS, show_progress="hidden")
    server_decode.click(
        with_named_inputs(h.decode_sliders, ExploreInputs.api_names()),
        code_inputs,
        image,
        api_name="decode",
        trigger_mode="always_last",
        show_progress="hidden",
    )
    server_previews.click(
        h.preview_strips, code_inputs, strips, **PRIVATE, trigger_mode="always_last", show_progress="hidden"
    )


def explore_tab(h: Handlers, model: gr.Dropdown, demo: gr.Blocks) -> tuple[gr.File, gr.File]:
    """The Explore tab; returns its own slider's two groups of photos, which the map's photos can join."""
    first = h.models[h.default]
    kind = first.axis_kinds()[0]
    start_image, start_code, start_sliders = h.code_view(h.default, kind, h.start_code(first))
    start = ExploreInputs(h.default, [s["value"] for s in start_sliders], kind, [0.0] * MAX_CLASSES, start_code)
    decoding = BrowserDecoding(h)
    with gr.Tab("Explore"):
        with gr.Row(elem_id="explore-row"):
            with gr.Column(scale=1, elem_id="explore-picture-column"):
                shown_photo, image = photo_and_copy(h.photo_beside_copy(h.default, None), start_image)
                gr.HTML(html_template=SHARE_HTML, elem_id="share-link", container=False)
                share_note = gr.Markdown(elem_id="share-note")
                decoder, server_decode, server_previews = browser_decoder_parts(decoding.settings(start))
                seed, random_button, reset_button, photo = start_controls()
            with gr.Column(scale=1):
                class_sliders = class_sliders_panel(first)  # first: the sliders anyone understands
                axis_kind = axis_radio(first, kind)
                base, own = gr.State(start_code), gr.State(None)  # the code sliders start from; own sliders' directions
                sliders, strips = main_sliders(start_sliders, h.preview_strips(*start.to_list()))
                photos_with, photos_without, own_name, own_button, own_note = own_slider_controls()
                typical_button = gr.Button("How typical is this picture's code?", elem_id="typical-code-button")
                first_typical, first_nearest = h.how_typical_code(*start.to_list())
                typical_text = gr.Markdown(first_typical, elem_id="typical-code-text")
                typical_nearest = nearest_gallery(value=first_nearest)
                curious_part(words.EXPLORE_CURIOUS, "explore-curious")
    outputs = [image, base, *sliders]
    controls = ExploreInputs(model, sliders, axis_kind, class_sliders, base, own)
    code_inputs = controls.to_list()
    slider_events(h, controls, image, strips, server_decode, server_previews)
    typical_button.click(h.how_typical_code, code_inputs, [typical_text, typical_nearest], **PRIVATE)
    # a model chosen by the visitor (input, not change: a share link sets the model without starting afresh)
    from_photo = ([model, axis_kind, photo], [axis_kind, *outputs, *class_sliders])
    new_codes = [axis_kind.input(h.switch_axes, code_inputs, outputs, **PRIVATE)]
    for event, beside in [  # each new code, then the photo it is made of beside its picture (none: no photo)
        (model.input(h.start_from_photo, *from_photo, **PRIVATE), h.photo_beside_copy),
        (photo.change(h.start_from_photo, *from_photo, **PRIVATE), h.photo_beside_copy),
        (random_button.click(h.randomise, [model, axis_kind, seed], outputs, **PRIVATE), no_photo),
        (reset_button.click(h.reset, [model, axis_kind], outputs, **PRIVATE), no_photo),
    ]:
        new_codes.append(event)
        event.success(beside, [model, photo], shown_photo, **PRIVATE, show_progress="hidden")
    view = ExploreView(model, axis_kind, image, shown_photo, base, sliders, class_sliders, own, decoder)
    demo.load(decoding.open_link, None, [*view.to_list(), share_note], **PRIVATE)
    model.input(h.forget_own_sliders, None, own, **PRIVATE)
    new_codes.append(
        own_button.click(
            h.add_own_slider,
            [model, photos_with, photos_without, own_name, own],
            [own, *class_sliders, own_note],
            **PRIVATE,
        )
    )
    for event in new_codes:  # the browser's decoder learns each new starting code, axes, model and own slider
        event.then(decoding.settings_of, code_inputs, decoder, **PRIVATE, show_progress="hidden")
    return photos_with, photos_without


def sample_tab(h: Handlers, model: gr.Dropdown, demo: gr.Blocks) -> None:
    with gr.Tab("Sample"):
        with gr.Row():
            seed = seed_box()
            count = gr.Slider(1, explore.MAX_SAMPLES, value=16, step=1, label="How many")
            temperature, source = sampler_controls()
        button = gr.Button("Sample", variant="primary")
        samples = picture("Samples")
        curious_part(words.SAMPLE_CURIOUS, "sample-curious")
    inputs = [model, seed, count, temperature, source]
    button.click(h.sample, inputs, samples, api_name="sample")
    demo.load(h.sample, inputs, samples, **PRIVATE)


def reconstruct_tab(h: Handlers, model: gr.Dropdown) -> None:
    first = h.first_reconstruction() if h.start_photo else [None] * 6  # the start photo's, before any upload
    with gr.Tab("Reconstruct"):
        with gr.Row():
            photo = PhotoInput(label="Your photo", height=300, value=h.start_photo)
            seen = picture("What the model sees (square, 128 px)", height=300, value=first[0])
            copy = picture("Reconstruction", height=300, elem_id="recon-output", value=first[1])
        with gr.Row():
            wipe = gr.ImageSlider(
                first[3], label="Before / after: drag the handle", height=300, elem_id="recon-wipe", interactive=False
            )
            with gr.Column():
                typical = gr.Markdown(first[4], elem_id="recon-typical")
                nearest = nearest_gallery(value=first[5])
                text = curious_part(words.RECONSTRUCT_CURIOUS, "recon-curious", first[2] or "")  # /reconstruct's words
        example_photos(photo)
    photo.change(h.reconstruct, [model, photo], [seen, copy, text], api_name="reconstruct").then(
        h.reconstruct_extras, [model, photo, seen, copy], [wipe, typical, nearest], **PRIVATE
    )


def compare_tab(h: Handlers, demo: gr.Blocks) -> None:
    columns = len(h.models)
    with gr.Tab("Compare β"):
        gr.Markdown(words.BETA_NOTE)
        photo = PhotoInput(label="A photo", height=260, value=COMPARE_PHOTO)
        example_photos(photo)
        first = h.compare_with_photo(COMPARE_PHOTO) if COMPARE_PHOTO else None  # shown before any upload
        reconstructions = model_gallery(words.COMPARE_GALLERY, columns + 1, "compare-reconstructions", first)
        with gr.Row():
            seed = seed_box("Seed")
            button = gr.Button("A new sample from every model")
        samples = model_gallery("Each model's own sample for this seed", columns, "compare-samples")
        gr.Markdown(words.TRAVERSALS_NOTE)
        with gr.Column(elem_id="compare-traversals"):
            for caption, row in h.compare_traversals():
                gr.Markdown(caption)  # whole: an image's own label is cut where its buttons sit
                gr.Image(row, label=caption, show_label=False, interactive=False, format="png", container=True)
        model_comparison(h.models, served_url(PLOTS_MODULE))
    photo.change(h.compare_with_photo, photo, reconstructions, **PRIVATE)
    button.click(h.compare_samples, seed, samples, **PRIVATE)
    demo.load(h.compare_samples, seed, samples, **PRIVATE)


def map_tab(h: Handlers, model: gr.Dropdown, own_groups: tuple[gr.File, gr.File]) -> None:
    first = h.models[h.default]
    with gr.Tab("Landscape map", visible=first.map_image is not None):
        gr.Markdown(words.MAP_NOTE)
        with gr.Row():
            landscape_map = map_image(first.map_image)
            with gr.Column():
                x, y = map_coordinates(first, h.start_code(first))  # the start photo's spot
                shown = h.decode_map(h.default, x.value, y.value) if first.map_image is not None else (None, None)
                painted = picture("The landscape at that spot", height=280, elem_id="map-decoded", value=shown[0])
                nearest = nearest_gallery(elem_id="map-nearest", value=shown[1])
                gr.Markdown(words.MAP_OWN_NOTE, elem_id="map-own-explained")
                with gr.Row():
                    own_buttons = [
                        gr.Button("These photos have a quality", size="sm", elem_id="map-own-with"),
                        gr.Button("These do not", size="sm", elem_id="map-own-without"),
                    ]
                own_note = gr.Markdown(elem_id="map-own-note")
                hover = gr.Button("Paint the spot under the mouse", visible="hidden", elem_id="map-hover")
    # the browser clicks `hover` once per animation frame while the mouse moves over the map (nothing without it)
    hover.click(
        None, [painted, x, y], [painted, x, y], js=MAP_HOVER_JS, show_progress="hidden", trigger_mode="multiple"
    )
    landscape_map.select(h.map_clicked, None, [x, y], **PRIVATE).then(
        h.decode_map, [model, x, y], [painted, nearest], api_name="map"
    )
    model.change(h.show_map, model, landscape_map, **PRIVATE)
    for button, group in zip(own_buttons, own_groups, strict=True):  # photos for "make your own slider" (Explore)
        button.click(h.add_photos, [nearest, group], [group, own_note], **PRIVATE)


def traverse_tab(h: Handlers, model: gr.Dropdown, demo: gr.Blocks) -> None:
    first = h.models[h.default]
    with gr.Tab("Traverse & interpolate"):
        with gr.Row():
            start = gr.Radio(
                [("The average", "zero"), ("Random code", "random"), ("A photo", "photo")],
                value="photo" if h.start_photo else "zero",
                label="Start from",
            )
            kind = gr.Radio(shown_axes(first), value=first.axis_kinds()[0], label="Rows move along")
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
        walk = h.interpolate(h.default, EXAMPLES[0], EXAMPLES[-1], 10) if EXAMPLES else (None, None)
        frame_gallery = gr.Gallery(walk[0], label="The walk, frame by frame", columns=10, height=200)
        gif = walk_loop(walk[1])
    inputs = [model, kind, start, seed, photo, rows]
    button.click(on_gpu(h.traverse), inputs, traversal, **PRIVATE)
    demo.load(h.traverse, inputs, traversal, **PRIVATE)
    interpolate_button.click(on_gpu(h.interpolate), [model, photo_a, photo_b, frames], [frame_gallery, gif], **PRIVATE)


def hidden_endpoints(h: Handlers, model: gr.Dropdown) -> None:
    """For gradio_client users: /compare, a photo to every model's copy, captioned (the tab shows the photo first);
    /direction, photos with a quality and photos without it, to a slider's numbers."""
    photo, copies = PhotoInput(label="A photo", visible=False), gr.Gallery(label="Each model's copy", visible=False)
    gr.Button(visible=False).click(h.compare, photo, copies, api_name="compare")
    photos_with = gr.File(file_count="multiple", file_types=["image"], label="Photos with the quality", visible=False)
    photos_without = gr.File(file_count="multiple", file_types=["image"], label="Photos without it", visible=False)
    numbers = gr.JSON(visible=False)
    gr.Button(visible=False).click(h.direction, [model, photos_with, photos_without], numbers, api_name="direction")


def build_demo(models: dict[str, explore.ExplorerModel]) -> gr.Blocks:
    h = Handlers(models)
    with CheckedBlocks(title="Landscape VAE Explorer", delete_cache=CACHE_CLEANUP) as demo:
        gr.Markdown(words.INTRO)
        model = gr.Dropdown(
            model_choices(models), value=h.default, label="Model", info="β: how strongly each model's code is squeezed"
        )
        with gr.Tabs():
            own_groups = explore_tab(h, model, demo)
            sample_tab(h, model, demo)
            reconstruct_tab(h, model)
            compare_tab(h, demo)
            map_tab(h, model, own_groups)
            traverse_tab(h, model, demo)
            with gr.Tab("About"):
                gr.Markdown(words.about([em.facts for em in models.values()]))
        hidden_endpoints(h, model)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=64)
    return demo


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument(
        "--models",
        action="append",
        help=f"a folder of model folders, or one model folder; may be given several times (default: {MODELS_DIR})",
    )
    parser.add_argument(
        "--onnxruntime-web",
        help="URL prefix or local folder of onnxruntime-web's dist/ files, for "
        f"decoding in the browser (default: $ONNXRUNTIME_WEB, else {ONNXRUNTIME_WEB_CDN})",
    )
    args = parser.parse_args(argv)
    if args.onnxruntime_web:
        os.environ["ONNXRUNTIME_WEB"] = args.onnxruntime_web
    torch.set_num_threads(max(1, (os.cpu_count() or 2) // CONCURRENCY))
    try:
        models = explore.load_explorer_models(*(args.models or [MODELS_DIR]))
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")  # one line, no usage: the flag was right, its value was not
    demo = build_demo(models)
    demo.launch(
        max_file_size=f"{MAX_UPLOAD_MB}mb",
        theme=gr.themes.Soft(),
        css=CSS,
        head=PAGE_HEAD,
        share=False,
        footer_links=["api"],
    )


if __name__ == "__main__":
    main()
