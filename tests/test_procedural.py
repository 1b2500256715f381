"""The procedural landscape generator: determinism, shapes, validation, and pictures that are not degenerate."""

import numpy as np
import pytest

from vae.core.procedural import SCENE_KINDS, render_landscape, scene_kind


def test_same_arguments_give_identical_images():
    for kind in (None, *SCENE_KINDS):
        np.testing.assert_array_equal(render_landscape(3, 7, 64, kind), render_landscape(3, 7, 64, kind))


def test_different_index_or_seed_gives_different_images():
    base = render_landscape(0, 0, 64, "mountain")
    assert not np.array_equal(base, render_landscape(0, 1, 64, "mountain"))
    assert not np.array_equal(base, render_landscape(1, 0, 64, "mountain"))


@pytest.mark.parametrize("size", [16, 32, 64, 128, 256])
def test_shape_and_dtype(size):
    img = render_landscape(0, 1, size)
    assert img.shape == (size, size, 3)
    assert img.dtype == np.uint8


def test_scene_kind_covers_all_kinds_and_is_stable():
    kinds = [scene_kind(0, i) for i in range(60)]
    assert set(kinds) == set(SCENE_KINDS)
    assert kinds == [scene_kind(0, i) for i in range(60)]
    assert all(kinds.count(k) >= 4 for k in SCENE_KINDS)  # roughly balanced, not one kind dominating


def test_explicit_kind_matching_the_drawn_one_changes_nothing():
    for index in range(5):
        kind = scene_kind(2, index)
        np.testing.assert_array_equal(render_landscape(2, index, 48), render_landscape(2, index, 48, kind))


def test_explicit_kind_is_honoured():
    index = next(i for i in range(100) if scene_kind(0, i) == "coast")
    forced = render_landscape(0, index, 64, "desert")
    assert not np.array_equal(forced, render_landscape(0, index, 64))
    assert _warmth(forced) > 0  # sand, not sea


@pytest.mark.parametrize("bad", ["jungle", "Coast", ""])
def test_bad_kind_raises_naming_it(bad):
    with pytest.raises(ValueError, match=repr(bad)):
        render_landscape(0, 0, 32, bad)


@pytest.mark.parametrize("bad", [0, 15, 1025, -64])
def test_bad_size_raises_naming_it(bad):
    with pytest.raises(ValueError, match=str(bad)):
        render_landscape(0, 0, bad)


def test_non_integer_size_is_rejected():
    with pytest.raises(ValueError, match="64.0"):
        render_landscape(0, 0, 64.0)


@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_images_are_not_degenerate(kind):
    contrasts = []
    for index in range(6):
        img = render_landscape(5, index, 64, kind).astype(np.float64)
        assert img.std() > 12, "almost a flat colour"
        assert img.std(axis=(0, 1)).min() > 4, "a channel is constant"
        sky, ground = img[:8].mean(axis=(0, 1)), img[-8:].mean(axis=(0, 1))
        contrasts.append(np.abs(sky - ground).max())
    assert min(contrasts) > 6, "sky and ground look the same"  # night scenes are dark overall
    assert np.mean(contrasts) > 30


def test_neighbouring_columns_are_not_identical():
    img = render_landscape(0, 0, 128, "forest").astype(np.float64)
    assert np.abs(np.diff(img, axis=1)).mean() > 1  # texture and tree lines, not flat vertical bands


def _warmth(img: np.ndarray) -> float:
    """Mean red minus blue over the lower half (the land)."""
    land = img[img.shape[0] // 2 :].astype(np.float64)
    return float(land[..., 0].mean() - land[..., 2].mean())


def _mean_over(kind: str, stat, count: int = 6) -> float:
    return float(np.mean([stat(render_landscape(11, i, 48, kind)) for i in range(count)]))


def test_desert_land_is_warmer_than_glacier_ice():
    assert _mean_over("desert", _warmth) > _mean_over("glacier", _warmth) + 30


def test_glacier_is_brighter_than_forest():
    assert _mean_over("glacier", np.mean) > _mean_over("forest", np.mean) + 25


def test_forest_land_is_greener_than_desert():
    def greenness(img: np.ndarray) -> float:
        land = img[-img.shape[0] // 4 :].astype(np.float64)
        return float(land[..., 1].mean() - (land[..., 0].mean() + land[..., 2].mean()) / 2)

    assert _mean_over("forest", greenness) > _mean_over("desert", greenness)


def test_coast_has_water_between_horizon_and_beach():
    def sea_minus_beach(img: np.ndarray) -> float:
        """How much bluer the band just below the lowest horizon (0.65) is than the bottom rows."""
        sea, beach = img[32:34].astype(np.float64), img[-2:].astype(np.float64)
        return float((sea[..., 2] - sea[..., 0]).mean() - (beach[..., 2] - beach[..., 0]).mean())

    assert _mean_over("coast", sea_minus_beach) > 20
