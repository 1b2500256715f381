"""Random draws that a browser reproduces exactly: web/sampler.js computes the same numbers from the same seed.

torch's and numpy's generators cannot be rebuilt in JavaScript, so the samplers draw from a counter-based
generator instead: the i-th uniform of a seed is mulberry32's output for the state seed + i · 0x6D2B79F5
(mod 2^32), in (0, 1); normals come from pairs of uniforms by the Box–Muller transform, in float64.
"""

from __future__ import annotations

import numpy as np

STEP = 0x6D2B79F5  # mulberry32's state increment
SPAN = 2.0**32


def uniforms(seed: int, start: int, count: int) -> np.ndarray:
    """(count,) float64 in (0, 1): the uniforms numbered start, start + 1, ... of `seed`."""
    index = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    t = ((np.uint64(int(seed) % 2**32) + index * np.uint64(STEP)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as JavaScript's Math.imul and >>> 0 do
        t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
        t ^= t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))
    t ^= t >> np.uint32(14)
    return (t.astype(np.float64) + 0.5) / SPAN


def normals(seed: int, start: int, count: int) -> np.ndarray:
    """(count,) float64 standard normals from the uniforms numbered start ... start + 2 · ceil(count / 2) - 1."""
    pairs = (count + 1) // 2
    u = uniforms(seed, start, 2 * pairs).reshape(pairs, 2)
    radius = np.sqrt(-2.0 * np.log(u[:, 0]))
    angle = 2.0 * np.pi * u[:, 1]
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).reshape(-1)[:count]


def standard_codes(seed: int, count: int, dim: int, temperature: float = 1.0) -> np.ndarray:
    """(count, dim) draws from N(0, temperature² I)."""
    return normals(seed, 0, count * dim).reshape(count, dim) * temperature


def picks(weights, seed: int, count: int) -> np.ndarray:
    """(count,) indices drawn by `weights`: uniform i < count picks draw i's by the cumulative weights."""
    weights = np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(weights) / weights.sum()
    return np.minimum(np.searchsorted(cumulative, uniforms(seed, 0, count), side="right"), len(weights) - 1)


def portable_noise(seed: int, count: int, dim: int) -> np.ndarray:
    """(count, dim) standard normals for the draws that `picks` chose for: the normals after the picks' uniforms."""
    return normals(seed, count, count * dim).reshape(count, dim)


def mixture_codes(weights, means, scale_trils, seed: int, count: int, temperature: float = 1.0) -> np.ndarray:
    """(count, D) draws from a Gaussian mixture: each draw's component by `picks`, its noise by `portable_noise`;
    temperature scales each component's spread."""
    means, scale_trils = (np.asarray(a, dtype=np.float64) for a in (means, scale_trils))
    chosen = picks(weights, seed, count)
    noise = portable_noise(seed, count, means.shape[1])
    return means[chosen] + temperature * np.einsum("nij,nj->ni", scale_trils[chosen], noise)
