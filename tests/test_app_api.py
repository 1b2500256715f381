"""The app's public API, through gradio_client against the real server (python app.py)."""

import json
import math
import re
import time

import httpx
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from gradio_client.utils import construct_args
from PIL import Image

from support.app_launcher import MODELS, ROOT, model_names
from support.fuzz_inputs import GENERIC_ERROR, is_clear_refusal
from vae.latent import share_link
from vae.latent.explore import SOURCES

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"
MODEL = "beta-1" if (MODELS / "beta-1").is_dir() else model_names()[0]
IMAGE_SIZE = json.loads((MODELS / MODEL / "config.json").read_text())["image_size"]
PUBLIC = {"/decode", "/sample", "/reconstruct", "/compare", "/map", "/direction"}


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def decode(client, values, model=MODEL) -> np.ndarray:
    return pixels(client.predict(model, *values, api_name="/decode"))


def sample(client, seed, count=4) -> np.ndarray:
    return pixels(client.predict(MODEL, seed, count, api_name="/sample"))


def test_only_the_six_public_endpoints_are_listed(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == PUBLIC
    assert not api["unnamed_endpoints"]


def test_decode_depends_on_the_sliders_and_nothing_else(client):
    zeros, ones = [0.0] * 12, [1.5] + [-1.0] * 11
    first = decode(client, zeros)
    assert first.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    assert np.array_equal(first, decode(client, zeros))
    assert not np.array_equal(first, decode(client, ones))


def test_sample_is_reproducible_by_seed(client):
    first = sample(client, seed=7)
    assert np.array_equal(first, sample(client, seed=7))
    assert not np.array_equal(first, sample(client, seed=8))
    assert sample(client, seed=7, count=1).shape[1] < first.shape[1]  # one picture, not a grid of four


def test_sample_uses_its_defaults(client):
    image = pixels(client.predict(MODEL, 3, 4, api_name="/sample"))  # temperature, source left out
    explicit = pixels(client.predict(MODEL, 3, 4, 1.0, "fitted", api_name="/sample"))
    assert np.array_equal(image, explicit)


def test_sample_draws_from_each_sampler_by_name_and_refuses_others(client):
    grids = {source: pixels(client.predict(MODEL, 3, 4, 1.0, source, api_name="/sample")) for source in SOURCES}
    assert not np.array_equal(grids["mixture"], grids["standard"])
    with pytest.raises(AppError, match="bell"):
        client.predict(MODEL, 3, 4, 1.0, "bell", api_name="/sample")


def test_reconstruct_returns_input_copy_and_scores(client):
    original, copy, text = client.predict(MODEL, handle_file(PHOTO), api_name="/reconstruct")
    assert pixels(original).shape == pixels(copy).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    assert pixels(original).std() > 5  # the photo itself, not a blank
    for word in ("PSNR", "SSIM", "KL", "dB"):
        assert word in text


def test_compare_has_one_entry_per_model(client):
    gallery = client.predict(handle_file(PHOTO), api_name="/compare")
    assert len(gallery) == len(model_names())
    for entry in gallery:
        assert "β =" in entry["caption"] and "PSNR" in entry["caption"]
        assert pixels(entry["image"]).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)


def test_unknown_model_is_refused_clearly_and_the_app_goes_on(client):
    with pytest.raises(AppError) as error:
        client.predict("no-such-model", *[0.0] * 12, api_name="/decode")
    message = str(error.value)
    assert "no-such-model" in message and ("not in the list of choices" in message or "Unknown model" in message)
    assert decode(client, [0.0] * 12).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)


def test_results_are_served_from_the_configured_temp_dir(client, app_server):
    client.predict(MODEL, *[0.3] * 12, api_name="/decode")
    _, _, temp_dir = app_server
    assert any(p.suffix == ".png" for p in temp_dir.rglob("*"))


def test_decode_is_interactive(client):
    rng = np.random.default_rng(0)
    seconds = []
    for _ in range(30):
        start = time.perf_counter()
        client.predict(MODEL, *rng.uniform(-3, 3, 12).round(2).tolist(), api_name="/decode")
        seconds.append(time.perf_counter() - start)
    p95 = float(np.percentile(seconds, 95))
    assert p95 < 1.0, f"p95 of /decode is {p95:.3f} s (median {np.median(seconds):.3f} s)"


# bad inputs: each is refused with a short message naming the value or the field, and the app goes on

