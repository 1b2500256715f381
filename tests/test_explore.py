"""The UI-free operations behind the app, on a tiny untrained model (fast, no server)."""

import numpy as np
import pytest
import torch
from PIL import Image

from support.photos import write_photos
from ui.words import describe_scores
from vae import VAEConfig, build_model
from vae.latent.atlas import Atlas
from vae.latent.comparison import padded_range
from vae.latent.density import fit_gaussian
from vae.latent.diffusion_prior import DiffusionPriorConfig, fit_diffusion_prior
from vae.latent.directions import fit_axes
from vae.latent.explore import (
    ExplorerModel,
    clamp_to_sliders,
    decode,
    encode,
    first_direction_rows,
    interpolate,
    load_explorer_models,
    nearest_photos,
    own_samples,
    photo_on_map,
    photo_tensor,
    random_latent,
    reconstruct,
    sample_grid,
    slider_axes,
    slider_previews,
    slider_values,
    traversal_grid,
    write_gif,
)
from vae.latent.likeness import detail_kept


@pytest.fixture(scope="module")
def em():
    torch.manual_seed(0)
    model = build_model(VAEConfig(image_size=32, latent_dim=6, reconstruction="bce", linear_size=0)).eval()
    codes = torch.randn(400, 6) * torch.tensor([3.0, 0.5, 0.2, 0.1, 0.1, 0.1]) + 1.0
    return ExplorerModel(
        "tiny", model, {"dims_by_kl": [4, 1, 0, 2, 3, 5]}, axes=fit_axes(codes, [i % 2 for i in range(400)])
    )


def test_single_number_sliders_set_the_top_ranked_dimensions(em):
    axes = slider_axes(em, "single", 2)
    z = axes.with_values(torch.zeros(6), [1.0, -2.0])
    assert z.tolist() == [0, -2.0, 0, 0, 1.0, 0]
    assert slider_values(slider_axes(em, "single", 3), z, 3.0) == [1.0, -2.0, 0.0]


def test_main_direction_sliders_move_along_the_largest_spread_in_units_of_it(em):
    axes = slider_axes(em, "main", 2)
    assert axes.vectors[0].abs().argmax() == 0  # the codes spread most along dimension 0
    start = torch.tensor([0.3, -0.2, 0.5, 0.0, 0.1, 0.2])
    moved = axes.with_values(start, [1.0, 0.0])
    assert axes.coordinates(moved).tolist() == pytest.approx([1.0, 0.0], abs=1e-5)
    assert (moved - start)[0].abs() == pytest.approx(
        3.0 * abs(float(axes.vectors[0, 0])) * abs(1.0 - float(axes.coordinates(start)[0])), rel=0.05
    )
    rest = torch.eye(6) - axes.vectors.T @ axes.vectors  # what the two sliders do not touch
    assert torch.allclose(rest @ moved, rest @ start, atol=1e-5)
    assert "% of the variation" in axes.labels[0]


def test_a_model_without_shipped_directions_offers_single_numbers_only(em):
    bare = ExplorerModel("bare", em.model, em.facts)
    assert bare.axis_kinds() == ("single",)
    with pytest.raises(ValueError, match="axis kind"):
        slider_axes(bare, "main", 3)


def test_decode_gives_an_image_that_follows_the_code(em):
    a, b = decode(em, torch.zeros(6)), decode(em, torch.full((6,), 3.0))
    assert a.shape == (32, 32, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, b)


def test_sampling_is_seeded_and_fitted_density_is_used(em):
    assert np.array_equal(sample_grid(em, 1, 4, 1.0), sample_grid(em, 1, 4, 1.0))
    assert not np.array_equal(sample_grid(em, 1, 4, 1.0), sample_grid(em, 2, 4, 1.0))
    codes = torch.randn(500, 6) * 0.1 + 5.0
    fitted = ExplorerModel("fitted", em.model, em.facts, fit_gaussian(codes))
    draws = random_latent(fitted, 0, source="fitted", count=200)
    assert torch.allclose(draws.mean(0), torch.full((6,), 5.0), atol=0.05)
    assert 0.05 < draws.std(0).mean() < 0.2
    assert torch.equal(draws, random_latent(fitted, 0, source="mixture", count=200))  # no diffusion prior shipped
    with pytest.raises(ValueError, match="ships no diffusion"):
        random_latent(fitted, 0, source="diffusion")
    with pytest.raises(ValueError, match="unknown sampler"):
        random_latent(fitted, 0, source="bell")
    assert torch.equal(random_latent(em, 0, source="fitted"), random_latent(em, 0))  # ships neither: N(0, I)


