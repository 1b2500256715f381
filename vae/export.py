"""Turn a finished run into a small, self-describing model folder for the app.

    python -m vae.export --run runs/bundled/beta-1 --data ../shared/data/landscapes --out assets/models/beta-1

Writes the run's best model in fp16 (config.json + model.safetensors) and what the app shows about it:
- `facts.json`: beta, size, epochs, minutes, validation and test scores, latent dimensions ranked by
  mean KL, the class names, and the command that trained it;
- `latent_density.safetensors`: a Gaussian mixture fitted to the training photos' codes
  (`vae.density`), sized by how well it predicts the validation photos' codes;
- `latent_axes.safetensors`: main directions and class directions (`vae.directions`);
- `metrics.jsonl`: the run's per-epoch metrics, for the training curves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from .checkpoint import (AXES_NAME, BEST_NAME, DENSITY_NAME, FACTS_NAME, TRAIN_OPTIONS_NAME, WEIGHTS_NAME, read_json, read_metrics,
                         write_json, write_metrics)
from .atlas import Atlas, photo_scores, spread_indices, thumbnails_of
from .data import SEED_LAYOUT, decode_all, image_lists
from .density import fit_best_mixture
from .directions import fit_axes, picture_metric
from .evaluate import score
from .model import count_parameters, load_model, save_model

# train.py flags recorded in facts.json's command, from the run's saved options
COMMAND_FLAGS = (("epochs", "--epochs"), ("batch_size", "--batch-size"), ("lr", "--lr"), ("lr_schedule", "--lr-schedule"),
                 ("seed", "--seed"), ("crop_scale", "--crop-scale"), ("init_from", "--init-from"),
                 ("ema_decay", "--ema-decay"), ("focal_weight", "--focal-weight"))


@torch.inference_mode()
def latent_means(model, pixels: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    return torch.cat([model.encode(pixels[i : i + batch_size].float() / 255.0)[0] for i in range(0, len(pixels), batch_size)])


def class_labels(paths, split_root: Path, classes: list[str] | None = None) -> tuple[list[int] | None, list[str]]:
    """Class index of each photo from its folder (DIR/<split>/<class>/photo.jpg) and the class names,
    or (None, []) when the photos are not in class folders."""
    if not Path(split_root).is_dir():
        return None, []
    parts = [Path(p).relative_to(split_root).parts for p in paths]
    if not parts or any(len(p) < 2 for p in parts):
        return None, []
    names = [p[0] for p in parts]
    classes = classes or sorted(set(names))
    if not set(names) <= set(classes):
        return None, []
    return [classes.index(n) for n in names], classes


@torch.inference_mode()
def build_atlas(model, density, pixels: torch.Tensor, labels: list[int] | None) -> Atlas:
    """The atlas of up to MAX_PHOTOS held-out photos, evenly spaced through the split."""
    keep = spread_indices(len(pixels))
    chosen = pixels[keep]
    codes = latent_means(model, chosen)
    label_tensor = torch.tensor([labels[i] for i in keep]) if labels else torch.full((len(keep),), -1)
    return Atlas(codes, photo_scores(model, chosen), density.log_prob(codes), label_tensor, thumbnails_of(chosen))


def training_command(options: dict, data_dir, run_dir) -> str:
    """The shell line that makes the run again."""
    model = options["model"]
    parts = ["python train.py", f"--data {data_dir}", f"--image-size {model['image_size']}",
             f"--reconstruction {model['reconstruction']}", f"--beta {model['beta']:g}",
             f"--linear-size {model.get('linear_size', 0)}"]  # explicit: train.py's default depends on --arch
    if model["arch"] != "resnet":
        parts.append(f"--arch {model['arch']}")
    parts += [f"{flag} {options[key]}" for key, flag in COMMAND_FLAGS if options.get(key) is not None]
    command = " ".join([*parts, f"--out {run_dir}"])
    donor = donor_facts(options)
    if donor:  # a fine-tune of an exported model: how that model was made comes first
        donor_run = donor["command"].rsplit("--out ", 1)[1]
        export = f"python -m vae.export --run {donor_run} --data {data_dir} --out {options['init_from']}"
        return f"{donor['command']} && {export} && {command}"
    return command


def continued(history: list[dict], *, after: int) -> list[dict]:
    """A fine-tune's rows numbered on from its donor's last epoch."""
    return [{**row, "epoch": row["epoch"] + after} for row in history]


def donor_facts(options: dict) -> dict:
    """The facts of the exported model a run was fine-tuned from; {} for a run from scratch."""
    donor = options.get("init_from")
    return read_json(Path(donor) / FACTS_NAME) if donor and (Path(donor) / FACTS_NAME).is_file() else {}


def rounded_scores(scores: dict, prefix: str) -> dict:
    keys = ("psnr", "ssim", "fine_detail", "kl", "recon", "loss")
    return {f"{prefix}_{key}": round(scores[key], 4 if key in ("ssim", "fine_detail") else 2) for key in keys}


def export_run(run_dir, data_dir, out_dir) -> dict:
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    model = load_model(run_dir / BEST_NAME)
    options = read_json(run_dir / TRAIN_OPTIONS_NAME)
    donor = donor_facts(options)  # read before anything is written: the donor may be out_dir itself
    history = read_metrics(run_dir)
    shipped_history = (read_metrics(options["init_from"]) if donor else []) + continued(history, after=donor.get("epochs", 0))
    lists = image_lists(data_dir, seed=options["seed"])
    size = model.config.image_size
    pixels = {split: decode_all(lists[split], size) for split in ("train", "val", "test")}
    train_pixels, train_failed = pixels["train"]
    atlas_split = "test" if len(pixels["test"][0]) else "val"  # the photos of the map: never trained on

    save_model(model, out_dir, half=True)
    write_metrics(out_dir, shipped_history)
    train_codes, val_codes = latent_means(model, train_pixels), latent_means(model, pixels["val"][0])
    density, held_out = fit_best_mixture(train_codes, val_codes, seed=options["seed"])
    density.save(out_dir / DENSITY_NAME)
    good_train = [p for p in lists["train"].items if p not in train_failed]
    labels, classes = class_labels(good_train, Path(data_dir) / SEED_LAYOUT["train"])
    metric = picture_metric(model.decode, train_codes.mean(0))  # directions ranked by how they change the picture
    fit_axes(train_codes, labels, metric=metric).save(out_dir / AXES_NAME)
    atlas_pixels, atlas_failed = pixels[atlas_split]
    atlas_paths = [p for p in lists[atlas_split].items if p not in atlas_failed]
    atlas_labels, _ = class_labels(atlas_paths, Path(data_dir) / SEED_LAYOUT[atlas_split], classes)
    build_atlas(model, density, atlas_pixels, atlas_labels).save(out_dir)
    val_scores = score(model, pixels["val"][0])
    test_scores = score(model, pixels["test"][0]) if len(pixels["test"][0]) else None
    kl_per_dim = val_scores["kl_per_dim"]
    facts = {
        "name": out_dir.name,
        "beta": model.config.beta,
        "arch": model.config.arch,
        "reconstruction": model.config.reconstruction,
        "linear_size": model.config.linear_size,
        "image_size": size,
        "latent_dim": model.config.latent_dim,
        "parameters": count_parameters(model),
        "file_mb": round((out_dir / WEIGHTS_NAME).stat().st_size / 1e6, 2),
        "epochs": shipped_history[-1]["epoch"],  # a fine-tune counts its donor's training too
        "best_epoch": donor.get("epochs", 0) + min(history, key=lambda row: row["val_loss"])["epoch"],
        "training_minutes": round(sum(row["seconds"] for row in shipped_history) / 60, 1),
        "training_images": len(train_pixels),
        **rounded_scores(val_scores, "val"),
        **(rounded_scores(test_scores, "test") if test_scores else {}),
        "active_units": val_scores["active_units"],
        "dims_by_kl": sorted(range(len(kl_per_dim)), key=lambda d: -kl_per_dim[d]),
        "kl_per_dim": [round(v, 4) for v in kl_per_dim],
        "classes": classes,
        "density_components": density.components,
        "density_held_out_log_likelihood": {str(k): round(v, 2) for k, v in held_out.items()},
        "command": training_command(options, data_dir, run_dir),
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
    print(f"wrote {args.out}: validation PSNR {facts['val_psnr']} dB, SSIM {facts['val_ssim']}, KL {facts['val_kl']}, "
          f"{facts['active_units']} active units, {facts['density_components']}-component density, {facts['file_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
