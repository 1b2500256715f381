"""Turn a finished run into a small, self-describing model folder for the app.

    python -m vae.export --run runs/bundled/beta-1 --out assets/models/beta-1     # the photos the run trained on
    python -m vae.export --refit assets/models/beta-1 --data ../shared/data/landscapes

The second form fits an exported model's density, directions and map again from its own weights, for a
model exported before the export changed (its run folder may be gone).

Writes the run's best model in fp16 (config.json + model.safetensors) and what the app shows about it:
- `facts.json`: beta, size, epochs, minutes, validation and test scores, latent dimensions ranked by
  mean KL, the class names, and the command that trained it;
- `latent_density.safetensors`: a Gaussian mixture fitted to codes drawn from the training photos'
  posteriors q(z|x) (`vae.latent.density`), sized by how well it predicts codes of the validation photos;
- `diffusion_prior.safetensors` + `diffusion_prior.json`: a diffusion prior (flow matching, `vae.latent.diffusion_prior`)
  fitted to the same draws, each with its photo's class; the Sample tab's default where `--fitted-sampler` says so;
- `latent_axes.safetensors`: main directions and class directions (`vae.latent.directions`);
- `metrics.jsonl`: the run's per-epoch metrics, for the training curves;
- `onnx/`: the decoder, the encoder and the prior's network as ONNX, for browsers (`vae.publish.onnx_export`).

    python -m vae.export --onnx assets/models/beta-1    # only the onnx/ files, for a folder exported before them
"""

from __future__ import annotations

import shutil
import sys
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from pathlib import Path

import torch

from ..core.checkpoint import (
    ATLAS_CODES_NAME,
    ATLAS_PHOTOS_NAME,
    AXES_NAME,
    BEST_NAME,
    DENSITY_NAME,
    FACTS_NAME,
    TRAIN_OPTIONS_NAME,
    WEIGHTS_NAME,
    read_json,
    read_metrics,
    write_json,
    write_metrics,
)
from ..core.data import SEED_LAYOUT, decode_all, image_lists
from ..core.evaluate import score
from ..core.model import count_parameters, load_model, save_model
from ..core.options import command_flags
from ..core.training import TrainOptions
from ..latent.atlas import Atlas, atlas_photos, photo_scores, share_photo_sheets, spread_indices, typical_logvar
from ..latent.density import LatentDensity
from ..latent.diffusion_prior import CONFIG_FILE as PRIOR_CONFIG_NAME
from ..latent.diffusion_prior import WEIGHTS_FILE as PRIOR_WEIGHTS_NAME
from ..latent.directions import fit_axes, picture_metric
from ..latent.onnx_files import onnx_networks
from .code_samplers import (
    FITTED_SAMPLERS,
    PRIOR_EPOCHS,
    density_facts,
    fit_code_density,
    fit_code_prior,
    latent_means,
    sampler_flags,
)
from .onnx_export import add_networks, write_networks

SPLITS = ("train", "val", "test")


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
    return Atlas(
        codes,
        photo_scores(model, chosen),
        density.log_prob(codes),
        label_tensor,
        atlas_photos(chosen),
        typical_logvar(model, chosen),  # how finely the encoder reads each number: the nearest photos' measure
    )


def training_stages(options: dict, run_dir) -> list[dict]:
    """How the model was made, as data: each training stage's run folder and its saved options (a fine-tune's
    donor's stages first). Never parsed from a command line."""
    stage = {"run": str(run_dir), "options": TrainOptions.from_dict(options).to_dict()}
    return [*donor_facts(options).get("stages", []), stage]


def stage_commands(stages: list[dict], out_dir) -> list[str]:
    """The shell lines that make the model again, for people to read: each stage's train.py, then its export
    (into the folder the next stage starts from, the last into `out_dir`)."""
    lines = []
    for i, stage in enumerate(stages):
        options = TrainOptions.from_dict(stage["options"])
        target = stages[i + 1]["options"]["init_from"] if i + 1 < len(stages) else out_dir
        lines += [
            " ".join(["python train.py", *command_flags(options), *command_flags(options.model)]),
            f"python -m vae.export --run {stage['run']} --out {target}",
        ]
    return lines


