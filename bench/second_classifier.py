"""A second opinion on samples: the Fréchet distance on the features of a second landscape classifier, trained
apart from the first (`bench.sample_score`) with another architecture and another seed.

    python -m bench.second_classifier --data ../shared/data/landscapes   # writes bench/second_classifier.safetensors

A prior chosen by the first classifier's FD can be fitted to that network's quirks rather than to the pictures:
the first reads max-pooled BatchNorm features of a 4-block CNN (128-d); this one strided convolutions with
GroupNorm and GELU, a 5x5 stem and no pooling until the end (256-d). Both see the same 64 px pictures and train on
the training split only. `bench.priors` scores every candidate on both; a candidate ships only if it wins on both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

from bench.sample_score import FeatureDistance, load_feature_net, train_classifier

SECOND_PATH = Path(__file__).with_name("second_classifier.safetensors")
SECOND_SEED = 1  # the first classifier trained with seed 0
SECOND_EPOCHS = 8


def conv(cin: int, cout: int, *, kernel: int = 3, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride, kernel // 2), nn.GroupNorm(8, cout), nn.GELU()]


def second_classifier(classes: int) -> nn.Sequential:
    """(B, 3, 64, 64) -> class logits; without its last layer, 256-d features."""
    return nn.Sequential(
        *conv(3, 32, kernel=5, stride=2),  # 32 px
        *conv(32, 64, stride=2),  # 16 px
        *conv(64, 128),
        *conv(128, 128, stride=2),  # 8 px
        *conv(128, 192),
        *conv(192, 256, stride=2),  # 4 px
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(256, classes),
    )


def second_distance(real: torch.Tensor, path: Path = SECOND_PATH) -> FeatureDistance:
    """The second classifier's FD against `real` images in [0, 1] (call it on generated ones)."""
    return FeatureDistance(load_feature_net(second_classifier, path, "bench.second_classifier"), real)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="photo folder in the seed's layout (class folders)")
    parser.add_argument("--epochs", type=int, default=SECOND_EPOCHS)
    args = parser.parse_args(argv)
    accuracy = train_classifier(
        args.data, epochs=args.epochs, seed=SECOND_SEED, build=second_classifier, path=SECOND_PATH
    )
    print(f"wrote {SECOND_PATH}: test accuracy {accuracy:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
