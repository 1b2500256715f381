"""Training data: photo folders (the seed's layout or any folder) and the procedural set, as tensors.

Every image is opened the same careful way (EXIF rotation, alpha on white, first frame, 16-bit
scaled, size checked before decoding), square centre-cropped and resized to the training size;
training sets are augmented with flips and, when asked, random crops.
Each image is decoded once into an in-memory uint8 cache, so later epochs do no JPEG decoding;
when the cache would not fit in memory the dataset streams from disk instead.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch.utils.data import Dataset
from torchvision.transforms import v2

from .procedural import render_landscape

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
SEED_LAYOUT = {"train": "Training Data", "val": "Validation Data", "test": "Testing Data"}
PLAIN_SPLIT_PERCENT = {"train": 80, "val": 10}  # the rest is test
MAX_PIXELS = 40_000_000  # larger images are refused before decoding (decompression bombs)
# only these formats are ever parsed: Pillow would hand EPS to Ghostscript, and each other plugin is attack surface
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
UNSUPPORTED = "not a supported image (JPEG, PNG, WebP, BMP, GIF or TIFF)"
MAX_REASON_CHARS = 120  # of a decoder's own message, so a refusal stays one short line
CACHE_MEMORY_FRACTION = 0.5  # of the memory available now; above it the dataset streams from disk
LAYOUT_HELP = (
    "expected either the seed's layout (DIR/Training Data/<class>/*.jpg, DIR/Validation Data/..., "
    "DIR/Testing Data/...) or a folder holding images (.jpg, .png, ...) at any depth"
)


class DataError(ValueError):
    """A data folder or image that cannot be used, with a message saying why."""


# opening one image


def open_rgb(source, *, draft_size: int | None = None) -> Image.Image:
    """Open a path or file object as an upright RGB image, refusing what is not a sane image.

    With `draft_size`, a JPEG is decoded straight at the smallest scale still covering that size.
    """
    # Pillow's parsers answer crafted files with almost any exception (ValueError, struct.error, EOFError,
    # IndexError, ZeroDivisionError, MemoryError...), so the catch-alls below are deliberate: whatever a
    # file makes the decoder raise is that file's fault, and becomes a DataError saying why.
    try:
        image = Image.open(source, formats=IMAGE_FORMATS)
    except UnidentifiedImageError:
        raise DataError(UNSUPPORTED) from None
    except Exception as error:
        raise DataError(_reason("cannot read image", error)) from None
    with image:  # closes a file Pillow opened, even when decoding fails
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise DataError(f"image too large: {width}x{height} pixels (at most {MAX_PIXELS // 1_000_000} megapixels)")
        try:
            if draft_size and image.format == "JPEG":
                image.draft("RGB", (draft_size, draft_size))  # libjpeg skips most of a big photo's work
            image.seek(0)  # first frame of an animation
            return _to_rgb(ImageOps.exif_transpose(image))
        except Exception as error:
            raise DataError(_reason("corrupt or truncated image", error)) from None


def _reason(what: str, error: Exception) -> str:
    if isinstance(error, (Image.DecompressionBombError, MemoryError)):
        return "image too large to open safely"
    detail = str(error) or type(error).__name__
    return f"{what}: {detail[:MAX_REASON_CHARS]}"


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit and 32-bit grey: scale to 8 bits instead of clipping at 255
        values = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode != "I" or values.max() > 255 else 255.0
        image = Image.fromarray(np.clip(values / peak * 255.0, 0, 255).astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def square_resize(image: Image.Image, size: int) -> torch.Tensor:
    """Centre square crop, then resize to (3, size, size) uint8."""
    tensor = v2.functional.pil_to_tensor(image)  # (3, H, W) uint8
    side = min(tensor.shape[-2:])
    tensor = v2.functional.center_crop(tensor, [side, side])
    return v2.functional.resize(tensor, [size, size], antialias=True)


def load_photo(path: Path, size: int) -> torch.Tensor:
    return square_resize(open_rgb(path, draft_size=size), size)


# finding images and splitting them


def list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())


def _split_of(relative: str) -> str:
    """Deterministic split of a plain folder by a hash of each file's relative path."""
    bucket = int(hashlib.sha1(relative.encode()).hexdigest(), 16) % 100
    if bucket < PLAIN_SPLIT_PERCENT["train"]:
        return "train"
    return "val" if bucket < PLAIN_SPLIT_PERCENT["train"] + PLAIN_SPLIT_PERCENT["val"] else "test"


def photo_splits(data_dir) -> dict[str, list[Path]]:
    """{"train", "val", "test"} -> image paths. Never mixes validation or test photos into training."""
    root = Path(data_dir)
    if not root.exists():
        raise DataError(f"data folder not found: {root}; {LAYOUT_HELP}")
    if not root.is_dir():
        raise DataError(f"--data must be a folder, but {root} is a file; {LAYOUT_HELP}")
    if (root / SEED_LAYOUT["train"]).is_dir():
        splits = {
            name: list_images(root / folder) if (root / folder).is_dir() else [] for name, folder in SEED_LAYOUT.items()
        }
        if not splits["train"]:
            raise DataError(f"no images in {root / SEED_LAYOUT['train']}; {LAYOUT_HELP}")
    else:
        splits = {"train": [], "val": [], "test": []}
        for path in list_images(root):
            splits[_split_of(path.relative_to(root).as_posix())].append(path)
        if not any(splits.values()):
            raise DataError(f"no images found in {root}; {LAYOUT_HELP}")
        if not splits["train"]:
            raise DataError(f"too few images in {root} to split off a training set; add more photos")
    return splits