def with_flags(lines: list[str], flags: list[str]) -> list[str]:
    """`lines` with `flags` added to the last (the export's)."""
    return [*lines[:-1], " ".join([lines[-1], *flags])]


def continued(history: list[dict], *, after: int) -> list[dict]:
    """A fine-tune's rows numbered on from its donor's last epoch."""
    return [{**row, "epoch": row["epoch"] + after} for row in history]


def donor_facts(options: dict) -> dict:
    """The facts of the exported model a run was fine-tuned from; {} for a run from scratch."""
    donor = options.get("init_from")
    return read_json(Path(donor) / FACTS_NAME) if donor and (Path(donor) / FACTS_NAME).is_file() else {}


def painted_model(donor: dict, options: dict) -> str:
    """Whose codes a second painter paints: its donor's, or, fine-tuned from another painter, that painter's model."""
    return donor.get("painter_of") or donor.get("name", Path(options["init_from"]).name)


def rounded_scores(scores: dict, prefix: str) -> dict:
    keys = ("psnr", "ssim", "fine_detail", "kl", "recon", "loss")
    return {f"{prefix}_{key}": round(scores[key], 4 if key in ("ssim", "fine_detail") else 2) for key in keys}


def finished_history(run_dir: Path, options: dict) -> list[dict]:
    """The run's metrics, every epoch it was asked for; ValueError for a run cut short."""
    history = read_metrics(run_dir)
    if not history or history[-1]["epoch"] < options["epochs"]:
        raise ValueError(
            f"{run_dir} stopped after epoch {history[-1]['epoch'] if history else 0} of {options['epochs']} "
            f"(--max-minutes): finish it first with python train.py --out {run_dir} --resume"
        )
    return history


def export_run(
    run_dir, data_dir, out_dir, *, prior_epochs: int = PRIOR_EPOCHS, fitted_sampler: str = FITTED_SAMPLERS[0]
) -> dict:
    """Write the model folder `out_dir` from a finished run; `data_dir` None means the photos the run trained on.
    `prior_epochs` (passes over the codes) 0 ships no diffusion prior; `fitted_sampler` is what the Sample tab's "fitted" draws from (a
    second painter keeps its donor's)."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    options = read_json(run_dir / TRAIN_OPTIONS_NAME)
    painter = bool(options.get("decoder_only"))
    # a second painter too ships its lowest validation loss: an adversarial run swings from epoch to epoch, and its
    # most faithful epoch keeps the copies close while its texture stays (docs/RESULTS.md, "A second painter")
    model = load_model(run_dir / BEST_NAME)
    data_dir = data_dir or options["data"]
    if data_dir is None:
        raise ValueError(f"{run_dir} trained on the procedural set, which has no photos to map: pass --data")
    donor = donor_facts(options)  # read before anything is written: the donor may be out_dir itself
    stages = training_stages(options, run_dir)
    history = finished_history(run_dir, options)
    shipped_history = (read_metrics(options["init_from"]) if donor else []) + continued(
        history, after=donor.get("epochs", 0)
    )
    lists, pixels = photos_of(data_dir, model.config.image_size, seed=options["seed"])
    train_pixels = pixels["train"][0]

    save_model(model, out_dir, half=True)
    write_metrics(out_dir, shipped_history)
    if painter:  # the same encoder: the same codes, so the donor's density, directions and map
        density, held_out, classes = copy_latent_files(Path(options["init_from"]), out_dir, donor)
    else:
        density, held_out, classes = write_latent_files(
            model, lists, pixels, data_dir, out_dir, seed=options["seed"], prior_epochs=prior_epochs
        )
    val_scores = score(model, pixels["val"][0])
    test_scores = score(model, pixels["test"][0]) if len(pixels["test"][0]) else None
    kl_per_dim = val_scores["kl_per_dim"]
    facts = {
        **shape_facts(model, out_dir),
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
        **density_facts(
            density, held_out, donor.get("fitted_sampler", "mixture") if painter else fitted_sampler, out_dir
        ),
        "stages": stages,
        "commands": with_flags(
            stage_commands(stages, out_dir), [] if painter else sampler_flags(prior_epochs, fitted_sampler)
        ),
        **({"painter_of": painted_model(donor, options)} if painter else {}),
        **write_networks(model, out_dir),
    }
    write_json(out_dir / FACTS_NAME, facts)
    return facts


def shape_facts(model, out_dir: Path) -> dict:
    """What the exported network is: its name, settings, size and file."""
    return {
        "name": out_dir.name,
        "beta": model.config.beta,
        "arch": model.config.arch,
        "reconstruction": model.config.reconstruction,
        "linear_size": model.config.linear_size,
        "image_size": model.config.image_size,
        "latent_dim": model.config.latent_dim,
        "parameters": count_parameters(model),
        "file_mb": round((out_dir / WEIGHTS_NAME).stat().st_size / 1e6, 2),
    }


def photos_of(data_dir, size: int, *, seed: int) -> tuple[dict, dict]:
    """Each split's image list and its decoded (pixels, unreadable paths)."""
    lists = image_lists(data_dir, seed=seed)
    print(f"reading {sum(len(lists[split]) for split in SPLITS)} photos from {data_dir}", file=sys.stderr)
    return lists, {split: decode_all(lists[split], size) for split in SPLITS}


