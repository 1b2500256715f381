"""Landscape VAE Explorer: the Gradio UI over the bundled models. All model work lives in vae.explore.

    python app.py [--models assets/models]     # serves on 127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT override)
"""

from __future__ import annotations

import argparse
import inspect
import os
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import torch  # noqa: E402

from vae import explore  # noqa: E402
from vae.data import DataError  # noqa: E402

ROOT = Path(__file__).resolve().parent
MODELS_DIR = ROOT / "assets" / "models"
EXAMPLES = sorted(str(p) for p in (ROOT / "assets" / "examples").glob("*.jpg"))
START_PHOTO = ROOT / "assets" / "examples" / "mountain-ridge.jpg"  # what a visitor sees first
SLIDERS = 12
SLIDER_RANGE = 3.0
MAX_UPLOAD = "10mb"
CACHE_CLEANUP = (600, 1800)  # every 10 minutes, delete served files older than 30 minutes
CONCURRENCY = 2  # one request per core: decoding is compute-bound
# decoded images are 128 px: show them large and smooth instead of as a small tile
CSS = ".big-image img { width: 100%; height: 100%; object-fit: contain; }"

INTRO = """# 🏔️ Landscape VAE Explorer
A **variational autoencoder** squeezes each landscape photo into a short list of numbers (its *code*)
and learns to paint a landscape back from any code. Move the sliders, sample new scenes, upload a photo
and see what the model keeps, or compare models trained with different **β** (how hard the code is squeezed)."""

ABOUT = """## What is a VAE?
An **encoder** turns a photo into a code: 128 numbers, each a point on a bell curve. A **decoder** turns
any code back into a picture. Training asks for two things at once:

- **Reconstruction**: the decoded picture should look like the photo that went in;
- **KL divergence**: the codes should look like draws from a standard bell curve, so that *any* code
  you pick, not only those of real photos, decodes to a plausible landscape.

The loss is **reconstruction + β · KL**. A small β keeps more detail per photo; a large β (a *β-VAE*)
squeezes the codes harder: blurrier pictures, but a smoother map of landscapes in which single numbers
tend to control single features, such as the horizon's height or the sky's brightness.

## The tabs
- **Explore**: each slider is one number of the code, the most informative first (ranked by how much
  KL that number carries). Start from a random code or a photo and move a slider.
- **Sample**: decode random codes. *Temperature* scales them (lower: safer, duller pictures).
  *Fitted to the photos* draws codes from a bell curve fitted to the real photos' codes, which usually
  gives more realistic samples than the standard one (Ghosh et al. 2020).
- **Reconstruct**: a photo, its code, and the picture decoded from it, with scores in plain words.
- **Compare β**: the same photo and the same random code through every model.
- **Traverse & interpolate**: each row varies one number from −3 to +3; and a smooth walk between
  two photos' codes, as frames and as a GIF.

The models were trained with `train.py` on about 5,300 landscape photos from the Intel Image
Classification dataset; the example photos come from its test split, never seen in training."""

BETA_NOTE = """**What β trades.** Small β: sharper copies, but random codes land between the photos' codes and
decode to muddle. Large β: the code holds less (lower KL, fewer active dimensions), copies get blurrier,
and the space gets smoother, so random samples and traversals look more coherent."""


class PhotoInput(gr.Image):
    """An image upload whose file goes to the handlers unopened: vae.data opens it carefully and says
    what is wrong with a bad file, where Gradio's own opening fails with a generic error."""

    def __init__(self, **kwargs):
        super().__init__(**{"type": "filepath", "sources": ["upload"], **kwargs})  # Gradio re-creates it with both

    # Gradio builds the props it sends to the browser from the signature of __init__; without gr.Image's
    # the browser gets none (no `buttons`: the page crashes at "Loading...", no label in the API docs).
    __init__.__signature__ = inspect.signature(gr.Image.__init__)

    @classmethod
    def get_block_name(cls) -> str:
        return "image"  # the browser draws it as a plain gr.Image

    def preprocess(self, payload):
        if payload is not None and payload.path:
            return payload.path  # Gradio has already checked the path is an upload in its cache
        try:
            return super().preprocess(payload)
        except Exception:
            raise gr.Error("Could not read the uploaded image.") from None


