"""Data the project makes itself (nothing can be downloaded).

* Domain B -- ``render_papercut``: procedural, radially symmetric jianzhi
  (4-, 6-, 8- or 12-fold, mirror symmetric inside each sector like folded
  paper) with crescent, sawtooth, hole and ring cut-outs, red paper with a soft
  shadow on a textured light ground.  Seeded and unlimited.
* Domain A -- photographs bundled with scikit-image (``PHOTOS``), each with the
  licence stated in its docstring, split strictly by image into train/test and
  cut into augmented crops.
* ``reference_stylize`` -- a fixed, hand-written stylizer T(photo) -> paper-cut
  (edges + posterisation + red paper).  It only provides held-out photos with a
  paired pseudo-target for SSIM/PSNR/LPIPS; it is never used to build domain B.
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

FOLDS = (4, 6, 8, 12)

# name -> (split, licence as stated in scikit-image's docstring).  Split is by
# image, never by crop, so no test photo leaks into training.
PHOTOS: dict[str, tuple[str, str]] = {
    "astronaut": ("train", "No known copyright restrictions, released into the public domain."),
    "camera": ("train", "No copyright restrictions. CC0 by the photographer (Lav Varshney)."),
    "coffee": ("train", "No copyright restrictions. CC0 by the photographer (Rachel Michetti)."),
    "hubble_deep_field": ("train", "Captured by NASA; may be freely used in the public domain."),
    "immunohistochemistry": ("train", "No known copyright restrictions."),
    "grass": ("train", "CC0Textures; Creative Commons CC0 License."),
    "brick": ("train", "CC0Textures; Creative Commons CC0 License."),
    "retina": ("train", "Creative Commons CC0 1.0 Universal Public Domain Dedication."),
    "cell": ("train", "CC0, dedicated to the public domain."),
    "text": ("train", "No known copyright restrictions, released into the public domain."),
    "clock": ("train", "Released into the public domain by the photographer (Stefan van der Walt)."),
    "chelsea": ("test", "No copyright restrictions. CC0 by the photographer (Stefan van der Walt)."),
    "rocket": ("test", "Captured by SpaceX and released in the public domain."),
    "coins": ("test", "No known copyright restrictions."),
    "gravel": ("test", "CC0Textures; Creative Commons CC0 License."),
}


# ----------------------------------------------------------------------------- domain B


def _value_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Smooth noise in [0, 1]: a coarse random grid upsampled bicubically."""
    coarse = (rng.random((cells + 1, cells + 1)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC), dtype=np.float32) / 255.0


def _ground(rng: np.random.Generator, size: int) -> np.ndarray:
    """Light paper/cloth ground with low-frequency mottling and fine fibres."""
    base = np.array([236, 228, 212], np.float32) + rng.uniform(-14, 10, 3).astype(np.float32)
    mottle = (_value_noise(rng, size, 6) - 0.5) * 18
    fibres = rng.normal(0, 4, (size, size)).astype(np.float32)
    return np.clip(base[None, None, :] + (mottle + fibres)[..., None], 0, 255)


