import contextlib
import io
import os
import zlib

import numpy as np
import pytest
import torch
from PIL import EpsImagePlugin, Image

from support.fuzz_inputs import SAVERS, gradient, png_chunk, png_pieces, seed_bytes
from support.photos import write_photos
from vae.core.data import (
    DataError,
    ImageList,
    decode_all,
    image_lists,
    load_photo,
    make_dataset,
    open_rgb,
    photo_splits,
    source_size,
)

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\n0 0 moveto 10 10 lineto stroke\nshowpage\n%%EOF\n"


def test_seed_layout_keeps_splits_apart(seed_layout):
    splits = photo_splits(seed_layout)
    assert [len(splits[s]) for s in ("train", "val", "test")] == [24, 6, 6]
    assert all("Training Data" in str(p) for p in splits["train"])
    assert not set(splits["train"]) & (set(splits["val"]) | set(splits["test"]))


def test_plain_folder_is_split_deterministically(tmp_path):
    write_photos(tmp_path / "a" / "deep", 30)
    write_photos(tmp_path / "b", 30, seed=1)
    first, second = photo_splits(tmp_path), photo_splits(tmp_path)
    assert first == second
    assert sum(len(v) for v in first.values()) == 60
    assert len(first["train"]) > len(first["val"]) and len(first["train"]) > len(first["test"])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "missing", "not found"),
        (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "is a file"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "no images"),
    ],
)
def test_bad_folders_say_what_layout_was_expected(tmp_path, make, message):
    with pytest.raises(DataError, match=message) as info:
        photo_splits(make(tmp_path))
    assert "Training Data" in str(info.value)


def test_corrupt_files_are_skipped_and_counted(tmp_path):
    paths = write_photos(tmp_path, 5)
    paths[2].write_bytes(b"definitely not a jpeg")
    paths[3].write_bytes(paths[3].read_bytes()[:200])  # truncated
    pixels, failed = decode_all(ImageList(paths, load_photo), 32)
    assert pixels.shape == (3, 3, 32, 32) and pixels.dtype == torch.uint8
    assert set(failed) == {paths[2], paths[3]}


def test_cached_dataset_flips_only_when_training(tmp_path):
    paths = write_photos(tmp_path, 4)
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, :20] = 255  # left half white
    Image.fromarray(image).save(paths[0].with_suffix(".png"))
    images = ImageList([paths[0].with_suffix(".png")], load_photo)
    train_set, skipped = make_dataset(images, 32, train=True, cache=True)
    val_set, _ = make_dataset(images, 32, train=False, cache=True)
    assert skipped == 0
    assert all(torch.equal(val_set[0], val_set[0]) for _ in range(3))
    seen = {int(train_set[0][:, :, 0].float().mean() > 127) for _ in range(40)}
    assert seen == {0, 1}  # both orientations appear


def test_random_crops_keep_at_least_their_share_of_the_photo(tmp_path):
    image = np.zeros((60, 60, 3), np.uint8)
    image[:, :30] = 255  # left half white: a crop's brightness tells where it was cut
    Image.fromarray(image).save(tmp_path / "half.png")
    images = ImageList([tmp_path / "half.png"], load_photo)
    for cache in (True, False):
        train_set, _ = make_dataset(images, 32, train=True, cache=cache, crop_scale=0.6)
        crops = [train_set[0] for _ in range(60)]
        assert all(c.shape == (3, 32, 32) and c.dtype == torch.uint8 for c in crops)
        white = [c.float().mean().item() / 255 for c in crops]
        # a crop keeping >= 60 % of the side has 1/6..5/6 of its columns white (a smaller one could be all white)
        assert all(0.12 < w < 0.88 for w in white)
        assert max(abs(w - 0.5) for w in white) > 0.1  # and crops really move and zoom
    assert train_set.size == source_size(32, 0.6) == 54  # decoded large enough that crops only shrink
    val_set, _ = make_dataset(images, 32, train=False, cache=True, crop_scale=0.6)
    assert torch.equal(val_set[0], load_photo(tmp_path / "half.png", 32))  # evaluation sees whole photos


def test_streaming_matches_cache(tmp_path):
    images = ImageList(write_photos(tmp_path, 3), load_photo)
    cached, _ = make_dataset(images, 32, train=False, cache=True)
    streamed, _ = make_dataset(images, 32, train=False, cache=False)
    assert all(torch.equal(cached[i], streamed[i]) for i in range(3))


def test_centre_crop_then_resize(tmp_path):
    wide = np.zeros((50, 150, 3), np.uint8)
    wide[:, 50:100] = 255  # only the centre square is white
    Image.fromarray(wide).save(tmp_path / "wide.png")
    tensor = load_photo(tmp_path / "wide.png", 32)
    assert tensor.shape == (3, 32, 32) and tensor.float().mean() > 250


def test_open_rgb_composites_alpha_on_white_and_scales_16_bit(tmp_path):
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    assert np.asarray(open_rgb(tmp_path / "clear.png")).min() == 255
    Image.fromarray(np.full((8, 8), 30000, np.uint16)).save(tmp_path / "deep.png")
    grey = np.asarray(open_rgb(tmp_path / "deep.png"))
    assert 100 < grey.mean() < 140  # 30000/65535 of full scale, not clipped to white


def test_procedural_splits_are_disjoint_and_render():
    lists = image_lists(None, procedural_count=20, seed=3)
    assert len(lists["train"]) == 20 and len(lists["val"]) == len(lists["test"]) == 2
    assert not set(lists["train"].items) & set(lists["val"].items)
    image = lists["train"].load(0, 32)
    assert image.shape == (3, 32, 32) and image.dtype == torch.uint8


