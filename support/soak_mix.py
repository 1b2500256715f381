"""The soak test's request mix: slider moves, samples, reconstructions of good photos and of odd files,
and comparisons, sent through gradio_client from a few threads at once against a running app.

Shared by tests/test_soak.py (about 20 s) and bench/soak.py (thousands of requests).
"""

from __future__ import annotations

import itertools
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from .app_launcher import MODELS, ROOT, model_names
from .fuzz_inputs import EXTENSIONS, is_clear_refusal, mutants
from .upload_corpus import BAD

PHOTOS = sorted((ROOT / "assets" / "examples").glob("*.jpg"))
SLIDERS = 12
MAX_SEED = 2**31 - 1
SAMPLE_COUNTS = (1, 4)  # small grids: the soak is about many requests, not big ones
MUTANTS = 6


@dataclass
class Outcome:
    kind: str
    started: float  # seconds after the run began
    seconds: float
    error: str | None  # the app's message (or the client's exception) when the call did not answer
    unclear: bool  # a good request that failed, or a refusal that is not the app's own short reason


# the odd files: some of the hostile upload corpus (support/upload_corpus.py) and mutated images


def write_odd_files(folder: Path, *, seed: int = 0) -> list[Path]:
    """Bytes that are no image, a JPEG cut in half, and a few mutated images of each kind in turn."""
    paths = []
    for name in ("not-an-image.jpg", "truncated.jpg"):
        make, _ = BAD[name]
        make(folder / name)
        paths.append(folder / name)
    for i, (kind, data) in enumerate(itertools.islice(mutants(random.Random(seed)), MUTANTS)):
        path = folder / f"mutant-{i}.{EXTENSIONS[kind]}"
        path.write_bytes(data)
        paths.append(path)
    return paths


# the requests: each draws its arguments from the client thread's own random generator


def slider_move(client: Client, rng: random.Random, odd: list[Path]) -> None:
    values = [round(rng.uniform(-3, 3), 2) for _ in range(SLIDERS)]
    client.predict(rng.choice(model_names()), *values, api_name="/decode")


def sample(client: Client, rng: random.Random, odd: list[Path]) -> None:
    client.predict(
        rng.choice(model_names()),
        rng.randrange(MAX_SEED),
        rng.choice(SAMPLE_COUNTS),
        round(rng.uniform(0.5, 1.5), 2),
        rng.choice(("fitted", "standard")),
        api_name="/sample",
    )


def reconstruct_photo(client: Client, rng: random.Random, odd: list[Path]) -> None:
    client.predict(rng.choice(model_names()), handle_file(rng.choice(PHOTOS)), api_name="/reconstruct")


def reconstruct_odd_file(client: Client, rng: random.Random, odd: list[Path]) -> None:
    client.predict(rng.choice(model_names()), handle_file(rng.choice(odd)), api_name="/reconstruct")


def compare(client: Client, rng: random.Random, odd: list[Path]) -> None:
    client.predict(handle_file(rng.choice(PHOTOS)), api_name="/compare")


MIX = {  # kind -> (request, weight, must it answer?); mostly slider moves, as in a visitor's session
    "decode": (slider_move, 10, True),
    "sample": (sample, 3, True),
    "reconstruct": (reconstruct_photo, 3, True),
    "odd upload": (reconstruct_odd_file, 2, False),
    "compare": (compare, 1, True),
}


def most_bytes_per_request(odd: list[Path]) -> int:
    """The most one request of the mix adds to Gradio's temp folder: one upload, plus at most max(models, 4)
    pictures (a 2x2 sample grid, or /compare's one per model) as PNG. A PNG holds at most the raw 3 bytes a
    pixel plus a filter byte a row and ~100 bytes of headers, which counting 2 px of grid padding a side covers."""
    size = max(json.loads((MODELS / name / "config.json").read_text())["image_size"] for name in model_names())
    pictures = max(len(model_names()), max(SAMPLE_COUNTS))
    return max(p.stat().st_size for p in [*PHOTOS, *odd]) + pictures * 3 * (size + 2) ** 2


# running it


def connect(url: str, clients: int) -> list[Client]:
    return [Client(url, verbose=False, download_files=False) for _ in range(clients)]


def send(client: Client, kind: str, rng: random.Random, odd: list[Path], t0: float) -> Outcome:
    request, _, must_answer = MIX[kind]
    start = time.perf_counter()
    try:
        request(client, rng, odd)
        error = None
    except AppError as refusal:
        error = str(refusal)
    except Exception as failure:  # counted and reported, never raised: one bad call must not end the soak
        error = f"{type(failure).__name__}: {failure}"
    unclear = error is not None and (must_answer or not is_clear_refusal(error))
    return Outcome(kind, start - t0, time.perf_counter() - start, error, unclear)


def run(
    clients: list[Client], odd: list[Path], *, requests: int | None = None, seconds: float | None = None, seed: int = 0
) -> list[Outcome]:
    """Send the mix from one thread per client until `requests` were sent or `seconds` passed; outcomes in the
    order the requests started."""
    if requests is None and seconds is None:
        raise ValueError("give `requests` or `seconds`: the soak needs an end")
    sent = itertools.count()  # shared by the threads; next() on it is atomic in CPython
    t0 = time.perf_counter()
    kinds, weights = list(MIX), [weight for _, weight, _ in MIX.values()]

    def more() -> bool:
        return (requests is None or next(sent) < requests) and (seconds is None or time.perf_counter() - t0 < seconds)

    def session(index: int) -> list[Outcome]:
        rng = random.Random(seed * 1000 + index)
        outcomes = []
        while more():
            outcomes.append(send(clients[index], rng.choices(kinds, weights)[0], rng, odd, t0))
        return outcomes

    with ThreadPoolExecutor(len(clients)) as pool:
        outcomes = [o for part in pool.map(session, range(len(clients))) for o in part]
    return sorted(outcomes, key=lambda o: o.started)
