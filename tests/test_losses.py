import math

import pytest
import torch
import torch.nn.functional as F

from vae import VAEConfig, build_model
from vae.core.adversarial import Adversary, hinge_discriminator_loss
from vae.core.losses import (
    capacity_at,
    kl_per_dim,
    mmd_imq,
    model_loss,
    reconstruction_per_image,
    vae_loss,
    warmup_factor,
)
from vae.core.metrics import ms_ssim


def test_kl_closed_form_matches_monte_carlo():
    torch.manual_seed(0)
    mu, logvar = torch.tensor([[0.7, -1.2, 0.0]]), torch.tensor([[-0.5, 0.3, 1.0]])
    std = (0.5 * logvar).exp()
    z = mu + std * torch.randn(400_000, 3)
    log_q = torch.distributions.Normal(mu, std).log_prob(z)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z)
    monte_carlo = (log_q - log_p).mean(0)
    assert torch.allclose(kl_per_dim(mu, logvar)[0], monte_carlo, atol=0.01)


def test_bce_term_matches_hand_computation():
    logits = torch.tensor([[[[0.0, 2.0]]]])  # one image, one channel, two pixels
    x = torch.tensor([[[[1.0, 0.25]]]])
    p = torch.sigmoid(logits)[0, 0, 0]
    by_hand = -math.log(p[0]) - (0.25 * math.log(p[1]) + 0.75 * math.log(1 - p[1]))
    assert math.isclose(reconstruction_per_image(logits, x, "bce").item(), by_hand, rel_tol=1e-5)


def test_terms_are_summed_per_image_and_averaged_over_batch():
    logits, x = torch.randn(4, 3, 8, 8), torch.rand(4, 3, 8, 8)
    mu, logvar = torch.randn(4, 5), torch.randn(4, 5)
    terms = vae_loss(logits, x, mu, logvar, mu, beta=2.0, reconstruction="bce")
    expected_recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 4
    assert torch.isclose(terms["recon"], expected_recon)
    assert torch.isclose(terms["loss"], terms["recon"] + 2.0 * terms["kl"])


def test_capacity_and_warmup_schedules():
    assert warmup_factor(0, 100) == 0 and warmup_factor(50, 100) == 0.5 and warmup_factor(500, 100) == 1
    assert warmup_factor(3, 0) == 1
    assert capacity_at(50, target=25.0, steps=100) == 12.5 and capacity_at(1000, target=25.0, steps=100) == 25.0
    logits, x = torch.randn(2, 3, 4, 4), torch.rand(2, 3, 4, 4)
    mu, logvar = torch.full((2, 3), 2.0), torch.zeros(2, 3)  # KL = 6 nats per image
    terms = vae_loss(logits, x, mu, logvar, mu, beta=1.0, reconstruction="bce", capacity=10.0)
    assert torch.isclose(terms["loss"] - terms["recon"], torch.tensor(4.0))


def test_mmd_separates_prior_samples_from_shifted_codes():
    g = torch.Generator().manual_seed(0)
    prior = torch.randn(128, 8, generator=g)
    same = mmd_imq(torch.randn(128, 8, generator=g), prior)
    shifted = mmd_imq(torch.randn(128, 8, generator=g) + 2.0, prior)
    assert abs(same) < 0.05 and shifted > 10 * abs(same)


def test_gaussian_term_is_the_normal_negative_log_density_in_nats():
    logits, x = torch.randn(2, 3, 4, 4), torch.rand(2, 3, 4, 4)
    log_sigma = torch.tensor(math.log(0.1))
    by_torch = -torch.distributions.Normal(torch.sigmoid(logits), 0.1).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(reconstruction_per_image(logits, x, "gaussian", log_sigma), by_torch, rtol=1e-5)


