"""UI-free latent operations behind the app: load bundled models, encode photos, decode codes, move
codes along slider axes, sample, reconstruct, compare, traverse and interpolate. Images go out as
uint8 (H, W, 3) arrays; the app only wires these functions to widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from ..core.checkpoint import (
    ATLAS_CODES_NAME,
    AXES_NAME,
    CONFIG_NAME,
    DENSITY_NAME,
    FACTS_NAME,
    METRICS_NAME,
    ModelFileError,
    looks_like_hub_id,
    read_json,
    read_metrics,
    resolve_model_folder,
)
from ..core.data import open_rgb, square_resize
from ..core.losses import kl_per_dim
from ..core.metrics import psnr, ssim
from ..core.model import VAE, load_model
from .atlas import Atlas, draw_map, map_coordinates, percentile_below, photo_scores
from .density import LatentDensity
from .diffusion_prior import DiffusionPrior
from .directions import LatentAxes
from .likeness import detail_kept, matching_index
from .onnx_files import onnx_networks
from .portable_random import standard_codes

TRAVERSAL_VALUES = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
MAX_SAMPLES = 64
MAX_FRAMES = 60
GIF_SECONDS, GIF_SCALE = 3.0, 2  # the walk's GIF: its frames forward in 3 s, then back; pixels doubled (web/gif.js too)
SOURCES = ("fitted", "diffusion", "mixture", "standard")  # what random codes come from (see random_latent)
AXIS_KINDS = ("main", "single")  # main directions (the default) or single code numbers ranked by KL


@dataclass
class ExplorerModel:
    """A loaded model with what the app shows about it."""

    name: str
    model: VAE
    facts: dict
    density: LatentDensity | None = None  # fitted to codes drawn from the training photos' posteriors
    axes: LatentAxes | None = None  # main and class directions
    atlas: Atlas | None = None  # held-out photos: the map, nearest photos, how typical
    history: list[dict] = field(default_factory=list)  # per-epoch training metrics
    map_image: np.ndarray | None = None  # drawn once, when the model is loaded
    prior: DiffusionPrior | None = None  # the diffusion prior, fitted to the same codes as the density
    onnx: dict[str, Path] = field(default_factory=dict)  # its networks as ONNX files (vae.latent.onnx_files)
    folder: Path | None = None  # where it was loaded from

    def __post_init__(self) -> None:
        if self.atlas is not None and self.axes is not None:
            self.map_image = draw_map(self.atlas, self.axes, self.classes)

    @property
    def classes(self) -> list[str]:
        """Names of the classes with a shipped direction ("Forest", "Sea", ...); empty without class folders."""
        names = self.facts.get("classes") or []
        return names if self.axes is not None and len(self.axes.class_directions) == len(names) else []

    @property
    def latent_dim(self) -> int:
        return self.model.config.latent_dim

    @property
    def image_size(self) -> int:
        return self.model.config.image_size

    @property
    def dims_by_kl(self) -> list[int]:
        """Latent dimensions, most informative first (untrained models keep their order)."""
        return self.facts.get("dims_by_kl") or list(range(self.latent_dim))

    @property
    def fitted_source(self) -> str:
        """What "fitted" codes come from: the diffusion prior where its export chose it, else the mixture."""
        chosen = self.facts.get("fitted_sampler") == "diffusion" and self.prior is not None
        return "diffusion" if chosen else "mixture"

    def axis_kinds(self) -> tuple[str, ...]:
        return AXIS_KINDS if self.axes is not None else ("single",)


def load_explorer_model(folder: Path, name: str | None = None) -> ExplorerModel:
    """A model folder and whatever `vae.publish.export` shipped beside it (each part optional)."""
    facts_path, density_path, axes_path = folder / FACTS_NAME, folder / DENSITY_NAME, folder / AXES_NAME
    return ExplorerModel(
        name or folder.name,
        load_model(folder),
        read_json(facts_path) if facts_path.is_file() else {},
        LatentDensity.load(density_path) if density_path.is_file() else None,
        LatentAxes.load(axes_path) if axes_path.is_file() else None,
        Atlas.load(folder) if (folder / ATLAS_CODES_NAME).is_file() else None,
        read_metrics(folder) if (folder / METRICS_NAME).is_file() else [],
        prior=DiffusionPrior.load(folder) if DiffusionPrior.exists(folder) else None,
        onnx=onnx_networks(folder),
        folder=folder,
    )


def load_explorer_models(*sources) -> dict[str, ExplorerModel]:
    """Every model of the sources, ordered by beta; each source is a folder of model folders, one model folder,
    or a Hub model id (fetched once, then loaded from the cache). A source that is none of these, or two models
    of the same name, is a FileNotFoundError naming it."""
    found = []
    for source in sources:
        if looks_like_hub_id(str(source)):
            try:
                found.append(load_explorer_model(resolve_model_folder(str(source)), name=str(source).split("/")[1]))
            except ModelFileError as error:
                raise FileNotFoundError(str(error)) from None
            continue
        source = Path(source)
        if (source / CONFIG_NAME).is_file():
            found.append(load_explorer_model(source))
            continue
        folders = [f for f in sorted(source.iterdir()) if (f / CONFIG_NAME).is_file()] if source.is_dir() else []
        if not folders:
            raise FileNotFoundError(
                f"{source}: not a model folder, nor a folder of model folders (config.json + model.safetensors)"
            )
        found += [load_explorer_model(folder) for folder in folders]
    names = [m.name for m in found]
    if len(set(names)) < len(names):
        raise FileNotFoundError(
            f"two models are named {next(n for n in names if names.count(n) > 1)!r}: rename one of their folders"
        )
    found.sort(key=lambda m: (m.model.config.beta, m.name))
    return {m.name: m for m in found}


# images in and out


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(3, H, W) or (B, 3, H, W) floats in [0, 1] -> uint8 (H, W, 3) or (B, H, W, 3)."""
    return (images.float().clamp(0, 1) * 255).round().to(torch.uint8).movedim(-3, -1).cpu().numpy()


