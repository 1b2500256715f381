"""A model repo's card: its text (huggingface_hub's YAML metadata, then the scores, the use and the training commands)
and its two pictures (samples, and held-out photos above their reconstructions)."""

from __future__ import annotations

from pathlib import Path

from ..core.checkpoint import FACTS_NAME, read_json

MODEL_TAGS = ["vae", "beta-vae", "image-generation", "pytorch"]
CARD_SCORES = (  # (label, facts.json key) of the scores a model card shows
    ("test PSNR (dB)", "test_psnr"),
    ("test SSIM", "test_ssim"),
    ("test KL (nats per image)", "test_kl"),
    ("active dimensions", "active_units"),
)
ONNX_FOLDER = "onnx"  # the networks in ONNX, where the Hub's in-browser models keep them


def browser_section(model_dir: Path, repo_id: str, facts: dict) -> str:
    """What the card says about the model's ONNX files, where its folder has a decoder among them (else "")."""
    latent_dim, size = facts.get("latent_dim", "D"), facts.get("image_size", "S")
    networks = sorted(p.name for p in (model_dir / ONNX_FOLDER).glob("*.onnx"))
    if "decoder.onnx" not in networks:
        return ""
    listed = ", ".join(f"`{ONNX_FOLDER}/{name}`" for name in networks)
    return f"""
## In a browser

{listed}: the same networks in ONNX, which run in a web page with
[onnxruntime-web](https://onnxruntime.ai/docs/tutorials/web/), no server needed. The decoder takes a code `z`
(1, {latent_dim}) and gives the picture `image` (1, 3, {size}, {size}) in [0, 1]:

```js
import * as ort from "onnxruntime-web";
const decoder = await ort.InferenceSession.create("https://huggingface.co/{repo_id}/resolve/main/onnx/decoder.onnx");
const z = new ort.Tensor("float32", new Float32Array({latent_dim}), [1, {latent_dim}]);  // z = 0, the centre of N(0, I)
const {{ image }} = await decoder.run({{ z }});
```
"""


def model_card(model_dir: Path, repo_id: str):
    """The card of a model repo, as huggingface_hub writes and reads cards: YAML metadata, then the text."""
    from huggingface_hub import ModelCard, ModelCardData

    facts = read_json(model_dir / FACTS_NAME) if (model_dir / FACTS_NAME).is_file() else {}
    data = ModelCardData(
        license="mit",
        library_name="pytorch",
        tags=MODEL_TAGS,
        pipeline_tag="unconditional-image-generation",
        **({"datasets": [facts["dataset"]]} if facts.get("dataset") else {}),
    )
    scores = [(label, facts[key]) for label, key in CARD_SCORES if key in facts]
    table = "\n".join(["| metric | value |", "|---|---|", *(f"| {label} | {value} |" for label, value in scores)])
    commands = "\n".join(facts.get("commands", [])) or "(not recorded)"
    name = repo_id.split("/")[1]
    browser = browser_section(model_dir, repo_id, facts)
    text = f"""---
{data.to_yaml()}
---

# {name}

A convolutional variational autoencoder (β = {facts.get("beta", "?")}) of {facts.get("image_size", "?")} px images with a
{facts.get("latent_dim", "?")}-number code, made with the Landscape VAE Explorer.

## Scores

{table}

## Samples and reconstructions

![Samples](samples.png)

![Held-out photos above their reconstructions](reconstructions.png)

## Use it

With the Landscape VAE Explorer's `vae` package installed (`pip install .` in its checkout):

```python
import torch
from vae import load_model

model = load_model("{repo_id}")
with torch.no_grad():
    images = model.decode(torch.randn(16, model.config.latent_dim))  # (16, 3, size, size) in [0, 1]
```

In the explorer app, beside the bundled models: `python app.py --models assets/models --models {repo_id}`
{browser}
## How it was trained

```bash
{commands}
```
"""
    return ModelCard(text)


def draw_card_pictures(model_dir: Path, stage: Path) -> None:
    """samples.png (16 from the model's Sample-tab sampler) and reconstructions.png (held-out photos above copies)."""
    import torch
    from PIL import Image

    from ..latent import explore

    em = explore.load_explorer_model(model_dir)
    Image.fromarray(explore.sample_grid(em, 0, 16, 1.0, source="fitted")).save(stage / "samples.png")
    if em.atlas is None:
        return
    photos = torch.from_numpy(em.atlas.photos[:8].copy()).permute(0, 3, 1, 2).float() / 255.0
    photos = torch.nn.functional.interpolate(photos, size=(em.image_size, em.image_size), mode="bilinear")
    with torch.inference_mode():
        copies = em.model.decode(em.model.encode(photos).mean)
    Image.fromarray(explore.grid_image(torch.cat([photos, copies]), nrow=8)).save(stage / "reconstructions.png")