def test_the_fitted_sampler_is_the_diffusion_prior_where_the_export_chose_it(em):
    codes = torch.randn(300, 6) + 2.0
    prior = fit_diffusion_prior(codes, train_steps=5, config=DiffusionPriorConfig(dim=6, hidden=16, blocks=1, steps=2))
    chosen = ExplorerModel("d", em.model, {"fitted_sampler": "diffusion"}, fit_gaussian(codes), prior=prior)
    declined = ExplorerModel("m", em.model, {"fitted_sampler": "mixture"}, fit_gaussian(codes), prior=prior)
    assert chosen.fitted_source == "diffusion" and declined.fitted_source == "mixture"
    assert torch.equal(random_latent(chosen, 3, source="fitted", count=4), prior.sample(4, seed=3))
    assert torch.equal(random_latent(declined, 3, source="diffusion", count=4), prior.sample(4, seed=3))
    assert torch.equal(random_latent(declined, 3, source="fitted", count=4), declined.density.sample(4, seed=3))


@pytest.mark.parametrize("kind", ["main", "single"])
def test_traversal_grid_has_a_row_per_axis(em, kind):
    grid = traversal_grid(em, torch.zeros(6), slider_axes(em, kind, 3))
    assert grid.shape == (2 + 3 * 34, 2 + 7 * 34, 3)


def test_interpolation_ends_at_the_two_photos_and_makes_a_gif(em, tmp_path):
    paths = write_photos(tmp_path, 2)
    a, b = photo_tensor(paths[0], 32), photo_tensor(paths[1], 32)
    frames = interpolate(em, a, b, 5)
    assert len(frames) == 5
    assert np.array_equal(frames[0], decode(em, encode(em, a)))
    assert np.array_equal(frames[-1], decode(em, encode(em, b)))
    gif = Image.open(write_gif(frames, tmp_path / "walk.gif"))
    assert gif.n_frames == 8  # forward, then back without repeating the ends


def test_reconstruct_scores_and_words(em, tmp_path):
    x = photo_tensor(write_photos(tmp_path, 1)[0], 32)
    original, copy, scores = reconstruct(em, x)
    assert original.shape == copy.shape == (32, 32, 3)
    assert set(scores) == {"psnr", "ssim", "detail", "kl"} and scores["kl"] >= 0 and scores["detail"] >= 0
    text = describe_scores(scores)
    assert "PSNR" in text and "SSIM" in text and "KL" in text and "Detail" in text
    first = text.split("\n")[0]  # what a visitor reads first: plain words
    assert not any(word in first for word in ("PSNR", "SSIM", "KL", "nats"))


def test_loading_a_models_folder_orders_by_beta(tmp_path):
    for beta in (4.0, 0.2, 1.0):
        build_model(VAEConfig(image_size=32, latent_dim=4, beta=beta)).save_pretrained(tmp_path / f"b{beta}")
    (tmp_path / "not-a-model").mkdir()
    models = load_explorer_models(tmp_path)
    assert [m.model.config.beta for m in models.values()] == [0.2, 1.0, 4.0]
    with pytest.raises(FileNotFoundError):
        load_explorer_models(tmp_path / "not-a-model")


def test_codes_are_clipped_to_the_slider_range_only_along_the_slider_axes(em):
    z = torch.tensor([5.0, -4.0, 3.5, 0.5, -9.0, 7.0])
    clipped = clamp_to_sliders(slider_axes(em, "single", 2), z, 3.0)  # sliders move dimensions 4 and 1
    assert clipped.tolist() == [5.0, -3.0, 3.5, 0.5, -3.0, 7.0]


def test_plot_ranges_keep_every_point_inside_the_frame():
    low, high = padded_range([163.5, 404.4, 494.2])
    assert low < 163.5 and high > 494.2 and high - low == pytest.approx(1.3 * (494.2 - 163.5))
    low, high = padded_range([21.6])  # one model: still a range around it
    assert low < 21.6 < high
    assert padded_range([]) is None


def test_compare_gives_each_model_its_own_sample_and_one_traversal_row(em):
    from vae.latent.density import fit_gaussian

    other = ExplorerModel("other", em.model, em.facts, density=fit_gaussian(torch.randn(200, 6) + 5.0), axes=em.axes)
    models = {"tiny": em, "other": other}
    samples = own_samples(models, seed=3)
    assert [m.name for m, _ in samples] == ["tiny", "other"]
    assert not np.array_equal(samples[0][1], samples[1][1])  # each from its own sampler, not one shared code
    assert np.array_equal(own_samples(models, seed=3)[1][1], samples[1][1])  # the seed decides
    rows = first_direction_rows(models)
    assert [row.shape for _, row in rows] == [(36, 2 + 7 * 34, 3)] * 2  # one row of seven 32 px pictures, framed


