"""Procedural landscape photographs drawn with numpy alone.

Lets the project train and test with no download: `render_landscape` paints a
sky (time-of-day gradient, sun or moon with a glow, soft clouds), then layers of
fractal ridges back to front with atmospheric perspective, dressed per scene
kind (coast, desert, forest, glacier, mountain). Everything is vectorised and
deterministic per (seed, index, size); noise grids have a fixed resolution, so
one scene looks the same at every size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .skies import SKIES, TIME_WEIGHTS, TIMES, Colour, Sky

SCENE_KINDS = ("coast", "desert", "forest", "glacier", "mountain")
MIN_SIZE, MAX_SIZE = 16, 1024

RIDGE_LEVELS = 9  # midpoint-displacement levels: 2**9 + 1 samples, resampled to the width
GRAIN_STD = 0.012  # film grain, in [0, 1] colour units
SOFTEN = 0.4  # share of a 3x3 blur mixed in: photos are never pixel-sharp
SKY_CURVE = 1.6  # > 1 keeps the sky deep overhead and bright near the horizon
FACE_GAIN = 2.0  # how quickly a silhouette's slope saturates to fully lit / shadowed
MIST_DEPTH = 0.25  # height band (image fraction) over which valley mist thickens
FOAM_WIDTH = 0.01  # surf line along the beach, image fraction
WAVE_SHIFT = 1.5  # how far waves displace the sea's mirror image, relative to depth below the horizon
CREVASSE_FREQ = 24  # crevasses per image height across the glacier
PALE_SKY = 0.4  # glaciers: how far the zenith colour is pulled toward the horizon's
PALE_LIGHT = 0.6  # glaciers: how far the terrain light is pulled toward white

SNOW_LIT, SNOW_SHADE = np.array((0.96, 0.97, 1.0), np.float32), np.array((0.55, 0.66, 0.84), np.float32)
ROCK, FOOTHILL = (0.34, 0.31, 0.30), (0.20, 0.26, 0.15)
CONIFER, SAND, SAND_SHADE = (0.06, 0.17, 0.09), (0.90, 0.66, 0.38), (0.58, 0.34, 0.20)
ICE, SEA, BEACH = (0.80, 0.90, 0.98), (0.04, 0.22, 0.32), (0.86, 0.77, 0.58)


@dataclass
class _Canvas:
    """What every painter needs: the image, its coordinates and the scene light."""

    img: np.ndarray  # (H, W, 3) float32 in [0, 1]
    rng: np.random.Generator
    ys: np.ndarray  # (H, 1) pixel-centre y in [0, 1], downwards
    xs: np.ndarray  # (1, W) pixel-centre x in [0, 1]
    texture: np.ndarray  # (H, W) fractal noise in ~[0, 1]
    light: np.ndarray  # (3,)
    haze: np.ndarray  # (3,) the horizon colour that distance fades toward; set by _paint_sky
    sun_x: float

    @property
    def size(self) -> int:
        return self.img.shape[0]

    @property
    def sun_dir(self) -> float:
        """+1 with the sun to the right, -1 to the left."""
        return 1.0 if self.sun_x > 0.5 else -1.0


def _jitter(rng: np.random.Generator, colour: Colour, spread: float = 0.06) -> np.ndarray:
    """Vary a colour's brightness by ~spread and its hue by half that."""
    scale = 1 + rng.normal(0, spread) + rng.normal(0, spread / 2, 3)
    return np.clip(np.asarray(colour) * scale, 0, 1).astype(np.float32)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a + (b - a) * t


def _value_noise(rng: np.random.Generator, size: int, cells_y: int, cells_x: int) -> np.ndarray:
    """(size, size) smooth periodic noise in [0, 1]: a random lattice, smoothstep-interpolated."""
    grid = rng.random((cells_y + 1, cells_x + 1), dtype=np.float32)
    grid[-1], grid[:, -1] = grid[0], grid[:, 0]  # wrap around, so np.roll never shows a seam

    def coords(cells: int) -> tuple[np.ndarray, np.ndarray]:
        t = (np.arange(size, dtype=np.float32) + 0.5) * (cells / size)
        i = np.minimum(t.astype(np.int64), cells - 1)
        f = t - i
        return i, f * f * (3 - 2 * f)

    ix, fx = coords(cells_x)
    iy, fy = coords(cells_y)
    rows = _lerp(grid[:, ix], grid[:, ix + 1], fx)  # (cells_y + 1, size)
    return _lerp(rows[iy], rows[iy + 1], fy[:, None])