def grid_image(images: torch.Tensor, nrow: int) -> np.ndarray:
    return to_uint8(make_grid(images, nrow=nrow, padding=2, pad_value=1.0))


def photo_tensor(source, size: int) -> torch.Tensor:
    """A path, file object or PIL image as (1, 3, size, size) in [0, 1]; raises DataError for bad files."""
    image = source if isinstance(source, Image.Image) else open_rgb(source, draft_size=size)
    return square_resize(image, size).float().div(255.0).unsqueeze(0)


# slider axes: a slider sets a code's coordinate along one axis and leaves the rest of the code alone


@dataclass
class SliderAxes:
    """coordinate_i(z) = (z - origin) . vectors_i / scale_i; a slider sets coordinate_i."""

    kind: str
    origin: torch.Tensor  # (D,)
    vectors: torch.Tensor  # (K, D) unit vectors
    scale: torch.Tensor  # (K,) one slider unit, in code units
    labels: list[str]

    def coordinates(self, z: torch.Tensor) -> torch.Tensor:
        return ((z - self.origin) @ self.vectors.T) / self.scale

    def with_values(self, base: torch.Tensor, values) -> torch.Tensor:
        """`base` moved so that its coordinates along the axes are `values`."""
        values = torch.as_tensor(values, dtype=base.dtype)
        return base + ((values - self.coordinates(base)) * self.scale) @ self.vectors


def slider_axes(em: ExplorerModel, kind: str, count: int) -> SliderAxes:
    if kind not in em.axis_kinds():
        raise ValueError(f"axis kind must be one of {em.axis_kinds()} for {em.name}, got {kind!r}")
    if kind == "main":
        axes = em.axes
        count = min(count, len(axes.scale))
        labels = [
            f"Direction {i + 1} · {100 * float(axes.share[i]):.0f}% of the variation between photos"
            for i in range(count)
        ]
        return SliderAxes(kind, axes.origin, axes.vectors[:count], axes.scale[:count], labels)
    dims = em.dims_by_kl[:count]
    kl = em.facts.get("kl_per_dim")
    labels = [
        f"#{rank + 1} · code number {d}" + (f" · KL {kl[d]:.2f} nats" if kl else "") for rank, d in enumerate(dims)
    ]
    return SliderAxes(kind, torch.zeros(em.latent_dim), torch.eye(em.latent_dim)[dims], torch.ones(len(dims)), labels)


def slider_directions(em: ExplorerModel, own=()) -> torch.Tensor:
    """(K, D) the directions the "more …" sliders add: the model's class directions, then a visitor's own."""
    classes = em.axes.class_directions[: len(em.classes)] if em.classes else torch.zeros(0, em.latent_dim)
    own = [torch.as_tensor(vector, dtype=torch.float32) for vector in own]
    return torch.cat([classes.float(), torch.stack(own)]) if own else classes.float()


def with_class_amounts(em: ExplorerModel, z: torch.Tensor, amounts, own=()) -> torch.Tensor:
    """z plus each "more …" direction (a class's, then a visitor's own) times its amount; 0 leaves z as it is."""
    directions = slider_directions(em, own)
    if not len(directions):
        return z
    amounts = torch.as_tensor(list(amounts)[: len(directions)], dtype=z.dtype)
    return z + amounts @ directions[: len(amounts)]


