"""An adversarial term for fine-tuning (`train.py --adversarial-weight W`): it rewards plausible detail.

Any likelihood that scores pixel errors paints detail the code cannot pin down as its average, which is
blur. A discriminator that judges overlapping patches of about 40 px (PatchGAN, Isola et al. 2017) makes
blur cost something. As in VQGAN (Esser et al. 2021): hinge losses, and the generator's term scaled so
that at the decoder's last layer its gradient is W times the reconstruction term's (an adaptive weight),
which keeps W meaningful whatever the likelihood's units. Meant for fine-tuning a trained model
(`--init-from`): against a blurry beginner the discriminator wins at once and teaches nothing.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

ADAPTIVE_WEIGHT_MAX = 1e4  # as VQGAN: a vanishing adversarial gradient must not blow the weight up
DISCRIMINATOR_BETAS = (0.5, 0.9)  # Adam's betas for GANs: less momentum, faster to follow the generator


class PatchDiscriminator(nn.Module):
    """Three stride-2 convolutions and a 1-channel head: one real/fake logit per overlapping patch."""

    def __init__(self, channels: int = 32):
        super().__init__()
        layers, width = [], 3
        for index, out in enumerate((channels, 2 * channels, 4 * channels)):
            layers.append(nn.Conv2d(width, out, 4, stride=2, padding=1))
            if index:  # no normalisation on the image itself, as in PatchGAN
                layers.append(nn.GroupNorm(8, out))
            layers.append(nn.LeakyReLU(0.2))
            width = out
        layers.append(nn.Conv2d(width, 1, 3, padding=1))
        self.layers = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.layers(images * 2.0 - 1.0)  # images in [0, 1]

    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The activations after each LeakyReLU: what feature matching compares."""
        found, h = [], images * 2.0 - 1.0
        for layer in self.layers:
            h = layer(h)
            if isinstance(layer, nn.LeakyReLU):
                found.append(h)
        return found


def feature_matching_loss(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    """Mean L1 distance between the discriminator's features of each photo and of its reconstruction, layer by
    layer (pix2pixHD, Wang et al. 2018): asks for the photo's own texture statistics, not just any plausible ones."""
    return sum((f.float() - r.detach().float()).abs().mean() for r, f in zip(real, fake, strict=True)) / len(real)


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def adaptive_weight(reconstruction: torch.Tensor, adversarial: torch.Tensor, last_layer: torch.Tensor) -> torch.Tensor:
    """|d reconstruction / d last_layer| / |d adversarial / d last_layer|, detached."""
    (recon_grad,) = torch.autograd.grad(reconstruction, last_layer, retain_graph=True)
    (adversarial_grad,) = torch.autograd.grad(adversarial, last_layer, retain_graph=True)
    return (recon_grad.norm() / (adversarial_grad.norm() + 1e-4)).clamp(0.0, ADAPTIVE_WEIGHT_MAX).detach()


class Adversary:
    """The discriminator, its optimiser, and the two halves of each training step: the generator's term
    (`generator_term`, added to the VAE's loss) and the discriminator's own update (`train_step`), which
    judges the reconstructions the last `generator_term` saw."""

    def __init__(
        self, weight: float, lr: float, device: torch.device, world: int = 1, feature_matching: float | None = None
    ):
        self.weight, self.world, self.feature_matching = weight, world, feature_matching
        self.net = PatchDiscriminator().to(device, memory_format=torch.channels_last)
        self.network = DistributedDataParallel(self.net) if world > 1 else self.net
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr, betas=DISCRIMINATOR_BETAS)
        self.fakes: torch.Tensor | None = None

    def generator_term(
        self, model, reconstruction: torch.Tensor, fakes: torch.Tensor, reals: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """{"adversarial": the weighted term to add to the loss, "adversarial_weight": its adaptive weight,
        and "feature_matching" when the run has that term (inside "adversarial", under the same weight)}."""
        extra = {}
        self.net.requires_grad_(False)  # the generator's gradient flows through the judge, not into it
        try:
            term = -self.net(fakes).float().mean()
            if self.feature_matching:
                with torch.no_grad():
                    real_features = self.net.features(reals)
                extra["feature_matching"] = feature_matching_loss(real_features, self.net.features(fakes))
                term = term + self.feature_matching * extra["feature_matching"]
        finally:
            self.net.requires_grad_(True)
        self.fakes = fakes.detach()
        ratio = adaptive_weight(reconstruction, term, model.output_layer.weight)
        if self.world > 1:  # the ranks' mean: every rank weighs its term alike, as one process would
            dist.all_reduce(ratio)
            ratio = ratio / self.world
        weight = self.weight * ratio
        return {"adversarial": weight * term, "adversarial_weight": weight, **extra}

    def train_step(self, real: torch.Tensor, lr: float) -> torch.Tensor:
        """One hinge-loss update on real photos and the last reconstructions; returns the loss."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        logits = self.network(torch.cat([real, self.fakes])).float()  # one call: DistributedDataParallel's rule
        loss = hinge_discriminator_loss(*logits.chunk(2))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
