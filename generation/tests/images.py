"""Image files built in code for the tests (every mode and every malformed case we refuse)."""

import io
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def gradient(size=(64, 48), seed: int = 0) -> Image.Image:
    """A distinct RGB image per seed (so hashes differ)."""
    rng = np.random.default_rng(seed)
    w, h = size
    x = np.linspace(0, 255, w)[None, :, None]
    y = np.linspace(0, 255, h)[:, None, None]
    base = np.concatenate([x + 0 * y, y + 0 * x, (x + y) / 2], axis=2)
    noise = rng.integers(0, 30, (h, w, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")


def png_with_declared_size(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims width x height: the shape of a decompression bomb."""
    data = bytearray(encode(Image.new("L", (8, 8), 0)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    start = 8 + 8  # signature, then length + type of the IHDR chunk
    data[start:start + 13] = ihdr
    data[start + 13:start + 17] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def zip_of(members: dict[str, bytes], *, symlinks: tuple[str, ...] = (), encrypted: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (0o120777 << 16)
            archive.writestr(info, content)
            if name in encrypted:
                info.flag_bits |= 0x1
    return buffer.getvalue()


def png_sixteen_bit(array: np.ndarray) -> bytes:
    """A 48-bit (RGB) or 64-bit (RGBA) PNG, written by hand: Pillow can read these but not write them."""
    height, width, channels = array.shape
    colour_type = {3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + array[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def zip_with_understated_member(name: str, content: bytes, declared_size: int) -> bytes:
    """A ZIP whose directory says a member is `declared_size` bytes while its stream inflates to all of
    `content`: the shape of a ZIP bomb that lies to a size check."""
    data = bytearray(zip_of({name: content}))
    actual = struct.pack("<I", len(content))
    declared = struct.pack("<I", declared_size)
    # The size appears in the local header and in the central directory; patch both.
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    for offset in (local + 22, central + 24):
        assert data[offset:offset + 4] == actual
        data[offset:offset + 4] = declared
    return bytes(data)
