import numpy as np
import pytest
import torch
from PIL import Image

from vae.data import DataError, ImageList, decode_all, image_lists, load_photo, make_dataset, open_rgb, photo_splits

from .conftest import write_photos


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


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "not found"),
    (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "is a file"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no images"),
])
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
