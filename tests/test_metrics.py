import torch

from vae.core.metrics import ms_ssim, ssim


def noisy_pair(size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(2, 3, size, size, generator=generator)
    return x, 0.6 * x + 0.4 * torch.rand(x.shape, generator=generator)


def test_ms_ssim_matches_the_reference_implementation_at_five_scales():
    x, y = noisy_pair(176)  # the smallest side with room for all five scales of an 11-px window
    reference = torch.tensor([0.830644428730011, 0.815727710723877])  # pytorch-msssim 1.0.0, data_range=1
    assert torch.allclose(ms_ssim(x, y), reference, atol=1e-5)


def test_ms_ssim_uses_the_scales_that_fit_and_is_ssim_at_one():
    x, y = noisy_pair(16)  # too small to halve: SSIM itself
    assert torch.allclose(ms_ssim(x, y), ssim(x, y), atol=1e-6)
    x, y = noisy_pair(128)
    assert torch.allclose(ms_ssim(x, x), torch.ones(2))
    blurred = torch.nn.functional.avg_pool2d(x, 3, stride=1, padding=1)
    assert (ms_ssim(x, blurred) < ms_ssim(x, 0.9 * x + 0.1 * blurred)).all()


def test_ms_ssim_keeps_a_finite_gradient_for_opposite_pictures():
    x, _ = noisy_pair(64)
    y = (1.0 - x).requires_grad_(True)  # every contrast-structure mean below 0
    score = ms_ssim(x, y)
    score.sum().backward()
    assert torch.isfinite(score).all() and torch.isfinite(y.grad).all()


def test_ms_ssim_and_its_gradient_are_fp32_under_bf16_autocast():
    x, y = noisy_pair(64)
    exact = ms_ssim(x, y.clone().requires_grad_(True))
    with torch.autocast("cpu", dtype=torch.bfloat16):  # as training steps run
        moved = y.clone().requires_grad_(True)
        autocast = ms_ssim(x, moved)
    assert autocast.dtype == torch.float32 and torch.allclose(autocast, exact, atol=1e-6)
    autocast.sum().backward()
    reference = y.clone().requires_grad_(True)
    ms_ssim(x, reference).sum().backward()
    assert torch.allclose(moved.grad, reference.grad, atol=1e-6)
