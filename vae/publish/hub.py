"""Share on the Hugging Face Hub: a model folder with its model card, or the whole app as a Gradio Space.

    python -m vae.hub push MODEL_DIR OWNER/NAME [--private] [--dry-run] [--stage DIR]
    python -m vae.hub space OWNER/NAME [--models DIR ...] [--hardware cpu|zero] [--private] [--dry-run] [--stage DIR]
    python -m vae.hub space OWNER/NAME --static [--onnxruntime-web DIR|URL] [--models DIR ...] [...]

Both stage exactly the repo's files in a folder first (a temporary one unless --stage names it), list them
with their sizes, and then send the folder with one `upload_folder` call, which routes binary files through
the Hub's large-file storage. --dry-run stages and lists, and makes no network call. Log in first with
`hf auth login`, or set HF_TOKEN.

This module sends and reads the command line; what is staged is vae.publish.staging's (and the model card,
vae.publish.model_card's).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from ..core.checkpoint import FACTS_NAME, read_json
from .staging import (
    HARDWARE,
    ROOT,
    SPACE_BUDGET_MB,
    HubError,
    named_model_folders,
    print_listing,
    stage_model,
    stage_space,
    stage_static_space,
)

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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    commands = parser.add_subparsers(dest="command", required=True)
    push = commands.add_parser("push", allow_abbrev=False, help="a model folder and its model card to a Hub model repo")
    push.add_argument("model_dir", type=Path)
    space = commands.add_parser("space", allow_abbrev=False, help="the app and its models to a Gradio Space")
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
                stage_static_space(stage, folders, page=page, onnxruntime_web=source)
            else:
                stage_space(stage, models, hardware=args.hardware)
            total = print_listing(stage)
            if args.command == "space" and not static and total > SPACE_BUDGET_MB * 1e6:
                print(
                    f"note: {total / 1e6:.1f} MB is over the {SPACE_BUDGET_MB} MB this project keeps this Space under"
                )
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
