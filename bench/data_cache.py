"""What the decoded-image cache saves: one epoch of training batches, cached against streamed from disk.

    python -m bench.data_cache --data ../shared/data/landscapes --image-size 128

Times building the uint8 cache once, then iterating one epoch of batches (no model) from the cache
and from disk (JPEG decoding in DataLoader workers), side by side in one run.
"""

from __future__ import annotations

import argparse
import sys
import time

from torch.utils.data import DataLoader

from vae.core.data import cache_bytes, image_lists, make_dataset


def epoch_seconds(dataset, *, batch_size: int, workers: int) -> float:
    start = time.perf_counter()
    for _ in DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers):
        pass
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers when streaming")
    args = parser.parse_args(argv)
    images = image_lists(args.data)["train"]
    start = time.perf_counter()
    cached, _ = make_dataset(images, args.image_size, train=True, cache=True)
    build = time.perf_counter() - start
    streamed, _ = make_dataset(images, args.image_size, train=True, cache=False)
    from_cache = epoch_seconds(cached, batch_size=args.batch_size, workers=0)
    from_disk = epoch_seconds(streamed, batch_size=args.batch_size, workers=args.workers)
    print(
        f"{len(images)} images at {args.image_size} px: cache {cache_bytes(len(images), args.image_size) / 1e6:.0f} MB, "
        f"built once in {build:.1f} s"
    )
    print(
        f"one epoch of batches: {from_cache:.2f} s from the cache, {from_disk:.2f} s streamed with {args.workers} workers "
        f"({from_disk / from_cache:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
