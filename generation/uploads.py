"""Upload validation: every file is judged by decoding it, never by its name.

Pure functions (no database): `inspect_image` decides accepted / converted / rejected
for one file and returns the normalised RGB image; `zip_members` checks a ZIP's
central directory *before* reading any member (traversal, absolute paths, symlinks,
nested archives, member count, total uncompressed size) and yields the members that
may be read. Services store what is accepted; a bad file never stops the good ones.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED, CONVERTED, REJECTED = "accepted", "converted", "rejected"
# Formats a heritage archive plausibly holds; anything else Pillow opens (EPS, ICNS...) is refused.
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF", "MPO"}
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf", b"Rar!", b"\xfd7zXZ")


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pixels: int
    min_side: int
    zip_max_members: int
    zip_max_uncompressed: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.GENERATION_UPLOAD_MAX_BYTES,
            max_pixels=settings.GENERATION_UPLOAD_MAX_PIXELS,
            min_side=settings.GENERATION_UPLOAD_MIN_SIDE,
            zip_max_members=settings.GENERATION_ZIP_MAX_MEMBERS,
            zip_max_uncompressed=settings.GENERATION_ZIP_MAX_UNCOMPRESSED_BYTES,
        )


@dataclass
class FileVerdict:
    """What happened to one uploaded file (or ZIP member)."""

    name: str
    outcome: str  # accepted | converted | rejected
    reason: str = ""  # why rejected, or what was converted
    sha256: str = ""
    image: Image.Image | None = field(default=None, repr=False)  # RGB, when not rejected
    original_format: str = ""
    original_mode: str = ""
    size_bytes: int = 0

    def as_report(self, **extra) -> dict:
        return {"name": self.name, "outcome": self.outcome, "reason": self.reason, **extra}


def rejected(name: str, reason: str, **kwargs) -> FileVerdict:
    return FileVerdict(name=name, outcome=REJECTED, reason=reason, **kwargs)


def inspect_image(name: str, data: bytes, limits: UploadLimits) -> FileVerdict:
    """Decode `data` for real and normalise it to 8-bit RGB, or say why it is refused."""
    size = len(data)
    if size == 0:
        return rejected(name, "empty file")
    if size > limits.max_bytes:
        return rejected(name, f"file too large: over the limit of {limits.max_bytes:,} bytes")
    digest = hashlib.sha256(data).hexdigest()
    common = {"sha256": digest, "size_bytes": size}
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat the warning as the error it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt, mode = image.format or "", image.mode
            # The header is read; nothing has been decoded yet. Refuse bombs before load().
            width, height = image.size
            if width * height > limits.max_pixels:
                return rejected(name, f"decompression bomb: {width}×{height} = {width * height:,} pixels "
                                f"(limit {limits.max_pixels:,})", original_format=fmt, original_mode=mode, **common)
            if fmt not in ALLOWED_FORMATS:
                return rejected(name, f"unsupported image format {fmt or 'unknown'}; use PNG, JPEG, WEBP or TIFF",
                                original_format=fmt, original_mode=mode, **common)
            deep = _sixteen_bits_per_channel(image)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return rejected(name, f"decompression bomb: {exc}", **common)
    except UnidentifiedImageError:
        return rejected(name, "not an image (the content cannot be decoded, whatever the file name says)", **common)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return rejected(name, f"corrupt image: {exc}", **common)
    if min(width, height) < limits.min_side:
        return rejected(name, f"too small: {width}×{height} (at least {limits.min_side} px a side)",
                        original_format=fmt, original_mode=mode, **common)
    rgb, notes = to_rgb8(image)
    if deep:
        # Pillow decodes 48/64-bit colour to 8 bits per channel (the high byte) without a word; say so.
        notes.insert(0, "16-bit per channel reduced to 8 bits")
        mode = f"{mode};16"
    return FileVerdict(name=name, outcome=CONVERTED if notes else ACCEPTED, reason="; ".join(notes), image=rgb,
                       original_format=fmt, original_mode=mode, **common)


def _sixteen_bits_per_channel(image: Image.Image) -> bool:
    """A colour image stored with 16 bits per channel (PNG and TIFF), read from its decoder's raw mode."""
    if image.mode not in ("RGB", "RGBA"):
        return False  # 16-bit grayscale keeps its own mode (I;16) and is scaled by to_rgb8
    for tile in getattr(image, "tile", None) or []:
        args = tile.args if hasattr(tile, "args") else tile[3]
        rawmode = args if isinstance(args, str) else (args[0] if args and isinstance(args[0], str) else "")
        if ";16" in rawmode:
            return True
    return False