EVALUATION_SPLITS = ("test", "all")


def file_digest(path) -> str:
    """SHA-256 of a file's bytes: the same photo, whatever its name."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def evaluation_images(data_dir, split: str = "test") -> list[Path]:
    """The photos to score a model on: the test split (the seed's Testing Data, or the tenth of a plain folder
    that training never sees), or with split "all" every image, training photos included."""
    splits = photo_splits(data_dir)
    if split == "all":
        return [p for images in splits.values() for p in images]
    if not splits["test"]:
        raise DataError(f"no test photos in {data_dir}: pass --split all to score every image")
    return splits["test"]


# image lists: what to load and how


@dataclass(frozen=True)
class ImageList:
    """Items (photo paths or procedural indices) and the function that turns one into a tensor."""

    items: Sequence
    load: Callable[[object, int], torch.Tensor]  # (item, size) -> (3, size, size) uint8

    def __len__(self) -> int:
        return len(self.items)


def procedural_item_loader(seed: int) -> Callable[[int, int], torch.Tensor]:
    def load(index: int, size: int) -> torch.Tensor:
        return torch.from_numpy(render_landscape(seed, index, size)).permute(2, 0, 1).contiguous()

    return load


def image_lists(data_dir=None, *, procedural_count: int = 2000, seed: int = 0) -> dict[str, ImageList]:
    """The three splits of a photo folder, or of the procedural set when data_dir is None."""
    if data_dir is None:
        val = max(1, procedural_count // 10)
        bounds = {
            "train": (0, procedural_count),
            "val": (procedural_count, procedural_count + val),
            "test": (procedural_count + val, procedural_count + 2 * val),
        }
        loader = procedural_item_loader(seed)
        return {name: ImageList(range(*span), loader) for name, span in bounds.items()}
    return {name: ImageList(paths, load_photo) for name, paths in photo_splits(data_dir).items()}


# datasets


def available_memory() -> int:
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def decode_all(images: ImageList, size: int, *, workers: int = 2) -> tuple[torch.Tensor, dict]:
    """Decode every image once: ((N, 3, size, size) uint8 in item order, {unreadable item: why})."""

    def try_load(item):
        try:
            return images.load(item, size)
        except DataError as error:
            return str(error)

    with ThreadPoolExecutor(workers) as pool:  # PIL releases the GIL while decoding
        results = list(pool.map(try_load, images.items))
    failed = {item: r for item, r in zip(images.items, results, strict=True) if isinstance(r, str)}
    good = [r for r in results if not isinstance(r, str)]
    stacked = torch.stack(good) if good else torch.empty(0, 3, size, size, dtype=torch.uint8)
    return stacked, failed


def training_transform(size: int, crop_scale: float = 1.0) -> v2.Transform:
    """A random horizontal flip and, with crop_scale < 1, first a random square crop whose side is at least
    that share of the picture's, resized to `size`: more distinct pictures from the same photos, so a
    model that would memorise a few thousand photos keeps learning from them for longer."""
    flip = v2.RandomHorizontalFlip()
    if crop_scale >= 1.0:
        return flip
    crop = v2.RandomResizedCrop(size, scale=(crop_scale**2, 1.0), ratio=(1.0, 1.0), antialias=True)
    return v2.Compose([crop, flip])


def source_size(size: int, crop_scale: float = 1.0) -> int:
    """The side to decode photos at so the smallest random crop still has `size` pixels: crops only shrink."""
    return math.ceil(size / crop_scale) if crop_scale < 1.0 else size


class CachedImages(Dataset):
    """Decoded uint8 images held in memory, each passed through `transform` when read."""

    def __init__(self, pixels: torch.Tensor, transform: v2.Transform):
        self.pixels, self.transform = pixels, transform

    def __len__(self) -> int:
        return len(self.pixels)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.transform(self.pixels[index])


class StreamingImages(Dataset):
    """Decodes from disk on every access, for sets too large to cache; an unreadable image is logged
    and replaced by the next readable one."""

    def __init__(self, images: ImageList, size: int, transform: v2.Transform):
        self.images, self.size, self.transform = images, size, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        for offset in range(len(self.images)):
            item = self.images.items[(index + offset) % len(self.images)]
            try:
                return self.transform(self.images.load(item, self.size))
            except DataError as error:
                log.warning("skipping unreadable image %s: %s", item, error)
        raise DataError("no readable images left")


def cache_bytes(count: int, size: int) -> int:
    return count * 3 * size * size


def make_dataset(
    images: ImageList, size: int, *, train: bool, cache: bool | None = None, crop_scale: float = 1.0
) -> tuple[Dataset, int]:
    """(dataset of (3, size, size) uint8, number of unreadable images skipped). Training sets are augmented
    (`training_transform`); cache=None caches when it fits in memory."""
    transform = training_transform(size, crop_scale) if train else v2.Identity()
    stored = source_size(size, crop_scale) if train else size
    need = cache_bytes(len(images), stored)
    if cache is None:
        cache = need <= CACHE_MEMORY_FRACTION * available_memory()
    if not cache:
        log.info("streaming %d images from disk (a cache would need %.1f GB)", len(images), need / 1e9)
        return StreamingImages(images, stored, transform), 0
    pixels, failed = decode_all(images, stored)
    for item, why in list(failed.items())[:10]:
        log.warning("skipped unreadable image %s: %s", item, why)
    log.info("cached %d images at %dpx in memory: %.1f MB", len(pixels), stored, pixels.numel() / 1e6)
    return CachedImages(pixels, transform), len(failed)
