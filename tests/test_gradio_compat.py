"""The Gradio internals that ui/gradio_compat.py relies on. When a Gradio upgrade moves one, these fail by
name, before any page or endpoint breaks in a less obvious way."""

import inspect
import re

import gradio as gr

from support.app_launcher import ROOT
from ui.gradio_compat import GRADIO_VERSION, REQUIRED, PhotoInput, with_named_inputs


def test_gradio_is_the_version_the_workarounds_were_written_for():
    pinned = re.search(r"^gradio==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert gr.__version__ == pinned == GRADIO_VERSION, (
        f"Gradio {gr.__version__} (pinned {pinned}): check each workaround in ui/gradio_compat.py, then update GRADIO_VERSION"
    )


def test_blocks_still_validates_inputs_with_the_signature_checked_blocks_overrides():
    assert list(inspect.signature(gr.Blocks.validate_inputs).parameters) == ["self", "block_fn", "inputs"]


def test_an_event_still_carries_what_checked_blocks_reads():
    with gr.Blocks() as demo:
        number, out = gr.Number(), gr.Number()
        number.change(lambda value: value, number, out, api_name="probe")
    (block_fn,) = demo.fns.values()
    for attribute in ("inputs", "fn", "api_name"):
        assert hasattr(block_fn, attribute), attribute
    assert all(hasattr(block, "stateful") for block in block_fn.inputs)


def test_photo_input_keeps_gr_images_props_and_block_name():
    assert inspect.signature(PhotoInput.__init__) == inspect.signature(gr.Image.__init__)
    photo = PhotoInput(label="x")
    assert photo.get_block_name() == gr.Image(label="x").get_block_name() == "image"
    assert photo.type == "filepath" and photo.sources == ["upload"]
    assert "buttons" in photo.get_config()


def test_named_inputs_give_the_handler_a_readable_signature():
    named = with_named_inputs(lambda *args: args, [("model", REQUIRED), ("slider_1", 0.0)])
    parameters = inspect.signature(named).parameters
    assert list(parameters) == ["model", "slider_1"] and parameters["slider_1"].default == 0.0
    assert named("a", 1.0) == ("a", 1.0)