# which formats are opened at all


def pillow_format(source) -> str:
    """What Pillow alone, asked for no particular formats, identifies a file as, without decoding it."""
    with Image.open(source) as image:
        return image.format


@pytest.mark.parametrize("kind", SAVERS)
def test_each_named_format_opens(kind):
    assert pillow_format(io.BytesIO(seed_bytes(kind))) == kind
    image = open_rgb(io.BytesIO(seed_bytes(kind)))
    assert image.mode == "RGB" and sorted(image.size) == [24, 32]  # the JPEG seed is EXIF-rotated


@pytest.mark.parametrize("kind", ["ICO", "PCX", "TGA", "SGI", "PDF"])
def test_other_formats_are_refused(tmp_path, kind):
    path = tmp_path / f"image.{kind.lower()}"
    gradient().save(path, kind)
    if kind != "PDF":  # Pillow writes PDF but cannot read it
        assert pillow_format(path) == kind
    with pytest.raises(DataError, match="not a supported image"):
        open_rgb(path)


@pytest.fixture
def fake_ghostscript(tmp_path, monkeypatch):
    """A `gs` first on PATH that leaves a canary file when anything runs it; returns the canary's path."""
    canary, bin_dir = tmp_path / "ghostscript-ran", tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gs").write_text(f"#!/bin/sh\ntouch '{canary}'\n")
    (bin_dir / "gs").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", None)  # Pillow caches where it found gs
    return canary


def test_pillow_alone_would_run_ghostscript_on_eps(tmp_path, fake_ghostscript):
    """The canary works: what the next test guards against really happens without named formats."""
    (tmp_path / "drawing.eps").write_bytes(EPS)
    with contextlib.suppress(Exception), Image.open(tmp_path / "drawing.eps") as image:
        image.load()  # fails once our fake gs has run, as it renders nothing
    assert fake_ghostscript.exists()


def test_eps_upload_never_runs_ghostscript(tmp_path, fake_ghostscript):
    (tmp_path / "drawing.eps").write_bytes(EPS)
    assert pillow_format(tmp_path / "drawing.eps") == "EPS"
    with pytest.raises(DataError, match="not a supported image"):
        open_rgb(tmp_path / "drawing.eps")
    assert not fake_ghostscript.exists()


# decoding failures


@pytest.fixture(scope="module")
def text_bomb() -> bytes:
    """65 KB of zlib that inflates to 64 MB of zeros."""
    packer = zlib.compressobj(9)
    return b"".join(packer.compress(bytes(1 << 20)) for _ in range(64)) + packer.flush()


@pytest.mark.parametrize("chunk, before_pixels", [(b"zTXt", True), (b"iTXt", False)])
def test_png_text_bomb_is_a_data_error(text_bomb, chunk, before_pixels):
    """Pillow raises ValueError for text past its limit, while opening or, after the pixels, while decoding."""
    header = b"Comment\0\0" if chunk == b"zTXt" else b"Comment\0\1\0\0\0"  # keyword, (iTXt: flag,) method, ...
    buffer = io.BytesIO()
    gradient().save(buffer, "PNG")
    pieces = png_pieces(buffer.getvalue())  # signature, IHDR, IDAT, IEND
    pieces.insert(2 if before_pixels else 3, png_chunk(chunk, header + text_bomb))
    with pytest.raises(DataError, match="too large"):
        open_rgb(io.BytesIO(b"".join(pieces)))


def test_the_intel_download_becomes_the_seeds_layout_without_duplicates(tmp_path, capsys):
    import shutil

    from vae.publish.intel import main as intel_main

    download = tmp_path / "intel"
    for split, count in (("seg_train", 110), ("seg_test", 6)):
        for k, name in enumerate(("forest", "glacier", "mountain", "sea", "buildings", "street")):
            write_photos(download / split / split / name, count, size=24, seed=100 * k + len(split))
    shutil.copyfile(download / "seg_test/seg_test/sea/img_000.jpg", download / "seg_train/seg_train/sea/copy.jpg")
    shutil.copyfile(
        download / "seg_train/seg_train/forest/img_001.jpg", download / "seg_train/seg_train/forest/again.jpg"
    )
    assert intel_main([str(download), "--out", str(tmp_path / "out")]) == 0
    layout = {
        split: {c.name: sorted(p.name for p in c.iterdir()) for c in (tmp_path / "out" / split).iterdir()}
        for split in ("Training Data", "Validation Data", "Testing Data")
    }
    assert set(layout["Training Data"]) == {"Forest", "Glacier", "Mountain", "Sea"}  # no buildings, no streets
    assert all(len(photos) == 100 for photos in layout["Validation Data"].values())
    assert all(len(photos) == 6 for photos in layout["Testing Data"].values())
    assert (
        len(layout["Training Data"]["Sea"]) == 10
        and "copy.jpg" not in layout["Training Data"]["Sea"] + layout["Validation Data"]["Sea"]
    )
    assert len(layout["Training Data"]["Forest"]) + 100 == 110  # the second copy of img_001 is gone
    photos = photo_splits(tmp_path / "out")
    assert len(photos["train"]) == 40 and len(photos["val"]) == 400 and len(photos["test"]) == 24
    assert intel_main([str(download), "--out", str(tmp_path / "out")]) == 1  # never into a folder that holds photos
    assert "not empty" in capsys.readouterr().err