def test_models_load_from_several_sources_and_a_bad_one_is_named(tmp_path):
    for folder in ("set/b0.5", "set/b2", "mine"):
        beta = 1.0 if folder == "mine" else float(folder.split("/b")[1])
        build_model(VAEConfig(image_size=32, latent_dim=4, beta=beta)).save_pretrained(tmp_path / folder)
    models = load_explorer_models(tmp_path / "set", tmp_path / "mine")  # a folder of models, and one model
    assert list(models) == ["b0.5", "mine", "b2"]
    with pytest.raises(FileNotFoundError, match="typo: not a model folder"):
        load_explorer_models(tmp_path / "set", tmp_path / "typo")
    with pytest.raises(FileNotFoundError, match="two models are named 'mine'"):
        load_explorer_models(tmp_path / "mine", tmp_path / "mine")


def test_an_own_direction_is_the_groups_mean_difference_in_units_of_spread(em):
    from vae.latent.own_direction import own_direction

    bright, dark = (
        [torch.full((1, 3, 32, 32), v) for v in (0.8, 0.9)],
        [torch.full((1, 3, 32, 32), v) for v in (0.1, 0.2)],
    )
    own = own_direction(em, bright, dark)
    codes = {v: encode(em, torch.full((1, 3, 32, 32), v)) for v in (0.8, 0.9, 0.1, 0.2)}
    difference = (codes[0.8] + codes[0.9] - codes[0.1] - codes[0.2]) / 2
    assert torch.allclose(own.vector / own.spread, difference / difference.norm(), atol=1e-5)
    assert own.separation == pytest.approx(float(difference.norm()) / own.spread, rel=1e-5)
    with pytest.raises(ValueError, match="at least 2 photos"):
        own_direction(em, bright[:1], dark)


def test_a_strip_shows_the_code_with_its_slider_at_each_position(em):
    axes = slider_axes(em, "main", 3)
    values = [0.5, -1.0, 2.0]
    z = axes.with_values(torch.tensor([0.3, -0.2, 0.5, 0.0, 0.1, 0.2]), values) + 0.05  # as if a class slider moved it
    strips = slider_previews(em, axes, z, values, (-2.0, 1.0), 16)
    assert strips.shape == (3, 2, 16, 16, 3) and strips.dtype == np.uint8
    moved = z + (1.0 - values[1]) * axes.scale[1] * axes.vectors[1]  # slider 2 at +1, the rest as they are
    full = torch.from_numpy(decode(em, moved)).permute(2, 0, 1)[None].float()
    expected = torch.nn.functional.avg_pool2d(full, 2)[0].permute(1, 2, 0).round()
    assert np.abs(strips[1, 1].astype(float) - expected.numpy()).max() <= 1
    assert not np.array_equal(strips[1, 0], strips[1, 1])


def test_the_about_text_quotes_the_shown_models_own_facts():
    from ui.words import about

    facts = [
        {"beta": 1.0, "test_kl": 440.4, "test_psnr": 21.62, "training_images": 5331, "latent_dim": 64},
        {"beta": 1024.0, "test_kl": 17.6, "test_psnr": 18.31, "training_images": 5331, "latent_dim": 64},
    ]
    text = about(facts)
    assert "β = 1 and 1024, from about 440 nats and 21.6 dB down to about 18 nats and 18.3 dB" in text
    assert "64 numbers" in text and "about 5,300 landscape photos" in text
    assert "span that trade" not in about(facts[:1])  # one model spans nothing


def test_a_second_painter_is_captioned_by_what_stayed_and_what_changed():
    from ui.words import model_caption

    facts = {"name": "beta-1-detailed", "painter_of": "beta-1", "test_kl": 440.5, "test_psnr": 21.16}
    caption = model_caption(1.0, facts)
    assert "the same code as beta-1" in caption and "440 nats" in caption and "more texture" in caption
    assert "less faithful" in caption and "21.2 dB" in caption
    assert "painted" not in model_caption(1.0, {"test_kl": 440.5, "test_psnr": 21.62})


# the nearest photos, and whether the query photo is on the map


def atlas_of(codes, typical_logvar=None) -> Atlas:
    """An atlas whose photo i is filled with the value i, so a nearest photo names its index."""
    n = len(codes)
    photos = np.stack([np.full((4, 4, 3), i, dtype=np.uint8) for i in range(n)])
    return Atlas(torch.tensor(codes), torch.zeros(n), torch.zeros(n), torch.arange(n) % 2, photos, typical_logvar)


