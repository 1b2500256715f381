"""The fitted density of codes (Gaussian and mixture) and the main and class directions."""

import math

import numpy as np
import pytest
import torch

from vae.latent.density import LatentDensity, fit_best_mixture, fit_gaussian, fit_mixture
from vae.latent.directions import fit_axes, picture_metric


def two_clusters(count: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centre = torch.zeros(4)
    centre[0] = 4.0
    codes = torch.randn(count, 4, generator=g) * 0.5
    codes[: count // 2] += centre
    codes[count // 2 :] -= centre
    return codes


def test_one_gaussian_density_matches_torchs_multivariate_normal():
    codes = two_clusters(400, 0)
    density = fit_gaussian(codes)
    maximum_likelihood_covariance = torch.cov(codes.T, correction=0)
    reference = torch.distributions.MultivariateNormal(
        codes.mean(0), maximum_likelihood_covariance + 1e-4 * torch.eye(4)
    )
    assert torch.allclose(density.log_prob(codes[:10]), reference.log_prob(codes[:10]), atol=1e-3)


def test_mixture_finds_the_clusters_and_samples_from_them():
    density = fit_mixture(two_clusters(2000, 0), components=2)
    assert sorted(density.means[:, 0].round().tolist()) == [-4.0, 4.0]
    draws = density.sample(1000, seed=1)
    assert (draws[:, 0].abs() > 2).float().mean() > 0.97  # no draws in the empty middle
    one = fit_gaussian(two_clusters(2000, 0)).sample(1000, seed=1)
    assert (one[:, 0].abs() > 2).float().mean() < 0.8  # where a single Gaussian puts many


def test_the_mixture_size_is_chosen_on_held_out_codes():
    density, scores = fit_best_mixture(two_clusters(2000, 0), two_clusters(400, 1), choices=(1, 2))
    assert density.components == 2 and scores[2] > scores[1]


def test_density_round_trips(tmp_path):
    density = fit_mixture(two_clusters(600, 0), components=2)
    density.save(tmp_path / "d.safetensors")
    again = LatentDensity.load(tmp_path / "d.safetensors")
    assert torch.equal(again.means, density.means) and torch.equal(again.scale_trils, density.scale_trils)
    assert torch.allclose(again.log_prob(two_clusters(10, 1)), density.log_prob(two_clusters(10, 1)))


def test_main_directions_are_ordered_by_spread_and_class_directions_point_to_each_class():
    codes = two_clusters(1000, 0)
    labels = [0] * 500 + [1] * 500
    axes = fit_axes(codes, labels, count=3)
    assert axes.vectors[0, 0].abs() > 0.99  # the clusters are split along dimension 0
    assert axes.scale[0] > 3 * axes.scale[1] and axes.share.sum() <= 1.0
    assert torch.allclose(axes.vectors @ axes.vectors.T, torch.eye(3), atol=1e-5)
    assert axes.class_directions[0, 0] == pytest.approx(4.0, abs=0.1)
    assert axes.class_directions[1, 0] == pytest.approx(-4.0, abs=0.1)
    coordinates = torch.tensor([1.0, -0.5, 0.0])
    assert torch.allclose(axes.coordinates(axes.lift(coordinates), 3), coordinates, atol=1e-5)
    assert fit_axes(codes).class_directions.shape == (0, 4)


def test_main_directions_follow_the_picture_when_every_code_number_has_the_same_spread():
    codes = torch.randn(4000, 4, generator=torch.Generator().manual_seed(0))  # whitened: no direction stands out
    weights = torch.tensor([0.5, 3.0, 0.1, 1.0])  # how much each code number moves the picture

    def decode(z):  # a linear "decoder" to 1 x 2 x 2 pictures
        return (z * weights).view(-1, 1, 2, 2)

    metric = picture_metric(decode, torch.zeros(4))
    assert torch.allclose(metric, torch.diag(weights**2).double(), atol=1e-6)
    axes = fit_axes(codes, metric=metric, count=4)
    assert axes.vectors.abs().argmax(1).tolist() == [1, 3, 0, 2]
    assert axes.share[0] == pytest.approx(9 / (9 + 1 + 0.25 + 0.01), abs=0.02)
    assert torch.allclose(axes.scale, torch.ones(4), atol=0.05)  # spread stays in code units
    assert torch.allclose(axes.vectors @ axes.vectors.T, torch.eye(4), atol=1e-5)
    assert fit_axes(codes, count=4).share[0] < 0.3  # unweighted, the first direction is an accident of sampling


def test_a_direction_keeps_its_sign_when_the_codes_are_mirrored():
    codes = two_clusters(1000, 0) * torch.tensor([1.0, 0.6, 0.4, 0.2])
    first, mirrored = fit_axes(codes, count=4), fit_axes(-codes, count=4)  # the same spread, SVD signs may differ
    assert torch.allclose(first.vectors, mirrored.vectors, atol=1e-5)
    rows = torch.arange(4)
    assert (first.vectors[rows, first.vectors.abs().argmax(1)] > 0).all()


def test_map_clicks_round_trip_to_map_coordinates():
    from vae.latent.atlas import map_coordinates, map_pixel

    for point in ((0.0, 0.0), (1.5, -2.0), (-2.9, 2.9)):
        x, y = map_coordinates(*map_pixel(torch.tensor(point)).tolist())
        assert (x, y) == pytest.approx(point, abs=0.01)


def test_typicality_is_a_percentile_in_plain_words():
    from ui.words import typicality
    from vae.latent.atlas import percentile_below

    scores = torch.arange(100.0)
    assert percentile_below(scores, 50.0) == 50.0
    assert typicality(percentile_below(scores, -1.0), "this").startswith("**Unusual.**")
    assert typicality(50.0, "this").startswith("**Typical.**")
    assert "no photos" in typicality(None, "this")


def test_the_photo_score_is_the_elbo_in_bits_plus_the_png_size():
    from vae import VAEConfig, build_model
    from vae.core.losses import elbo_per_value
    from vae.core.metrics import png_bits_per_value
    from vae.latent.atlas import photo_scores

    torch.manual_seed(0)
    model = build_model(VAEConfig(image_size=32, latent_dim=4, reconstruction="gaussian")).eval()
    flat, noise = torch.full((3, 32, 32), 128, dtype=torch.uint8), torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
    assert png_bits_per_value(flat) < 0.5 < 7.5 < png_bits_per_value(noise)  # a flat 32 px image: mostly headers
    pixels = torch.stack([flat, noise])
    with torch.inference_mode():
        elbo_bits = elbo_per_value(model, pixels.float() / 255) / math.log(2)
    expected = elbo_bits + torch.tensor([png_bits_per_value(flat), png_bits_per_value(noise)])
    assert torch.allclose(photo_scores(model, pixels), expected, atol=1e-5)


def test_models_showing_the_same_photos_share_one_sheet_and_still_load(tmp_path):
    from vae.latent.atlas import Atlas, share_photo_sheets

    ramp = np.linspace(0, 1, 32)[None, :, None, None]
    colours = np.random.default_rng(0).uniform(0, 255, (5, 1, 1, 3))
    photos = (
        (colours * ramp + 20).clip(0, 255).astype(np.uint8).repeat(32, axis=2)
    )  # smooth, as photos are: (5, 32, 32, 3)
    atlas = Atlas(torch.randn(5, 4), torch.zeros(5), torch.zeros(5), torch.arange(5), photos)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        atlas.save(tmp_path / name)
    (tmp_path / "c").mkdir()
    Atlas(atlas.codes, atlas.photo_score, atlas.code_log_density, atlas.labels, atlas.photos[::-1].copy()).save(
        tmp_path / "c"
    )
    (shared,) = share_photo_sheets(tmp_path)
    assert not (tmp_path / "a" / "atlas.jpg").exists() and (tmp_path / "c" / "atlas.jpg").exists()  # c shows others
    for name in ("a", "b", "c"):
        loaded = Atlas.load(tmp_path / name)
        assert loaded.photos.shape == (5, 32, 32, 3) and torch.equal(loaded.codes, atlas.codes.half().float())
    assert np.abs(Atlas.load(tmp_path / "a").photos.astype(int) - atlas.photos.astype(int)).mean() < 3  # JPEG
    (tmp_path / "d").mkdir()
    atlas.save(tmp_path / "d")  # a later export of a model showing the same photos: the shared copy serves it
    assert share_photo_sheets(tmp_path) == [] and shared.is_file() and not (tmp_path / "d" / "atlas.jpg").exists()
    assert Atlas.load(tmp_path / "d").photos.shape == (5, 32, 32, 3)