def _fractal_noise(rng: np.random.Generator, size: int, cells_y: int, cells_x: int, octaves: int) -> np.ndarray:
    """Sum of value-noise octaves, each twice as fine and half as strong; ~[0, 1]."""
    total = np.zeros((size, size), np.float32)
    for octave in range(octaves):
        scale = 2**octave
        total += _value_noise(rng, size, cells_y * scale, cells_x * scale) / scale
    return total / (2 - 2 ** (1 - octaves))


def _fractal_ridge(rng: np.random.Generator, width: int, roughness: float) -> np.ndarray:
    """(width,) 1D midpoint-displacement profile scaled to [0, 1]; roughness ~0.4 smooth .. 0.7 jagged."""
    points = rng.uniform(-1, 1, 2)
    scale = 1.0
    for _ in range(RIDGE_LEVELS):
        mids = 0.5 * (points[:-1] + points[1:]) + rng.normal(0, scale, len(points) - 1)
        points = np.insert(points, np.arange(1, len(points)), mids)
        scale *= roughness
    points = (points - points.min()) / max(np.ptp(points), 1e-6)
    return np.interp(np.linspace(0, len(points) - 1, width), np.arange(len(points)), points)


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Box-filter a 1D profile (edges padded) so per-column slopes do not flicker."""
    width = max(1, width | 1)
    return np.convolve(np.pad(values, width // 2, mode="edge"), np.ones(width) / width, mode="valid")


def _blur(img: np.ndarray) -> np.ndarray:
    """Separable [1, 2, 1] / 4 blur with edge padding (no wrap-around from sky into ground)."""
    p = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    p = (p[:-2] + 2 * p[1:-1] + p[2:]) / 4
    return (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) / 4


def _paint(cv: _Canvas, alpha: np.ndarray, colour: np.ndarray) -> None:
    cv.img += alpha[..., None] * (colour - cv.img)


def _paint_sky(cv: _Canvas, sky: Sky, horizon: float) -> None:
    """Vertical three-stop gradient, sun/moon disc with glow, stars at night, soft clouds."""
    rng, size = cv.rng, cv.size
    top, mid, low = (_jitter(rng, c) for c in (sky.top, sky.mid, sky.horizon))
    t = np.clip(cv.ys / horizon, 0, 1) ** SKY_CURVE
    upper = _lerp(top, mid, np.minimum(2 * t, 1)[..., None])
    cv.img[:] = _lerp(upper, low, np.maximum(2 * t - 1, 0)[..., None])
    if sky.stars:  # sparse, denser overhead
        stars = rng.random((size, size), dtype=np.float32) > 0.997 - 0.002 * (1 - t)
        _paint(cv, stars * rng.uniform(0.3, 0.9), np.ones(3, np.float32))
    sun_y = horizon * rng.uniform(*sky.sun_height)
    dist = np.hypot(cv.xs - cv.sun_x, cv.ys - sun_y)
    sun = _jitter(rng, sky.sun, 0.03)
    cv.img += sun * (sky.glow * (np.exp(-dist / 0.04) + 0.4 * np.exp(-dist / 0.2)))[..., None]
    np.clip(cv.img, 0, 1, out=cv.img)  # a saturated glow, so the sea can mirror it
    if sky.sun_radius:
        disc = _lerp(sun, np.ones(3, np.float32), 0.6)  # the disc outshines its own glow
        _paint(cv, np.clip((sky.sun_radius - dist) * size + 0.5, 0, 1), disc)
    # Clouds: horizontally stretched noise, darker where the density grows downwards (undersides).
    density = _fractal_noise(rng, size, 12, 3, 4)
    below = np.roll(density, -max(1, size // 48), axis=0)
    threshold = 0.62 - 0.3 * sky.cloud_cover + rng.normal(0, 0.04)
    cover = np.clip((density - threshold) / 0.12, 0, 1) * np.clip(1.15 - t, 0, 1)
    lit = np.clip(0.6 + 6 * (density - below), 0, 1)[..., None]
    clouds = _lerp(_jitter(rng, sky.cloud_shade), _jitter(rng, sky.cloud_lit), lit)
    clouds += sun * (sky.glow * np.exp(-dist / 0.12))[..., None]
    _paint(cv, cover * 0.9, clouds)
    cv.haze = low


def _terrain(
    cv: _Canvas,
    top: np.ndarray,
    colour: Colour,
    haze: float,
    mist: float = 0.0,
    snow_line: np.ndarray | None = None,
    face_depth: float = 0.1,
    relief: float = 0.35,
    roughness: float = 0.5,
) -> None:
    """Fill below `top` (per-column y in [0, 1]) with lit, textured terrain faded by distance."""
    size, ys, top = cv.size, cv.ys, top.astype(np.float32)  # float32 keeps the (H, W) maths fast
    alpha = np.clip((ys - top) * size + 0.5, 0, 1)  # antialiased silhouette
    depth = np.maximum(ys - top, 0)
    # Slopes that face the sun are lit; the lit/shadow edge runs down from each peak at a slant
    # (a spur), and rock facets come from the texture's sideways change.
    face = np.tanh(FACE_GAIN * cv.sun_dir * np.gradient(_smooth(top, size // 24)) * size)
    spur = cv.rng.uniform(0.3, 1.0) * cv.rng.choice((-1, 1))
    columns = np.clip(np.arange(size) + spur * depth * size, 0, size - 1).astype(np.int64)
    face = face.astype(np.float32)[columns]
    shift = int(cv.rng.integers(size))  # decorrelates this layer's texture from the others
    facets = np.roll(cv.texture, shift, axis=1)
    facet = np.clip(cv.sun_dir * (facets - np.roll(facets, max(1, size // 64), axis=1)) * 12, -1, 1)
    shade = face * np.exp(-depth / face_depth) + roughness * facet
    brightness = 1 + relief * shade + roughness * (facets - 0.5)
    col = np.asarray(colour, np.float32) * cv.light * brightness[..., None]
    if snow_line is not None:
        patchy = np.clip((snow_line - ys) * 10 + (np.roll(cv.texture, -shift, axis=0) - 0.5) * 2, 0, 1)
        snow = _lerp(SNOW_SHADE, SNOW_LIT, np.clip(0.6 + 0.6 * shade, 0, 1)[..., None]) * cv.light
        col = _lerp(col, snow.astype(np.float32), patchy[..., None])
    # Mist pools by height, not by distance below each peak (which would streak vertically).
    fade = np.clip(haze + mist * (ys - top.mean()) / MIST_DEPTH, haze, 1)[..., None]
    _paint(cv, alpha, _lerp(col, cv.haze, fade))


def _ridge_layers(
    cv: _Canvas, count: int, base: tuple[float, float], height: tuple[float, float], roughness: float
) -> list[np.ndarray]:
    """Ridge lines from far (high, short) to near (low, tall), as per-column y in [0, 1]."""
    out = []
    for i in range(count):
        near = i / max(count - 1, 1)
        amp = cv.rng.uniform(*height) * (0.6 + 0.6 * near)
        out.append(_lerp(base[0], base[1], near) - amp * _fractal_ridge(cv.rng, cv.size, roughness))
    return out


def _paint_mountain(cv: _Canvas, horizon: float) -> None:
    layers = _ridge_layers(cv, int(cv.rng.integers(3, 5)), (horizon, horizon + 0.3), (0.18, 0.4), 0.55)
    snow_line = horizon - cv.rng.uniform(0.12, 0.3) + 0.03 * _fractal_ridge(cv.rng, cv.size, 0.7)
    for i, top in enumerate(layers):
        last = i == len(layers) - 1
        _terrain(
            cv,
            top,
            FOOTHILL if last else _jitter(cv.rng, ROCK),
            haze=0.65 * (1 - i / len(layers)),
            mist=0.0 if last else 0.5,
            snow_line=None if last else snow_line + 0.08 * i,
        )


def _paint_forest(cv: _Canvas, horizon: float) -> None:
    for top in _ridge_layers(cv, 2, (horizon, horizon + 0.05), (0.1, 0.25), 0.55):
        _terrain(cv, top, ROCK, haze=0.6, mist=0.4)
    rows = int(cv.rng.integers(3, 5))
    green = _jitter(cv.rng, CONIFER, 0.15)
    for i, hill in enumerate(_ridge_layers(cv, rows, (horizon + 0.08, 1.05), (0.05, 0.12), 0.45)):
        near = i / (rows - 1)
        # Conifers: one triangle per cell of random height, with branch notches (sawtooth).
        cells = cv.xs[0] * _lerp(45, 9, near)  # trees across the width: many far, few near
        idx = cells.astype(np.int64)
        frac = cells - idx
        tree_h = cv.rng.uniform(0.5, 1.0, idx[-1] + 1)[idx] * _lerp(0.04, 0.26, near)
        notch = 0.12 * ((frac * 10) % 1)
        crown = np.clip(1 - np.abs(frac - 0.5) * 2 - notch, 0, 1) ** 0.8
        _terrain(cv, hill - tree_h * crown, green, haze=0.6 * (1 - near), mist=0.5 * (1 - near), relief=0.5)


def _paint_desert(cv: _Canvas, horizon: float) -> None:
    rng, x = cv.rng, cv.xs[0]
    mesa = np.minimum(_fractal_ridge(rng, cv.size, 0.5), rng.uniform(0.5, 0.8))  # flat-topped buttes
    _terrain(cv, horizon - rng.uniform(0.05, 0.15) * mesa, (0.70, 0.42, 0.28), haze=0.55)
    rows = int(rng.integers(3, 5))
    for i in range(rows):
        near = i / (rows - 1)
        freq, phase = rng.uniform(1.0, 2.5) / (0.4 + near), rng.uniform(0, 1)
        crest = 1 - np.abs(np.sin(np.pi * (freq * x + phase)))  # sharp dune crests
        crest += 0.4 * np.sin(2 * np.pi * (0.5 * freq * x + phase)) + 0.3 * _fractal_ridge(rng, cv.size, 0.4)
        top = _lerp(horizon + 0.03, 0.95, near) - _lerp(0.04, 0.12, near) * crest
        sand = _lerp(_jitter(rng, SAND_SHADE), _jitter(rng, SAND), 0.6 + 0.4 * near)
        _terrain(cv, top, sand, haze=0.45 * (1 - near), face_depth=0.3, relief=0.45, roughness=0.15)


def _paint_glacier(cv: _Canvas, horizon: float) -> None:
    rng = cv.rng
    for i, top in enumerate(_ridge_layers(cv, 2, (horizon - 0.02, horizon + 0.05), (0.2, 0.4), 0.6)):
        snow_line = horizon + 0.2 * i + 0.04 * _fractal_ridge(rng, cv.size, 0.7)
        _terrain(cv, top, ROCK, haze=0.5 - 0.25 * i, mist=0.3, snow_line=snow_line)
    # The glacier: broad smooth ice tongues, bluer with depth, streaked by crevasses.
    for i, top in enumerate(_ridge_layers(cv, 2, (horizon + 0.12, 0.8), (0.05, 0.12), 0.4)):
        _terrain(cv, top, _jitter(rng, ICE, 0.04), haze=0.2 * (1 - i), relief=0.25)
        depth = np.clip((cv.ys - top) * 3, 0, 1)
        blue = np.clip(depth * (0.5 + cv.texture), 0, 1) * 0.5
        bend = 0.03 * np.sin(2 * np.pi * (cv.xs * rng.uniform(0.5, 1.5) + rng.random())) + 0.03 * cv.texture
        crevasse = np.abs(np.sin(CREVASSE_FREQ * np.pi * (cv.ys + bend))) < 0.15
        ice_shadow = (SNOW_SHADE * 0.6 * cv.light).astype(np.float32)
        _paint(cv, (cv.ys > top) * np.maximum(blue, crevasse * depth * 0.85), ice_shadow)


def _paint_coast(cv: _Canvas, horizon: float) -> None:
    rng, size, x = cv.rng, cv.size, cv.xs[0]
    sky = cv.img.copy()
    # Distant headland on one side of the bay.
    centre = rng.choice((0.0, 1.0)) + rng.normal(0, 0.1)
    envelope = np.clip(1 - np.abs(x - centre) / rng.uniform(0.3, 0.6), 0, 1) ** 0.6
    headland = horizon - rng.uniform(0.05, 0.2) * envelope * (0.4 + 0.6 * _fractal_ridge(rng, size, 0.55))
    _terrain(cv, headland, FOOTHILL, haze=0.5)
    # Sea: the sky mirrored about the horizon, darkened and tinted, broken into wave streaks.
    waves = _fractal_noise(rng, size, 40, 4, 3)
    mirror = 2 * horizon - cv.ys + WAVE_SHIFT * (waves - 0.5) * (cv.ys - horizon)  # waves break up the mirror
    rows = np.clip((mirror * size).astype(np.int64), 0, size - 1)
    below = cv.ys > horizon
    fresnel = np.clip(1 - (cv.ys - horizon) * 2.5, 0.25, 0.8)[..., None]  # grazing views reflect more
    water = _lerp(_jitter(rng, SEA) * cv.light, sky[rows, np.arange(size)] * 0.85, fresnel)
    water *= (0.8 + 0.4 * waves)[..., None]
    # Sun (or moon) glitter: a streak that widens toward the viewer, lit only on wave crests.
    streak = np.exp(-(((cv.xs - cv.sun_x) / (0.02 + 0.25 * (cv.ys - horizon))) ** 2))
    water += (streak * np.clip((waves - 0.5) * 5, 0, 1) * 0.8 * cv.light.mean())[..., None]
    _paint(cv, np.clip((cv.ys - horizon) * size + 0.5, 0, 1) * below, water.astype(np.float32))
    # Beach: a gently curving shoreline with a foam edge.
    tilt = rng.uniform(-0.12, 0.12) * (x - 0.5)
    shore = rng.uniform(0.8, 0.95) + tilt - 0.04 * _fractal_ridge(rng, size, 0.45)
    foam = np.clip(1 - np.abs(cv.ys - shore + FOAM_WIDTH) / FOAM_WIDTH, 0, 1) * 0.8
    _terrain(cv, shore, _jitter(rng, BEACH), haze=0.0, relief=0.15)
    _paint(cv, foam, SNOW_LIT * cv.light)


PAINTERS = {
    "coast": _paint_coast,
    "desert": _paint_desert,
    "forest": _paint_forest,
    "glacier": _paint_glacier,
    "mountain": _paint_mountain,
}


def _scene_rng(seed: int, index: int) -> tuple[np.random.Generator, str]:
    """The scene's generator, after it has drawn the scene kind."""
    if not all(isinstance(v, (int, np.integer)) and v >= 0 for v in (seed, index)):
        raise ValueError(f"seed and index must be non-negative ints, got {seed!r}, {index!r}")
    rng = np.random.default_rng([seed, index])
    return rng, SCENE_KINDS[int(rng.integers(len(SCENE_KINDS)))]


