"""Faithful against sharp: a model and its second painter (the same codes, a decoder trained to paint detail), side
by side on the Testing Data.

    python -m bench.painter --data ../shared/data/landscapes --models assets/models/beta-1 assets/models/beta-1-detailed

For each model folder: its reconstructions of the test photos (decoded posterior means) scored by PSNR, SSIM and
fine detail (`vae.core.evaluate.score`) and, as pictures, by the Fréchet distance of the landscape classifier's
features (FD) and patch sliced Wasserstein distance (SWD, x10^3) against the test photos (`bench.sample_score`);
and its default samples (the app's fitted sampler, seed 0, as many as there are test photos) by FD and SWD.
Reference rows, in the same run: the test photos' features against themselves split in two halves, and the
photos blurred 8x. Then each model's ratios to the first model's: FD of reconstructions, FD of samples, and its
PSNR difference (the issue's targets: at most 0.6x, 0.7x and 2 dB lower).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.quality import SEED, Photos, SampleJudge, decode_codes, markdown_table
from vae.core.evaluate import score
from vae.core.metrics import down_up
from vae.core.pca import unit
from vae.latent.explore import load_explorer_model, random_latent
from vae.publish.code_samplers import latent_means

BLUR = 16  # 128 px photos shrunk to 16 px and back: blurred 8x


def model_row(path: str, photos: Photos, judge: SampleJudge) -> dict:
    em = load_explorer_model(Path(path))
    test = photos.pixels("test", em.image_size)
    scores = score(em.model, test)
    copies = decode_codes(em.model, latent_means(em.model, test))
    samples = decode_codes(em.model, random_latent(em, SEED, source="fitted", count=len(test)))
    recon, sampled = judge(copies), judge(samples)
    return {
        "name": em.name,
        "psnr": scores["psnr"],
        "ssim": scores["ssim"],
        "fine_detail": scores["fine_detail"],
        "kl": scores["kl"],
        "recon_fd": recon["fd"],
        "recon_swd": recon["swd"],
        "sample_fd": sampled["fd"],
        "sample_swd": sampled["swd"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/landscapes")
    parser.add_argument("--models", nargs="+", required=True, help="model folders; the first is the baseline")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    photos = Photos(args.data)
    test = photos.pixels("test", 128)
    judge = SampleJudge(test)
    halves = SampleJudge(test[::2])(test[1::2])
    blurred = judge(down_up(unit(test), BLUR))
    rows = [model_row(path, photos, judge) for path in args.models]
    base = rows[0]
    lines = [
        [
            "the test photos (one half against the other)",
            "—",
            "—",
            "—",
            "—",
            f"{halves['fd']:.1f}",
            f"{halves['swd']:.1f}",
            "—",
            "—",
        ],
        [
            f"the test photos blurred {128 // BLUR}x",
            "—",
            "—",
            "—",
            "—",
            f"{blurred['fd']:.1f}",
            f"{blurred['swd']:.1f}",
            "—",
            "—",
        ],
    ]
    for row in rows:
        lines.append(
            [
                row["name"],
                f"{row['psnr']:.2f} ({row['psnr'] - base['psnr']:+.2f})",
                f"{row['ssim']:.3f}",
                f"{100 * row['fine_detail']:.2f}",
                f"{row['kl']:.0f}",
                f"{row['recon_fd']:.1f} ({row['recon_fd'] / base['recon_fd']:.2f}x)",
                f"{row['recon_swd']:.1f}",
                f"{row['sample_fd']:.1f} ({row['sample_fd'] / base['sample_fd']:.2f}x)",
                f"{row['sample_swd']:.1f}",
            ]
        )
    print(
        markdown_table(
            [
                "Testing Data",
                "PSNR (dB)",
                "SSIM",
                "fine detail (%)",
                "KL (nats)",
                "FD of reconstructions",
                "SWD of reconstructions",
                "FD of samples",
                "SWD of samples",
            ],
            lines,
        )
    )
    print(f"\ntook {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
