"""The procedural landscapes' skies: one palette per time of day, and how often each kind of scene gets each."""

from __future__ import annotations

from dataclasses import dataclass

Colour = tuple[float, float, float]


@dataclass(frozen=True)
class Sky:
    """One time of day: sky gradient, sun or moon, light on the land, clouds."""

    top: Colour
    mid: Colour
    horizon: Colour
    sun: Colour
    light: Colour  # tint and strength of the light falling on terrain
    cloud_lit: Colour
    cloud_shade: Colour
    sun_height: tuple[float, float]  # sun centre range, as a fraction of the horizon height
    sun_radius: float
    glow: float
    cloud_cover: float  # 0 clear .. 1 overcast
    stars: bool = False


TIMES = ("day", "dusk", "night", "overcast")
SKIES = {
    "day": Sky(
        (0.16, 0.36, 0.78),
        (0.42, 0.62, 0.90),
        (0.78, 0.87, 0.96),
        (1.0, 0.98, 0.90),
        (1.0, 0.98, 0.94),
        (0.98, 0.98, 1.0),
        (0.66, 0.70, 0.78),
        (0.15, 0.45),
        0.030,
        0.5,
        0.35,
    ),
    "dusk": Sky(
        (0.16, 0.16, 0.38),
        (0.78, 0.42, 0.55),
        (1.0, 0.62, 0.32),
        (1.0, 0.86, 0.55),
        (0.82, 0.58, 0.48),
        (1.0, 0.66, 0.52),
        (0.40, 0.26, 0.38),
        (0.75, 0.95),
        0.040,
        0.9,
        0.3,
    ),
    "night": Sky(
        (0.02, 0.04, 0.12),
        (0.05, 0.09, 0.22),
        (0.12, 0.17, 0.32),
        (0.92, 0.94, 1.0),
        (0.26, 0.30, 0.45),
        (0.22, 0.25, 0.35),
        (0.06, 0.07, 0.12),
        (0.15, 0.45),
        0.022,
        0.25,
        0.25,
        stars=True,
    ),
    "overcast": Sky(
        (0.50, 0.53, 0.57),
        (0.64, 0.66, 0.69),
        (0.80, 0.81, 0.82),
        (0.95, 0.95, 0.92),
        (0.74, 0.76, 0.80),
        (0.80, 0.81, 0.83),
        (0.60, 0.62, 0.65),
        (0.2, 0.4),
        0.0,
        0.12,
        0.85,
    ),
}
# Chance of each time of day per kind, in TIMES order (glaciers favour pale skies).
TIME_WEIGHTS = {
    "coast": (0.4, 0.3, 0.15, 0.15),
    "desert": (0.45, 0.35, 0.15, 0.05),
    "forest": (0.35, 0.2, 0.15, 0.3),
    "glacier": (0.6, 0.1, 0.05, 0.25),
    "mountain": (0.4, 0.25, 0.15, 0.2),
}