def write_latent_files(model, lists: dict, pixels: dict, data_dir, out_dir: Path, *, seed: int, prior_epochs: int):
    """The density, the diffusion prior (none for `prior_epochs` 0), the directions and the map of `model`, from its
    photos; returns (density, held-out score of each mixture size, class names)."""
    train_pixels, train_failed = pixels["train"]
    density, held_out = fit_code_density(model, train_pixels, pixels["val"][0], seed=seed)
    density.save(out_dir / DENSITY_NAME)
    good_train = [p for p in lists["train"].items if p not in train_failed]
    labels, classes = class_labels(good_train, Path(data_dir) / SEED_LAYOUT["train"])
    for name in (PRIOR_WEIGHTS_NAME, PRIOR_CONFIG_NAME):
        (out_dir / name).unlink(missing_ok=True)
    if prior_epochs:
        fit_code_prior(model, train_pixels, labels, seed=seed, epochs=prior_epochs).save(out_dir)
    train_codes = latent_means(model, train_pixels)
    metric = picture_metric(model.decode, train_codes.mean(0))  # directions ranked by how they change the picture
    fit_axes(train_codes, labels, metric=metric).save(out_dir / AXES_NAME)
    atlas_split = "test" if len(pixels["test"][0]) else "val"  # the photos of the map: never trained on
    atlas_pixels, atlas_failed = pixels[atlas_split]
    atlas_paths = [p for p in lists[atlas_split].items if p not in atlas_failed]
    atlas_labels, _ = class_labels(atlas_paths, Path(data_dir) / SEED_LAYOUT[atlas_split], classes)
    build_atlas(model, density, atlas_pixels, atlas_labels).save(out_dir)
    share_photo_sheets(out_dir.parent)  # models beside it that show the same photos keep one copy
    return density, held_out, classes


def copy_latent_files(donor_dir: Path, out_dir: Path, donor: dict):
    """A second painter's latent files: its donor's, whose encoder it shares; returns (density, held-out score of
    each mixture size, class names) as `write_latent_files` does."""
    for name in (DENSITY_NAME, AXES_NAME, ATLAS_CODES_NAME, PRIOR_WEIGHTS_NAME, PRIOR_CONFIG_NAME):
        if (donor_dir / name).is_file() and donor_dir.resolve() != out_dir.resolve():
            shutil.copyfile(donor_dir / name, out_dir / name)
    if (donor_dir / ATLAS_PHOTOS_NAME).is_file():
        shutil.copyfile(donor_dir / ATLAS_PHOTOS_NAME, out_dir / ATLAS_PHOTOS_NAME)
    share_photo_sheets(out_dir.parent)
    held_out = {int(k): v for k, v in donor.get("density_held_out_log_likelihood", {}).items()}
    return LatentDensity.load(out_dir / DENSITY_NAME), held_out, donor.get("classes", [])