def shown(em: ExplorerModel, z, count: int, **options) -> list[int]:
    return [int(photo[0, 0, 0]) for photo, _ in nearest_photos(em, torch.as_tensor(z), count, **options)]


def test_nearest_photos_are_alike_in_direction_not_a_hub_near_the_centre(em):
    # photo 0 sits near the centre: the nearest by Euclidean distance to (1, 0), far from it in direction
    near_centre = ExplorerModel("t", em.model, {}, atlas=atlas_of([[0.1, 0.1], [3.0, 0.05]]))
    assert torch.cdist(torch.tensor([[1.0, 0.0]]), near_centre.atlas.codes)[0].argmin() == 0
    assert shown(near_centre, [1.0, 0.0], 1) == [1]


def test_each_code_number_counts_in_units_of_how_finely_the_encoder_reads_it(em):
    # the second number is read 100x more finely: a difference there is a large one
    codes, z = [[1.0, 0.0], [1.0, 0.03], [0.2, 0.2]], [1.0, 0.01]
    finely = ExplorerModel("t", em.model, {}, atlas=atlas_of(codes, torch.log(torch.tensor([1.0, 1e-4]))))
    alike = ExplorerModel("t", em.model, {}, atlas=atlas_of(codes))  # an older atlas: every number counts alike
    assert torch.cdist(torch.tensor([z]), torch.tensor(codes))[0].argmin() == 0  # Euclidean's choice
    assert shown(finely, z, 1) == [1] and shown(alike, z, 1) == [0]


def test_a_photo_on_the_map_is_found_and_left_out_of_its_nearest(em):
    codes = torch.randn(20, 6, generator=torch.Generator().manual_seed(0))
    spread = torch.full((6,), -4.0)  # a typical σ of 0.14
    on_map = ExplorerModel("t", em.model, {}, atlas=atlas_of(codes.tolist(), spread))
    own = codes[7] + 0.01  # its code as another run of the encoder gives it
    assert photo_on_map(on_map, own) == 7 and photo_on_map(on_map, codes[7] + 0.5) is None
    assert shown(on_map, own, 1) == [7]
    assert 7 not in shown(on_map, own, 3, leave_out=7) and len(shown(on_map, own, 3, leave_out=7)) == 3
    assert photo_on_map(em, own) is None  # a model without photos


def test_the_atlas_keeps_its_typical_spread_and_an_older_one_loads_without(tmp_path):
    atlas = atlas_of(torch.randn(5, 4).tolist(), torch.randn(4))
    atlas.save(tmp_path)
    assert torch.equal(Atlas.load(tmp_path).typical_logvar, atlas.typical_logvar)
    atlas.typical_logvar = None
    atlas.save(tmp_path)
    assert Atlas.load(tmp_path).typical_logvar is None and len(Atlas.load(tmp_path).nearest(torch.ones(4), 2)) == 2


# how much of the photo a copy keeps


def test_a_blurred_copy_keeps_little_of_the_photos_detail():
    photo = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    blurred = torch.nn.functional.interpolate(torch.nn.functional.avg_pool2d(photo, 8), scale_factor=8.0)
    assert float(detail_kept(photo, photo)[0]) == pytest.approx(1.0)
    assert float(detail_kept(blurred, photo)[0]) < 0.1
    assert float(detail_kept(photo, torch.full_like(photo, 0.5))[0]) == 1.0  # a flat photo has nothing to lose


def test_a_hazy_copy_is_never_very_close_and_detail_is_said_apart_from_layout():
    hazy = describe_scores({"psnr": 26.9, "ssim": 0.64, "detail": 0.2, "kl": 379.0})  # mountain-ridge, beta-1
    sharp = describe_scores({"psnr": 26.9, "ssim": 0.8, "detail": 0.6, "kl": 379.0})
    assert "very close " not in hazy and "little of its detail" in hazy and "layout and colours very closely" in hazy
    assert "much of its detail" in sharp
    assert "much of its detail" not in describe_scores({"psnr": 30.0, "ssim": 0.9, "detail": 0.49, "kl": 1.0})


def test_the_export_stores_how_finely_the_encoder_reads_each_number_with_the_atlas(em):
    from vae.publish.export import build_atlas

    pixels = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    atlas = build_atlas(em.model, fit_gaussian(torch.randn(50, 6)), pixels, [0, 1, 0, 1, 0, 1])
    with torch.inference_mode():
        logvar = em.model.encode(pixels.float() / 255).logvar
    torch.testing.assert_close(atlas.typical_logvar, logvar.exp().mean(0).log())
