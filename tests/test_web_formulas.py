"""The browser's formulas (web/*.js), run in node on the same numbers as Python's own functions: the slider code,
the map point, the share link's fp16 codec and its reading, the samplers with their seeds, and the scores. One
definition per formula: each JS function names the Python one it mirrors, and this test holds them together.
The explorer core's pure parts run here too (support/web_core.mjs): one frame per animation frame, failed loads
tried again, and the Explore settings, whose one shape (web/explore_settings.js) both pages' builders keep."""

import base64
import io
import json
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import torch
from PIL import Image, ImageSequence

from vae.core.losses import kl_per_dim
from vae.core.metrics import MIN_MSE, psnr
from vae.latent import portable_random, share_link
from vae.latent.atlas import percentile_below
from vae.latent.density import LatentDensity
from vae.latent.directions import LatentAxes
from vae.latent.explore import GIF_SCALE, GIF_SECONDS, ExplorerModel, SliderAxes, map_point, to_uint8, write_gif
from vae.latent.likeness import detail_kept, nearest_indices
from vae.latent.own_direction import own_direction_of_codes

from .conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
D = 8


def random(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def cases():
    vectors = torch.linalg.qr(random(D, D, seed=1))[0][:3]
    axes = SliderAxes("main", random(D, seed=2), vectors, torch.rand(3) + 0.5, ["a", "b", "c"])
    classes = random(2, D, seed=3)
    trils = torch.tril(random(3, D, D, seed=4), diagonal=-1) * 0.3 + torch.diag_embed(torch.rand(3, D) + 0.2)
    density = LatentDensity(torch.tensor([0.2, 0.5, 0.3]), random(3, D, seed=5), trils)
    population = random(40, D, seed=6)
    tampered = share_link.encode_numbers([1.0] * D)
    return {
        "python": {"axes": axes, "classes": classes, "density": density, "population": population},
        "seed": 2**31 - 5,
        "axes": {
            "base": random(D, seed=7).tolist(),
            "origin": axes.origin.tolist(),
            "vectors": axes.vectors.tolist(),
            "scale": axes.scale.tolist(),
            "class_directions": classes.tolist(),
            "values": [0.5, -1.25, 2.0],
            "amounts": [0.3, -0.7],
        },
        "map": {
            "origin": axes.origin.tolist(),
            "vectors": vectors[:2].tolist(),
            "scale": [1.5, 0.5],
            "point": {"x": 1.25, "y": -2.0},
        },
        "density": {
            "weights": density.weights.tolist(),
            "means": density.means.tolist(),
            "scale_trils": density.scale_trils.tolist(),
        },
        "photos": {
            "a": torch.rand(300).tolist(),
            "b": torch.rand(300).tolist(),
            "mean": random(D, seed=8).tolist(),
            "logvar": (random(D, seed=9) - 2).tolist(),
        },
        "codes": {
            "population": population.tolist(),
            "z": random(D, seed=10).tolist(),
            "with": random(3, D, seed=11).tolist(),
            "without": random(2, D, seed=12).tolist(),
        },
        "link": {
            "numbers": [0.1, -3.14159, 0.000061035156, 1e-6, 2.5e-5, -0.0, 7.0, 19.99, 1.00048828125],
            "bad": ["a", "!!!!", "AA", share_link.encode_numbers([30.0])],
            "urls": [
                "model=m",  # not a share link
                f"model=m&code={tampered}&sliders=0.5,1",
                f"model=m&code={tampered}&sliders=9",  # beyond the sliders' ends
                f"model=m&code={tampered[:-3]}",  # a code cut short
                f"model=m&model=n&code={tampered}",
                f"model=m&code={tampered}&own=~{tampered}",
            ],
        },
        "likeness": {
            "typical_logvar": (2 * random(D, seed=14) - 3).tolist(),
            "pictures": {
                "size": 8,
                "copy": torch.rand(3 * 8 * 8, generator=torch.Generator().manual_seed(15)).tolist(),
                "photo": torch.rand(3 * 8 * 8, generator=torch.Generator().manual_seed(16)).tolist(),
                "flat": [0.5] * (3 * 8 * 8),
            },
        },
        "site": {
            "models": [
                {
                    "name": "m",
                    "axes": {kind: {**axes_entry(axes), "labels": axes.labels} for kind in ("main", "single")},
                    "class_directions": classes.tolist(),
                    "classes": ["Forest", "Sea"],
                    "map": {"picture": "map.png", **axes_entry(axes, 2)},
                    "decoder": "data/decoder.onnx",
                }
            ],
            "layout": {"slider_range": 3.0, "previews": {"positions": [-2.0, -1.0, 1.0, 2.0], "size": 48}},
            "map_frame": {"size": 64, "extent": 3.0},
            "offset": [0.5 * i - 1 for i in range(D)],
            "own": random(D, seed=13).tolist(),
        },
        "walk": {  # three frames of 1,024 colours each, where a GIF's palette holds 256
            "size": 32,
            "frames": [walk_frame(f / 3).flatten().tolist() for f in range(3)],
            "seconds": GIF_SECONDS,
            "scale": GIF_SCALE,
            "counts": [2, 3, 7, 24],
        },
        "ticks": [[-45.9, 503.9, 6], [17.7, 21.96, 5], [0, 96, 6], [0.1, 0.35, 5], [2, 2, 5]],
        "limits": {
            "latent_dim": D,
            "axis_kinds": ["main"],
            "sliders": 3,
            "slider_range": 3.0,
            "classes": 6,
            "class_range": [-1.0, 2.0],
            "own_room": 2,
        },
    }


def walk_frame(shift: float, size: int = 32) -> torch.Tensor:
    """(3, size, size) in [0, 1]: a smooth picture of a few hundred colours, moved by `shift`."""
    y, x = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    return torch.stack([x, y, (shift + (x + y) / 2) % 1])


@pytest.fixture(scope="module")
def node(cases):
    sent = json.dumps({k: v for k, v in cases.items() if k != "python"})
    done = subprocess.run(
        ["node", str(ROOT / "support" / "web_formulas.mjs")], input=sent, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def axes_entry(axes: SliderAxes, count: int = 3) -> dict:
    return {
        "origin": axes.origin.tolist(),
        "vectors": axes.vectors[:count].tolist(),
        "scale": axes.scale[:count].tolist(),
    }


def close(js, python, tolerance=1e-5):
    np.testing.assert_allclose(np.asarray(js, dtype=np.float64), np.asarray(python, dtype=np.float64), atol=tolerance)


def test_the_slider_code_and_slider_values_match_pythons(cases, node):
    p, a = cases["python"], cases["axes"]
    base = torch.tensor(a["base"])
    expected = p["axes"].with_values(base, a["values"]) + torch.tensor(a["amounts"]) @ p["classes"]
    close(node["slider_code"], expected)
    assert node["slider_values"] == [round(float(v), 2) for v in p["axes"].coordinates(base).clamp(-3, 3)]


def test_the_map_point_matches_pythons(cases, node):
    m = cases["map"]
    axes = LatentAxes(
        torch.tensor(m["origin"]),
        torch.tensor(m["vectors"]),
        torch.tensor(m["scale"]),
        torch.ones(2),
        torch.zeros(0, D),
    )
    em = ExplorerModel.__new__(ExplorerModel)  # map_point reads only the axes
    em.axes = axes
    close(node["map_code"], map_point(em, m["point"]["x"], m["point"]["y"]))


def test_the_samplers_draw_pythons_codes_for_a_seed(cases, node):
    seed, p = cases["seed"], cases["python"]
    close(node["uniforms"], portable_random.uniforms(seed, 5, 7), 1e-15)
    close(node["normals"], portable_random.normals(seed, 0, 9), 1e-12)
    close(node["standard"], portable_random.standard_codes(seed, 3, 5, 0.7), 1e-6)
    close(node["mixture"], p["density"].sample(6, seed=seed, temperature=0.8), 1e-5)


def test_a_codes_typicality_is_scored_as_python_scores_it(cases, node):
    population = cases["python"]["population"]
    close(node["log_density"], cases["python"]["density"].log_prob(population[:5]), 1e-3)
    close(node["percentile"], percentile_below(population[:, 0], 0.1), 1e-4)  # Python counts in float32


def test_the_fp16_link_codec_and_link_reading_match_pythons(cases, node):
    numbers = cases["link"]["numbers"]
    assert node["base64url"] == share_link.encode_numbers(numbers)
    assert node["decoded"] == share_link.decode_numbers(node["base64url"], "code")
    for text, js_error in zip(cases["link"]["bad"], node["bad_numbers"], strict=True):
        with pytest.raises(ValueError) as python_error:
            share_link.decode_numbers(text, "code")
        assert js_error == str(python_error.value)
    query = parse_qs(urlsplit(node["link"]).query)
    view = share_link.read_link(query)
    assert view.sliders == cases["axes"]["values"] and view.more == cases["axes"]["amounts"]
    assert urlsplit(node["link"]).fragment == "" and "x" not in query


def test_a_links_problems_are_named_as_python_names_them(cases, node):
    limits = share_link.LinkLimits(**{**cases["limits"], "class_range": tuple(cases["limits"]["class_range"])})
    for query, js in zip(cases["link"]["urls"], node["read"], strict=True):
        try:
            view = share_link.read_link(parse_qs(query, keep_blank_values=True))
            if view is not None:
                share_link.check_view(view, limits)
        except ValueError as error:
            assert js == {"error": str(error)}, query
            continue
        assert "error" not in js, query
        assert (js["value"] is None) == (view is None)
        if view is not None:
            close(js["value"]["code"], view.code, 0)


def test_the_scores_nearest_photos_and_own_direction_match_pythons(cases, node):
    ph, c = cases["photos"], cases["codes"]
    assert node["min_mse"] == MIN_MSE
    close(node["psnr"], psnr(torch.tensor([ph["a"]]), torch.tensor([ph["b"]]))[0], 1e-4)
    close(node["kl"], kl_per_dim(torch.tensor([ph["mean"]]), torch.tensor([ph["logvar"]])).sum(), 1e-4)
    population = torch.tensor(c["population"])
    assert node["nearest"] == nearest_indices(population, None, torch.tensor(c["z"]), 3)
    own = own_direction_of_codes(torch.tensor(c["with"]), torch.tensor(c["without"]), population)
    close(node["own"]["vector"], own.vector)
    close([node["own"]["spread"], node["own"]["separation"]], [own.spread, own.separation])


def test_the_nearest_photos_measure_and_the_detail_kept_match_pythons(cases, node):
    population, z = torch.tensor(cases["codes"]["population"]), torch.tensor(cases["codes"]["z"])
    typical = torch.tensor(cases["likeness"]["typical_logvar"])
    scaled, unscaled = nearest_indices(population, typical, z, 5), nearest_indices(population, None, z, 5)
    assert node["likeness"] == {"scaled": scaled, "unscaled": unscaled, "zero": [0, 1, 2]}
    assert scaled != unscaled  # the typical σ changes which codes are nearest
    assert node["likeness"]["zero"] == nearest_indices(population, typical, torch.zeros(D), 3)
    pictures = {k: torch.tensor(v).reshape(1, 3, 8, 8) for k, v in cases["likeness"]["pictures"].items() if k != "size"}
    close(node["detail"]["kept"], detail_kept(pictures["copy"], pictures["photo"])[0], 1e-5)
    assert node["detail"]["flat"] == 1 == float(detail_kept(pictures["copy"], pictures["flat"])[0])


# the explorer core (web/frames.js, web/loading.js, web/explore_settings.js)


def test_slider_moves_share_one_frame_that_takes_the_newest(node):
    frames = node["core"]["slider_frames"]
    assert frames["asked_before"] == 1 and frames["same"], "three moves before a frame asked for three frames"
    assert frames["worked"] == [3, 4] and frames["results"] == ["picture of 3"] * 3
    assert frames["asked_after"] == 1 and frames["later"] == "picture of 4"


def test_the_map_paints_one_frame_at_a_time_and_then_the_newest_spot(node):
    frames = node["core"]["map_frames"]
    assert frames["worked"] == ["a", "c"]  # b came and went while a was painted
    assert (frames["asked_while_working"], frames["asked_after_work"], frames["asked_at_rest"]) == (0, 1, 0)


def test_frame_times_keep_the_last_frames_that_succeeded(node):
    assert node["core"]["frame_times"] == {"count": 4, "ms": [7, 9, 11]}


def test_http_errors_are_named_and_failed_loads_are_tried_again(node):
    loads = node["core"]["loads"]
    assert loads["refused"] == {"error": "https://example.org/site.json could not be loaded (HTTP 404)"}
    assert loads["fetched"] == 200
    assert loads["remembered"] == [{"error": "network down"}, {"value": "session 2"}, {"value": "session 2"}]
    assert loads["calls"] == 2  # the failure was forgotten, the success kept


def test_the_settings_of_a_site_entry(cases, node):
    site, made = cases["site"], node["core"]["settings"]
    entry, axes = site["models"][0], cases["python"]["axes"]
    own = made["own"]
    base = torch.tensor(entry["axes"]["main"]["origin"]) + torch.tensor(site["offset"])
    assert own["values"]["sliders"] == [round(float(v), 2) for v in axes.coordinates(base).clamp(-3, 3)]
    assert own["values"]["more"] == [0.3, 0, 0] and own["own_names"] == ["ice"]
    assert own["class_directions"] == [*entry["class_directions"], site["own"]]
    assert own["map"] == {k: entry["map"][k] for k in ("origin", "vectors", "scale")}
    assert own["decoder"] == entry["decoder"]
    assert (own["previews"], own["map_frame"]) == (site["layout"]["previews"], site["map_frame"])
    other = made["other_kind"]
    assert other["axes"] == "main" and other["values"] == {"sliders": [1, -1, 0.5], "more": [0, 0.5]}


def typedef_fields(name: str) -> set[str]:
    """The @property names of web/explore_settings.js's `@typedef {Object} name`."""
    comments = re.findall(r"/\*\*(.*?)\*/", (ROOT / "web" / "explore_settings.js").read_text(), re.S)
    (block,) = [c for c in comments if f"@typedef {{Object}} {name}\n" in c]
    return set(re.findall(r"@property \{.*\} (\w+)", block))


def test_both_pages_build_the_settings_in_the_typedefs_shape(node):
    """The static page's builder (settingsOfEntry) and the app's (BrowserDecoding.settings) give the fields
    web/explore_settings.js declares; a model folder without ONNX files gets no decoder URL."""
    from ui.browser_decoding import BrowserDecoding
    from ui.explore_inputs import SLIDERS, ExploreInputs
    from ui.handlers import Handlers
    from vae.latent.explore import load_explorer_model

    assert set(node["core"]["settings"]["own"]) == typedef_fields("ExploreSettings")
    em = load_explorer_model(ROOT / "assets" / "models" / "beta-1024")
    decoding = BrowserDecoding(Handlers({em.name: em}))
    inputs = ExploreInputs(em.name, [0.0] * SLIDERS, "main", [0.0] * len(em.classes))
    assert set(decoding.settings(inputs)) == typedef_fields("ExploreSettings") | typedef_fields("GradioExtras")
    decoding.onnx[em.name] = None  # an older export
    assert decoding.settings(inputs)["decoder"] is None


# the walk's GIF (web/gif.js) and the plots' ticks (web/plots.js)


def gif_frames(image: Image.Image) -> list[np.ndarray]:
    return [np.asarray(frame.convert("RGB"), dtype=np.int16) for frame in ImageSequence.Iterator(image)]


def test_the_walks_gif_plays_as_pythons_and_keeps_its_pictures(cases, node, tmp_path):
    walk = cases["walk"]
    frames = [to_uint8(torch.tensor(f).reshape(3, walk["size"], walk["size"])) for f in walk["frames"]]
    python = Image.open(write_gif(frames, tmp_path / "walk.gif"))
    js = Image.open(io.BytesIO(base64.b64decode(node["gif"]["bytes"])))
    assert (js.n_frames, js.size, js.info["duration"], js.info["loop"]) == (
        python.n_frames,
        python.size,
        python.info["duration"],
        python.info["loop"],
    )
    order = list(range(len(frames))) + list(range(len(frames)))[-2:0:-1]  # forward, then back
    for shown, pillows, f in zip(gif_frames(js), gif_frames(python), order, strict=True):
        painted = np.kron(frames[f], np.ones((walk["scale"], walk["scale"], 1), dtype=np.uint8))  # (2S, 2S, 3)
        error, pillows_error = np.abs(shown - painted), np.abs(pillows - painted)
        assert error.mean() < pillows_error.mean() + 0.5 and error.max() <= 24, (error.mean(), pillows_error.mean())
    for count, order, delay in zip(walk["counts"], node["gif"]["orders"], node["gif"]["delays"], strict=True):
        assert order == list(range(count)) + list(range(count))[-2:0:-1]
        assert delay == 10 * (int(1000 * walk["seconds"] / count) // 10)  # Pillow keeps whole hundredths


def test_the_plots_ticks_are_round_numbers_within_the_range(cases, node):
    assert node["ticks"] == [
        [0, 100, 200, 300, 400, 500],
        [18, 19, 20, 21],
        [0, 20, 40, 60, 80],
        [0.1, 0.15, 0.2, 0.25, 0.3, 0.35],
        [2],
    ]
