"""The Explore tab's inputs and outputs by name. Gradio hands an event's values over as one flat list in the
order of its components; `from_list` and `to_list` are the only places that know that order."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ui.gradio_compat import REQUIRED

SLIDERS = 12  # main sliders: main directions or single code numbers
SHOWN_DIRECTIONS = 4  # the main sliders shown at first; the rest fold under "More directions" (they change less)
SLIDER_RANGE = 3.0
MAX_CLASSES = 6  # "more forest"-style sliders; a model shows one per class of its training photos, then own ones
CLASS_RANGE = (-1.0, 2.0)  # in units of the class direction: 1 moves the code by a class's mean offset
MAX_OWN_NAME = 30  # characters of an own slider's name
SIZES = {"sliders": SLIDERS, "more": MAX_CLASSES}  # the fields that are one component per value


def flatten(named, kind) -> list:
    """The fields of `named` (a `kind` instance) in order, list fields spread out."""
    values = []
    for field in fields(kind):
        value = getattr(named, field.name)
        values += list(value) if field.name in SIZES else [value]
    return values


def unflatten(kind, values):
    """`kind` from a flat list in its fields' order."""
    values, taken = list(values), {}
    for field in fields(kind):
        size = SIZES.get(field.name)
        taken[field.name] = values[:size] if size else values[0]
        values = values[size or 1 :]
    if values:
        raise ValueError(f"{len(values)} values more than {kind.__name__} has")
    return kind(**taken)


@dataclass
class ExploreInputs:
    """What the code on screen is made of: the model, the main sliders on their axes, the "more …" sliders,
    the starting code they move (None: the axes' origin) and the visitor's own sliders (the `own` state)."""

    model: str
    sliders: list
    axes: str
    more: list
    base: list | None = None
    own: dict | None = None

    @classmethod
    def from_list(cls, values) -> ExploreInputs:
        return unflatten(cls, values)

    def to_list(self) -> list:
        return flatten(self, ExploreInputs)

    @staticmethod
    def api_names() -> list[tuple[str, object]]:
        """What gradio_client users see /decode's inputs called, with their defaults."""
        return [
            ("model", REQUIRED),
            *((f"slider_{i + 1}", 0.0) for i in range(SLIDERS)),
            ("axes", "main"),
            *((f"more_class_{i + 1}", 0.0) for i in range(MAX_CLASSES)),
            ("base", None),
            ("own", None),
        ]

    def api_arguments(self) -> dict:
        """/decode's keyword arguments for gradio_client (base and own are session state, which it fills in)."""
        names = [name for name, _ in self.api_names() if name not in ("base", "own")]
        return dict(zip(names, flatten(self, ExploreInputs), strict=False))


@dataclass
class ExploreView:
    """What opening a share link sets: the model, the axis choice, the picture, the photo beside it, the code, every
    slider, the own sliders and the browser decoder's settings."""

    model: object
    axes: object
    image: object
    photo: object
    base: object
    sliders: list
    more: list
    own: object
    settings: object

    @classmethod
    def unchanged(cls, update) -> ExploreView:
        """A view that leaves every component as it is (`update` is gr.update())."""
        return unflatten(cls, [update] * (len(fields(cls)) - len(SIZES) + sum(SIZES.values())))

    @classmethod
    def from_list(cls, values) -> ExploreView:
        return unflatten(cls, values)

    def to_list(self) -> list:
        return flatten(self, ExploreView)


def browser_layout() -> dict:
    """The browser's slider event hands over the main sliders, then the "more …" ones: how many of each."""
    return dict(SIZES)
