"""Share on the Hugging Face Hub: a model folder with its model card, or the whole app as a Gradio Space.

    python -m vae.hub push MODEL_DIR OWNER/NAME [--private] [--dry-run] [--stage DIR]
    python -m vae.hub space OWNER/NAME [--models DIR ...] [--hardware cpu|zero] [--private] [--dry-run] [--stage DIR]
    python -m vae.hub space OWNER/NAME --static [--onnxruntime-web DIR|URL] [--models DIR ...] [...]

Both stage exactly the repo's files in a folder first (a temporary one unless --stage names it), list them
with their sizes, and then send the folder with one `upload_folder` call, which routes binary files through
the Hub's large-file storage. --dry-run stages and lists, and makes no network call. Log in first with
`hf auth login`, or set HF_TOKEN.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..core.checkpoint import ATLAS_CODES_NAME, ATLAS_PHOTOS_NAME, CONFIG_NAME, FACTS_NAME, read_json

ROOT = Path(__file__).resolve().parents[2]  # the checkout: what a Space runs
SPACE_FILES = ("app.py", "requirements.txt", "LICENSE")
SPACE_FOLDERS = ("vae", "ui", "web", "assets/examples")
SKIPPED = ("__pycache__", "*.pyc", "*.pyi")
SPACE_BUDGET_MB = 40  # the bundled models and photos stay under 40 MB (assets/), and so does their Space
STATIC_BUDGET_MB = 30  # the static edition, with onnxruntime-web from its CDN
HARDWARE = ("cpu", "zero")  # Basic CPU, or ZeroGPU
# What each target's build installs on top of requirements.txt, where its Python needs another release (exact pins
# still). ZeroGPU's docs: "Python: 3.10.13", and PyTorch from a list of releases (2.1.0 ... 2.8.0): numpy 2.3 and
# later need Python 3.11, and torch 2.8.0 is in every list (torchvision 0.23.0 is its pair).
SPACE_PYTHON = {"cpu": "3.11", "zero": "3.10"}  # the front matter's python_version
TARGET_PINS = {
    "cpu": {},
    "zero": {
        "numpy": "numpy==2.2.6  # the last numpy for Python 3.10",
        "torch": "torch==2.8.0  # a release ZeroGPU lists",
        "torchvision": "torchvision==0.23.0  # torch 2.8.0's",
        "spaces": "spaces==0.51.3  # ZeroGPU's package: app.py binds its handlers through spaces.GPU",
    },
}
MODEL_TAGS = ["vae", "beta-vae", "image-generation", "pytorch"]


class HubError(RuntimeError):
    """Staging or sending failed; the message is one line saying why and what to do."""


# staging


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*SKIPPED), dirs_exist_ok=True)


def model_folders(source: Path) -> list[Path]:
    """One model folder, or the model folders in a folder of them."""
    if (source / CONFIG_NAME).is_file():
        return [source]
    found = sorted(f for f in source.iterdir() if (f / CONFIG_NAME).is_file()) if source.is_dir() else []
    if not found:
        raise HubError(f"{source}: not a model folder, nor a folder of model folders (config.json + model.safetensors)")
    return found


def named_model_folders(sources: list[Path]) -> list[Path]:
    """The model folders of the sources; a HubError when two of them would be staged under one name."""
    folders, names = [], set()
    for folder in (f for source in sources for f in model_folders(source)):
        if folder.name in names:
            raise HubError(f"two models are named {folder.name!r}: rename one of their folders")
        names.add(folder.name)
        folders.append(folder)
    return folders


def stage_model_folder(model_dir: Path, target: Path, *, share: bool = False) -> None:
    """A copy of a model folder with the photo sheet it may share with other models: inside it (a model repo
    stands alone), or with `share` once beside it in the shared folder (a Space's models show the same photos)."""
    from ..latent.atlas import named_sheet_digest, photo_sheet_path, shared_sheet_path

    copy_tree(model_dir, target)
    if (model_dir / ATLAS_CODES_NAME).is_file() and not (target / ATLAS_PHOTOS_NAME).is_file():
        digest = named_sheet_digest(model_dir)
        copy = shared_sheet_path(target.parent, digest) if share else target / ATLAS_PHOTOS_NAME
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(photo_sheet_path(model_dir, digest), copy)


def space_front_matter(hardware: str) -> str:
    """The README's Spaces front matter, for the chosen hardware ("static": the static edition, no Python)."""
    text = (ROOT / "README.md").read_text()
    front, body = text.split("---\n", 2)[1:]
    if hardware == "static":
        kept = [
            line
            for line in front.splitlines()
            if line.split(":")[0] not in ("sdk", "sdk_version", "app_file", "python_version")
        ]
        return "---\n" + "\n".join([*kept, "sdk: static", "app_file: index.html"]) + f"\n---\n{body}"
    front = front.replace('python_version: "3.11"', f'python_version: "{SPACE_PYTHON[hardware]}"')
    if hardware == "zero":
        front += "suggested_hardware: zero-a10g\n"
    return f"---\n{front}---\n{body}"


def requirement_name(line: str) -> str | None:
    """The package a requirements line names (None for a comment or a blank line)."""
    name = line.split("#", 1)[0].strip().split("==", 1)[0].strip()
    return name.lower() or None


def space_requirements(hardware: str) -> str:
    """requirements.txt with the target's own pins in place of those its Python or GPU cannot install."""
    pins = TARGET_PINS[hardware]
    lines = [pins.get(requirement_name(line), line) for line in (ROOT / "requirements.txt").read_text().splitlines()]
    named = {requirement_name(line) for line in lines}
    return "\n".join(lines + [line for name, line in pins.items() if name not in named]) + "\n"


def stage_space(stage: Path, model_sources: list[Path], *, hardware: str = "cpu") -> None:
    """The app, its models and examples, ready to run anywhere: nothing from tests, bench, docs or runs."""
    for name in SPACE_FILES:
        shutil.copyfile(ROOT / name, stage / name)
    for name in SPACE_FOLDERS:
        copy_tree(ROOT / name, stage / name)
    for folder in named_model_folders(model_sources):
        stage_model_folder(folder, stage / "assets" / "models" / folder.name, share=True)
    (stage / "README.md").write_text(space_front_matter(hardware))
    (stage / "requirements.txt").write_text(space_requirements(hardware))


def stage_static_space(stage: Path, folders: list[Path], *, page: dict, onnxruntime_web: str, priors: bool) -> None:
    """The static edition of these model folders (vae.publish.static_site), with the static front matter."""
    from .static_site import stage_static

    try:
        differences = stage_static(stage, folders, page=page, onnxruntime_web=onnxruntime_web, priors=priors)
    except ValueError as error:
        raise HubError(str(error)) from None
    (stage / "README.md").write_text(space_front_matter("static"))
    for name, measured in differences.items():
        print(
            f"{name}: fp16 weights change its pictures by at most {255 * measured['decoder']:.3f} / 255 (decoder) "
            f"and {255 * measured['encoder']:.3f} / 255 (encoder)"
        )


def listing(stage: Path) -> tuple[list[tuple[str, int]], int]:
    files = sorted((p.relative_to(stage).as_posix(), p.stat().st_size) for p in stage.rglob("*") if p.is_file())
    return files, sum(size for _, size in files)


def print_listing(stage: Path) -> int:
    files, total = listing(stage)
    for name, size in files:
        print(f"{size / 1e6:9.3f} MB  {name}")
    print(f"{total / 1e6:9.3f} MB  in {len(files)} files, staged in {stage}")
    return total


# the model card


CARD_SCORES = (  # (label, facts.json key) of the scores a model card shows
    ("test PSNR (dB)", "test_psnr"),
    ("test SSIM", "test_ssim"),
    ("test KL (nats per image)", "test_kl"),
    ("active dimensions", "active_units"),
)


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

```python
from vae import load_model
model = load_model("{repo_id}")
images = model.decode(torch.randn(16, model.config.latent_dim))
```

In the explorer app, beside the bundled models: `python app.py --models assets/models --models {repo_id}`

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


def stage_model(model_dir: Path, repo_id: str, stage: Path) -> None:
    if not (model_dir / CONFIG_NAME).is_file():
        raise HubError(f"{model_dir}: not a model folder (config.json + model.safetensors)")
    stage_model_folder(model_dir, stage)
    draw_card_pictures(model_dir, stage)
    model_card(model_dir, repo_id).save(stage / "README.md")


# sending


def upload(stage: Path, repo_id: str, *, repo_type: str, private: bool, sdk: str = "gradio") -> str:
    """Create the repo if needed and send the staged folder in one call; returns the repo's URL."""
    import httpx
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    if get_token() is None:
        raise HubError("not logged in to the Hugging Face Hub: run `hf auth login`, or set HF_TOKEN")
    api = HfApi()
    try:
        url = api.create_repo(
            repo_id,
            repo_type=repo_type,
            private=private,
            exist_ok=True,
            **({"space_sdk": sdk} if repo_type == "space" else {}),
        )
        api.upload_folder(
            folder_path=str(stage),
            repo_id=repo_id,
            repo_type=repo_type,
            commit_message="Upload from the Landscape VAE Explorer",
        )
    except (HfHubHTTPError, httpx.HTTPError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise HubError(
            f"could not send to the Hub ({reason}); nothing was changed there unless the repo was created"
        ) from None
    return str(url)


@contextlib.contextmanager
def staging_folder(stage: str | None):
    """--stage's folder (made new and empty), or a temporary one removed afterwards."""
    if stage is None:
        with tempfile.TemporaryDirectory(prefix="vae-hub-") as folder:
            yield Path(folder)
        return
    folder = Path(stage)
    if folder.exists() and any(folder.iterdir()):
        raise HubError(f"--stage {folder} is not empty: choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    push = commands.add_parser("push", help="a model folder and its model card to a Hub model repo")
    push.add_argument("model_dir", type=Path)
    space = commands.add_parser("space", help="the app and its models to a Gradio Space")
    space.add_argument(
        "--models",
        type=Path,
        action="extend",
        nargs="+",
        help="folders of model folders, or model folders; may be given several times (default: assets/models)",
    )
    space.add_argument(
        "--hardware",
        choices=HARDWARE,
        default="cpu",
        help="cpu: Basic CPU (Python 3.11); zero: ZeroGPU (Python 3.10, torch 2.8.0, the spaces package)",
    )
    space.add_argument(
        "--static",
        action="store_true",
        help="the static edition: the explorer running wholly in the visitor's browser (sdk: static, no Python)",
    )
    space.add_argument(
        "--onnxruntime-web",
        default=None,
        metavar="DIR|URL",
        help="with --static: where the page loads onnxruntime-web from, a URL prefix or a folder of the npm "
        "package's dist/ files copied into the site (default: $ONNXRUNTIME_WEB, else the pinned version's CDN)",
    )
    space.add_argument(
        "--diffusion-priors",
        action="store_true",
        help="with --static: stage the models' diffusion priors too, so that the page samples as the app does "
        "(3.5 MB each: the bundled set then passes 30 MB); without, the page's fitted samples come from the mixture",
    )
    for command in (push, space):
        command.add_argument("repo_id", metavar="OWNER/NAME")
        command.add_argument("--private", action="store_true")
        command.add_argument("--dry-run", action="store_true", help="stage and list the files; send nothing")
        command.add_argument("--stage", help="keep the staged files in this new folder")
    return parser.parse_args(argv)


def main(argv=None, *, static_page=None) -> int:
    """`static_page` gives the static edition's words and layout (ui.static_page.page_settings; the command passes
    it, so that this floor never imports the UI)."""
    args = parse_args(argv)
    static = getattr(args, "static", False)  # only `space` has the flag
    budget = STATIC_BUDGET_MB if static else SPACE_BUDGET_MB
    try:
        with staging_folder(args.stage) as stage:
            models = getattr(args, "models", None) or [ROOT / "assets" / "models"]
            if args.command == "push":
                stage_model(args.model_dir, args.repo_id, stage)
            elif static:
                if static_page is None:
                    raise HubError("--static needs the page's words: run it as `python -m vae.hub`")
                folders = named_model_folders(models)
                page = static_page([read_json(f / FACTS_NAME) for f in folders if (f / FACTS_NAME).is_file()])
                source = args.onnxruntime_web or os.environ.get("ONNXRUNTIME_WEB") or page["ort_cdn"]
                stage_static_space(stage, folders, page=page, onnxruntime_web=source, priors=args.diffusion_priors)
            else:
                stage_space(stage, models, hardware=args.hardware)
            total = print_listing(stage)
            if args.command == "space" and total > budget * 1e6:
                print(f"note: {total / 1e6:.1f} MB is over the {budget} MB this project keeps this Space under")
            if args.dry_run:
                print("dry run: nothing was sent")
                return 0
            url = upload(
                stage,
                args.repo_id,
                repo_type="space" if args.command == "space" else "model",
                private=args.private,
                sdk="static" if static else "gradio",
            )
    except HubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"done: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