def _sector_coordinates(size: int, fold: int, rotation: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Polar coordinates folded into one mirror-symmetric sector, in units of the paper radius."""
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    x, y = np.meshgrid(axis, axis)
    r = np.hypot(x, y)
    theta = np.mod(np.arctan2(y, x) + rotation, 2 * math.pi)
    sector = 2 * math.pi / fold
    phi = np.mod(theta, sector)
    phi = np.minimum(phi, sector - phi)  # mirror: the paper is folded, so each sector is symmetric
    return r, phi, r * np.cos(phi), r * np.sin(phi)


def _papercut_mask(rng: np.random.Generator, size: int) -> np.ndarray:
    """Boolean mask of the paper (True = paper) at ``size`` x ``size``."""
    fold = int(rng.choice(FOLDS))
    r, phi, u, v = _sector_coordinates(size, fold, rng.uniform(0, 2 * math.pi))
    half_sector = math.pi / fold
    radius = rng.uniform(0.78, 0.95)
    # Scalloped outline.
    scallops = fold * int(rng.integers(1, 4))
    theta_full = phi  # the outline is symmetric too
    outline = radius * (1 + rng.uniform(0.02, 0.07) * np.cos(scallops * theta_full * 2))
    paper = r < outline
    cuts = np.zeros_like(paper)
    for _ in range(int(rng.integers(3, 8))):
        kind = rng.choice(["crescent", "sawtooth", "hole", "ring", "petal"])
        r0 = rng.uniform(0.12, 0.85) * radius
        p0 = rng.uniform(0.1, 0.9) * half_sector
        cu, cv = r0 * math.cos(p0), r0 * math.sin(p0)
        if kind == "crescent":
            a = rng.uniform(0.05, 0.13) * radius
            shift = rng.uniform(0.25, 0.5) * a
            angle = rng.uniform(0, 2 * math.pi)
            inside = (u - cu) ** 2 + (v - cv) ** 2 < a**2
            bite = (u - cu - shift * math.cos(angle)) ** 2 + (v - cv - shift * math.sin(angle)) ** 2 < (0.9 * a) ** 2
            cuts |= inside & ~bite
        elif kind == "sawtooth":
            width = rng.uniform(0.03, 0.07) * radius
            teeth = int(rng.integers(3, 9))
            tri = np.abs(np.mod(phi / half_sector * teeth, 1.0) - 0.5) * 2  # triangle wave 0..1
            cuts |= (r > r0) & (r < r0 + width * tri)
        elif kind == "hole":
            a = rng.uniform(0.015, 0.05) * radius
            cuts |= (u - cu) ** 2 + (v - cv) ** 2 < a**2
        elif kind == "ring":
            width = rng.uniform(0.01, 0.025) * radius
            bridge = rng.uniform(0.1, 0.3) * half_sector  # paper left standing so the ring holds together
            cuts |= (np.abs(r - r0) < width) & (phi > bridge)
        else:  # petal: an ellipse pointing outwards
            length, breadth = rng.uniform(0.06, 0.16) * radius, rng.uniform(0.02, 0.05) * radius
            along = u * math.cos(p0) + v * math.sin(p0) - r0
            across = -u * math.sin(p0) + v * math.cos(p0)
            cuts |= (along / length) ** 2 + (across / breadth) ** 2 < 1
    # A central medallion keeps the centre solid, as real jianzhi do.
    cuts &= r > rng.uniform(0.04, 0.1)
    return paper & ~cuts


def render_papercut(size: int = 256, seed: int = 0, supersample: int = 2) -> Image.Image:
    """One red paper-cut on a light textured ground, fully determined by ``seed``."""
    rng = np.random.default_rng(seed)
    big = size * supersample
    mask = _papercut_mask(rng, big).astype(np.float32)
    # Anti-alias by box-filtering the supersampled mask.
    mask_img = Image.fromarray((mask * 255).astype(np.uint8)).resize((size, size), Image.BOX)
    alpha = np.asarray(mask_img, dtype=np.float32) / 255.0
    offset = max(1, size // 128)
    shadow = mask_img.transform(mask_img.size, Image.AFFINE, (1, 0, -offset, 0, 1, -offset))
    shadow = np.asarray(shadow.filter(ImageFilter.GaussianBlur(size / 160)), dtype=np.float32) / 255.0
    ground = _ground(rng, size) * (1 - 0.25 * shadow[..., None])
    red = np.array([rng.uniform(170, 220), rng.uniform(10, 40), rng.uniform(20, 45)], np.float32)
    texture = (_value_noise(rng, size, 10) - 0.5) * 22 + rng.normal(0, 3, (size, size)).astype(np.float32)
    paper = np.clip(red[None, None, :] + texture[..., None] * np.array([1.0, 0.4, 0.4], np.float32), 0, 255)
    image = ground * (1 - alpha[..., None]) + paper * alpha[..., None]
    return Image.fromarray(np.clip(image + 0.5, 0, 255).astype(np.uint8), "RGB")


# ----------------------------------------------------------------------------- domain A


def load_photo(name: str) -> Image.Image:
    """A bundled scikit-image photograph as RGB."""
    import skimage.data

    from .data import to_rgb

    array = getattr(skimage.data, name)()
    if array.dtype != np.uint8:
        array = (np.clip(array, 0, 1) * 255).astype(np.uint8) if array.max() <= 1 else array.astype(np.uint8)
    return to_rgb(Image.fromarray(array))


def photo_crops(name: str, count: int, size: int, seed: int) -> list[Image.Image]:
    """Random scale/position crops of one photo with flips and mild colour jitter."""
    rng = np.random.default_rng((seed, sum(map(ord, name))))
    photo = load_photo(name)
    w, h = photo.size
    crops = []
    for _ in range(count):
        side = int(min(w, h) * rng.uniform(0.45, 1.0))
        left, top = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
        crop = photo.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        gain = rng.uniform(0.85, 1.15, 3).astype(np.float32)
        array = np.clip(np.asarray(crop, np.float32) * gain[None, None, :], 0, 255).astype(np.uint8)
        crops.append(Image.fromarray(array, "RGB"))
    return crops


# ----------------------------------------------------------------------------- reference T


def reference_stylize(photo: Image.Image) -> Image.Image:
    """Fixed pseudo-target T(photo): dark regions and strong edges become red paper.

    Posterise the smoothed luminance at its Otsu threshold, add Sobel edges,
    clean the mask morphologically, then paint red paper on a plain light ground.
    Deterministic: no randomness, no learned parts.
    """
    from skimage import filters, morphology

    from .data import to_rgb

    rgb = np.asarray(to_rgb(photo), np.float32) / 255.0
    grey = filters.gaussian(rgb @ np.array([0.299, 0.587, 0.114], np.float32), sigma=1.5)
    dark = grey < filters.threshold_otsu(grey)
    edges = filters.sobel(grey)
    strong = edges > max(np.percentile(edges, 90), 1e-6)
    mask = morphology.opening(dark | strong, morphology.disk(1))
    paper = np.array([200, 28, 36], np.float32)
    ground = np.array([238, 230, 214], np.float32)
    image = np.where(mask[..., None], paper, ground)
    return Image.fromarray(image.astype(np.uint8), "RGB")


# ----------------------------------------------------------------------------- data set


def _render_to(args: tuple[str, int, int]) -> None:
    path, size, seed = args
    render_papercut(size, seed).save(path)


def build_dataset(
    root: str | os.PathLike[str],
    size: int = 256,
    b_train: int = 1000,
    b_test: int = 100,
    crops_per_train_photo: int = 80,
    crops_per_test_photo: int = 10,
    seed: int = 0,
    workers: int = 8,
) -> dict[str, Any]:
    """Write trainA/testA (photo crops), trainB/testB (paper-cuts) and manifest.json under ``root``."""
    root = Path(root)
    for sub in ("trainA", "testA", "trainB", "testB"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    counts = {"trainA": 0, "testA": 0}
    for name, (split, _licence) in PHOTOS.items():
        count = crops_per_train_photo if split == "train" else crops_per_test_photo
        folder = root / f"{split}A"
        for i, crop in enumerate(photo_crops(name, count, size, seed)):
            crop.save(folder / f"{name}_{i:04d}.png")
        counts[f"{split}A"] += count
    # Test paper-cuts use seeds disjoint from training ones.
    jobs = [(str(root / "trainB" / f"papercut_{i:05d}.png"), size, seed * 1_000_003 + i) for i in range(b_train)]
    jobs += [
        (str(root / "testB" / f"papercut_{i:05d}.png"), size, seed * 1_000_003 + 10_000_000 + i) for i in range(b_test)
    ]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_render_to, jobs, chunksize=16))
    else:
        for job in jobs:
            _render_to(job)
    manifest = {
        "size": size,
        "seed": seed,
        "counts": {**counts, "trainB": b_train, "testB": b_test},
        "photos": [{"name": n, "split": s, "licence": lic, "source": "scikit-image skimage.data"} for n, (s, lic) in PHOTOS.items()],
        "domain_b": "generation.gan.synthetic.render_papercut (procedural, seeded)",
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
