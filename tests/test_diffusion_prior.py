"""The diffusion prior on codes: it follows thin curved sets that one Gaussian cannot, each class its own, it keeps
the classes' shares, it draws the same codes for the same seed after a save and a load (from the portable
generator), and its exported network computes what PyTorch does; the DDPM kind too, whose DDIM steps carry a
noised code back to itself when told the true noise."""

import math

import numpy as np
import pytest
import torch

from vae.latent.density import fit_gaussian
from vae.latent.diffusion_prior import (
    DiffusionPrior,
    DiffusionPriorConfig,
    ddim_updates,
    fit_diffusion_prior,
    noise_levels,
)
from vae.latent.portable_random import picks
from vae.publish.onnx_export import export_prior

RADII = (1.0, 3.0)  # class 0's ring, class 1's


def rings(counts=(600, 1400), seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes on two thin circles in 2-D, one per class: curved sets with nothing at their centre."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.cat([torch.full((n,), k) for k, n in enumerate(counts)])
    angle = torch.rand(len(labels), generator=g) * 2 * math.pi
    radius = torch.tensor(RADII)[labels] + 0.05 * torch.randn(len(labels), generator=g)
    return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1), labels


def off_ring(codes: torch.Tensor, radius: float) -> float:
    return (codes.norm(dim=1) - radius).abs().median().item()


@pytest.fixture(scope="module")
def prior():
    codes, labels = rings()
    config = DiffusionPriorConfig(dim=2, classes=2, hidden=64, blocks=2, steps=16)
    return fit_diffusion_prior(codes, labels, train_steps=400, batch_size=256, lr=3e-3, config=config)


@pytest.fixture(scope="module")
def ddpm():
    codes, _ = rings((0, 2000))  # one ring, radius RADII[1]: a Gaussian fitted to it lies 1.07 off it (median)
    config = DiffusionPriorConfig(dim=2, hidden=64, blocks=2, steps=50, kind="ddpm")
    return fit_diffusion_prior(codes, train_steps=800, batch_size=256, lr=3e-3, ema=0.98, config=config)


def test_ddim_steps_carry_a_noised_code_back_to_itself_given_the_true_noise():
    config = DiffusionPriorConfig(dim=3, kind="ddpm", steps=20)
    code, noise = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64), torch.randn(1, 3, dtype=torch.float64)
    updates = ddim_updates(config)
    level = noise_levels(config)[round(updates[0][0] * config.noise_steps)]
    assert updates[0][0] == (config.noise_steps - 1) / config.noise_steps and len(updates) == 20
    z = level.sqrt() * code + (1 - level).sqrt() * noise  # the last step of the noising process
    for _, keep, move in updates:
        z = keep * z + move * noise
    assert torch.allclose(z, code, atol=1e-9)


def test_a_ddpm_follows_the_curved_set_and_tells_the_browser_its_steps(ddpm, tmp_path):
    assert off_ring(ddpm.sample(1000, seed=1), RADII[1]) < 0.2
    ddpm.save(tmp_path)
    assert torch.equal(DiffusionPrior.load(tmp_path).sample(8, seed=2), ddpm.sample(8, seed=2))
    facts = ddpm.sampling_facts()
    assert facts["kind"] == "ddpm" and facts["updates"] == ddim_updates(ddpm.config) and len(facts["updates"]) == 50


def test_each_class_follows_its_own_curved_set_that_a_gaussian_fills_in(prior):
    noise = torch.randn(800, 2, generator=torch.Generator().manual_seed(1))
    for k, radius in enumerate(RADII):
        drawn = prior.integrate(noise, torch.full((800,), k)) * prior.std + prior.mean
        assert off_ring(drawn, radius) < 0.3, k
    gaussian = fit_gaussian(rings()[0]).sample(1000, seed=1)
    assert off_ring(gaussian, RADII[1]) > 0.6


def test_draws_keep_the_classes_shares(prior):
    assert torch.allclose(prior.class_shares, torch.tensor([0.3, 0.7]))
    drawn = prior.sample(2000, seed=2)
    outer = (drawn.norm(dim=1) > sum(RADII) / 2).float().mean().item()
    expected = (picks([0.3, 0.7], 2, 2000) == 1).mean()
    assert abs(outer - expected) < 0.05 and abs(expected - 0.7) < 0.05


def test_a_saved_prior_draws_the_same_codes_for_the_same_seed(prior, tmp_path):
    prior.save(tmp_path)
    again = DiffusionPrior.load(tmp_path)
    assert DiffusionPrior.exists(tmp_path) and not DiffusionPrior.exists(tmp_path / "nothing")
    assert torch.equal(prior.sample(16, seed=3), again.sample(16, seed=3))  # its weights are fp16 from the start
    assert not torch.equal(prior.sample(16, seed=3), prior.sample(16, seed=4))
    cooler = prior.sample(500, seed=3, temperature=0.5)  # temperature scales the starting noise
    assert cooler.shape == (500, 2) and torch.isfinite(cooler).all()


def test_one_class_without_labels_and_a_mismatched_config_is_refused():
    codes, _ = rings((100, 100))
    plain = fit_diffusion_prior(codes, train_steps=5, config=DiffusionPriorConfig(dim=2, hidden=16, blocks=1, steps=2))
    assert plain.config.classes == 1 and plain.sample(3, seed=0).shape == (3, 2)
    with pytest.raises(ValueError, match="classes"):
        fit_diffusion_prior(codes, torch.arange(200) % 3, train_steps=5, config=DiffusionPriorConfig(dim=2, classes=2))
    with pytest.raises(ValueError, match="kind"):
        fit_diffusion_prior(codes, train_steps=5, config=DiffusionPriorConfig(dim=2, kind="score"))


@pytest.mark.slow  # an export takes seconds
def test_the_exported_velocity_network_matches_pytorch(prior, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    session = onnxruntime.InferenceSession(str(export_prior(prior, tmp_path / "velocity.onnx")))
    z, t = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32), np.linspace(0, 1, 5, dtype=np.float32)
    label = np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]]
    expected = prior.net(torch.from_numpy(z), torch.from_numpy(t), torch.from_numpy(label)).detach().numpy()
    assert np.allclose(session.run(None, {"z": z, "t": t, "label": label})[0], expected, atol=1e-5)