def scene_kind(seed: int, index: int) -> str:
    """The kind render_landscape(seed, index, size) draws."""
    return _scene_rng(seed, index)[1]


def render_landscape(seed: int, index: int, size: int, kind: str | None = None) -> np.ndarray:
    """(size, size, 3) uint8 RGB image, deterministic per (seed, index, size)."""
    if not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be an int in {MIN_SIZE}..{MAX_SIZE}, got {size!r}")
    if kind is not None and kind not in SCENE_KINDS:
        raise ValueError(f"kind must be one of {SCENE_KINDS} or None, got {kind!r}")
    size = int(size)
    rng, drawn = _scene_rng(seed, index)
    if kind is not None and kind != drawn:  # its own stream, so forced kinds do not share skies
        rng = np.random.default_rng([seed, index, 1 + SCENE_KINDS.index(kind)])
    kind = kind or drawn
    sky = SKIES[TIMES[rng.choice(len(TIMES), p=TIME_WEIGHTS[kind])]]
    light = _jitter(rng, sky.light, 0.04)
    if kind == "glacier":  # a pale sky, and ice that still reads as ice under a coloured light
        sky = replace(sky, top=tuple(_lerp(np.array(sky.top), np.array(sky.horizon), PALE_SKY)))
        light = _lerp(light, light.max(), PALE_LIGHT)
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    cv = _Canvas(
        np.zeros((size, size, 3), np.float32),
        rng,
        coords[:, None],
        coords[None, :],
        _fractal_noise(rng, size, 6, 6, 5),
        light,
        light,
        float(rng.uniform(0.15, 0.85)),
    )
    horizon = float(rng.uniform(0.5, 0.65))
    _paint_sky(cv, sky, horizon)
    PAINTERS[kind](cv, horizon)
    img = _lerp(cv.img, _blur(cv.img), SOFTEN) + rng.normal(0, GRAIN_STD, (size, size, 1)).astype(np.float32)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
