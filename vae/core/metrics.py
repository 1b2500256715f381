"""Image scores per image: PSNR, SSIM and fine detail of reconstructions (images in [0, 1]), and an
image's complexity as its lossless compressed size."""

from __future__ import annotations

import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

SSIM_WINDOW = 11  # Wang et al. (2004): 11x11 Gaussian window, sigma 1.5
SSIM_SIGMA = 1.5
SSIM_C1, SSIM_C2 = 0.01**2, 0.03**2  # stabilisers for a data range of 1
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. (2003), finest scale first
MS_SSIM_FLOOR = 1e-4  # a scale whose mean SSIM falls to 0 or below would make its power NaN
MIN_MSE = 1e-10  # caps PSNR at 100 dB for identical images


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(B,) peak signal-to-noise ratio in dB."""
    mse = (x.float() - y.float()).pow(2).flatten(1).mean(1)
    return -10.0 * torch.log10(mse.clamp_min(MIN_MSE))


def _gaussian_window(channels: int, device) -> torch.Tensor:
    coords = torch.arange(SSIM_WINDOW, dtype=torch.float32, device=device) - SSIM_WINDOW // 2
    g = torch.exp(-(coords**2) / (2 * SSIM_SIGMA**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, SSIM_WINDOW, SSIM_WINDOW).contiguous()


def _ssim_maps(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SSIM's map and its contrast-structure part alone, at every valid window position."""
    channels = x.shape[1]
    window = _gaussian_window(channels, x.device)

    def blur(t):  # in fp32 even under autocast: the variances are differences of close numbers
        with torch.autocast(t.device.type, enabled=False):
            return F.conv2d(t, window, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    contrast_structure = (2 * cov + SSIM_C2) / (var_x + var_y + SSIM_C2)
    luminance = (2 * mu_x * mu_y + SSIM_C1) / (mu_x**2 + mu_y**2 + SSIM_C1)
    return luminance * contrast_structure, contrast_structure


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(B,) structural similarity, averaged over channels and valid window positions."""
    return _ssim_maps(x.float(), y.float())[0].flatten(1).mean(1)


def ms_ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(B,) multi-scale SSIM (Wang et al. 2003) per channel, then averaged over channels: contrast-structure at
    each scale, SSIM at the coarsest, each raised to its weight. Uses as many of the paper's five 2x scales as
    leave the window room (4 at 128 px), their weights renormalised to sum to 1. Each scale's mean is kept
    above 0 so that its power stays real."""
    x, y = x.float(), y.float()
    scales = max(1, min(len(MS_SSIM_WEIGHTS), int(math.log2(min(x.shape[-2:]) / SSIM_WINDOW)) + 1))
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], device=x.device)
    weights = weights / weights.sum()
    result = x.new_ones(x.shape[:2])
    for scale, weight in enumerate(weights):
        whole, contrast_structure = _ssim_maps(x, y)
        last = scale == scales - 1
        mean = (whole if last else contrast_structure).flatten(2).mean(2).clamp_min(MS_SSIM_FLOOR)
        result = result * mean.pow(weight)
        if not last:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return result.mean(1)


def down_up(x: torch.Tensor, size: int) -> torch.Tensor:
    """x shrunk to size x size (area average) and scaled back up (bilinear): a blurred copy."""
    small = F.interpolate(x.float(), size=(size, size), mode="area")
    return F.interpolate(small, size=x.shape[-2:], mode="bilinear", align_corners=False)


def fine_detail_energy(x: torch.Tensor) -> torch.Tensor:
    """(B,) energy of the finest Laplacian-pyramid level: x minus its 2x-down-and-up copy."""
    return (x.float() - down_up(x, x.shape[-1] // 2)).pow(2).flatten(1).sum(1)


def png_bits_per_value(image: torch.Tensor) -> float:
    """Size of a uint8 (3, H, W) image compressed as PNG, in bits per pixel value: a stand-in for how
    complex the picture is (Serrà et al. 2020 use it to correct likelihoods for complexity)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image.permute(1, 2, 0).numpy())).save(buffer, format="PNG", optimize=True)
    return 8.0 * len(buffer.getvalue()) / image.numel()
