"""The sample-quality scores of bench/: zero for identical sets, larger for different ones."""

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from bench.sample_score import frechet_distance, sliced_wasserstein
from vae.core.model import VAEConfig, load_model


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 8))
    assert abs(frechet_distance(a, a)) < 1e-6
    near, far = (
        frechet_distance(a, rng.normal(size=(2000, 8))),
        frechet_distance(a, rng.normal(1.0, 2.0, size=(2000, 8))),
    )
    assert near < 0.1 < 5 < far


def test_sliced_wasserstein_prefers_similar_images():
    g = torch.Generator().manual_seed(0)
    smooth = torch.linspace(0, 1, 64).expand(16, 3, 64, 64)
    noise = torch.rand(16, 3, 64, 64, generator=g)
    assert sliced_wasserstein(smooth, smooth) < 0.2 * sliced_wasserstein(smooth, noise)


@pytest.mark.slow
def test_throughput_is_images_over_the_timed_steps_only(monkeypatch):
    import bench.throughput as throughput

    calls = []

    def clock():  # every call advances 2 s: the timed span is exactly the steps after warm-up
        calls.append(None)
        return 2.0 * len(calls)

    monkeypatch.setattr(throughput, "perf_counter", clock)  # this module's clock only: other threads keep theirs
    for arch in ("seed", "resnet"):
        calls.clear()
        rate = throughput.images_per_second(arch, size=32, batch=4, bf16=False, device=torch.device("cpu"), steps=3)
        assert rate == 4 * 3 / 2.0  # 12 images between the start and end readings


def test_throughput_measures_the_networks_train_py_builds():
    from bench.throughput import network_config
    from train import options_from_args, parse_args

    for arch in ("seed", "resnet"):
        built = options_from_args(parse_args(["--arch", arch, "--image-size", "128"])).model
        measured = network_config(arch, size=128)
        assert (measured.linear_size, measured.reconstruction) == (built.linear_size, built.reconstruction)


def test_pca_is_exact_on_low_rank_images_and_matches_the_svd():
    from vae.core.pca import fit_pca, pca_reconstruct

    g = torch.Generator().manual_seed(0)
    rank, count = 5, 40
    mixing = torch.randn(count, rank, generator=g) * torch.tensor([8.0, 4.0, 2.0, 1.0, 0.5])
    images = (0.5 + 0.005 * mixing @ torch.randn(rank, 3 * 8 * 8, generator=g)).view(count, 3, 8, 8)
    pca = fit_pca(images, rank, chunk=50)  # several chunks of pixel columns
    assert torch.allclose(pca_reconstruct(pca, images, rank), images, atol=1e-5)
    centred = (images.flatten(1) - images.flatten(1).mean(0)).double()
    _, singular, directions = torch.linalg.svd(centred, full_matrices=False)
    assert torch.allclose(pca.variances.double(), singular[:rank] ** 2 / count, rtol=1e-4)
    alignment = (pca.components.double() @ directions[:rank].T).abs()  # the same directions, up to sign
    assert torch.allclose(alignment, torch.eye(rank, dtype=torch.float64), atol=1e-4)


def test_pca_reconstructions_improve_with_more_components():
    from bench.quality import image_scores
    from vae.core.pca import fit_pca, pca_reconstruct

    g = torch.Generator().manual_seed(1)
    images = torch.nn.functional.interpolate(torch.rand(60, 3, 4, 4, generator=g), size=16, mode="bilinear")
    pixels = (images * 255).round().to(torch.uint8)  # uint8, as decode_all gives them
    pca = fit_pca(pixels[:40], 30)
    scores = [image_scores(pca_reconstruct(pca, pixels[40:], k), pixels[40:])["psnr"] for k in (2, 8, 30)]
    assert scores[0] < scores[1] < scores[2]


def test_a_run_at_step_0_reconstructs_like_its_linear_path_far_better_than_the_mean_photo():
    from bench.quality import image_scores, linear_start_row
    from vae.core.data import decode_all, image_lists

    pixels, _ = decode_all(image_lists(None, procedural_count=160, seed=3)["train"], 32)
    train, test = pixels[:128], pixels[128:]
    row = linear_start_row(train, test, latent_dim=64)
    mean_photo = train.float().mean(0, keepdim=True).expand_as(test).round().to(torch.uint8)
    assert row["psnr"] > image_scores(mean_photo, test)["psnr"] + 3.0
    assert "8 px PCA, 64 numbers" in row["method"]