@pytest.mark.slow
def test_the_learned_sigma_settles_at_the_reconstruction_error():
    # sigma-VAE: the likelihood's optimum over sigma is the root mean squared error
    logits, x = torch.zeros(8, 3, 8, 8), torch.rand(8, 3, 8, 8)
    log_sigma = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.Adam([log_sigma], lr=0.05)
    for _ in range(400):
        optimizer.zero_grad()
        reconstruction_per_image(logits, x, "gaussian", log_sigma).mean().backward()
        optimizer.step()
    rmse = (torch.sigmoid(logits) - x).pow(2).mean().sqrt()
    assert math.isclose(log_sigma.exp().item(), rmse.item(), rel_tol=0.02)


def msssim_per_value(mean, x):
    return (1.0 - ms_ssim(mean, x)).mean() * x[0].numel()


def test_the_msssim_term_adds_its_weighted_value_and_leaves_sigma_alone():
    term, expected = "msssim", msssim_per_value
    logits, x = torch.randn(2, 3, 32, 32, requires_grad=True), torch.rand(2, 3, 32, 32)
    mu, logvar = torch.randn(2, 4), torch.zeros(2, 4)
    log_sigma = torch.tensor(math.log(0.1), requires_grad=True)
    plain = vae_loss(logits, x, mu, logvar, mu, beta=1.0, reconstruction="gaussian", log_sigma=log_sigma)
    tuned = vae_loss(
        logits, x, mu, logvar, mu, beta=1.0, reconstruction="gaussian", log_sigma=log_sigma, **{f"{term}_weight": 0.5}
    )
    value = expected(torch.sigmoid(logits), x)
    assert torch.isclose(tuned[term], value, rtol=1e-4)
    assert torch.isclose(tuned["loss"], plain["loss"] + 0.5 * value, rtol=1e-5)
    tuned[term].backward()
    assert log_sigma.grad is None and logits.grad.abs().sum() > 0  # it sharpens the picture, never moves sigma


class NoTruthValue(torch.nn.Module):
    """A wrapper like torch.compile's, whose truth value raises (it asks the wrapped model for len())."""

    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, 0

    def __len__(self):
        raise TypeError("no len()")

    def forward(self, *args):
        self.calls += 1
        return self.model(*args)


def test_model_loss_calls_a_wrapper_of_the_model_whatever_its_truth_value():
    torch.manual_seed(0)
    model = build_model(VAEConfig(image_size=32, latent_dim=4))
    wrapper = NoTruthValue(model)
    x = torch.rand(2, 3, 32, 32)
    wrapped = model_loss(model, x, network=wrapper, generator=torch.Generator().manual_seed(0))
    direct = model_loss(model, x, generator=torch.Generator().manual_seed(0))
    assert wrapper.calls == 1 and torch.equal(wrapped[0]["loss"], direct[0]["loss"])


def test_the_hinge_loss_is_zero_only_for_a_confident_right_discriminator():
    assert hinge_discriminator_loss(torch.full((4,), 1.5), torch.full((4,), -2.0)).item() == 0.0
    assert hinge_discriminator_loss(torch.zeros(4), torch.zeros(4)).item() == 2.0  # at chance


def test_the_adversarial_term_is_scaled_to_the_reconstructions_gradient_and_leaves_the_judge_alone():
    torch.manual_seed(0)
    model = build_model(VAEConfig(image_size=32, latent_dim=4)).train()
    adversary = Adversary(0.5, 1e-3, torch.device("cpu"))
    x = torch.rand(4, 3, 32, 32)
    terms, _, _ = model_loss(model, x, adversary=adversary)
    last = model.output_layer.weight
    (recon_grad,) = torch.autograd.grad(terms["recon"], last, retain_graph=True)
    (adversarial_grad,) = torch.autograd.grad(terms["adversarial"], last, retain_graph=True)
    assert adversarial_grad.norm().item() == pytest.approx(0.5 * recon_grad.norm().item(), rel=1e-3)
    terms["loss"].backward()
    assert all(p.grad is None for p in adversary.net.parameters())  # the generator's step does not train the judge
    weights = [p for name, p in adversary.net.named_parameters() if name.endswith("weight")]
    before = [p.detach().clone() for p in weights]
    adversary.train_step(x, lr=1e-3)
    assert all(not torch.equal(a, p) for a, p in zip(before, weights, strict=True))
