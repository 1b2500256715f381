"""The app's workarounds on Gradio internals, kept in one place. Each depends on something Gradio does not
document; tests/test_gradio_compat.py checks those things, so a Gradio upgrade that moves them fails there
first, by name, instead of somewhere in the app."""

from __future__ import annotations

import inspect
import math

import gradio as gr

GRADIO_VERSION = "6.31.0"  # the version these workarounds were written against (requirements.txt pins it)


class PhotoInput(gr.Image):
    """An image upload whose file goes to the handlers unopened: vae.core.data opens it carefully and says
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
        if payload is None:
            return None
        if payload.path:
            return payload.path  # Gradio has already checked the path is an upload in its cache
        # never hand inline (data: URL) images to Gradio's own opening: it accepts every format Pillow
        # knows, EPS included, which Pillow renders by running Ghostscript
        raise gr.Error("Please upload the image as a file.")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def input_names(block_fn) -> list[str]:
    """What the API page calls each input of an event: its handler's parameter names, else the labels."""
    names = list(inspect.signature(block_fn.fn).parameters) if block_fn.fn else []
    return names if len(names) == len(block_fn.inputs) else [str(block.label) for block in block_fn.inputs]


class CheckedBlocks(gr.Blocks):
    """gr.Blocks that refuses by name what Gradio would drop silently (values beyond an event's inputs) or
    fail on with its generic error (a string or NaN for a number: its bounds check and int() trip on them)."""

    def validate_inputs(self, block_fn, inputs):
        super().validate_inputs(block_fn, inputs)
        states = sum(block.stateful for block in block_fn.inputs)  # gradio_client fills these in itself
        if len(inputs) > len(block_fn.inputs):
            raise gr.Error(
                f"Too many values for /{block_fn.api_name}: it takes {len(block_fn.inputs) - states}, "
                f"got {len(inputs) - states}."
            )
        for name, block, value in zip(input_names(block_fn), block_fn.inputs, inputs, strict=True):
            if isinstance(block, (gr.Number, gr.Slider)) and value is not None and not is_number(value):
                raise gr.Error(f"{name} must be a number, got {value!r}.")


REQUIRED = inspect.Parameter.empty


def with_named_inputs(handler, inputs: list[tuple[str, object]]):
    """`handler` taking *args, with a signature that names each input (name, default or REQUIRED): Gradio's API
    page and gradio_client read the names from the signature, and would otherwise say param_1, param_2, ..."""

    def named(*args):
        return handler(*args)

    named.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default) for name, default in inputs]
    )
    named.__name__ = handler.__name__
    return named
