"""Turn a finished run into a small, self-describing model folder for the app.

    python -m vae.export --run runs/bundled/beta-1 --data ../shared/data/landscapes --out assets/models/beta-1

Writes the run's best model in fp16 (config.json + model.safetensors), `facts.json` (beta, size,
epochs, training minutes, validation scores, latent dimensions ranked by mean KL) and
`latent_density.safetensors`: a full-covariance Gaussian fitted to the training photos' latent
means, for "ex-post density" sampling (Ghosh et al. 2020), which lands where real codes are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from .checkpoint import WEIGHTS_NAME, atomic_write, load_model, save_model, write_json
from .data import decode_all, image_lists
from .evaluate import score
from .model import count_parameters
from .training import METRICS_NAME, TRAIN_OPTIONS_NAME

FACTS_NAME = "facts.json"
DENSITY_NAME = "latent_density.safetensors"
JITTER = 1e-4  # added to the covariance diagonal so its Cholesky factor always exists


@torch.inference_mode()
def latent_means(model, pixels: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    return torch.cat([model.encode(pixels[i : i + batch_size].float() / 255.0)[0] for i in range(0, len(pixels), batch_size)])


def fit_gaussian(codes: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean and lower Cholesky factor of the codes' covariance: z = mean + L @ eps."""
    codes = codes.double()
    mean = codes.mean(0)
    covariance = torch.cov(codes.T) + JITTER * torch.eye(codes.shape[1], dtype=codes.dtype)
    return {"mean": mean.float(), "scale_tril": torch.linalg.cholesky(covariance).float().contiguous()}


def export_run(run_dir, data_dir, out_dir) -> dict:
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    model = load_model(run_dir / "best")
    history = [json.loads(line) for line in (run_dir / METRICS_NAME).read_text().splitlines() if line.strip()]
    options = json.loads((run_dir / TRAIN_OPTIONS_NAME).read_text())
    lists = image_lists(data_dir, seed=options["seed"])
    train_pixels, _ = decode_all(lists["train"], model.config.image_size)
    val_pixels, _ = decode_all(lists["val"], model.config.image_size)

    save_model(model, out_dir, half=True)
    density = fit_gaussian(latent_means(model, train_pixels))
    atomic_write(out_dir / DENSITY_NAME, lambda tmp: save_file(density, tmp))
    scores = score(model, val_pixels)
    kl_per_dim = scores["kl_per_dim"]
    facts = {
        "name": out_dir.name,
        "beta": model.config.beta,
        "arch": model.config.arch,
        "image_size": model.config.image_size,
        "latent_dim": model.config.latent_dim,
        "parameters": count_parameters(model),
        "file_mb": round((out_dir / WEIGHTS_NAME).stat().st_size / 1e6, 2),
        "epochs": history[-1]["epoch"],
        "best_epoch": min(history, key=lambda row: row["val_loss"])["epoch"],
        "training_minutes": round(sum(row["seconds"] for row in history) / 60, 1),
        "training_images": len(train_pixels),
        "val_psnr": round(scores["psnr"], 2),
        "val_ssim": round(scores["ssim"], 4),
        "val_kl": round(scores["kl"], 1),
        "val_recon": round(scores["recon"], 1),
        "active_units": scores["active_units"],
        "dims_by_kl": sorted(range(len(kl_per_dim)), key=lambda d: -kl_per_dim[d]),
        "kl_per_dim": [round(v, 4) for v in kl_per_dim],
        "command": f"python train.py --data {data_dir} --image-size {model.config.image_size} --beta {model.config.beta:g} "
                   f"--epochs {options['epochs']} --seed {options['seed']} --out {run_dir}",
    }
    write_json(out_dir / FACTS_NAME, facts)
    return facts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, help="a finished run folder")
    parser.add_argument("--data", required=True, help="the photo folder the run trained on")
    parser.add_argument("--out", required=True, help="model folder to write")
    args = parser.parse_args(argv)
    facts = export_run(args.run, args.data, args.out)
    print(f"wrote {args.out}: PSNR {facts['val_psnr']} dB, SSIM {facts['val_ssim']}, KL {facts['val_kl']}, "
          f"{facts['active_units']} active units, {facts['file_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
