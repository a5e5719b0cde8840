"""Robust image loading and the unpaired training stream.

* ``load_rgb`` turns whatever an institution uploads into 8-bit RGB: CMYK,
  16-bit and 32-bit greyscale, palettes, alpha (composited on white), EXIF
  rotation.  Unreadable files raise ``ImageLoadError``.
* ``scan_images`` lists a folder's images and reports -- never raises on -- the
  files it skips.
* ``UnpairedImages`` is an infinite stream: sample ``k`` draws its A and B
  images, crop and flip from a random generator seeded by ``(seed, k)``.
  Resuming at iteration ``i`` therefore reproduces the batches exactly, with any
  number of workers, and DDP ranks read disjoint sample numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from torch.utils.data import Dataset, Sampler

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}

# Decompression bombs are refused by Pillow above this; prints are at most ~8k x 8k.
Image.MAX_IMAGE_PIXELS = 16384 * 16384


class ImageLoadError(ValueError):
    """A file that is not a decodable image."""


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB (alpha is composited on white)."""
    image = ImageOps.exif_transpose(image) or image
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # 16/32-bit greyscale: Pillow's convert('L') clips at 255, so rescale by the range instead.
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or array.max() > 255 else 255.0
        if mode == "F":
            low, high = float(array.min()), float(array.max())
            array, top = array - low, max(high - low, 1e-12)
        image = Image.fromarray(np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
        mode = "L"
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    # CMYK, YCbCr, LAB, HSV, L, 1, RGBX all have a direct conversion.
    return image.convert("RGB")


def load_rgb(path: str | os.PathLike[str]) -> Image.Image:
    """Open and fully decode an image file as RGB, or raise ImageLoadError."""
    try:
        with Image.open(path) as image:
            image.load()
            return to_rgb(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ImageLoadError(f"{path}: {error}") from error


@dataclass
class ScanReport:
    """Result of scanning an image folder: usable files and skipped ones with reasons."""

    paths: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"usable": len(self.paths), "skipped": [{"path": p, "reason": r} for p, r in self.skipped]}


def _is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def scan_images(folder: str | os.PathLike[str], verify: bool = True, workers: int = 8) -> ScanReport:
    """List the images under ``folder`` (recursively), decoding each to check it when ``verify``."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"image folder {root} does not exist")
    candidates = sorted(str(p) for p in root.rglob("*") if p.is_file() and _is_image_name(p))
    report = ScanReport()
    if not verify:
        report.paths = candidates
        return report

    def check(path: str) -> str | None:
        try:
            load_rgb(path)
            return None
        except ImageLoadError as error:
            return str(error.__cause__ or error)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for path, problem in zip(candidates, pool.map(check, candidates)):
            if problem is None:
                report.paths.append(path)
            else:
                report.skipped.append((path, problem))
    return report


def resize_short_side(image: Image.Image, size: int) -> Image.Image:
    w, h = image.size
    scale = size / min(w, h)
    return image.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)


def _random_crop_flip(array: np.ndarray, crop: int, flip: bool, rng: np.random.Generator) -> np.ndarray:
    h, w = array.shape[:2]
    top = int(rng.integers(0, h - crop + 1))
    left = int(rng.integers(0, w - crop + 1))
    patch = array[top : top + crop, left : left + crop]
    if flip and rng.random() < 0.5:
        patch = patch[:, ::-1]
    return np.ascontiguousarray(patch.transpose(2, 0, 1))


class _Domain:
    """One domain's images, optionally decoded and resized once into RAM."""

    def __init__(self, paths: Sequence[str], load_size: int, cache: bool) -> None:
        if not paths:
            raise ValueError("no usable images in this domain")
        self.paths = list(paths)
        self.load_size = load_size
        self.cache: list[np.ndarray] | None = None
        if cache:
            with ThreadPoolExecutor(max_workers=8) as pool:
                self.cache = list(pool.map(self._decode, self.paths))

    def _decode(self, path: str) -> np.ndarray:
        return np.asarray(resize_short_side(load_rgb(path), self.load_size))

    def __len__(self) -> int:
        return len(self.paths)

    def get(self, index: int) -> np.ndarray:
        return self.cache[index] if self.cache is not None else self._decode(self.paths[index])


class UnpairedImages(Dataset):
    """Sample ``k`` -> (uint8 A crop, uint8 B crop), each 3 x crop x crop."""

    def __init__(
        self,
        paths_a: Sequence[str],
        paths_b: Sequence[str],
        load_size: int = 286,
        crop_size: int = 256,
        flip: bool = True,
        seed: int = 0,
        cache: bool = True,
    ) -> None:
        if load_size < crop_size:
            raise ValueError("load_size must be at least crop_size")
        self.a = _Domain(paths_a, load_size, cache)
        self.b = _Domain(paths_b, load_size, cache)
        self.crop_size, self.flip, self.seed = crop_size, flip, seed

    def __len__(self) -> int:  # nominal; the stream is infinite
        return max(len(self.a), len(self.b))

    def __getitem__(self, key: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng((self.seed, key))
        a = self.a.get(int(rng.integers(len(self.a))))
        b = self.b.get(int(rng.integers(len(self.b))))
        crop_a = _random_crop_flip(a, self.crop_size, self.flip, rng)
        crop_b = _random_crop_flip(b, self.crop_size, self.flip, rng)
        return torch.from_numpy(crop_a), torch.from_numpy(crop_b)


class StreamSampler(Sampler[int]):
    """Yields the global sample numbers this rank consumes from ``start_iteration`` on."""

    def __init__(self, batch_size: int, start_iteration: int = 0, rank: int = 0, world_size: int = 1) -> None:
        self.batch_size, self.start = batch_size, start_iteration
        self.rank, self.world = rank, world_size

    def __iter__(self) -> Iterator[int]:
        iteration = self.start
        while True:
            base = (iteration * self.world + self.rank) * self.batch_size
            yield from range(base, base + self.batch_size)
            iteration += 1


def uint8_to_model(batch: torch.Tensor, device: torch.device, channels_last: bool = False) -> torch.Tensor:
    """uint8 NCHW -> float in [-1, 1] on ``device`` (conversion happens on the device)."""
    batch = batch.to(device, non_blocking=True).float().div_(127.5).sub_(1.0)
    return batch.contiguous(memory_format=torch.channels_last) if channels_last else batch


def pil_to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL RGB -> 1 x 3 x H x W float tensor in [-1, 1]."""
    array = np.asarray(to_rgb(image), dtype=np.float32)
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).div(127.5).sub(1.0)


def tensor_to_pil(tensor: torch.Tensor) -> Image.Image:
    """3 x H x W (or 1 x 3 x H x W) tensor in [-1, 1] -> PIL RGB."""
    if tensor.dim() == 4:
        tensor = tensor[0]
    array = tensor.detach().float().clamp(-1, 1).add(1).mul(127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array, "RGB")
