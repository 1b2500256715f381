"""The upload corpus: odd but valid images the app must reconstruct (GOOD) and hostile files it must
refuse with a clear message (BAD), shared by the upload tests and the soak test's request mix."""

import struct
import zlib

import numpy as np
from PIL import Image

from .app_launcher import ROOT
from .fuzz_inputs import png_chunk

PHOTO = ROOT / "assets" / "examples" / "sea-cove.jpg"
RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 160, 0)


def photo(size=None) -> Image.Image:
    image = Image.open(PHOTO).convert("RGB")
    return image.resize(size) if size else image


def halves(size, left, right, mode="RGB") -> Image.Image:
    """An image whose left half is one colour and right half another."""
    image = Image.new(mode, size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def write_blank_png(path, width, height, bit_depth=8) -> None:
    """A grey PNG of all zeros written chunk by chunk: huge in pixels, tiny on disk, cheap to make."""
    row = b"\0" * (1 + (width * bit_depth + 7) // 8)  # filter byte + packed pixels
    packer, parts = zlib.compressobj(9), []
    for start in range(0, height, 1000):
        parts.append(packer.compress(row * min(1000, height - start)))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def save_exif_rotated(path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    halves((200, 100), RED, BLUE).save(path, exif=exif, quality=95)


def save_animated(path) -> None:
    first, second = Image.new("RGB", (64, 64), RED), Image.new("RGB", (64, 64), BLUE)
    first.save(path, save_all=True, append_images=[second], duration=100, loop=0)


def save_palette_transparent(path) -> None:
    image = halves((64, 64), 0, 1, mode="P")
    image.putpalette([0, 0, 0, *GREEN] + [0] * 762)
    image.save(path, transparency=0)


def save_gradient_16bit(path) -> None:
    ramp = np.linspace(0, 65535, 256).astype(np.uint16)
    Image.fromarray(np.tile(ramp, (256, 1))).save(path)  # mode I;16


def save_big_photo(path) -> None:
    y, x = np.mgrid[0:3000, 0:4000]
    pixels = np.stack([x / 4000 * 255, y / 3000 * 255, np.full_like(x, 128)], axis=-1).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=85)


GOOD = {
    "cmyk.jpg": lambda p: photo().convert("CMYK").save(p),
    "gradient-16bit.png": save_gradient_16bit,
    "palette-transparent.png": save_palette_transparent,
    "rgba-transparent-left.png": lambda p: halves((256, 256), (0, 0, 0, 0), (*RED, 255), mode="RGBA").save(p),
    "grayscale.png": lambda p: photo().convert("L").save(p),
    "exif-rotated.jpg": save_exif_rotated,
    "animated.gif": save_animated,
    "one-pixel.png": lambda p: Image.new("RGB", (1, 1), GREEN).save(p),
    "panorama.jpg": lambda p: photo((2000, 180)).save(p),
    "twelve-megapixels.jpg": save_big_photo,
    "photo.webp": lambda p: photo().save(p),
    "photo.bmp": lambda p: photo().save(p),
    "photo.tiff": lambda p: photo().save(p),
}

BAD = {  # file name -> (how to make it, a phrase the error must contain)
    "not-an-image.jpg": (lambda p: p.write_bytes(b"just some text, no JPEG here\n" * 20), "not a supported image"),
    "empty.png": (lambda p: p.write_bytes(b""), "not a supported image"),
    "truncated.jpg": (lambda p: p.write_bytes(PHOTO.read_bytes()[: PHOTO.stat().st_size // 2]), "truncated"),
    "bomb.png": (lambda p: write_blank_png(p, 20000, 20000, bit_depth=1), "too large"),
    "48-megapixels.png": (lambda p: write_blank_png(p, 8000, 6000), "too large"),
    "script.svg": (
        lambda p: p.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        "not a supported image",
    ),
    "page.png": (
        lambda p: p.write_text("<html><body><script>alert(document.cookie)</script></body></html>"),
        "not a supported image",
    ),
}
