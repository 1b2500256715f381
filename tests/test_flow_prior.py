"""The flow-matching prior on codes: it follows a thin curved set that one Gaussian cannot, it draws the same codes
for the same seed after a save and a load, and its exported network computes what PyTorch does."""

import math

import numpy as np
import pytest
import torch

from vae.latent.density import fit_gaussian
from vae.latent.flow_prior import FlowPrior, FlowPriorConfig, export_onnx, fit_flow_prior


def ring(count: int, seed: int = 0) -> torch.Tensor:
    """Codes on a thin circle of radius 2 in 2-D: a curved set with nothing at its centre."""
    angle = torch.rand(count, generator=torch.Generator().manual_seed(seed)) * 2 * math.pi
    radius = 2.0 + 0.05 * torch.randn(count, generator=torch.Generator().manual_seed(seed + 1))
    return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)


@pytest.fixture(scope="module")
def prior():
    return fit_flow_prior(
        ring(2000),
        train_steps=300,
        batch_size=256,
        lr=3e-3,
        config=FlowPriorConfig(dim=2, hidden=64, blocks=2, steps=16),
    )


def test_the_flow_follows_a_curved_set_that_a_gaussian_fills_in(prior):
    def off_ring(codes):
        return (codes.norm(dim=1) - 2.0).abs().median().item()

    flow, gaussian = prior.sample(1000, seed=1), fit_gaussian(ring(2000)).sample(1000, seed=1)
    assert off_ring(flow) < 0.4 and off_ring(gaussian) > 2 * off_ring(flow)


def test_a_saved_prior_draws_the_same_codes_for_the_same_seed(prior, tmp_path):
    prior.save(tmp_path)
    again = FlowPrior.load(tmp_path)
    assert FlowPrior.exists(tmp_path) and not FlowPrior.exists(tmp_path / "nothing")
    assert torch.equal(prior.sample(16, seed=3), again.sample(16, seed=3))
    assert not torch.equal(prior.sample(16, seed=3), prior.sample(16, seed=4))
    cooler = prior.sample(500, seed=3, temperature=0.5)  # temperature scales the starting noise
    assert cooler.shape == (500, 2) and torch.isfinite(cooler).all()


def test_the_exported_velocity_network_matches_pytorch(prior, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    session = onnxruntime.InferenceSession(str(export_onnx(prior, tmp_path / "velocity.onnx")))
    z, t = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32), np.linspace(0, 1, 5, dtype=np.float32)
    expected = prior.net(torch.from_numpy(z), torch.from_numpy(t)).detach().numpy()
    assert np.allclose(session.run(None, {"z": z, "t": t})[0], expected, atol=1e-5)