def slider_values(axes: SliderAxes, z: torch.Tensor, limit: float) -> list[float]:
    """The sliders' positions for code z, clipped to their range."""
    return [round(float(v), 2) for v in axes.coordinates(z).clamp(-limit, limit)]


def clamp_to_sliders(axes: SliderAxes, z: torch.Tensor, limit: float) -> torch.Tensor:
    """`z` with its coordinates clipped to the sliders' range, so the image shown is the one the
    sliders describe (a photo's code can reach beyond +-3 along a few axes)."""
    return axes.with_values(z, axes.coordinates(z).clamp(-limit, limit))


# latent operations


@torch.inference_mode()
def encode(em: ExplorerModel, x: torch.Tensor) -> torch.Tensor:
    """(D,) posterior mean of one photo tensor."""
    return em.model.encode(x).mean[0]


@torch.inference_mode()
def decode(em: ExplorerModel, z: torch.Tensor) -> np.ndarray:
    return to_uint8(em.model.decode(z.reshape(1, -1))[0])


@torch.inference_mode()
def slider_previews(em: ExplorerModel, axes: SliderAxes, z: torch.Tensor, values, positions, size: int) -> np.ndarray:
    """(K, P, size, size, 3): for each axis, code z (whose sliders stand at `values`) with that one slider moved
    to each of `positions`: the strips under the sliders. The browser pages (web/) draw the same codes."""
    steps = (
        torch.as_tensor(positions, dtype=z.dtype)[None, :]
        - torch.as_tensor(values, dtype=z.dtype)[: len(axes.scale), None]
    )
    codes = z + steps[..., None] * (axes.scale[:, None, None] * axes.vectors[:, None, :])  # (K, P, D)
    images = em.model.decode(codes.reshape(-1, em.latent_dim))
    small = torch.nn.functional.interpolate(images.float(), size=(size, size), mode="area")
    return to_uint8(small).reshape(*codes.shape[:2], size, size, 3)


def random_latent(
    em: ExplorerModel, seed: int, *, source: str = "standard", temperature: float = 1.0, count: int = 1
) -> torch.Tensor:
    """(count, D) codes from `source`: "diffusion" (the diffusion prior) or "mixture" (the Gaussian mixture), both
    fitted to the training photos' codes; "fitted" (whichever of the two the model's export chose, N(0, I) for a
    model that ships neither); or "standard" (N(0, I)). Temperature scales the mixture's and N(0, I)'s spread and
    the diffusion prior's starting noise. web/sampler.js draws the same codes for the same seed. ValueError for an
    unknown source, or one the model does not ship."""
    if source not in SOURCES:
        raise ValueError(f"unknown sampler {source!r}: choose one of {', '.join(SOURCES)}")
    if source == "fitted":
        source = em.fitted_source if em.density is not None else "standard"
    fitted = {"diffusion": em.prior, "mixture": em.density}
    if source in fitted and fitted[source] is None:
        raise ValueError(f"{em.name} ships no {source} sampler: choose 'fitted' or 'standard'")
    if source in fitted:
        return fitted[source].sample(count, seed=int(seed), temperature=temperature)
    return torch.from_numpy(standard_codes(int(seed), count, em.latent_dim, temperature)).float()


@torch.inference_mode()
def sample_grid(em: ExplorerModel, seed: int, count: int, temperature: float, *, source: str = "fitted") -> np.ndarray:
    count = int(min(max(count, 1), MAX_SAMPLES))
    z = random_latent(em, seed, source=source, temperature=temperature, count=count)
    return grid_image(em.model.decode(z), nrow=int(np.ceil(np.sqrt(count))))


@torch.inference_mode()
def reconstruct(em: ExplorerModel, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray, dict]:
    """(input, reconstruction from z = mu, scores) for one photo tensor; "detail" is the share of the photo's edges the
    copy keeps (`vae.latent.likeness.detail_kept`)."""
    mu, logvar = em.model.encode(x)
    x_hat = em.model.decode(mu)
    scores = {
        "psnr": float(psnr(x_hat, x)[0]),
        "ssim": float(ssim(x_hat, x)[0]),
        "detail": float(detail_kept(x_hat, x)[0]),
        "kl": float(kl_per_dim(mu, logvar).sum()),
    }
    return to_uint8(x[0]), to_uint8(x_hat[0]), scores


def compare_reconstructions(models: dict[str, ExplorerModel], source) -> list[tuple[ExplorerModel, np.ndarray, dict]]:
    """One photo through every model: (model, its reconstruction, its scores)."""
    return [(em, *reconstruct(em, photo_tensor(source, em.image_size))[1:]) for em in models.values()]


