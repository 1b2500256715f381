"""A model's linear path: a fixed linear encoder and decoder beside the network, set from the PCA of the photos."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

LOGIT_CLAMP = 0.01  # the linear path sees logit(x) with x kept in [0.01, 0.99], so black and white stay finite


class LinearPath(nn.Module):
    """A fixed linear encoder and decoder of logit images shrunk to `size` px, beside the network.

    encode: logit(x) averaged down to size x size, minus the mean, times `encode_weight`: the code's linear part;
    decode: code times `decode_weight`, plus the mean: size x size logits, bilinearly up to full size and
    added to the network's logits. Both are set once from the PCA of the training photos (`start_from`)
    and kept as buffers, not trained: Adam's steps, about the learning rate in size whatever the
    gradient, would wreck weights of 0.001 in a few steps. The network learns the rest.
    At 32 px the 128-component PCA of the landscape photos' logits reconstructs them as well as a PCA
    at full resolution (21.03 against 21.10 dB on the Testing Data), with 1/16 of the weights.
    """

    def __init__(self, config):  # a VAEConfig: its latent_dim, image_size and linear_size
        super().__init__()
        self.size, self.factor = config.linear_size, config.image_size // config.linear_size
        values = 3 * self.size * self.size
        self.register_buffer("mean", torch.zeros(values))
        self.register_buffer("encode_weight", torch.zeros(config.latent_dim, values))
        self.register_buffer("decode_weight", torch.zeros(values, config.latent_dim))

    @staticmethod
    def logits_of(x: torch.Tensor, factor: int) -> torch.Tensor:
        """(B, 3, S/factor, S/factor): the images' logits, averaged over factor x factor blocks."""
        logits = torch.logit(x.float().clamp(LOGIT_CLAMP, 1.0 - LOGIT_CLAMP))
        return F.avg_pool2d(logits, factor) if factor > 1 else logits

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        small = self.logits_of(x, self.factor).flatten(1)
        return F.linear(small - self.mean, self.encode_weight)

    def decode_small(self, z: torch.Tensor) -> torch.Tensor:
        """(B, 3, size, size) logits: the linear reconstruction before upsampling."""
        return F.linear(z.float(), self.decode_weight, self.mean).unflatten(1, (3, self.size, self.size))

    def upsample(self, small: torch.Tensor) -> torch.Tensor:
        return F.interpolate(small, scale_factor=self.factor, mode="bilinear") if self.factor > 1 else small

    @torch.no_grad()
    def start_from(self, pca) -> None:
        """Whitened PCA: code = (logits - mean) V^T / sqrt(variance), so codes of photos have unit
        variance as the N(0, I) prior expects, and decode(code) is the PCA reconstruction. Latent
        dimensions beyond the PCA's components (fewer photos than dimensions) get no linear part, and
        so do components of no variance, which would scale noise without bound."""
        count = min(self.encode_weight.shape[0], int((pca.variances > 1e-6 * pca.variances[0]).sum()))
        scale = pca.variances[:count].sqrt()
        basis = pca.components[:count]
        self.mean.copy_(pca.mean)
        self.encode_weight.zero_()
        self.decode_weight.zero_()
        self.encode_weight[:count] = basis / scale[:, None]
        self.decode_weight[:, :count] = (basis * scale[:, None]).T