NAN, INF = float("nan"), float("inf")
ZEROS = [0.0] * 12
BAD_INPUTS = {  # case -> (endpoint, arguments, words the message must contain); unlisted arguments keep their defaults
    "seed 1e30": ("/sample", (MODEL, 1e30, 4), ["1e+30", "maximum"]),
    "seed -1": ("/sample", (MODEL, -1, 4), ["-1", "minimum"]),
    "seed NaN": ("/sample", (MODEL, NAN, 4), ["seed", "nan"]),
    "seed inf": ("/sample", (MODEL, INF, 4), ["inf", "maximum"]),
    "seed string": ("/sample", (MODEL, "abc", 4), ["seed", "abc"]),
    "count 0": ("/sample", (MODEL, 1, 0), ["value 0 ", "minimum"]),
    "count 1000": ("/sample", (MODEL, 1, 1000), ["1000", "maximum"]),
    "count NaN": ("/sample", (MODEL, 1, NAN), ["count", "nan"]),
    "temperature 0": ("/sample", (MODEL, 1, 4, 0), ["value 0 ", "minimum"]),
    "temperature 100": ("/sample", (MODEL, 1, 4, 100), ["100", "maximum"]),
    "temperature NaN": ("/sample", (MODEL, 1, 4, NAN), ["temperature", "nan"]),
    "unknown sampler": ("/sample", (MODEL, 1, 4, 1.0, "uniform"), ["uniform", "choices"]),
    "slider NaN": ("/decode", (MODEL, NAN), ["nan"]),
    "slider inf": ("/decode", (MODEL, INF), ["inf", "maximum"]),
    "slider 10": ("/decode", (MODEL, 10), ["10", "maximum"]),
    "slider -10": ("/decode", (MODEL, -10), ["-10", "minimum"]),
    "slider string": ("/decode", (MODEL, "abc"), ["abc", "number"]),
    "unknown model": ("/decode", ("no-such-model", *ZEROS), ["no-such-model"]),
    "unknown axes": ("/decode", (MODEL, *ZEROS, "diagonal"), ["diagonal", "choices"]),
    "13 sliders": ("/decode", (MODEL, *ZEROS, 0.5), ["0.5", "choices"]),  # the 13th lands on `axes`
    "reconstruct without a file": ("/reconstruct", (MODEL, None), ["upload a photo"]),
    "compare without a file": ("/compare", (None,), ["upload a photo"]),
}


def final_event(stream: str) -> tuple[str, str]:
    """(event, data) of the last complete or error event of a server-sent event stream."""
    events = [
        dict(line.split(": ", 1) for line in block.splitlines() if ": " in line) for block in stream.split("\n\n")
    ]
    event = [e for e in events if e.get("event") in ("complete", "error")][-1]
    return event["event"], event["data"]


def raw_refusal(client, api_name: str, args) -> str:
    """The error for a call carrying NaN or infinity, which gradio_client will not send (not valid JSON) but any
    HTTP client can: Python's json writes them as NaN and Infinity, and the server's json reads them back."""
    parameters = client.view_api(print_info=False, return_format="dict")["named_endpoints"][api_name]["parameters"]
    url = f"{client.src.rstrip('/')}/gradio_api/call{api_name}"
    body = json.dumps({"data": construct_args(parameters, args, {})})
    event_id = httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=30).json()[
        "event_id"
    ]
    event, data = final_event(httpx.get(f"{url}/{event_id}", timeout=120).text)
    assert event == "error", data
    return json.loads(data)["error"] or GENERIC_ERROR  # null: Gradio hid an exception it did not expect


def refusal(client, api_name: str, args) -> str:
    if any(isinstance(a, float) and not math.isfinite(a) for a in args):
        return raw_refusal(client, api_name, args)
    with pytest.raises(AppError) as error:
        client.predict(*args, api_name=api_name)
    return str(error.value)


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_clearly_and_the_app_goes_on(client, case):
    api_name, args, words = BAD_INPUTS[case]
    message = refusal(client, api_name, args)
    assert is_clear_refusal(message) and all(w in message.lower() for w in words), message
    assert decode(client, ZEROS).shape == (IMAGE_SIZE, IMAGE_SIZE, 3)


def decode_parameters(client) -> list[dict]:
    return client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/decode"]["parameters"]


def test_decode_refuses_more_values_than_it_takes(client):
    every_input = [p["parameter_default"] for p in decode_parameters(client)]
    with pytest.raises(AppError) as error:
        client.predict(*every_input, 0.5, api_name="/decode")
    assert is_clear_refusal(str(error.value)) and "too many" in str(error.value).lower(), str(error.value)


def test_decode_fills_left_out_sliders_with_the_api_defaults(client):
    defaults = [p["parameter_default"] for p in decode_parameters(client)]
    assert np.array_equal(decode(client, [1.0, 2.0]), decode(client, [1.0, 2.0, *defaults[3:13]]))