def training_seed(facts: dict) -> int:
    """The seed of a model's last training run: its export drew the density's posterior codes with it."""
    stages = facts.get("stages")
    return stages[-1]["options"]["seed"] if stages else TrainOptions.seed


def refit(model_dir, data_dir, *, prior_epochs: int = PRIOR_EPOCHS, fitted_sampler: str = FITTED_SAMPLERS[0]) -> dict:
    """Fit an exported model's density, diffusion prior, directions and map again from its shipped weights and the
    photos it was trained on, with the seed its export used, and add the command to its facts. A second painter
    shares the codes of the model it paints, so it takes that model's files (refit it first) and its sampler."""
    model_dir = Path(model_dir)
    model, facts = load_model(model_dir), read_json(model_dir / FACTS_NAME)
    if facts.get("painter_of"):
        painted = model_dir.parent / facts["painter_of"]
        if not (painted / FACTS_NAME).is_file():
            raise ValueError(f"{model_dir} paints the codes of {painted}, which is not beside it")
        painted_facts = read_json(painted / FACTS_NAME)
        density, held_out, _ = copy_latent_files(painted, model_dir, painted_facts)
        fitted_sampler = painted_facts.get("fitted_sampler", "mixture")
    else:
        seed = training_seed(facts)
        lists, pixels = photos_of(data_dir, model.config.image_size, seed=seed)
        density, held_out, _ = write_latent_files(
            model, lists, pixels, data_dir, model_dir, seed=seed, prior_epochs=prior_epochs
        )
    refit_start = f"python -m vae.export --refit {model_dir} --data {data_dir}"
    refit_line = " ".join([refit_start, *sampler_flags(prior_epochs, fitted_sampler)])
    commands = [line for line in facts.get("commands", []) if not line.startswith(refit_start)]
    facts = {
        **facts,
        **density_facts(density, held_out, fitted_sampler, model_dir),
        **write_networks(model, model_dir),
        "commands": [*commands, refit_line],
    }
    write_json(model_dir / FACTS_NAME, facts)
    return facts


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__, formatter_class=RawDescriptionHelpFormatter, allow_abbrev=False)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="a finished run folder")
    source.add_argument(
        "--refit", metavar="MODEL_DIR", help="an exported model folder to fit the density, directions and map of again"
    )
    source.add_argument(
        "--onnx",
        metavar="MODEL_DIR",
        help="an exported model folder to write the onnx/ files of (nothing else changes)",
    )
    parser.add_argument(
        "--data", help="the photo folder the run trained on (default: the run's own --data; --refit needs it)"
    )
    parser.add_argument("--out", help="model folder to write (with --run)")
    parser.add_argument(
        "--prior-epochs",
        type=int,
        default=PRIOR_EPOCHS,
        help=f"passes of the diffusion prior over its codes; 0 ships none (default {PRIOR_EPOCHS})",
    )
    parser.add_argument(
        "--fitted-sampler",
        choices=FITTED_SAMPLERS,
        default=FITTED_SAMPLERS[0],
        help="what the Sample tab's 'fitted' draws from: the diffusion prior (where shipped) or the mixture",
    )
    args = parser.parse_args(argv)
    if args.run and not args.out:
        parser.error("--run needs --out")
    if args.refit and not args.data:
        parser.error("--refit needs --data")
    if args.onnx:
        facts = add_networks(args.onnx)
        print(f"wrote {Path(args.onnx) / 'onnx'}: {', '.join(sorted(onnx_networks(args.onnx)))}")
        return 0
    if args.refit:
        try:
            facts = refit(args.refit, args.data, prior_epochs=args.prior_epochs, fitted_sampler=args.fitted_sampler)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(
            f"refitted {args.refit}: {facts['density_components']}-component density, "
            f"fitted samples from the {facts['fitted_sampler']}"
        )
        return 0
    try:
        facts = export_run(
            args.run, args.data, args.out, prior_epochs=args.prior_epochs, fitted_sampler=args.fitted_sampler
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out}: validation PSNR {facts['val_psnr']} dB, SSIM {facts['val_ssim']}, KL {facts['val_kl']}, "
        f"{facts['active_units']} active units, {facts['density_components']}-component density, {facts['file_mb']} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
