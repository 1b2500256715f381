"""Sample-quality scores that need no downloaded weights.

- Fréchet distance (as in FID) between features of generated images and real photos, where the
  features come from a small landscape classifier this project trains on its own training split
  (`python -m bench.sample_score --data DIR` writes bench/landscape_classifier.safetensors).
  Lower is better. Only comparable between runs that use the same classifier file.
- Sliced Wasserstein distance between 7x7 patches of generated and real images (Karras et al. 2018,
  one pyramid level at 64 px), a second opinion that needs no network. Lower is better.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from scipy import linalg
from torch import nn

from vae.core.data import decode_all, image_lists

CLASSIFIER_PATH = Path(__file__).with_name("landscape_classifier.safetensors")
FEATURE_SIZE = 64  # images are scored at 64 px, whatever the model's size
PATCH = 7
SWD_PROJECTIONS = 256
SWD_PATCHES_PER_IMAGE = 64


def landscape_classifier(classes: int) -> nn.Sequential:
    """A small CNN; its 128-d penultimate layer gives the features."""

    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(
        *block(3, 32),
        *block(32, 64),
        *block(64, 128),
        *block(128, 128),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(128, 128),
        nn.ReLU(),
        nn.Linear(128, classes),
    )


def train_classifier(
    data_dir, *, epochs: int = 6, seed: int = 0, build=landscape_classifier, path: Path = CLASSIFIER_PATH
) -> float:
    """Train `build(classes)` (an nn.Sequential whose last layer gives the classes) on the training split's class
    folders, save it to `path`; return held-out (test split) accuracy."""
    torch.manual_seed(seed)
    lists = image_lists(data_dir)
    classes = sorted({p.parent.name for p in lists["train"].items})  # the class folders
    splits = {}
    for name in ("train", "test"):
        pixels, failed = decode_all(lists[name], FEATURE_SIZE)
        readable = [p for p in lists[name].items if p not in failed]  # decode_all keeps item order
        splits[name] = (pixels, torch.tensor([classes.index(p.parent.name) for p in readable]))
    pixels, labels = splits["train"]
    net = build(len(classes))
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(epochs):
        net.train()
        for batch in torch.randperm(len(pixels)).split(64):
            x = pixels[batch].float() / 255.0
            x = torch.where(torch.rand(len(x), 1, 1, 1) < 0.5, x.flip(-1), x)
            loss = F.cross_entropy(net(x), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    net.eval()
    test_pixels, test_labels = splits["test"]
    with torch.no_grad():
        accuracy = (net(test_pixels.float() / 255.0).argmax(1) == test_labels).float().mean().item()
    save_file(
        {k: v.contiguous() for k, v in net.state_dict().items()},
        path,
        metadata={"classes": ",".join(classes), "test_accuracy": f"{accuracy:.4f}"},
    )
    return accuracy


def load_classifier(build=landscape_classifier, path: Path = CLASSIFIER_PATH, trainer: str = "bench.sample_score"):
    """The classifier `train_classifier` saved to `path`."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} missing: run python -m {trainer} --data DIR first")
    state = load_file(path)
    last_layer = max(int(key.split(".")[0]) for key in state)
    net = build(state[f"{last_layer}.weight"].shape[0])
    net.load_state_dict(state, strict=True)
    return net.eval()


def load_feature_net(build=landscape_classifier, path: Path = CLASSIFIER_PATH, trainer: str = "bench.sample_score"):
    """The classifier without its class layer: its features."""
    return load_classifier(build, path, trainer)[:-1]


def class_shares(classifier: nn.Module, images: torch.Tensor) -> np.ndarray:
    """(classes,) the share of `images` (floats in [0, 1]) the classifier puts in each class."""
    guesses = torch.from_numpy(features(classifier, images)).argmax(1)
    return np.bincount(guesses.numpy(), minlength=classifier[-1].out_features) / len(images)


def as_feature_input(images: torch.Tensor) -> torch.Tensor:
    """Float images in [0, 1] at any size -> (B, 3, 64, 64)."""
    return (
        F.interpolate(images.float(), size=FEATURE_SIZE, mode="area")
        if images.shape[-1] != FEATURE_SIZE
        else images.float()
    )


@torch.inference_mode()
def features(net: nn.Module, images: torch.Tensor) -> np.ndarray:
    return torch.cat([net(as_feature_input(b)) for b in images.split(128)]).double().numpy()


class FeatureDistance:
    """The Fréchet distance of `net`'s features between images and a fixed set of real ones (lower is better)."""

    def __init__(self, net: nn.Module, real: torch.Tensor):
        self.net, self.real_features = net, features(net, real)

    def __call__(self, fake: torch.Tensor) -> float:
        return frechet_distance(features(self.net, fake), self.real_features)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root.real))


def patches(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random 7x7 patches, each normalised per channel: (N, 3*7*7)."""
    x = as_feature_input(images)
    unfolded = F.unfold(x, PATCH)  # (B, 147, L)
    index = torch.randint(unfolded.shape[-1], (len(x), SWD_PATCHES_PER_IMAGE), generator=generator)
    chosen = torch.gather(unfolded, 2, index[:, None, :].expand(-1, unfolded.shape[1], -1))
    chosen = chosen.transpose(1, 2).reshape(-1, unfolded.shape[1])
    return (chosen - chosen.mean(0)) / chosen.std(0).clamp_min(1e-6)


def sliced_wasserstein(fake: torch.Tensor, real: torch.Tensor, *, seed: int = 0) -> float:
    g = torch.Generator().manual_seed(seed)
    a, b = patches(fake, g), patches(real, g)
    n = min(len(a), len(b))
    directions = F.normalize(torch.randn(a.shape[1], SWD_PROJECTIONS, generator=g), dim=0)
    pa, pb = (a[:n] @ directions).sort(0).values, (b[:n] @ directions).sort(0).values
    return float((pa - pb).abs().mean() * 1e3)  # scaled to readable numbers, as in Karras et al.


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Train the landscape classifier behind the Fréchet distance.")
    parser.add_argument("--data", required=True, help="photo folder in the seed's layout (class folders)")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args(argv)
    accuracy = train_classifier(args.data, epochs=args.epochs)
    print(f"wrote {CLASSIFIER_PATH}: test accuracy {accuracy:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
