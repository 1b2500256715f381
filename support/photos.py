"""Tiny image folders the tests and the benchmarks' own tests make themselves."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def write_photos(folder: Path, count: int, *, size: int = 48, seed: int = 0) -> list[Path]:
    """Smooth random colour images (gradients plus a blob), like tiny landscapes."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    ramp = np.linspace(0, 1, size)[:, None, None]
    for i in range(count):
        top, bottom = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        pixels = (top * (1 - ramp) + bottom * ramp) * np.ones((size, size, 3))
        path = folder / f"img_{i:03d}.jpg"
        Image.fromarray(pixels.astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


@pytest.fixture
def seed_layout(tmp_path) -> Path:
    """A miniature of the seed's layout: two classes in each split."""
    root = tmp_path / "landscapes"
    for i, (split, count) in enumerate((("Training Data", 24), ("Validation Data", 6), ("Testing Data", 6))):
        for k, cls in enumerate(("Forest", "Sea")):
            write_photos(root / split / cls, count // 2, seed=10 * i + k)
    return root