def own_samples(models: dict[str, ExplorerModel], seed: int) -> list[tuple[ExplorerModel, np.ndarray]]:
    """Each model's own sample for one seed: a code from its Sample tab's default sampler, decoded by it.
    (The same code would mean different things to different models.)"""
    return [(em, decode(em, random_latent(em, seed, source="fitted")[0])) for em in models.values()]


def first_direction_rows(models: dict[str, ExplorerModel]) -> list[tuple[ExplorerModel, np.ndarray]]:
    """One traversal row per model: its average code moved along its first slider axis, -3 to +3."""
    rows = []
    for em in models.values():
        axes = slider_axes(em, em.axis_kinds()[0], 1)
        rows.append((em, traversal_grid(em, axes.origin, axes)))
    return rows


@torch.inference_mode()
def traversal_grid(em: ExplorerModel, base: torch.Tensor, axes: SliderAxes, values=TRAVERSAL_VALUES) -> np.ndarray:
    """The traversal: row r sets `base`'s coordinate along axis r to each of `values`."""
    rows = []
    for r in range(len(axes.scale)):
        coordinates = axes.coordinates(base).repeat(len(values), 1)  # (cols, K)
        coordinates[:, r] = torch.tensor(values, dtype=base.dtype)
        rows.append(torch.stack([axes.with_values(base, c) for c in coordinates]))
    return grid_image(em.model.decode(torch.cat(rows)), nrow=len(values))


@torch.inference_mode()
def interpolate(em: ExplorerModel, x_a: torch.Tensor, x_b: torch.Tensor, frames: int) -> list[np.ndarray]:
    """Decoded frames along the straight line between two photos' codes."""
    frames = int(min(max(frames, 2), MAX_FRAMES))
    z_a, z_b = encode(em, x_a), encode(em, x_b)
    t = torch.linspace(0, 1, frames)[:, None]
    return list(to_uint8(em.model.decode((1 - t) * z_a + t * z_b)))


def write_gif(frames: list[np.ndarray], path, *, seconds: float = GIF_SECONDS, scale: int = GIF_SCALE) -> Path:
    """A looping GIF that plays the frames forward then back."""
    images = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST) for f in frames]
    loop = images + images[-2:0:-1]
    loop[0].save(path, save_all=True, append_images=loop[1:], duration=int(1000 * seconds / len(images)), loop=0)
    return Path(path)


# the map, nearest photos, how typical


def nearest_photos(
    em: ExplorerModel, z: torch.Tensor, count: int = 3, *, leave_out: int | None = None
) -> list[tuple[np.ndarray, str | None]]:
    """The real photos whose codes are most like z (`vae.latent.likeness`), with their class name (None without
    classes); `leave_out`: the index of an atlas photo never to show (the query's own, see photo_on_map)."""
    if em.atlas is None:
        return []
    names = em.classes
    return [
        (em.atlas.photos[i], names[em.atlas.labels[i]] if names and em.atlas.labels[i] >= 0 else None)
        for i in em.atlas.nearest(z, count, leave_out=leave_out)
    ]


def photo_on_map(em: ExplorerModel, z: torch.Tensor) -> int | None:
    """The index of the atlas photo whose code z is (the query photo is itself on the map), else None."""
    return None if em.atlas is None else matching_index(em.atlas.codes, em.atlas.typical_logvar, z)


def map_point(em: ExplorerModel, x: float, y: float) -> torch.Tensor:
    """The full code at map coordinates (x, y): the mean code plus x and y spreads along the two main directions."""
    return em.axes.lift(torch.tensor([float(x), float(y)]))


def map_click(x_pixel: float, y_pixel: float) -> tuple[float, float]:
    """Map coordinates of a pixel clicked on the drawn map, rounded for display."""
    x, y = map_coordinates(x_pixel, y_pixel)
    return round(x, 2), round(y, 2)


def code_typicality(em: ExplorerModel, z: torch.Tensor) -> float | None:
    """How typical code z is: the percentile of its fitted log-density among the codes of real held-out
    photos (None when the model ships no photos)."""
    if em.density is None or em.atlas is None:
        return None
    return percentile_below(em.atlas.code_log_density, float(em.density.log_prob(z[None])[0]))


def photo_typicality(em: ExplorerModel, x: torch.Tensor) -> float | None:
    """How typical a photo is: the percentile of the model's complexity-corrected ELBO among real held-out
    photos (None when the model ships no photos)."""
    if em.atlas is None:
        return None
    score = float(photo_scores(em.model, (x * 255).round().to(torch.uint8))[0])
    return percentile_below(em.atlas.photo_score, score)
