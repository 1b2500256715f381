"""Mutated images (flipped bits, cut short, chunks duplicated or moved, sizes forged) only ever give a
DataError, in the loader and through the real server. bench/fuzz.py runs the same mutations for longer."""

import io
import itertools
import random

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from hypothesis import given, settings
from hypothesis import strategies as st

from support.app_launcher import ROOT, model_names
from support.fuzz_inputs import EXTENSIONS, SAVERS, is_clear_refusal, mutants, mutate, seed_bytes
from vae.core.data import DataError, open_rgb, square_resize

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"
LOADER_EXAMPLES = 2000  # about 5 s; bench/fuzz.py runs the same mutations for minutes
SERVER_UPLOADS = 24  # four of each format, about 5 s


@pytest.mark.filterwarnings("ignore:::PIL")  # Pillow warns of the corrupt EXIF or huge sizes it meets
# a failure prints `rng=Random(n)`: replay it with mutate(seed_bytes(kind), kind, random.Random(n))
@settings(max_examples=LOADER_EXAMPLES, deadline=None, derandomize=True, database=None)
@given(kind=st.sampled_from(list(SAVERS)), rng=st.randoms(use_true_random=True), draft_size=st.sampled_from([None, 32]))
@pytest.mark.slow
def test_mutated_images_give_only_data_errors(kind, rng, draft_size):
    data = mutate(seed_bytes(kind), kind, rng)
    try:
        square_resize(open_rgb(io.BytesIO(data), draft_size=draft_size), 32)
    except DataError:
        pass  # any other exception fails the test


@pytest.mark.slow
def test_server_refuses_mutated_uploads_clearly_and_keeps_serving(client, app_server, tmp_path):
    model = model_names()[0]
    for i, (kind, data) in enumerate(itertools.islice(mutants(random.Random(0)), SERVER_UPLOADS)):
        path = tmp_path / f"mutant-{i:02d}.{EXTENSIONS[kind]}"
        path.write_bytes(data)
        try:
            client.predict(model, handle_file(path), api_name="/reconstruct")
        except AppError as error:
            assert is_clear_refusal(str(error)), str(error)
    assert app_server[1].poll() is None
    *_, text = client.predict(model, handle_file(PHOTO), api_name="/reconstruct")
    assert "PSNR" in text
