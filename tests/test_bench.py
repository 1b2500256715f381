"""The sample-quality scores of bench/: zero for identical sets, larger for different ones."""

import numpy as np
import torch

from bench.sample_score import frechet_distance, sliced_wasserstein


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 8))
    assert abs(frechet_distance(a, a)) < 1e-6
    near, far = frechet_distance(a, rng.normal(size=(2000, 8))), frechet_distance(a, rng.normal(1.0, 2.0, size=(2000, 8)))
    assert near < 0.1 < 5 < far


def test_sliced_wasserstein_prefers_similar_images():
    g = torch.Generator().manual_seed(0)
    smooth = torch.linspace(0, 1, 64).expand(16, 3, 64, 64)
    noise = torch.rand(16, 3, 64, 64, generator=g)
    assert sliced_wasserstein(smooth, smooth) < 0.2 * sliced_wasserstein(smooth, noise)


def test_throughput_is_images_over_the_timed_steps_only(monkeypatch):
    import bench.throughput as throughput

    calls = []

    def clock():  # every call advances 2 s: the timed span is exactly the steps after warm-up
        calls.append(None)
        return 2.0 * len(calls)

    monkeypatch.setattr(throughput.time, "perf_counter", clock)
    for arch in ("seed", "resnet"):
        calls.clear()
        rate = throughput.images_per_second(arch, size=32, batch=4, bf16=False, device=torch.device("cpu"), steps=3)
        assert rate == 4 * 3 / 2.0  # 12 images between the start and end readings