def test_decode_on_single_code_numbers(client):
    image = pixels(client.predict(MODEL, *ZEROS, "single", api_name="/decode"))
    assert image.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)


def test_public_parameters_have_readable_names(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = [p["parameter_name"] for p in endpoints["/decode"]["parameters"]]
    assert names[:14] == ["model", *(f"slider_{i}" for i in range(1, 13)), "axes"]
    for api_name, info in endpoints.items():
        for p in info["parameters"]:
            assert p["parameter_name"] and not re.fullmatch(r"param_\d+", p["parameter_name"]), (api_name, p)


def test_every_endpoint_that_takes_a_model_names_it_model(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for api_name, info in endpoints.items():
        names = [p["parameter_name"] for p in info["parameters"]]
        assert not {"name", "model_name"} & set(names), (api_name, names)
        assert api_name == "/compare" or names[0] == "model", (api_name, names)


def test_the_first_default_slider_visibly_changes_the_picture(client):
    low, high = (decode(client, [value] + [0.0] * 11) for value in (-3.0, 3.0))
    change = np.abs(low.astype(float) - high.astype(float)).mean() / 255
    assert change >= 0.25, f"mean absolute pixel change {change:.3f} from -3 to +3 on the first slider"


def test_map_points_decode_to_different_landscapes_with_their_nearest_photos(client):
    (first, nearest), (second, _) = (
        client.predict(MODEL, x, y, api_name="/map") for x, y in ((-1.5, 1.0), (2.0, -1.0))
    )
    assert pixels(first).shape == (IMAGE_SIZE, IMAGE_SIZE, 3) and len(nearest) == 3
    assert np.abs(pixels(first).astype(float) - pixels(second).astype(float)).mean() > 5


def examples(*names: str) -> list:
    return [handle_file(str(ROOT / "assets" / "examples" / f"{name}.jpg")) for name in names]


def test_direction_turns_photos_with_and_without_a_quality_into_a_slider(client):
    forests, seas = examples("forest-light", "forest-path"), examples("sea-calm", "sea-cove")
    numbers = client.predict(MODEL, forests, seas, api_name="/direction")
    direction = np.array(numbers["direction"])
    assert direction.shape == (json.loads((MODELS / MODEL / "config.json").read_text())["latent_dim"],)
    assert numbers["spread"] > 0 and numbers["separation"] > 0.5  # forests and seas sit apart
    assert np.linalg.norm(direction) == pytest.approx(numbers["spread"], rel=1e-4)  # one slider unit: one spread
    reverse = client.predict(MODEL, seas, forests, api_name="/direction")
    assert np.allclose(reverse["direction"], -direction, atol=1e-5)


@pytest.mark.parametrize(
    "with_quality, without, phrase",
    [
        (["forest-light"], ["sea-calm", "sea-cove"], "at least 2 photos"),
        (["forest-light", "sea-calm"], ["sea-calm", "sea-cove"], "same photo is in both groups"),
        ([], [], "upload a photo"),
    ],
)
def test_direction_refuses_bad_groups_clearly(client, with_quality, without, phrase):
    with pytest.raises(AppError) as error:
        client.predict(MODEL, examples(*with_quality), examples(*without), api_name="/direction")
    assert phrase in str(error.value) and is_clear_refusal(str(error.value)), str(error.value)


def test_direction_refuses_an_unusable_file_clearly(client, tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_text("<html>not a photo</html>")
    with pytest.raises(AppError) as error:
        client.predict(
            MODEL,
            [handle_file(str(fake)), *examples("forest-path")],
            examples("sea-calm", "sea-cove"),
            api_name="/direction",
        )
    assert "Could not use this file" in str(error.value), str(error.value)


@pytest.fixture(scope="module")
def handlers():
    """The app's handlers over the bundled models, in this process (no server)."""
    from ui.handlers import Handlers
    from vae.latent.explore import load_explorer_models

    return Handlers(load_explorer_models(MODELS))


def test_own_sliders_need_a_name_and_stop_at_the_free_places(handlers):
    import gradio as gr

    from ui.explore_inputs import MAX_CLASSES

    h = handlers
    glaciers = [str(ROOT / "assets" / "examples" / f"glacier-{n}.jpg") for n in ("lake", "snowfield")]
    forests = [str(ROOT / "assets" / "examples" / f"forest-{n}.jpg") for n in ("light", "path")]
    with pytest.raises(gr.Error, match="name the quality"):
        h.add_own_slider(MODEL, glaciers, forests, "  ", None)
    own = None
    for i in range(MAX_CLASSES - len(h.models[MODEL].classes)):
        own, *updates, note = h.add_own_slider(MODEL, glaciers, forests, f"ice {i}", own)
        assert f"More ice {i}" in note and len(updates) == MAX_CLASSES
    assert len(own["sliders"]) == 2 and h.own_vectors(own, MODEL) and h.own_vectors(own, "another model") == []
    with pytest.raises(gr.Error, match="room for 2 sliders"):
        h.add_own_slider(MODEL, glaciers, forests, "more", own)


# share links, read when a page opens (the browser tests open one of each kind)


def opened(h, query: str) -> list:
    """What the page-open event sets for a URL's query; the decoder's settings are the arguments they are made of."""
    from types import SimpleNamespace

    from starlette.datastructures import QueryParams

    from ui.browser_decoding import BrowserDecoding

    class RecordedSettings(BrowserDecoding):
        def __init__(self, h):  # no ONNX export: these tests read the settings' inputs, not the files
            self.h = h

        def settings(self, inputs):
            return inputs

    return RecordedSettings(h).open_link(SimpleNamespace(query_params=QueryParams(query)))


ZERO_CODE = share_link.encode_numbers([0.0] * 128)


@pytest.mark.parametrize(
    "query, problem",
    [
        ("model=nobody&code=AAAAAA", "a model this app does not have"),
        (f"model=beta-1&axes=diagonal&code={ZERO_CODE}", "slider axes this model does not have"),
        ("model=beta-1&code=AAAAAA", "128 numbers"),
        (f"model=beta-1&code={ZERO_CODE}&own=ice~AAAAAA", "128 numbers"),
        (f"model=beta-1&code={ZERO_CODE}&sliders=0,3.5", "beyond the sliders' ends"),
        (f"model=beta-1&code={ZERO_CODE}&more=0,0,2.5", "beyond the sliders' ends"),
        (f"model=beta-1&code={ZERO_CODE}&sliders={','.join(['0'] * 13)}", "13 slider values"),
        (f"model=beta-1&code={ZERO_CODE}" + f"&own=ice~{ZERO_CODE}" * 3, "3 own sliders"),
        ("model=beta-1&code=%%%", "not base64url"),
    ],
)
def test_a_share_link_the_app_cannot_show_changes_nothing_and_says_why(handlers, query, problem):
    *changes, note = opened(handlers, query)
    assert problem in note and "usual starting picture" in note, note
    assert all(change == {"__type__": "update"} for change in changes)


def test_a_plain_visit_changes_nothing(handlers):
    *changes, note = opened(handlers, "utm_source=somewhere")
    assert note == "" and all(change == {"__type__": "update"} for change in changes)


def test_a_share_link_opens_its_model_axes_sliders_and_own_sliders(handlers):
    code = np.random.default_rng(0).normal(0, 1, 128).astype(np.float16).astype(np.float32).tolist()
    query = (
        f"model=beta-128&axes=single&code={share_link.encode_numbers(code)}&sliders=1,-2&more=0,0.5,0,0,1.5"
        f"&own=fresh%20snow~{share_link.encode_numbers([0.25] * 128)}"
    )
    from ui.explore_inputs import ExploreInputs, ExploreView

    *changes, note = opened(handlers, query)
    view = ExploreView.from_list(changes)
    assert (view.model, view.axes["value"], view.base, note) == ("beta-128", "single", code, "")
    assert [s["value"] for s in view.sliders[:3]] == [1.0, -2.0, 0.0] and "code number" in view.sliders[0]["label"]
    assert view.more[4]["label"] == "More fresh snow" and view.more[4]["value"] == 1.5 and not view.more[5]["visible"]
    own = {"model": "beta-128", "sliders": [{"name": "fresh snow", "vector": [0.25] * 128}]}
    assert view.own == own
    shown = ExploreInputs("beta-128", [1.0, -2.0, *[0.0] * 10], "single", [0.0, 0.5, 0.0, 0.0, 1.5, 0.0], code, own)
    assert view.settings == shown
    assert np.array_equal(view.image, handlers.decode_sliders(*shown.to_list()))


def test_the_maps_photos_join_a_group_of_your_own_slider_once_each(handlers, tmp_path):
    import gradio as gr

    shown = [(str(ROOT / "assets" / "examples" / f"{name}.jpg"), None) for name in ("sea-calm", "sea-cove")]
    copy = tmp_path / "same-photo.jpg"
    copy.write_bytes((ROOT / "assets" / "examples" / "sea-calm.jpg").read_bytes())
    photos, note = handlers.add_photos(shown, [str(copy)])
    assert photos == [str(copy), shown[1][0]] and "2 photos" in note  # sea-calm was there already, as a copy
    with pytest.raises(gr.Error, match="Click the map first"):
        handlers.add_photos([], photos)
