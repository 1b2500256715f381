"""How good are the models' reconstructions and samples, next to simple baselines measured in the same run?

    python -m bench.quality --data ../shared/data/landscapes --models assets/models [--also runs/init]
                            [--image-size 128] [--out bench/out] [--limit N]

Table 1, reconstruction of the Testing Data photos (never trained on): PSNR, SSIM and the share of
the photos' own fine detail kept (as in `vae.core.evaluate.score`), for
- PCA with 64, 128 and 256 components fitted on the Training Data photos (exact: eigenvectors of
  the Gram matrix of the centred photos, see `vae.core.pca.fit_pca`), reconstructions clipped to [0, 1];
- where every training run of the default network starts: a fresh model whose linear path is the
  PCA of the training photos' logits at a quarter of the size (`vae.core.run_folder.start_from_pca`), the
  network adding nothing yet;
- each photo shrunk to 16, 32 and 64 px and scaled back up (`vae.core.metrics.down_up`);
- every model folder under --models and under --also (labelled "shipped before"), scored with
  `vae.core.evaluate.score` at the model's size, with its KL in nats per image.

Table 2, samples: Fréchet distance of classifier features (FD) and patch sliced Wasserstein
distance (SWD) against the Testing Data photos (`bench.sample_score`; lower is better), as many
samples as test photos, fixed seed, for every model and every sampler the app offers: N(0, I) and
the density shipped with the model. Reference rows: uniform noise, the test photos blurred 16x
(shrunk to 8x8 and back), and training photos (a floor). Then, per model, against its namesake under
the first --also folder (else the nearest beta), the ratio of the app's default sampler's FD to the earlier model's
fitted-density FD.

Writes quality.md and quality.json to --out.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from bench.sample_score import features, frechet_distance, load_feature_net, sliced_wasserstein
from vae.core.data import SEED_LAYOUT, ImageList, decode_all, image_lists
from vae.core.evaluate import score
from vae.core.metrics import down_up, fine_detail_energy, psnr, ssim
from vae.core.model import VAEConfig, build_model, default_linear_size
from vae.core.pca import fit_pca, pca_reconstruct, unit
from vae.core.run_folder import start_from_pca
from vae.latent.explore import ExplorerModel, load_explorer_models, random_latent
from vae.publish.export import class_labels

PCA_COMPONENTS = (64, 128, 256)
DOWN_UP_SIZES = (16, 32, 64)
BLUR_SIZE = 8  # the blurred reference: 128 px photos shrunk 16x
SEED = 0
BATCH = 64
DEFAULT_SAMPLER = "fitted"  # what the app's Sample tab draws from unless told otherwise
TARGET_FD_RATIO = 0.70  # issue 9: the default sampler's FD at least 30 % below the earlier models'


# photos


def spread(images: ImageList, limit: int | None) -> ImageList:
    """At most `limit` items, evenly spaced, so a subset of a class-sorted folder keeps every class."""
    if limit is None or len(images) <= limit:
        return images
    step = len(images) / limit
    return ImageList([images.items[int(i * step)] for i in range(limit)], images.load)


class Photos:
    """The splits of a photo folder, each decoded once per size."""

    def __init__(self, data_dir, limit: int | None = None):
        self.lists = {split: spread(images, limit) for split, images in image_lists(data_dir).items()}
        self.unreadable: dict[str, int] = {}
        self.data_dir = data_dir
        self._readable: dict[str, list] = {}
        self._pixels: dict[tuple[str, int], torch.Tensor] = {}

    def pixels(self, split: str, size: int) -> torch.Tensor:
        """(N, 3, size, size) uint8."""
        if (split, size) not in self._pixels:
            pixels, failed = decode_all(self.lists[split], size)
            self._pixels[split, size], self.unreadable[split] = pixels, len(failed)
            self._readable[split] = [p for p in self.lists[split].items if p not in failed]
        return self._pixels[split, size]

    def labels(self, split: str, size: int) -> torch.Tensor | None:
        """The class of each photo that `pixels(split, size)` holds, from its class folder; None without them."""
        self.pixels(split, size)
        found, _ = class_labels(self._readable[split], Path(self.data_dir) / SEED_LAYOUT[split])
        return torch.tensor(found) if found else None


# scores


def models_and_photos(doc: str, argv=None, **extra_flags) -> tuple[argparse.Namespace, dict, Photos]:
    """The command line of a bench that scores the bundled models on the test photos (--models, --data and
    `extra_flags`' defaults), its models and its photos."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="assets/models")
    parser.add_argument("--data", default="../shared/data/landscapes")
    for flag, default in extra_flags.items():
        parser.add_argument(f"--{flag}", default=default)
    args = parser.parse_args(argv)
    return args, load_explorer_models(Path(args.models)), Photos(args.data)


def image_scores(reconstructions: torch.Tensor, images: torch.Tensor, *, batch_size: int = BATCH) -> dict:
    """Mean PSNR and SSIM, and the reconstructions' fine-detail energy as a share of the images' own."""
    sums = {"psnr": 0.0, "ssim": 0.0, "kept": 0.0, "there": 0.0}
    for start in range(0, len(images), batch_size):
        x_hat, x = unit(reconstructions[start : start + batch_size]), unit(images[start : start + batch_size])
        sums["psnr"] += psnr(x_hat, x).sum().item()
        sums["ssim"] += ssim(x_hat, x).sum().item()
        sums["kept"] += fine_detail_energy(x_hat).sum().item()
        sums["there"] += fine_detail_energy(x).sum().item()
    return {
        "psnr": sums["psnr"] / len(images),
        "ssim": sums["ssim"] / len(images),
        "fine_detail": sums["kept"] / max(sums["there"], 1e-12),
    }


@torch.inference_mode()
def decode_codes(model, z: torch.Tensor, *, batch_size: int = 128) -> torch.Tensor:
    return torch.cat([model.decode(b) for b in z.split(batch_size)])


class SampleJudge:
    """Scores images against a fixed set of real ones: FD of classifier features and patch SWD (lower is better)."""

    def __init__(self, real: torch.Tensor):
        self.real, self.net = unit(real), load_feature_net()
        self.real_features = features(self.net, self.real)

    def __call__(self, fake: torch.Tensor) -> dict:
        fake = unit(fake)
        return {
            "fd": frechet_distance(features(self.net, fake), self.real_features),
            "swd": sliced_wasserstein(fake, self.real, seed=SEED),
        }


def sampled_images(em: ExplorerModel, sampler: str, count: int, temperature: float = 1.0) -> torch.Tensor:
    """`count` images decoded from codes the app's `sampler` draws (a vae.latent.explore.SOURCES), fixed seed."""
    return decode_codes(em.model, random_latent(em, SEED, source=sampler, temperature=temperature, count=count))


# the contenders


@dataclass
class Contender:
    label: str
    em: ExplorerModel
    earlier: bool  # from --also: a model shipped before
    baseline: bool  # from the first --also folder: what the FD ratios hold the models against


def contenders(models_dir, also_dirs) -> list[Contender]:
    found = [
        Contender(f"{name} (β = {em.model.config.beta:g})", em, False, False)
        for name, em in load_explorer_models(models_dir).items()
    ]
    for index, folder in enumerate(also_dirs or []):
        found += [
            Contender(f"shipped before ({Path(folder).as_posix()}/{name})", em, True, index == 0)
            for name, em in load_explorer_models(folder).items()
        ]
    return found


def density_label(em: ExplorerModel) -> str:
    components = em.density.components
    return "fitted: single Gaussian" if components == 1 else f"fitted: mixture of {components} Gaussians"


def samplers(em: ExplorerModel) -> dict[str, str]:
    """The app's samplers for this model: {key: label}."""
    found = {"standard": "N(0, I)"}
    if em.density is not None:
        found["fitted"] = "fitted: diffusion prior" if em.fitted_source == "diffusion" else density_label(em)
    if em.fitted_source == "diffusion":
        found["mixture"] = density_label(em)
    return found


# table 1: reconstruction


def pca_rows(train: torch.Tensor, test: torch.Tensor, counts=PCA_COMPONENTS) -> list[dict]:
    pca = fit_pca(train, max(counts))
    rows = []
    for k in counts:
        used = min(k, len(pca.variances))
        rows.append(
            {
                "method": f"PCA, {used} components (fitted on {len(train)} training photos)",
                **image_scores(pca_reconstruct(pca, test, used), test),
            }
        )
    return rows


def linear_start_row(train: torch.Tensor, test: torch.Tensor, latent_dim: int = 128) -> dict:
    size = test.shape[-1]
    with torch.random.fork_rng():  # the network's random start adds to the linear path's picture and KL
        torch.manual_seed(SEED)
        model = build_model(VAEConfig(image_size=size, latent_dim=latent_dim, linear_size=default_linear_size(size)))
    start_from_pca(model, train)
    result = score(model, test)
    return {
        "method": f"a training run at step 0: its linear path alone ({model.config.linear_size} px PCA, "
        f"{latent_dim} numbers)",
        **{key: result[key] for key in ("psnr", "ssim", "fine_detail", "kl")},
    }


def down_up_rows(test: torch.Tensor, sizes=DOWN_UP_SIZES) -> list[dict]:
    return [{"method": f"shrunk to {s}×{s} and back", **image_scores(down_up(unit(test), s), test)} for s in sizes]


def model_row(contender: Contender, photos: Photos) -> dict:
    result = score(contender.em.model, photos.pixels("test", contender.em.image_size))
    return {"method": contender.label, **{key: result[key] for key in ("psnr", "ssim", "fine_detail", "kl")}}


def reconstruction_rows(photos: Photos, size: int, found: list[Contender]) -> list[dict]:
    test = photos.pixels("test", size)
    train = photos.pixels("train", size)
    return [
        *pca_rows(train, test),
        linear_start_row(train, test),
        *down_up_rows(test),
        *(model_row(c, photos) for c in found),
    ]


# table 2: samples


def reference_images(photos: Photos, size: int) -> dict[str, torch.Tensor]:
    test, train = photos.pixels("test", size), photos.pixels("train", size)
    generator = torch.Generator().manual_seed(SEED)
    noise = torch.rand(len(test), 3, size, size, generator=generator)
    floor = train[torch.randperm(len(train), generator=generator)[: len(test)]]
    return {
        "uniform noise": noise,
        f"test photos blurred {size // BLUR_SIZE}× (shrunk to {BLUR_SIZE}×{BLUR_SIZE} and back)": down_up(
            unit(test), BLUR_SIZE
        ),
        f"training photos ({len(floor)} of them: the floor)": floor,
    }


def sample_rows(photos: Photos, size: int, found: list[Contender], temperatures=()) -> list[dict]:
    """Every sampler of every model at temperature 1 (the app's default), and the bundled models' fitted
    density at each of `temperatures`."""
    judge = SampleJudge(photos.pixels("test", size))

    def row(c: Contender, key: str, label: str, temperature: float = 1.0) -> dict:
        images = sampled_images(c.em, key, len(judge.real), temperature)
        suffix = "" if temperature == 1.0 else f", temperature {temperature:g}"  # not the app's default: no FD ratio
        return {
            "images": c.label,
            "model": c.em.name,
            "beta": c.em.model.config.beta,
            "earlier": c.earlier,
            "baseline": c.baseline and not suffix,
            "sampler": key + suffix,
            "sampler_label": label + suffix,
            **judge(images),
        }

    rows = [row(c, key, label) for c in found for key, label in samplers(c.em).items()]
    rows += [
        row(c, "fitted", samplers(c.em)["fitted"], t)
        for c in found
        if not c.earlier and c.em.density is not None
        for t in temperatures
    ]
    rows += [
        {"images": name, "sampler": None, "sampler_label": "—", **judge(images)}
        for name, images in reference_images(photos, size).items()
    ]
    return rows


def earlier_match(row: dict, earlier: list[dict]) -> tuple[dict, str] | None:
    """The earlier model's row to hold `row` against: its namesake, else the nearest beta (log scale, lower on a tie)."""
    if not earlier:
        return None
    for candidate in earlier:
        if candidate["model"] == row["model"]:
            return candidate, "same name"
    nearest = min(earlier, key=lambda c: (abs(math.log(c["beta"] / row["beta"])), c["beta"]))
    return nearest, "nearest β"


def fd_ratios(rows: list[dict]) -> list[dict]:
    """Per model: FD of the app's default sampler over FD of the fitted density of the matching baseline model
    (from the first --also folder)."""
    earlier = [r for r in rows if r.get("baseline") and r["sampler"] == "fitted"]
    ratios = []
    for r in rows:
        match = earlier_match(r, earlier) if r.get("earlier") is False and r["sampler"] == DEFAULT_SAMPLER else None
        if match:
            before, how = match
            ratios.append(
                {
                    "model": r["model"],
                    "fd": r["fd"],
                    "fd_before": before["fd"],
                    "paired_by": how,
                    "before": f"{before['images']}, {before['sampler_label']}",
                    "ratio": r["fd"] / before["fd"],
                }
            )
    return ratios


# output


def markdown_table(header: list[str], lines: list[list[str]]) -> str:
    return "\n".join(
        [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *("| " + " | ".join(cells) + " |" for cells in lines),
        ]
    )


def reconstruction_table(rows: list[dict]) -> str:
    return markdown_table(
        ["Testing Data photos reconstructed by", "PSNR (dB)", "SSIM", "fine detail (%)", "KL (nats/image)"],
        [
            [
                r["method"],
                f"{r['psnr']:.2f}",
                f"{r['ssim']:.4f}",
                f"{100 * r['fine_detail']:.1f}",
                f"{r['kl']:.1f}" if "kl" in r else "—",
            ]
            for r in rows
        ],
    )


def sample_table(rows: list[dict]) -> str:
    return markdown_table(
        ["images", "sampler", "FD (lower is better)", "patch SWD"],
        [[r["images"], r["sampler_label"], f"{r['fd']:.2f}", f"{r['swd']:.1f}"] for r in rows],
    )


def ratio_lines(ratios: list[dict]) -> str:
    if not ratios:
        return "No --also models: no FD ratios."
    target = 100 * (1 - TARGET_FD_RATIO)
    return "\n".join(
        f"- {r['model']}: FD of the default sampler ({DEFAULT_SAMPLER}) {r['fd']:.2f} / FD of {r['before']} {r['fd_before']:.2f}"
        f" = {r['ratio']:.2f}, {100 * (1 - r['ratio']):.0f} % lower (target ≥ {target:.0f} %: "
        f"{'met' if r['ratio'] <= TARGET_FD_RATIO else 'not met'}; paired by {r['paired_by']})"
        for r in ratios
    )


def report(photos: Photos, size: int, recon: list[dict], samples: list[dict], ratios: list[dict]) -> str:
    test, train = len(photos.pixels("test", size)), len(photos.pixels("train", size))
    skipped = (
        ", ".join(f"{n} unreadable in {split}" for split, n in photos.unreadable.items() if n) or "none unreadable"
    )
    return "\n\n".join(
        [
            f"{test} Testing Data photos, {train} Training Data photos at {size} px ({skipped}).",
            "### Reconstruction of the Testing Data photos\n\n" + reconstruction_table(recon),
            f"### Samples against the Testing Data photos ({test} images each, seed {SEED})\n\n"
            + sample_table(samples),
            "### The default sampler against the models shipped before\n\n" + ratio_lines(ratios),
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="photo folder in the seed's layout")
    parser.add_argument("--models", required=True, help="folder of model folders, e.g. assets/models")
    parser.add_argument(
        "--also",
        action="append",
        help="another folder of model folders shipped before (repeatable); the first is the baseline of the FD ratios",
    )
    parser.add_argument("--image-size", type=int, default=128, help="size of the PCA, shrink and reference rows")
    parser.add_argument("--limit", type=int, help="at most this many photos per split, evenly spaced (quick checks)")
    parser.add_argument(
        "--temperatures",
        type=lambda text: [float(t) for t in text.split(",")],
        default=[],
        help="also score the bundled models' fitted density at these temperatures, e.g. 0.8,1.2",
    )
    parser.add_argument("--out", default="bench/out")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    photos, found = Photos(args.data, args.limit), contenders(args.models, args.also)
    recon = reconstruction_rows(photos, args.image_size, found)
    samples = sample_rows(photos, args.image_size, found, args.temperatures)
    ratios = fd_ratios(samples)
    text = report(photos, args.image_size, recon, samples, ratios)
    seconds = time.perf_counter() - started
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "quality.md").write_text(text + "\n")
    (out / "quality.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "seconds": round(seconds, 1),
                "reconstruction": recon,
                "samples": samples,
                "fd_ratios": ratios,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(text)
    print(f"\ntook {seconds:.0f} s; wrote {out / 'quality.md'} and {out / 'quality.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
