"""A model's atlas of real photos: the held-out photos' codes, how typical each is, the photos themselves
(96 px, shown as the nearest real photos), how finely the encoder reads each code number (the nearest photos'
measure, `vae.latent.likeness`), and the 2-D landscape map drawn from them with small thumbnails. Shipped in each
model folder by `vae.publish.export`, so a model trained on anyone's photos brings its own map. The photos are one
JPEG sheet; models that show the same photos share one copy of it (`share_photo_sheets`), which their atlas names by
its digest.

"How typical" is a percentile among those real photos (never trained on) of the model's own score.
For a code, the fitted density's log-density. For a photo, the ELBO per pixel value in bits plus the
photo's PNG size in bits per value: the ELBO alone rates simple pictures (text, grey photos, a clear
sky) as *more* likely than real photos (Nalisnick et al. 2019), and adding the image's complexity
corrects much of that (Serrà et al. 2020); `python -m bench.explorer` measures both.
"""

from __future__ import annotations

import hashlib
import io
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from tqdm import tqdm

from ..core.checkpoint import ATLAS_CODES_NAME, ATLAS_PHOTOS_NAME, atomic_write, load_tensors, save_tensors
from ..core.losses import elbo_per_value
from ..core.metrics import png_bits_per_value
from .directions import LatentAxes
from .likeness import nearest_indices

MAX_PHOTOS = 400  # evenly spaced through the held-out split: a legible map, a small file
PHOTO_SIDE = 96  # pixels per side of each stored photo (smaller models keep their own size)
SHARED_FOLDER = "shared"  # beside the model folders: photo sheets several models show
MAP_SIZE = 640  # pixels per side of the drawn map
MAP_EXTENT = 3.0  # the map shows -3..+3 standard deviations along each of the two main directions
MAP_THUMBNAIL = 22
# the map's frame colour of each kind, in the classes' order (forest, glacier, mountain, sea for the bundled models):
# Okabe and Ito's palette, which colour-blind eyes tell apart too, so no two kinds share a hue
CLASS_COLOURS = [(0, 158, 115), (204, 121, 167), (230, 159, 0), (0, 114, 178), (213, 94, 0), (86, 180, 233)]
LEGEND_ROW = 18  # px per kind in the map's legend, at its bottom left (a page's label may cover the top left)


@dataclass
class Atlas:
    codes: torch.Tensor  # (N, D) posterior means of the photos
    photo_score: torch.Tensor  # (N,) typicality of each photo (see photo_scores), in bits per pixel value
    code_log_density: torch.Tensor  # (N,) each code's log-density under the fitted density
    labels: torch.Tensor  # (N,) class index, -1 without classes
    photos: np.ndarray  # (N, side, side, 3) uint8
    # (D,) log of the photos' mean posterior variance in each code number (see typical_logvar); None in an atlas
    # saved before it was stored, whose nearest photos then count every number alike
    typical_logvar: torch.Tensor | None = None

    def save(self, directory: Path) -> None:
        sheet = io.BytesIO()  # a tall strip: one JPEG instead of N files
        Image.fromarray(self.photos.reshape(-1, self.photos.shape[2], 3)).save(sheet, format="JPEG", quality=90)
        atomic_write(directory / ATLAS_PHOTOS_NAME, lambda tmp: Path(tmp).write_bytes(sheet.getvalue()))
        save_tensors(
            {
                "codes": self.codes.half(),
                "photo_score": self.photo_score,
                "code_log_density": self.code_log_density,
                "labels": self.labels,
                **({"typical_logvar": self.typical_logvar.float()} if self.typical_logvar is not None else {}),
            },
            directory / ATLAS_CODES_NAME,
            metadata={"photo_sheet": sheet_digest(sheet.getvalue())},
        )

    @classmethod
    def load(cls, directory: Path) -> Atlas:
        t, metadata = load_tensors(directory / ATLAS_CODES_NAME, with_metadata=True)
        path = photo_sheet_path(directory, metadata.get("photo_sheet", ""))
        with Image.open(path, formats=["JPEG"]) as sheet:
            pixels = np.asarray(sheet.convert("RGB"))
        return cls(
            t["codes"].float(),
            t["photo_score"].float(),
            t["code_log_density"].float(),
            t["labels"].long(),
            pixels.reshape(-1, pixels.shape[1], pixels.shape[1], 3),
            t["typical_logvar"].float() if "typical_logvar" in t else None,
        )

    def nearest(self, z: torch.Tensor, count: int = 3, *, leave_out: int | None = None) -> list[int]:
        """Indices of the photos whose codes are most like z (`vae.latent.likeness`), most alike first."""
        return nearest_indices(self.codes, self.typical_logvar, z, count, leave_out=leave_out)


