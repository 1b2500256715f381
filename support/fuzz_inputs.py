"""Small valid images of each format the app reads, the mutations that fuzz them, and what counts as a
clear refusal from the server.

Shared by tests/test_fuzz.py (driven by hypothesis) and bench/fuzz.py (a longer run): every mutation
takes the bytes, their format and a `random.Random`, so either can drive the same code.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, PngImagePlugin

SIZE = (32, 24)
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "GIF": "gif", "TIFF": "tiff"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# written over width and height fields, masked to each field's width
FORGED_SIZES = (0, 1, 255, 0x7FFF, 0x8000, 0xFFFF, 46341, 2**31 - 1, 2**32 - 1)
GENERIC_ERROR = "upstream Gradio app has raised an exception"  # Gradio's words for an exception it did not expect


# the seeds


def gradient(mode: str = "RGB") -> Image.Image:
    """A 32x24 colour gradient with an alpha ramp, converted to `mode`."""
    y, x = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    rgba = np.stack([x * 8, y * 10, 255 - x * 8, 64 + y * 8], axis=-1).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA").convert(mode)


def save_rotated_jpeg(buffer) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: so exif_transpose has work to do
    gradient().save(buffer, "JPEG", exif=exif, quality=90)


def save_png_with_text(buffer) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "a text chunk to duplicate and move", zip=True)
    gradient("RGBA").save(buffer, "PNG", pnginfo=info)


def save_animated_gif(buffer) -> None:
    gradient().save(buffer, "GIF", save_all=True, append_images=[gradient().rotate(180)], duration=50, loop=0)


SAVERS = {  # each exercises one more path of open_rgb: EXIF rotation, alpha, text chunks, frames, libtiff
    "JPEG": save_rotated_jpeg,
    "PNG": save_png_with_text,
    "WEBP": lambda buffer: gradient().save(buffer, "WEBP", quality=80),
    "BMP": lambda buffer: gradient().save(buffer, "BMP"),
    "GIF": save_animated_gif,
    "TIFF": lambda buffer: gradient().save(buffer, "TIFF", compression="tiff_deflate"),
}


@functools.cache
def seed_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    SAVERS[kind](buffer)
    return buffer.getvalue()


# PNG chunks


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_pieces(data: bytes) -> list[bytes]:
    """The signature, then each chunk whole (length, type, data, CRC); a truncated tail stays one piece."""
    pieces, pos = [data[:8]], 8
    while pos < len(data):
        end = pos + 12 + struct.unpack(">I", data[pos : pos + 4].ljust(4, b"\0"))[0]
        pieces.append(data[pos:end])
        pos = end
    return pieces


def is_whole_chunk(piece: bytes) -> bool:
    return len(piece) >= 12 and len(piece) == 12 + struct.unpack(">I", piece[:4])[0]


def with_png_crcs(data: bytes) -> bytes:
    """Every whole chunk re-signed, so a mutation reaches the decoder instead of the first checksum test."""
    resigned = [png_chunk(p[4:8], p[8:-4]) if is_whole_chunk(p) else p for p in png_pieces(data)[1:]]
    return data[:8] + b"".join(resigned)


# where each format keeps its width and height: (offset, struct format) pairs


def tiff_size_fields(data: bytes) -> list[tuple[int, str]]:
    ifd = struct.unpack_from("<I", data, 4)[0]
    fields = []
    for entry in range(ifd + 2, ifd + 2 + 12 * struct.unpack_from("<H", data, ifd)[0], 12):
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):  # ImageWidth, ImageLength, stored as SHORT (3) or LONG (4)
            fields.append((entry + 8, "<H" if kind == 3 else "<I"))
    return fields


def jpeg_size_fields(data: bytes) -> list[tuple[int, str]]:
    frame = data.find(b"\xff\xc0")  # baseline start of frame: length, precision, height, width
    return [(frame + 5, ">H"), (frame + 7, ">H")] if frame >= 0 else []


def gif_size_fields(data: bytes) -> list[tuple[int, str]]:
    frame = data.find(b"\x2c\x00\x00\x00\x00")  # the first frame's descriptor, at left 0, top 0
    return [(6, "<H"), (8, "<H")] + ([(frame + 5, "<H"), (frame + 7, "<H")] if frame >= 0 else [])


SIZE_FIELDS = {
    "PNG": lambda data: [(16, ">I"), (20, ">I")],  # IHDR
    "BMP": lambda data: [(18, "<I"), (22, "<I")],  # BITMAPINFOHEADER (height's sign is the row order)
    "WEBP": lambda data: [(26, "<H"), (28, "<H")] if data[12:16] == b"VP8 " else [],  # lossy frame header
    "JPEG": jpeg_size_fields,
    "GIF": gif_size_fields,
    "TIFF": tiff_size_fields,
}


# mutations: (data, kind, rng) -> data


def flip_bits(data: bytes, kind: str, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        span = min(len(out), 64) if rng.random() < 0.5 else len(out)  # headers hold most of the parsing
        out[rng.randrange(span)] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, kind: str, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def pieces_of(data: bytes, kind: str, rng: random.Random) -> list[bytes]:
    """PNG: its chunks; any other format: byte ranges between a few random cuts."""
    if kind == "PNG" and data.startswith(PNG_SIGNATURE):
        return png_pieces(data)
    cuts = sorted(rng.sample(range(1, len(data)), min(4, len(data) - 1)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def duplicate_piece(data: bytes, kind: str, rng: random.Random) -> bytes:
    pieces = pieces_of(data, kind, rng)
    pieces.insert(rng.randint(1, len(pieces)), rng.choice(pieces[1:] or pieces))
    return b"".join(pieces)


def swap_pieces(data: bytes, kind: str, rng: random.Random) -> bytes:
    pieces = pieces_of(data, kind, rng)
    if len(pieces) > 2:
        i, j = rng.sample(range(1, len(pieces)), 2)  # the first piece (signature, header) stays first
        pieces[i], pieces[j] = pieces[j], pieces[i]
    return b"".join(pieces)


def forge_size(data: bytes, kind: str, rng: random.Random) -> bytes:
    out = bytearray(data)
    try:
        fields = SIZE_FIELDS[kind](data)
    except struct.error:  # an earlier mutation cut the header short
        return data
    for offset, layout in fields:
        if offset + struct.calcsize(layout) <= len(out):
            mask = (1 << 8 * struct.calcsize(layout)) - 1
            struct.pack_into(layout, out, offset, rng.choice(FORGED_SIZES) & mask)
    return bytes(out)


MUTATIONS = (flip_bits, truncate, duplicate_piece, swap_pieces, forge_size)


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    """One to three mutations in a row; PNG chunks re-signed half the time."""
    for mutation in rng.choices(MUTATIONS, k=rng.randint(1, 3)):
        if len(data) > 1:
            data = mutation(data, kind, rng)
    if kind == "PNG" and rng.random() < 0.5:
        data = with_png_crcs(data)
    return data


def mutants(rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """(format, mutated bytes) forever, the formats in turn."""
    while True:
        for kind in SAVERS:
            yield kind, mutate(seed_bytes(kind), kind, rng)


def is_clear_refusal(message: str) -> bool:
    """The app's own short reason, not Gradio's generic error or a traceback."""
    return GENERIC_ERROR not in message and "Traceback" not in message and len(message) < 200
