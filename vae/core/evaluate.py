"""Score a model on a folder of images.

    python -m vae.evaluate --model assets/models/beta-1 --data ../shared/data/landscapes [--json]

Reports reconstruction PSNR and SSIM (decoding z = mu), the share of fine detail kept, the loss
terms per image of the model's own objective (the one it trained: for a WAE, the MMD), the number of
active latent units (Burda et al. 2016: variance over the data of a dimension's mean > 0.01), and
each dimension's mean KL, the ranking the app uses for its single-number sliders.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from .checkpoint import ModelFileError
from .data import EVALUATION_SPLITS, DataError, ImageList, decode_all, evaluation_images, load_photo
from .losses import kl_per_dim, model_loss
from .metrics import fine_detail_energy, psnr, ssim
from .model import load_model

ACTIVE_UNIT_THRESHOLD = 0.01
BATCH = 64
SEED = 0  # the reparameterisation noise of the loss terms, so scores repeat


@torch.inference_mode()
def score(model, pixels: torch.Tensor, *, batch_size: int = BATCH) -> dict:
    """Scores of `model` on uint8 images (N, 3, S, S) at the model's size."""
    sums: dict[str, float] = {}
    means, kl_dims = [], torch.zeros(model.config.latent_dim)
    detail_kept, detail_there = 0.0, 0.0
    generator = torch.Generator().manual_seed(SEED)
    for start in range(0, len(pixels), batch_size):
        x = pixels[start : start + batch_size].float() / 255.0
        terms, mu, logvar = model_loss(model, x, generator=generator)
        x_hat = model.decode(mu)
        kl = kl_per_dim(mu, logvar)
        per_image = {"psnr": psnr(x_hat, x), "ssim": ssim(x_hat, x)}
        for key, value in [*((k, v.sum()) for k, v in per_image.items()), *((k, v * len(x)) for k, v in terms.items())]:
            sums[key] = sums.get(key, 0.0) + value.item()
        detail_kept += fine_detail_energy(x_hat).sum().item()
        detail_there += fine_detail_energy(x).sum().item()
        kl_dims += kl.sum(0)
        means.append(mu)
    count = len(pixels)
    result = {key: value / count for key, value in sums.items()}
    result["fine_detail"] = detail_kept / max(detail_there, 1e-12)
    mean_variance = torch.cat(means).var(0) if count > 1 else torch.zeros(model.config.latent_dim)
    result["active_units"] = int((mean_variance > ACTIVE_UNIT_THRESHOLD).sum())
    result["kl_per_dim"] = (kl_dims / count).tolist()
    result["images"] = count
    return result


def evaluate_folder(model_dir, data_dir, split: str = "test") -> dict:
    model = load_model(model_dir)
    images = ImageList(evaluation_images(data_dir, split), load_photo)
    pixels, failed = decode_all(images, model.config.image_size)
    if len(pixels) == 0:
        raise DataError(f"no readable images in {data_dir}")
    result = score(model, pixels)
    result["skipped"] = len(failed)
    result["split"] = split
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("--model", required=True, help="model folder (config.json + model.safetensors)")
    parser.add_argument("--data", required=True, help="the seed's layout or a plain image folder")
    parser.add_argument(
        "--split",
        choices=EVALUATION_SPLITS,
        default="test",
        help="test (default): the Testing Data, or the tenth of a plain folder that train.py never "
        "trains on; all: every image, training photos included",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        result = evaluate_folder(args.model, args.data, args.split)
    except (ModelFileError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
        return 0
    top = sorted(range(len(result["kl_per_dim"])), key=lambda d: -result["kl_per_dim"][d])[:8]
    scored = "the test split (never trained on)" if args.split == "test" else "every image, training photos included"
    print(f"images        {result['images']} of {scored}; {result['skipped']} unreadable, skipped")
    print(f"PSNR          {result['psnr']:.2f} dB")
    print(f"SSIM          {result['ssim']:.4f}")
    print(f"fine detail   {100 * result['fine_detail']:.2f} % of the photos'")
    print(f"recon / image {result['recon']:.1f} nats")
    print(f"KL / image    {result['kl']:.1f} nats")
    if "mmd" in result:
        print(f"MMD           {result['mmd']:.4f}")
    print(f"loss / image  {result['loss']:.1f} (the objective the model trained)")
    print(f"active units  {result['active_units']} of {len(result['kl_per_dim'])}")
    print("top dims (KL) " + ", ".join(f"{d} ({result['kl_per_dim'][d]:.2f})" for d in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