@torch.inference_mode()
def photo_scores(model, pixels: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """(N,) typicality of uint8 photos (N, 3, S, S): ELBO in bits per value plus PNG bits per value."""
    elbo = torch.cat(
        [
            elbo_per_value(model, pixels[i : i + batch_size].float() / 255.0)
            for i in tqdm(
                range(0, len(pixels), batch_size),
                desc="scoring the map's photos",
                leave=False,
                disable=len(pixels) <= batch_size,
            )
        ]
    )  # not for one upload
    return elbo / math.log(2) + torch.tensor([png_bits_per_value(p) for p in pixels])


@torch.inference_mode()
def typical_logvar(model, pixels: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """(D,) of uint8 photos (N, 3, S, S): the log of their posteriors' mean variance in each code number."""
    variance = sum(
        model.encode(pixels[i : i + batch_size].float() / 255.0).logvar.float().exp().sum(0)
        for i in range(0, len(pixels), batch_size)
    )
    return (variance / len(pixels)).log()


def spread_indices(count: int, limit: int = MAX_PHOTOS) -> list[int]:
    return np.linspace(0, count - 1, min(count, limit)).round().astype(int).tolist() if count else []


def atlas_photos(pixels: torch.Tensor) -> np.ndarray:
    """uint8 (N, 3, S, S) -> (N, side, side, 3), side = PHOTO_SIDE or S if smaller."""
    side = min(PHOTO_SIDE, pixels.shape[-1])
    small = torch.nn.functional.interpolate(pixels.float(), size=(side, side), mode="area")
    return small.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def percentile_below(values: torch.Tensor, value: float) -> float:
    """Share of `values` (in %) below `value`."""
    return 100.0 * float((values < value).float().mean())


# the map


def map_pixel(coordinates: torch.Tensor) -> np.ndarray:
    """Map coordinates (..., 2) in standard deviations -> pixel positions; y grows upwards on screen."""
    scaled = (coordinates.clamp(-MAP_EXTENT, MAP_EXTENT) + MAP_EXTENT) / (2 * MAP_EXTENT) * (MAP_SIZE - 1)
    return torch.stack([scaled[..., 0], MAP_SIZE - 1 - scaled[..., 1]], -1).round().long().numpy()


def map_coordinates(x_pixel: float, y_pixel: float) -> tuple[float, float]:
    """The inverse of map_pixel for one clicked pixel."""
    to_units = 2 * MAP_EXTENT / (MAP_SIZE - 1)
    return x_pixel * to_units - MAP_EXTENT, (MAP_SIZE - 1 - y_pixel) * to_units - MAP_EXTENT


def map_spot(axes: LatentAxes, z: torch.Tensor) -> tuple[float, float]:
    """Where code z lies on the map: its coordinates along the two main directions, within the map, to 2 decimals (as
    explore.map_click rounds a click)."""
    x, y = axes.coordinates(z[None], 2)[0].clamp(-MAP_EXTENT, MAP_EXTENT).tolist()
    return round(x, 2), round(y, 2)


def draw_map(atlas: Atlas, axes: LatentAxes, classes: list[str]) -> np.ndarray:
    """Each photo's thumbnail at its place along the first two main directions, framed in its class colour."""
    canvas = Image.new("RGB", (MAP_SIZE, MAP_SIZE), (250, 250, 248))
    draw = ImageDraw.Draw(canvas)
    middle = MAP_SIZE // 2
    draw.line([(0, middle), (MAP_SIZE, middle)], fill=(200, 200, 200))
    draw.line([(middle, 0), (middle, MAP_SIZE)], fill=(200, 200, 200))
    positions = map_pixel(axes.coordinates(atlas.codes, 2))
    half = MAP_THUMBNAIL // 2
    for (x, y), photo, label in zip(positions, atlas.photos, atlas.labels.tolist(), strict=True):
        colour = CLASS_COLOURS[label % len(CLASS_COLOURS)] if label >= 0 else (90, 90, 90)
        draw.rectangle([x - half - 2, y - half - 2, x + half + 1, y + half + 1], fill=colour)
        canvas.paste(
            Image.fromarray(photo).resize((MAP_THUMBNAIL, MAP_THUMBNAIL), Image.BOX), (int(x) - half, int(y) - half)
        )
    top = MAP_SIZE - 8 - LEGEND_ROW * len(classes)
    if classes:  # the legend, on a card of its own so that photos beneath it do not hide it
        width = 34 + 7 * max(len(name) for name in classes)
        draw.rectangle([4, top - 4, width, MAP_SIZE - 6], fill=(250, 250, 248), outline=(200, 200, 200))
    for i, name in enumerate(classes):
        y = top + LEGEND_ROW * i
        draw.rectangle([8, y, 20, y + 12], fill=CLASS_COLOURS[i % len(CLASS_COLOURS)])
        draw.text((26, y), name, fill=(30, 30, 30))
    draw.text((MAP_SIZE - 130, middle + 4), "main direction 1 ->", fill=(90, 90, 90))
    draw.text((middle + 4, 4), "^ main direction 2", fill=(90, 90, 90))
    return np.asarray(canvas)


# one copy of a photo sheet that several models show


def sheet_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def shared_sheet_path(models_dir: Path, digest: str) -> Path:
    return Path(models_dir) / SHARED_FOLDER / f"atlas-{digest}.jpg"


def named_sheet_digest(model_dir: Path) -> str:
    """The digest of the photo sheet a model's atlas shows (recorded when it was saved)."""
    return load_tensors(model_dir / ATLAS_CODES_NAME, with_metadata=True)[1].get("photo_sheet", "")


def photo_sheet_path(model_dir: Path, digest: str) -> Path:
    """The model's own sheet where it has one, else the shared copy its atlas names."""
    own = model_dir / ATLAS_PHOTOS_NAME
    return own if own.is_file() else shared_sheet_path(model_dir.parent, digest)


def share_photo_sheets(models_dir: Path) -> list[Path]:
    """Move photo sheets that two or more model folders under `models_dir` hold byte for byte, or that the shared
    folder already holds, into one shared copy beside them; returns the shared files written."""
    holders: dict[str, list[Path]] = {}
    for sheet in sorted(Path(models_dir).glob(f"*/{ATLAS_PHOTOS_NAME}")):
        holders.setdefault(sheet_digest(sheet.read_bytes()), []).append(sheet)
    shared = []
    for digest, sheets in holders.items():
        target = shared_sheet_path(models_dir, digest)
        if len(sheets) < 2 and not target.is_file():
            continue
        target.parent.mkdir(exist_ok=True)
        if not target.is_file():
            atomic_write(target, lambda tmp, source=sheets[0]: shutil.copyfile(source, tmp))
            shared.append(target)
        for sheet in sheets:
            sheet.unlink()
    return shared
