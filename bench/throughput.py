"""Training throughput of both networks, side by side in one run: fp32 and bf16 autocast, channels_last.
The default network is measured as the bundled models are built: gaussian likelihood, linear path.

    python -m bench.throughput --image-size 128 [--device cuda] [--batch-sizes 64,128,256] [--profile] [--compile]

Each configuration does a few warm-up steps, then times `--steps` optimiser steps on random images;
the table gives images/s and the ratio to the seed network in fp32 (how the seed trained).
--profile also prints where one training step of the default network spends its time; --compile, what
torch.compile costs at start and buys after it.
"""

from __future__ import annotations

import argparse
import sys
from time import perf_counter  # one name of this module's: a test replaces its clock and no other

import torch

from vae.core.devices import pick_device, use_bf16
from vae.core.losses import model_loss
from vae.core.model import VAEConfig, build_model

WARMUP = 2


def network_config(
    arch: str, *, size: int, base_channels: int = VAEConfig.base_channels, min_width: int = VAEConfig.min_width
) -> VAEConfig:
    """Each network as train.py builds it by default (the default network with its linear path)."""
    return VAEConfig(arch=arch, image_size=size, base_channels=base_channels, min_width=min_width)


def timed_training(
    arch: str,
    *,
    size: int,
    batch: int,
    bf16: bool,
    device,
    steps: int,
    channels_last: bool = True,
    base_channels: int = VAEConfig.base_channels,
    min_width: int = VAEConfig.min_width,
    compile: bool = False,
) -> tuple[float, float]:
    """(seconds of the warm-up steps, images/s over the timed steps after them). With compile, the steps call
    the torch.compile'd model as `train.py --compile` does, and the warm-up holds the compiling."""
    torch.manual_seed(0)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    config = network_config(arch, size=size, base_channels=base_channels, min_width=min_width)
    model = build_model(config).to(device, memory_format=fmt)
    network = torch.compile(model) if compile else None
    optimizer = torch.optim.Adam(model.parameters(), 1e-3, fused=device.type == "cuda")
    x = torch.rand(batch, 3, size, size, device=device).contiguous(memory_format=fmt)
    warmup_start = perf_counter()
    for i in range(WARMUP + steps):
        if i == WARMUP:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = model_loss(model, x, network=network)[0]["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return start - warmup_start, batch * steps / (perf_counter() - start)


def images_per_second(arch: str, **settings) -> float:
    return timed_training(arch, **settings)[1]


@torch.inference_mode()
def decode_ms(arch: str, *, size: int, base_channels: int, min_width: int, repeats: int = 20) -> float:
    """Milliseconds to decode one image on one CPU thread (what a slider move costs the server)."""
    model = build_model(network_config(arch, size=size, base_channels=base_channels, min_width=min_width)).eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        z = torch.randn(1, model.config.latent_dim)
        model.decode(z)  # warm-up
        start = perf_counter()
        for _ in range(repeats):
            model.decode(z)
        return 1000 * (perf_counter() - start) / repeats
    finally:
        torch.set_num_threads(threads)


def profile_step(*, size: int, batch: int, bf16: bool, device) -> str:
    """The operators that take the most time in one step of the default network."""
    from torch.profiler import profile

    images_per_second("resnet", size=size, batch=batch, bf16=bf16, device=device, steps=1)  # warm-up
    with profile() as prof:
        images_per_second("resnet", size=size, batch=batch, bf16=bf16, device=device, steps=1)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10)


def compile_table(*, size: int, batch: int, bf16: bool, device, steps: int) -> str:
    """The default network's first steps and speed, eager and compiled, side by side."""
    lines = [f"\n| default network, batch {batch} | first {WARMUP} steps (s) | images/s after them |", "|---|---|---|"]
    for compile in (False, True):
        torch._dynamo.reset()  # each compiled run starts cold, as a fresh train.py process does
        warmup, rate = timed_training(
            "resnet", size=size, batch=batch, bf16=bf16, device=device, steps=steps, compile=compile
        )
        lines.append(f"| {'torch.compile' if compile else 'eager'} | {warmup:.1f} | {rate:.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batch-sizes", default="64", help="comma-separated")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="also time the default network torch.compile'd (train.py --compile): its warm-up and speed",
    )
    parser.add_argument(
        "--base-channels",
        default=str(VAEConfig.base_channels),
        help="comma-separated widths at 32x32 of default-network candidates to compare",
    )
    parser.add_argument(
        "--min-widths",
        default=str(VAEConfig.min_width),
        help="comma-separated full-resolution widths of default-network candidates to compare",
    )
    parser.add_argument(
        "--precisions", help="comma-separated, from fp32,bf16 (default: bf16 only where the hardware has it)"
    )
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    precisions = (
        args.precisions.split(",") if args.precisions else ["fp32"] + (["bf16"] if use_bf16(device, "auto") else [])
    )
    print(f"device: {name}; image size {args.image_size}\n")
    networks = [("seed", VAEConfig.base_channels, VAEConfig.min_width)] + [
        ("resnet", int(w), int(m)) for w in args.base_channels.split(",") for m in args.min_widths.split(",")
    ]
    print(
        "| network | batch | precision | channels_last | images/s | vs seed fp32 | decode ms, 1 thread |\n"
        "|---|---|---|---|---|---|---|"
    )
    for batch in (int(b) for b in args.batch_sizes.split(",")):
        baseline = None
        for arch, width, min_width in networks:
            decode = decode_ms(arch, size=args.image_size, base_channels=width, min_width=min_width)
            for precision in precisions:
                for channels_last in (True, False):
                    rate = images_per_second(
                        arch,
                        size=args.image_size,
                        batch=batch,
                        bf16=precision == "bf16",
                        device=device,
                        steps=args.steps,
                        channels_last=channels_last,
                        base_channels=width,
                        min_width=min_width,
                    )
                    baseline = baseline or rate
                    label = arch if arch == "seed" else f"resnet ({width} ch at 32x32, {min_width} at full size)"
                    print(
                        f"| {label} | {batch} | {precision} | {channels_last} | {rate:.1f} | {rate / baseline:.2f}x | "
                        f"{decode:.1f} |",
                        flush=True,
                    )
    first = {
        "size": args.image_size,
        "batch": int(args.batch_sizes.split(",")[0]),
        "bf16": "bf16" in precisions,
        "device": device,
    }  # what the compile table and the profile measure: the first batch size
    if args.compile:
        print(compile_table(**first, steps=args.steps))
    if args.profile:
        print(profile_step(**first))
    return 0


if __name__ == "__main__":
    sys.exit(main())