def build_demo(models: dict[str, explore.ExplorerModel]) -> gr.Blocks:
    names = list(models)
    default = "beta-1" if "beta-1" in models else names[0]
    first = models[default]
    # open on a real photo's code rather than the all-zero code, which decodes to a grey average
    start_photo = str(START_PHOTO) if START_PHOTO.is_file() else None
    start_z = (explore.encode(first, explore.photo_tensor(start_photo, first.model.config.image_size)) if start_photo
               else torch.zeros(first.latent_dim))
    start_z = explore.clamp_to_sliders(first, start_z, SLIDERS, SLIDER_RANGE)

    # handlers

    def model_of(name: str) -> explore.ExplorerModel:
        if name not in models:
            raise gr.Error(f"Unknown model {name!r}: choose one of {', '.join(names)}.")
        return models[name]

    def photo_of(path, size: int) -> torch.Tensor:
        if not path:
            raise gr.Error("Please upload a photo first (or click one of the examples).")
        try:
            return explore.photo_tensor(path, size)
        except DataError as error:
            raise gr.Error(f"Could not use this file: {error}.") from None

    def slider_updates(em: explore.ExplorerModel, z: torch.Tensor) -> list[dict]:
        """Value and label of each slider: its rank, the dimension it moves, and that dimension's KL."""
        values = explore.slider_values(em, z, SLIDERS)
        kl = em.facts.get("kl_per_dim")
        return [
            {"value": v, "label": f"#{rank + 1} · dimension {d}" + (f" · KL {kl[d]:.2f} nats" if kl else "")}
            for rank, (v, d) in enumerate(zip(values, em.dims_by_kl[:SLIDERS], strict=True))
        ]

    def show_latent(name: str, z: torch.Tensor):
        em = model_of(name)
        z = explore.clamp_to_sliders(em, z, SLIDERS, SLIDER_RANGE)
        return [explore.decode(em, z), z.tolist(), *(gr.update(**u) for u in slider_updates(em, z))]

    def decode_sliders(name: str, *values_and_base):
        *values, base = values_and_base
        em = model_of(name)
        base_z = torch.tensor(base, dtype=torch.float32) if base and len(base) == em.latent_dim else torch.zeros(em.latent_dim)
        return explore.decode(em, explore.with_slider_values(em, base_z, [v or 0.0 for v in values]))

    def randomise(name: str, seed: float):
        return show_latent(name, explore.random_latent(model_of(name), int(seed or 0))[0])

    def reset(name: str):
        return show_latent(name, torch.zeros(model_of(name).latent_dim))

    def start_from_photo(name: str, path):
        em = model_of(name)
        path = path or start_photo
        if not path:
            return reset(name)
        return show_latent(name, explore.encode(em, photo_of(path, em.model.config.image_size)))

    def sample(name: str, seed: float, count: float, temperature: float = 1.0, source: str = "standard"):
        em = model_of(name)
        return explore.sample_grid(em, int(seed or 0), int(count or 16), float(temperature or 1.0), fitted=source == "fitted")

    def reconstruct(name: str, path):
        em = model_of(name)
        original, copy, scores = explore.reconstruct(em, photo_of(path, em.model.config.image_size))
        return original, copy, explore.describe_scores(scores)

    def compare(path):
        gallery = []
        for em in models.values():
            _, copy, scores = explore.reconstruct(em, photo_of(path, em.model.config.image_size))
            gallery.append((copy, f"β = {em.model.config.beta:g} · PSNR {scores['psnr']:.1f}"))
        return gallery

    def compare_samples(seed: float):
        z = explore.random_latent(next(iter(models.values())), int(seed or 0))[0]
        return [(explore.decode(em, z), f"β = {em.model.config.beta:g}") for em in models.values() if em.latent_dim == len(z)]

    def traverse(name: str, start: str, seed: float, path, rows: float):
        em = model_of(name)
        if start == "photo":
            base = explore.encode(em, photo_of(path, em.model.config.image_size))
        elif start == "random":
            base = explore.random_latent(em, int(seed or 0))[0]
        else:
            base = torch.zeros(em.latent_dim)
        return explore.traversal_grid(em, base, int(rows or 8))

    def interpolate(name: str, path_a, path_b, frames: float):
        em = model_of(name)
        size = em.model.config.image_size
        images = explore.interpolate(em, photo_of(path_a, size), photo_of(path_b, size), int(frames or 10))
        gif = explore.write_gif(images, Path(tempfile.mkdtemp()) / "interpolation.gif")
        return images, str(gif)

    # layout

    with gr.Blocks(title="Landscape VAE Explorer", delete_cache=CACHE_CLEANUP) as demo:
        gr.Markdown(INTRO)
        model = gr.Dropdown(names, value=default, label="Model", info="β: how strongly each model's code is squeezed")
        with gr.Tabs():
            with gr.Tab("Explore"):
                with gr.Row():
                    with gr.Column(scale=1):
                        explore_image = gr.Image(value=explore.decode(first, start_z), label="Decoded image", elem_classes="big-image",
                                                 format="png", height=320, interactive=False, elem_id="explore-image")
                        with gr.Row():
                            seed = gr.Number(value=0, precision=0, label="Seed", minimum=0)
                            random_button = gr.Button("🎲 Random", variant="primary", elem_id="random-button")
                            reset_button = gr.Button("Reset to 0")
                        explore_photo = PhotoInput(label="…or start from a photo", height=200)
                        gr.Examples(EXAMPLES, explore_photo, label="Example photos")
                    with gr.Column(scale=1):
                        gr.Markdown("Each slider is one number of the code, most informative first.")
                        base = gr.State(start_z.tolist())
                        sliders = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, step=0.05, elem_id=f"slider-{i}", **update)
                                   for i, update in enumerate(slider_updates(first, start_z))]
            with gr.Tab("Sample"):
                with gr.Row():
                    sample_seed = gr.Number(value=0, precision=0, label="Seed", minimum=0)
                    count = gr.Slider(1, explore.MAX_SAMPLES, value=16, step=1, label="How many")
                    temperature = gr.Slider(0.1, 2.0, value=1.0, step=0.05, label="Temperature")
                    source = gr.Radio([("Standard bell curve N(0, I)", "standard"), ("Fitted to the photos", "fitted")],
                                      value="standard", label="Draw codes from")
                sample_button = gr.Button("Sample", variant="primary")
                samples = gr.Image(label="Samples", elem_classes="big-image", format="png", interactive=False)
            with gr.Tab("Reconstruct"):
                with gr.Row():
                    recon_photo = PhotoInput(label="Your photo", height=300)
                    recon_input = gr.Image(label="What the model sees (square, 128 px)", elem_classes="big-image", format="png", interactive=False, height=300)
                    recon_output = gr.Image(label="Reconstruction", elem_classes="big-image", format="png", interactive=False, height=300, elem_id="recon-output")
                recon_text = gr.Markdown()
                gr.Examples(EXAMPLES, recon_photo, label="Example photos")
            with gr.Tab("Compare β"):
                gr.Markdown(BETA_NOTE)
                with gr.Row():
                    compare_photo = PhotoInput(label="A photo", height=260)
                    compare_gallery = gr.Gallery(label="Reconstructed by each model (PSNR in dB)", columns=len(models), height=300)
                gr.Examples(EXAMPLES, compare_photo, label="Example photos")
                with gr.Row():
                    compare_seed = gr.Number(value=0, precision=0, label="Seed of the random code", minimum=0)
                    compare_button = gr.Button("Decode the same random code with every model")
                same_code_gallery = gr.Gallery(label="One random code, every model", columns=len(models), height=300)
                header, rows = explore.facts_table(models)
                gr.Dataframe(value=rows, headers=header, label="The models", interactive=False)
            with gr.Tab("Traverse & interpolate"):
                with gr.Row():
                    start = gr.Radio([("All zeros", "zero"), ("Random code", "random"), ("A photo", "photo")],
                                     value="photo" if start_photo else "zero", label="Start from")
                    traverse_seed = gr.Number(value=0, precision=0, label="Seed", minimum=0)
                    rows_slider = gr.Slider(1, SLIDERS, value=8, step=1, label="Dimensions (rows)")
                    traverse_photo = PhotoInput(label="Photo", height=160, value=start_photo)
                traverse_button = gr.Button("Traverse", variant="primary")
                traversal = gr.Image(label="Rows: the most informative dimensions; columns: values −3 … +3", elem_classes="big-image", format="png",
                                     interactive=False)
                gr.Markdown("### Interpolate between two photos")
                with gr.Row():
                    photo_a = PhotoInput(label="From", height=200, value=EXAMPLES[0] if EXAMPLES else None)
                    photo_b = PhotoInput(label="To", height=200, value=EXAMPLES[-1] if EXAMPLES else None)
                    frames = gr.Slider(2, explore.MAX_FRAMES, value=10, step=1, label="Frames")
                interpolate_button = gr.Button("Interpolate", variant="primary")
                frame_gallery = gr.Gallery(label="Frames", columns=10, height=200)
                gif = gr.File(label="Animated GIF")
            with gr.Tab("About"):
                gr.Markdown(ABOUT)

        # wiring
        latent_outputs = [explore_image, base, *sliders]
        gr.on([s.input for s in sliders], decode_sliders, [model, *sliders, base], explore_image, api_name="decode",
              trigger_mode="always_last", show_progress="hidden")
        model.change(start_from_photo, [model, explore_photo], latent_outputs, api_visibility="private")
        random_button.click(randomise, [model, seed], latent_outputs, api_visibility="private")
        reset_button.click(reset, model, latent_outputs, api_visibility="private")
        explore_photo.change(start_from_photo, [model, explore_photo], latent_outputs, api_visibility="private")
        sample_button.click(sample, [model, sample_seed, count, temperature, source], samples, api_name="sample")
        recon_photo.change(reconstruct, [model, recon_photo], [recon_input, recon_output, recon_text], api_name="reconstruct")
        compare_photo.change(compare, compare_photo, compare_gallery, api_name="compare")
        compare_button.click(compare_samples, compare_seed, same_code_gallery, api_visibility="private")
        traverse_button.click(traverse, [model, start, traverse_seed, traverse_photo, rows_slider], traversal,
                              api_visibility="private")
        interpolate_button.click(interpolate, [model, photo_a, photo_b, frames], [frame_gallery, gif], api_visibility="private")
        demo.load(sample, [model, sample_seed, count, temperature, source], samples, api_visibility="private")
        demo.load(compare_samples, compare_seed, same_code_gallery, api_visibility="private")
        demo.load(traverse, [model, start, traverse_seed, traverse_photo, rows_slider], traversal, api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=64)
    return demo


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=str(MODELS_DIR), help="folder of model folders (config.json + model.safetensors)")
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, (os.cpu_count() or 2) // CONCURRENCY))
    demo = build_demo(explore.load_explorer_models(args.models))
    demo.launch(max_file_size=MAX_UPLOAD, theme=gr.themes.Soft(), css=CSS, share=False, footer_links=["api"])


if __name__ == "__main__":
    main()
