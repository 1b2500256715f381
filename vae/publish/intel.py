"""Rebuild the landscape photo set from the public Intel Image Classification download, in the seed's layout.

    python -m vae.intel ~/Downloads/intel-image-classification --out data/landscapes

The download (Kaggle: "Intel Image Classification") holds `seg_train/` and `seg_test/` (each possibly nested
once more), with one folder per class: buildings, forest, glacier, mountain, sea, street. This keeps the four
landscape classes, removes exact duplicates (the same bytes twice; a photo in the test split is never also in
training or validation), and splits off a fixed validation set of 100 photos per class from the training
photos (the 100 with the smallest SHA-256 of their bytes, so the split depends on nothing but the photos):

    OUT/Training Data/<Class>/*.jpg, OUT/Validation Data/<Class>/*.jpg, OUT/Testing Data/<Class>/*.jpg

The files are copied, never re-encoded. (`../shared/data/landscapes` was made from a public subset of the
download, so its counts are smaller than a rebuild from the full one.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ..core.data import SEED_LAYOUT, DataError, file_digest, list_images

LANDSCAPE_CLASSES = ("forest", "glacier", "mountain", "sea")
VALIDATION_PER_CLASS = 100


def split_folder(download: Path, name: str) -> Path:
    """seg_train or seg_test, wherever the unpacked download put it (often seg_train/seg_train)."""
    found = sorted(
        (p for p in download.rglob(name) if p.is_dir() and not (p / name).is_dir()), key=lambda p: len(p.parts)
    )
    if not found:
        raise DataError(
            f"no {name}/ folder under {download}: expected the Intel Image Classification download "
            "(seg_train/ and seg_test/, one folder per class)"
        )
    return found[0]


def class_photos(split: Path, name: str) -> list[Path]:
    folders = [p for p in split.iterdir() if p.is_dir() and p.name.lower() == name]
    if not folders:
        raise DataError(f"no {name}/ folder in {split}")
    return list_images(folders[0])


def rebuild(download, out) -> dict[str, dict[str, int]]:
    """Write the seed's layout into `out` (new or empty); returns the photo count per split and class."""
    download, out = Path(download), Path(out)
    if out.exists() and any(out.iterdir()):
        raise DataError(f"{out} is not empty: choose a new folder")
    train_split, test_split = split_folder(download, "seg_train"), split_folder(download, "seg_test")
    seen: set[str] = set()
    counts: dict[str, dict[str, int]] = {split: {} for split in SEED_LAYOUT}
    for name in LANDSCAPE_CLASSES:
        chosen: dict[str, list[tuple[str, Path]]] = {"test": [], "train": []}
        for split, folder in (("test", test_split), ("train", train_split)):  # test first: it keeps its photos
            for path in class_photos(folder, name):
                key = file_digest(path)
                if key not in seen:
                    seen.add(key)
                    chosen[split].append((key, path))
        by_digest = sorted(chosen["train"])
        splits = {
            "val": by_digest[:VALIDATION_PER_CLASS],
            "train": by_digest[VALIDATION_PER_CLASS:],
            "test": chosen["test"],
        }
        for split, photos in splits.items():
            target = out / SEED_LAYOUT[split] / name.capitalize()
            target.mkdir(parents=True, exist_ok=True)
            for _, path in photos:
                shutil.copyfile(path, target / path.name)
            counts[split][name.capitalize()] = len(photos)
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    parser.add_argument("download", help="the unpacked Intel Image Classification download")
    parser.add_argument("--out", required=True, help="a new folder for the seed's layout")
    args = parser.parse_args(argv)
    try:
        counts = rebuild(args.download, args.out)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for split, per_class in counts.items():
        print(
            f"{SEED_LAYOUT[split]:16} {sum(per_class.values()):5} photos  "
            + ", ".join(f"{name} {count}" for name, count in per_class.items())
        )
    print(f"done: train with python train.py --data {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