def test_fd_ratio_pairs_each_model_with_its_namesake_shipped_before_else_the_nearest_beta():
    from bench.quality import fd_ratios

    def row(model, beta, earlier, sampler, fd, baseline=None):
        return {
            "model": model,
            "beta": beta,
            "earlier": earlier,
            "sampler": sampler,
            "fd": fd,
            "baseline": earlier if baseline is None else baseline,
            "images": model,
            "sampler_label": sampler,
        }

    rows = [
        row("beta-1", 1.0, False, "standard", 9.0),
        row("beta-1", 1.0, False, "fitted", 6.0),
        row("beta-0.25", 0.25, False, "fitted", 5.0),
        row("beta-0.2", 0.2, True, "fitted", 10.0),
        row("beta-1", 1.0, True, "fitted", 12.0),
        row("beta-1", 1.0, True, "standard", 99.0),
        {"images": "uniform noise", "sampler": None, "fd": 99.0},
        row("beta-0.25", 0.25, True, "fitted", 1.0, baseline=False),
    ]  # from a later --also folder: not the baseline
    ratios = {r["model"]: r for r in fd_ratios(rows)}
    assert set(ratios) == {"beta-1", "beta-0.25"}
    assert ratios["beta-1"]["ratio"] == 0.5 and ratios["beta-1"]["paired_by"] == "same name"
    assert ratios["beta-0.25"]["ratio"] == 0.5 and ratios["beta-0.25"]["paired_by"] == "nearest β"


@pytest.mark.slow
def test_levers_fine_tune_each_variant_once_and_score_them_beside_pca(seed_layout, tmp_path, capsys, monkeypatch):
    import bench.levers as levers
    from vae.core.training import TrainOptions, train

    start = tmp_path / "start"
    train(
        TrainOptions(
            data=str(seed_layout),
            out=str(start),
            model=VAEConfig(image_size=32, latent_dim=4, linear_size=8),
            epochs=1,
            batch_size=8,
            precision="fp32",
        )
    )
    argv = [
        "--data",
        str(seed_layout),
        "--start",
        str(start),
        "--out",
        str(tmp_path / "levers"),
        "--only",
        "adversarial",
    ]
    assert levers.main([*argv, "--figure", str(tmp_path / "levers.png")]) == 0
    assert Image.open(tmp_path / "levers.png").height == 2 * (
        2 + 32 + 2
    )  # the photos, then one variant's reconstructions, padded
    table = capsys.readouterr().out
    for label in ("PCA, 4 components", f"start: {start}", "+ patch discriminator"):
        assert label in table
    options = json.loads((tmp_path / "levers" / "beta-1-adversarial" / "train_options.json").read_text())
    assert options["init_from"] == str(start) and options["epochs"] == 8 and options["crop_scale"] == 0.85
    assert options["adversarial_weight"] == 0.5 and options["model"]["latent_dim"] == 4  # the start's network
    monkeypatch.setattr(levers, "train", lambda options: pytest.fail("a finished variant was trained again"))
    assert levers.main(argv) == 0

    from train import options_from_args, parse_args  # a different network starts from scratch, not from --start

    wider = options_from_args(
        parse_args(
            levers.variant_flags(
                str(seed_layout), None, load_model(start).config, tmp_path / "wider", levers.VARIANTS["wider"][1]
            )
        )
    )
    assert (
        wider.init_from is None and wider.model.min_width == 32 and wider.epochs == 26 and wider.model.latent_dim == 4
    )


def test_the_second_stage_vae_learns_where_codes_lie():
    from bench.code_vae import CodeVAE, fit_code_vae

    g = torch.Generator().manual_seed(0)
    codes = torch.randn(2000, 4, generator=g) * 0.3 + torch.tensor([3.0, -1.0, 0.5, 2.0])
    model = fit_code_vae(codes, steps=200)
    draws = model.sample(500, seed=1)
    assert torch.allclose(draws.mean(0), codes.mean(0), atol=0.15)
    assert torch.equal(model.sample(5, seed=2), model.sample(5, seed=2))
    assert isinstance(model, CodeVAE)


def test_the_spline_flow_follows_a_curved_set_a_gaussian_fills_in():
    from bench.spline_flow import SplineFlowConfig, fit_spline_flow
    from vae.latent.density import fit_gaussian

    g = torch.Generator().manual_seed(0)
    angle = torch.rand(2000, generator=g) * 2 * math.pi
    ring = torch.stack([2 * angle.cos(), 2 * angle.sin()], dim=1) + 0.05 * torch.randn(2000, 2, generator=g)
    flow = fit_spline_flow(ring, config=SplineFlowConfig(transforms=3, hidden=32, steps=150, lr=1e-2))

    def off_ring(codes):
        return (codes.norm(dim=1) - 2.0).abs().median().item()

    drawn = flow.sample(1000, seed=1)
    assert off_ring(drawn) < 0.5 * off_ring(fit_gaussian(ring).sample(1000, seed=1))
    assert torch.equal(flow.sample(5, seed=2), flow.sample(5, seed=2))
    assert flow.log_prob(ring[:10]).mean() > fit_gaussian(ring).log_prob(ring[:10]).mean()