def to_rgb8(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """8-bit RGB with alpha flattened on white; `notes` says what changed (empty: nothing)."""
    notes: list[str] = []
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
        notes.append(f"first of {image.n_frames} frames kept")
    orientation = image.getexif().get(0x0112, 1)
    if orientation not in (0, 1):
        image = ImageOps.exif_transpose(image)
        notes.append("rotated as its EXIF orientation says")
    mode = image.mode
    if mode == "RGB":
        return image, notes
    if mode == "CMYK":
        notes.append("CMYK converted to RGB")
        return image.convert("RGB"), notes
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        notes.append(f"{_bits(mode)} grayscale scaled to 8 bits")
        return Image.fromarray(_scale_to_uint8(np.asarray(image)), "L").convert("RGB"), notes
    if mode == "P":
        has_alpha = "transparency" in image.info or image.palette.mode == "RGBA"
        image = image.convert("RGBA" if has_alpha else "RGB")
        notes.append("palette expanded to RGB")
        mode = image.mode
        if mode == "RGB":
            return image, notes
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        ground = Image.new("RGB", image.size, (255, 255, 255))
        ground.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        notes.append("transparency flattened on white")
        return ground, notes
    if mode in ("L", "1"):
        notes.append("grayscale converted to RGB" if mode == "L" else "1-bit converted to RGB")
        return image.convert("RGB"), notes
    notes.append(f"{mode} converted to RGB")
    return image.convert("RGB"), notes


def _bits(mode: str) -> str:
    return "32-bit float" if mode == "F" else "32-bit" if mode == "I" else "16-bit"


def _scale_to_uint8(array: np.ndarray) -> np.ndarray:
    array = array.astype(np.float64)
    low, high = float(array.min()), float(array.max())
    if low >= 0 and high <= 255 and array.dtype.kind != "f":
        return array.astype(np.uint8)
    # 16-bit data use the full 0..65535 range; scale by it so exposure is preserved.
    top = 65535.0 if (low >= 0 and high <= 65535) else high
    bottom = 0.0 if (low >= 0 and high <= 65535) else low
    return np.clip((array - bottom) / max(top - bottom, 1e-9) * 255 + 0.5, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------- ZIP


@dataclass
class ZipMember:
    name: str
    info: zipfile.ZipInfo


_DRIVE = re.compile(r"^[A-Za-z]:")


def member_problem(info: zipfile.ZipInfo, limits: UploadLimits) -> str:
    """Why this central-directory entry must not be extracted ('' if it may)."""
    name = info.filename
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path in archive"
    if ".." in parts:
        return "path traversal ('..') in archive"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link in archive"
    if info.flag_bits & 0x1:
        return "encrypted member"
    if name.lower().endswith(ARCHIVE_SUFFIXES):
        return "nested archive (extract it first)"
    if info.file_size > limits.max_bytes:
        return f"file too large: {info.file_size:,} bytes (limit {limits.max_bytes:,})"
    return ""


def open_zip(stream: io.IOBase, limits: UploadLimits) -> tuple[zipfile.ZipFile | None, str]:
    """The archive, or the reason the whole archive is refused (checked on the central directory only)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return None, f"not a valid ZIP archive: {exc}"
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > limits.zip_max_members:
        return None, f"too many files in archive: {len(infos):,} (limit {limits.zip_max_members:,})"
    total = sum(i.file_size for i in infos)
    if total > limits.zip_max_uncompressed:
        return None, (f"archive too large once uncompressed: {total:,} bytes "
                      f"(limit {limits.zip_max_uncompressed:,})")
    return archive, ""


def zip_verdicts(archive: zipfile.ZipFile, archive_name: str, limits: UploadLimits) -> Iterator[FileVerdict]:
    """Inspect each member that passed the checks; the rest are rejected with their reason."""
    for info in archive.infolist():
        if info.is_dir() or _is_metadata(info.filename):
            continue
        name = f"{archive_name}/{info.filename}"
        problem = member_problem(info, limits)
        if problem:
            yield rejected(name, problem)
            continue
        try:
            with archive.open(info) as member:
                # The declared size bounds what is read, whatever the compressed stream holds.
                data = member.read(limits.max_bytes + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            yield rejected(name, f"cannot read archive member: {exc}")
            continue
        if data.startswith(ARCHIVE_MAGIC):
            yield rejected(name, "nested archive (extract it first)")
            continue
        yield inspect_image(name, data, limits)


def _is_metadata(name: str) -> bool:
    # macOS and Windows add these to every archive they make; they are not the user's files.
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base in {".DS_Store", "Thumbs.db", "desktop.ini"}


def is_zip_upload(name: str, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or name.lower().endswith(".zip")


def verdicts_for_upload(name: str, stream: io.IOBase, limits: UploadLimits) -> Iterator[FileVerdict]:
    """One uploaded file (a binary stream): an image, or a ZIP of images."""
    head = stream.read(4)
    stream.seek(0)
    if is_zip_upload(name, head):
        archive, problem = open_zip(stream, limits)
        if archive is None:
            yield rejected(name, problem)
            return
        with archive:
            yield from zip_verdicts(archive, name, limits)
        return
    # Read one byte past the limit so an oversized file is refused without reading all of it.
    yield inspect_image(name, stream.read(limits.max_bytes + 1), limits)
