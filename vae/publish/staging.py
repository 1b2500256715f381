"""What a Hub repo holds, staged in a folder: a model repo (the model folder, its card and pictures), a Gradio Space
(the app, its models, its front matter and the requirements its target installs) or the static edition; and the
listing of a staged folder against the size this project keeps a Space under."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..core.checkpoint import ATLAS_CODES_NAME, ATLAS_PHOTOS_NAME, CONFIG_NAME
from .model_card import draw_card_pictures, model_card

ROOT = Path(__file__).resolve().parents[2]  # the checkout: what a Space runs
SPACE_FILES = ("app.py", "requirements.txt", "LICENSE")
SPACE_FOLDERS = ("vae", "ui", "web", "assets/examples")
SKIPPED = ("__pycache__", "*.pyc", "*.pyi")
SPACE_BUDGET_MB = (
    80  # the bundled models (with their onnx/ files) and photos stay under 80 MB (assets/), and so does their Space
)
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


class HubError(RuntimeError):
    """Staging or sending failed; the message is one line saying why and what to do."""


# model folders


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
    """A copy of a model folder (onnx/ included) with the photo sheet it may share with other models: inside it (a
    model repo stands alone), or with `share` once beside it in the shared folder (a Space's models show the same
    photos)."""
    from ..latent.atlas import named_sheet_digest, photo_sheet_path, shared_sheet_path

    copy_tree(model_dir, target)
    if (model_dir / ATLAS_CODES_NAME).is_file() and not (target / ATLAS_PHOTOS_NAME).is_file():
        digest = named_sheet_digest(model_dir)
        copy = shared_sheet_path(target.parent, digest) if share else target / ATLAS_PHOTOS_NAME
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(photo_sheet_path(model_dir, digest), copy)


def stage_model(model_dir: Path, repo_id: str, stage: Path) -> None:
    """A model repo: the model folder, its card (README.md) and the card's pictures."""
    if not (model_dir / CONFIG_NAME).is_file():
        raise HubError(f"{model_dir}: not a model folder (config.json + model.safetensors)")
    stage_model_folder(model_dir, stage)
    draw_card_pictures(model_dir, stage)
    model_card(model_dir, repo_id).save(stage / "README.md")


# Spaces


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


def stage_static_space(stage: Path, folders: list[Path], *, page: dict, onnxruntime_web: str) -> None:
    """The static edition of these model folders (vae.publish.static_site), with the static front matter."""
    from .static_site import stage_static

    try:
        differences = stage_static(stage, folders, page=page, onnxruntime_web=onnxruntime_web)
    except ValueError as error:
        raise HubError(str(error)) from None
    (stage / "README.md").write_text(space_front_matter("static"))
    for name, measured in differences.items():
        print(
            f"{name}: fp16 weights change its pictures by at most {255 * measured['decoder']:.3f} / 255 (decoder) "
            f"and {255 * measured['encoder']:.3f} / 255 (encoder)"
        )


# what was staged


def listing(stage: Path) -> tuple[list[tuple[str, int]], int]:
    files = sorted((p.relative_to(stage).as_posix(), p.stat().st_size) for p in stage.rglob("*") if p.is_file())
    return files, sum(size for _, size in files)


def print_listing(stage: Path) -> int:
    files, total = listing(stage)
    for name, size in files:
        print(f"{size / 1e6:9.3f} MB  {name}")
    print(f"{total / 1e6:9.3f} MB  in {len(files)} files, staged in {stage}")
    return total
