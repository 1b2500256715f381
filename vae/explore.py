"""UI-free latent operations behind the app: load bundled models, encode photos, decode latents,
sample, reconstruct, compare, traverse and interpolate. Images go out as uint8 (H, W, 3) arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file
from torchvision.utils import make_grid

from .checkpoint import load_model
from .data import open_rgb, square_resize
from .export import DENSITY_NAME, FACTS_NAME
from .losses import kl_per_dim
from .metrics import psnr, ssim
from .model import VAE

TRAVERSAL_VALUES = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
MAX_SAMPLES = 64
MAX_FRAMES = 60


@dataclass
class ExplorerModel:
    """A loaded model with what the app shows about it."""

    name: str
    model: VAE
    facts: dict = field(default_factory=dict)
    density: dict[str, torch.Tensor] | None = None  # fitted Gaussian over training codes

    @property
    def latent_dim(self) -> int:
        return self.model.config.latent_dim

    @property
    def dims_by_kl(self) -> list[int]:
        """Latent dimensions, most informative first (untrained models keep their order)."""
        return self.facts.get("dims_by_kl") or list(range(self.latent_dim))


def load_explorer_models(models_dir) -> dict[str, ExplorerModel]:
    """Every model folder under `models_dir`, ordered by beta."""
    found = []
    for folder in sorted(Path(models_dir).iterdir()):
        if not (folder / "config.json").is_file():
            continue
        facts_path, density_path = folder / FACTS_NAME, folder / DENSITY_NAME
        facts = json.loads(facts_path.read_text()) if facts_path.is_file() else {}
        density = load_file(density_path) if density_path.is_file() else None
        found.append(ExplorerModel(folder.name, load_model(folder), facts, density))
    if not found:
        raise FileNotFoundError(f"no model folders (config.json + model.safetensors) in {models_dir}")
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


# latent operations


@torch.inference_mode()
def encode(em: ExplorerModel, x: torch.Tensor) -> torch.Tensor:
    """(D,) posterior mean of one photo tensor."""
    return em.model.encode(x)[0][0]


@torch.inference_mode()
def decode(em: ExplorerModel, z: torch.Tensor) -> np.ndarray:
    return to_uint8(em.model.decode(z.reshape(1, -1))[0])


def with_slider_values(em: ExplorerModel, base: torch.Tensor, values) -> torch.Tensor:
    """`base` with its top-KL dimensions set to the slider values, in rank order."""
    z = base.clone()
    dims = em.dims_by_kl[: len(values)]
    z[dims] = torch.tensor([float(v) for v in values], dtype=z.dtype)
    return z


def slider_values(em: ExplorerModel, z: torch.Tensor, count: int) -> list[float]:
    return [round(float(z[d]), 2) for d in em.dims_by_kl[:count]]


def clamp_to_sliders(em: ExplorerModel, z: torch.Tensor, count: int, limit: float) -> torch.Tensor:
    """`z` with its top `count` dimensions clipped to the sliders' range, so the image shown is the
    one the sliders describe (a photo's code can reach beyond +-3 on a few dimensions)."""
    dims = em.dims_by_kl[:count]
    clipped = z.clone()
    clipped[dims] = z[dims].clamp(-limit, limit)
    return clipped


def random_latent(em: ExplorerModel, seed: int, *, fitted: bool = False, temperature: float = 1.0, count: int = 1) -> torch.Tensor:
    """(count, D) draws from N(0, I), or from the Gaussian fitted to the training codes."""
    eps = torch.randn(count, em.latent_dim, generator=torch.Generator().manual_seed(int(seed))) * temperature
    if fitted and em.density is not None:
        return em.density["mean"] + eps @ em.density["scale_tril"].T
    return eps


@torch.inference_mode()
def sample_grid(em: ExplorerModel, seed: int, count: int, temperature: float, *, fitted: bool = False) -> np.ndarray:
    count = int(min(max(count, 1), MAX_SAMPLES))
    z = random_latent(em, seed, fitted=fitted, temperature=temperature, count=count)
    return grid_image(em.model.decode(z), nrow=int(np.ceil(np.sqrt(count))))


@torch.inference_mode()
def reconstruct(em: ExplorerModel, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray, dict]:
    """(input, reconstruction from z = mu, scores) for one photo tensor."""
    mu, logvar = em.model.encode(x)
    x_hat = em.model.decode(mu)
    scores = {"psnr": float(psnr(x_hat, x)[0]), "ssim": float(ssim(x_hat, x)[0]),
              "kl": float(kl_per_dim(mu, logvar).sum())}
    return to_uint8(x[0]), to_uint8(x_hat[0]), scores


def describe_scores(scores: dict) -> str:
    """The scores in words a non-programmer understands."""
    psnr_db, similarity, kl = scores["psnr"], scores["ssim"], scores["kl"]
    closeness = ("very close to" if psnr_db >= 25 else "close to" if psnr_db >= 20
                 else "a rough sketch of" if psnr_db >= 16 else "only loosely like")
    return (
        f"**The copy is {closeness} the original.** "
        f"PSNR {psnr_db:.1f} dB: how small the pixel errors are (higher is better; 20 dB and up looks alike at a glance). "
        f"SSIM {similarity:.2f}: how well shapes and textures survive, from 0 (not at all) to 1 (perfectly). "
        f"KL {kl:.0f} nats: how much information the code holds about this photo; "
        f"a bigger β squeezes it, trading detail for a smoother, more regular latent space."
    )


@torch.inference_mode()
def traversal_grid(em: ExplorerModel, base: torch.Tensor, rows: int, values=TRAVERSAL_VALUES) -> np.ndarray:
    """The beta-VAE traversal: row r varies the r-th most informative dimension over `values`."""
    dims = em.dims_by_kl[:rows]
    z = base.repeat(len(dims) * len(values), 1)  # (rows * cols, D)
    for r, d in enumerate(dims):
        z[r * len(values) : (r + 1) * len(values), d] = torch.tensor(values, dtype=z.dtype)
    return grid_image(em.model.decode(z), nrow=len(values))


@torch.inference_mode()
def interpolate(em: ExplorerModel, x_a: torch.Tensor, x_b: torch.Tensor, frames: int) -> list[np.ndarray]:
    """Decoded frames along the straight line between two photos' codes."""
    frames = int(min(max(frames, 2), MAX_FRAMES))
    z_a, z_b = encode(em, x_a), encode(em, x_b)
    t = torch.linspace(0, 1, frames)[:, None]
    return list(to_uint8(em.model.decode((1 - t) * z_a + t * z_b)))


def write_gif(frames: list[np.ndarray], path, *, seconds: float = 3.0, scale: int = 2) -> Path:
    """A looping GIF that plays the frames forward then back."""
    images = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST) for f in frames]
    loop = images + images[-2:0:-1]
    loop[0].save(path, save_all=True, append_images=loop[1:], duration=int(1000 * seconds / len(images)), loop=0)
    return Path(path)


def facts_table(models: dict[str, ExplorerModel]) -> tuple[list[str], list[list]]:
    """Header and rows describing each model, for the comparison tab."""
    header = ["model", "β", "val PSNR (dB)", "val SSIM", "KL (nats)", "active dims", "epochs", "minutes", "size (MB)"]
    rows = []
    for em in models.values():
        f = em.facts
        rows.append([em.name, em.model.config.beta, f.get("val_psnr"), f.get("val_ssim"), f.get("val_kl"),
                     f.get("active_units"), f.get("epochs"), f.get("training_minutes"), f.get("file_mb")])
    return header, rows
