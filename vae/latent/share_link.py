"""Share links: what the Explore tab shows, as a URL query. The browser pages (web/) write the link; the app reads
it here when a page opens.

    ?model=beta-1&axes=main&code=<base64url of fp16>&sliders=0.5,-1,0&more=0,1.5&own=snow~<base64url of fp16>

`code` is the starting code (the sliders move it), `sliders` the main sliders' values, `more` the "more …"
sliders' amounts, and each `own` a visitor's own slider: its name and direction. fp16 keeps a 128-number code
in 342 characters; it changes a decoded picture by well under one level of 255.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, field

import numpy as np

CODE_LIMIT = 20.0  # real photos' codes stay within +-10; a larger number is a tampered link
OWN_SEPARATOR = "~"  # between an own slider's name and its direction (not in the base64url alphabet)


@dataclass
class SharedView:
    model: str
    axes: str
    code: list[float]
    sliders: list[float]
    more: list[float] = field(default_factory=list)
    own: list[tuple[str, list[float]]] = field(default_factory=list)  # (name, direction)


def encode_numbers(numbers) -> str:
    """Numbers as base64url (no padding) of little-endian fp16."""
    return base64.urlsafe_b64encode(np.asarray(numbers, dtype="<f2").tobytes()).decode().rstrip("=")


def decode_numbers(text: str, what: str) -> list[float]:
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"its {what} is not base64url") from None
    if not raw or len(raw) % 2:
        raise ValueError(f"its {what} is not a whole number of fp16 values")
    numbers = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    if not np.all(np.abs(numbers) <= CODE_LIMIT):  # also refuses NaN and infinity
        raise ValueError(f"its {what} holds numbers beyond +-{CODE_LIMIT:g}")
    return numbers.tolist()


def number_list(text: str, what: str) -> list[float]:
    try:
        numbers = [float(part) for part in text.split(",")] if text else []
    except ValueError:
        raise ValueError(f"its {what} are not numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError(f"its {what} are not all finite")
    return numbers


def read_link(params: dict[str, list[str]]) -> SharedView | None:
    """The view a link's query parameters describe; None when the URL is not a share link (no `code`).
    Raises ValueError, naming what is wrong, for a link that cannot be read."""
    if "code" not in params:
        return None

    def one(key: str, default: str | None = None) -> str:
        values = params.get(key) or ([default] if default is not None else [])
        if len(values) != 1:
            raise ValueError(f"it has {len(values)} values for {key!r}, not one")
        return values[0]

    own = []
    for entry in params.get("own", []):
        name, separator, direction = entry.rpartition(OWN_SEPARATOR)
        if not separator or not name.strip():
            raise ValueError("one of its own sliders has no name")
        own.append((name.strip(), decode_numbers(direction, "own slider's direction")))
    return SharedView(
        model=one("model"),
        axes=one("axes", "main"),
        code=decode_numbers(one("code"), "code"),
        sliders=number_list(one("sliders", ""), "slider values"),
        more=number_list(one("more", ""), "class slider amounts"),
        own=own,
    )


@dataclass
class LinkLimits:
    """What the app showing a link can hold: the model's code length and axes, and the sliders' counts and ends."""

    latent_dim: int
    axis_kinds: list[str]
    sliders: int
    slider_range: float
    classes: int  # "more …" places in all (a model's classes, then own sliders)
    class_range: tuple[float, float]
    own_room: int  # places left for own sliders after the model's classes


def check_view(view: SharedView, limits: LinkLimits) -> None:
    """Raises ValueError, naming the problem, for a link's view the app cannot show within `limits`."""
    if view.axes not in limits.axis_kinds:
        raise ValueError(f"it names slider axes this model does not have ({view.axes[:20]!r})")
    for numbers, count, what in [
        (view.own, limits.own_room, "own sliders"),
        (view.sliders, limits.sliders, "slider values"),
        (view.more, limits.classes, "class amounts"),
    ]:
        if len(numbers) > count:
            raise ValueError(f"it has {len(numbers)} {what}, more than the {count} this model has")
    if len(view.code) != limits.latent_dim or any(len(vector) != limits.latent_dim for _, vector in view.own):
        raise ValueError(f"its codes do not have this model's {limits.latent_dim} numbers")
    low, high = limits.class_range
    if not all(abs(v) <= limits.slider_range for v in view.sliders) or not all(low <= a <= high for a in view.more):
        raise ValueError("its slider values are beyond the sliders' ends")
