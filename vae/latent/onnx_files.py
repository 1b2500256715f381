"""Where a model folder keeps its networks as ONNX (`vae.publish.onnx_export` writes them at export): onnx/, as the
Hub's in-browser models ship them. The app serves the decoder to the browser and the static staging copies all of
them; neither exports anything. A folder exported before these files shipped has none, and says how to add them.
"""

from __future__ import annotations

from pathlib import Path

ONNX_FOLDER = "onnx"
ONNX_FILES = {"decoder": "decoder.onnx", "encoder": "encoder.onnx", "prior": "prior.onnx"}


def onnx_folder(model_dir) -> Path:
    return Path(model_dir) / ONNX_FOLDER


def onnx_networks(model_dir) -> dict[str, Path]:
    """The model folder's ONNX files that are there, by network ("decoder", "encoder", "prior")."""
    folder = onnx_folder(model_dir)
    return {network: folder / name for network, name in ONNX_FILES.items() if (folder / name).is_file()}


def missing_onnx_message(name: str, model_dir) -> str:
    """The one line said about a model folder without its ONNX files (an export from before they shipped)."""
    return (
        f"{name} has no ONNX files in {onnx_folder(model_dir)} (it was exported before they shipped), so its "
        f"pictures are painted on the server; python -m vae.export --onnx {model_dir} writes them"
    )