def test_one_gaussian_per_class_draws_each_class_by_its_share_where_its_codes_are():
    from bench.priors import PerClassGaussians

    g = torch.Generator().manual_seed(0)
    codes = torch.cat([torch.randn(300, 2, generator=g) + 5.0, torch.randn(100, 2, generator=g) - 5.0])
    labels = torch.cat([torch.zeros(300, dtype=torch.long), torch.ones(100, dtype=torch.long)])
    drawn = PerClassGaussians(codes, labels).sample(800, seed=0)
    assert abs((drawn[:, 0] > 0).float().mean().item() - 0.75) < 0.05
    assert (drawn[:, 0].abs() > 2).float().mean() > 0.95  # nothing between the two classes


def test_nearest_bench_counts_hubs_and_class_agreement_never_a_query_itself():
    from bench.nearest import chance_agreement, cosine, euclidean, explorer_measure, neighbour_scores

    atlas = torch.tensor([[0.1, 0.1], [3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]])  # a hub near the centre
    queries = torch.tensor([[1.0, 0.1], [0.1, 1.0], [-1.0, 0.1], [0.1, -1.0], [3.0, 0.0]])
    query_labels, atlas_labels = torch.tensor([1, 2, 3, 4, 1]), torch.tensor([0, 1, 2, 3, 4])
    own = torch.tensor([-1, -1, -1, -1, 1])  # the last query is atlas photo 1 itself
    near = neighbour_scores(euclidean(queries, atlas), own, query_labels, atlas_labels)
    alike = neighbour_scores(cosine(queries, atlas), own, query_labels, atlas_labels)
    assert near["hub_share"] == 1.0 and alike["hub_share"] < 1.0  # photo 0 is among every query's 3 nearest
    assert alike["same_class_3"] == pytest.approx(4 / 15)  # each of the first four finds its class among 3
    order = explorer_measure(queries, atlas, typical_logvar=torch.zeros(2)).argsort(1)
    assert torch.equal(order, cosine(queries, atlas).argsort(1))  # σ = 1: plain cosine
    assert chance_agreement(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 1])) == pytest.approx(0.5)


def test_closeness_bench_counts_each_words_row_and_how_often_one_score_falls_below_another():
    from bench.closeness import below_chance, row_counts

    table = ((25, "a"), (20, "b"), (None, "c"))
    assert row_counts(table, torch.tensor([30.0, 25.0, 21.0, 10.0, 19.9])) == [2, 1, 2]
    assert below_chance(torch.tensor([0.1, 0.2]), torch.tensor([0.3, 0.4])) == 1.0
    assert below_chance(torch.tensor([0.5]), torch.tensor([0.5])) == 0.5
    assert math.isnan(below_chance(torch.tensor([]), torch.tensor([0.5])))


def gradients(count: int, seed: int) -> torch.Tensor:
    """Smooth images: a random colour at the top fading to another at the bottom, (count, 3, 64, 64) in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    top, bottom = torch.rand(count, 3, 1, 1, generator=g), torch.rand(count, 3, 1, 1, generator=g)
    ramp = torch.linspace(0, 1, 64)[:, None]
    return (top * (1 - ramp) + bottom * ramp).expand(count, 3, 64, 64)


def test_the_second_classifier_trains_apart_and_its_fd_ranks_like_pictures_above_noise(seed_layout, tmp_path):
    from bench.sample_score import class_shares, load_classifier, train_classifier
    from bench.second_classifier import SECOND_SEED, second_classifier, second_distance

    path = tmp_path / "second.safetensors"
    assert 0 <= train_classifier(seed_layout, epochs=2, seed=SECOND_SEED, build=second_classifier, path=path) <= 1
    classifier = load_classifier(second_classifier, path)
    assert classifier[-1].out_features == 2 and classifier[:-1](gradients(2, 0)).shape == (2, 256)
    shares = class_shares(classifier, gradients(50, 1))
    assert shares.shape == (2,) and abs(shares.sum() - 1) < 1e-9
    real = gradients(300, 2)
    distance = second_distance(real, path)
    same, alike, noise = distance(real), distance(gradients(300, 3)), distance(torch.rand(300, 3, 64, 64))
    assert abs(same) < 1e-3 < alike < 0.5 * noise
