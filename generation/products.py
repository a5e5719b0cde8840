"""Creative products made from a generated image: pure functions on PIL images.

* `poster_pdf`: a print-ready PDF at a paper size and DPI, with a title and a credit line.
* `seamless_tile` (+ `wrap_seam_error`): a tile whose opposite edges meet without a seam.
* `sticker`: a die-cut sticker: the red paper-cut foreground kept, a white margin around
  it, everything else transparent.
* `magnify`: x2/x4 with the core's magnification model, or bicubic as a labelled fallback.

Each returns the result and a small dict that goes into the product's provenance.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter
from reportlab.lib import pagesizes
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from scipy import ndimage

PAPER_SIZES: dict[str, tuple[float, float]] = {  # portrait, in PostScript points (1/72 inch)
    "A4": pagesizes.A4,
    "A3": pagesizes.A3,
    "A2": pagesizes.A2,
    "A1": pagesizes.A1,
    "Letter": pagesizes.LETTER,
    "Legal": pagesizes.LEGAL,
    "Tabloid": pagesizes.TABLOID,
}
POSTER_DPIS = (150, 200, 300, 600)
POSTER_MAX_PIXELS = 80_000_000  # the printed image is resampled to exactly this DPI; keep memory bounded
MAGNIFY_SCALES = (2, 4)


# ------------------------------------------------------------------------------- poster


def _font_for(text: str) -> str:
    # Helvetica has no CJK glyphs; reportlab's built-in CID font renders Chinese titles without embedding a file.
    if any(ord(ch) > 0x2E7F for ch in text):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    return "Helvetica-Bold"


def poster_pdf(image: Image.Image, *, paper: str = "A4", dpi: int = 300, title: str = "", credit: str = "",
               orientation: str = "auto", margin_mm: float = 12.0) -> tuple[bytes, dict]:
    """A one-page PDF: title on top, the image as large as fits at exactly `dpi`, credit line below."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper size {paper!r}; choose from {', '.join(PAPER_SIZES)}")
    if dpi not in POSTER_DPIS:
        raise ValueError(f"DPI must be one of {POSTER_DPIS}")
    width, height = PAPER_SIZES[paper]
    landscape = orientation == "landscape" or (orientation == "auto" and image.width > image.height)
    if landscape:
        width, height = height, width
    margin = margin_mm * mm
    title_size = max(14.0, width / 28)
    credit_size = max(7.0, width / 80)
    title_band = title_size * 1.8 if title else 0
    credit_band = credit_size * 2.2 if credit else 0
    box_w, box_h = width - 2 * margin, height - 2 * margin - title_band - credit_band
    scale = min(box_w / image.width, box_h / image.height)
    draw_w, draw_h = image.width * scale, image.height * scale
    # Resample so the printed image has exactly `dpi` pixels per inch.
    px_w, px_h = round(draw_w / 72 * dpi), round(draw_h / 72 * dpi)
    if px_w * px_h > POSTER_MAX_PIXELS:
        raise ValueError(f"{paper} at {dpi} DPI needs {px_w}×{px_h} pixels; choose a lower DPI")
    printed = image.convert("RGB").resize((px_w, px_h), Image.LANCZOS)
    jpeg = io.BytesIO()
    printed.save(jpeg, "JPEG", quality=92, dpi=(dpi, dpi))
    jpeg.seek(0)

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(title or "Poster")
    pdf.setCreator("ichplatform")
    x = (width - draw_w) / 2
    y = margin + credit_band + (box_h - draw_h) / 2
    pdf.drawImage(ImageReader(jpeg), x, y, draw_w, draw_h)
    if title:
        pdf.setFont(_font_for(title), title_size)
        pdf.drawCentredString(width / 2, height - margin - title_size, title)
    if credit:
        pdf.setFont(_font_for(credit).replace("-Bold", ""), credit_size)
        pdf.setFillGray(0.3)
        pdf.drawCentredString(width / 2, margin + credit_size * 0.6, credit)
    pdf.showPage()
    pdf.save()
    info = {
        "paper": paper, "orientation": "landscape" if landscape else "portrait", "dpi": dpi,
        "page_mm": [round(width / mm, 1), round(height / mm, 1)],
        "image_px": [px_w, px_h], "image_mm": [round(draw_w / mm, 1), round(draw_h / mm, 1)],
        "upsampled_from": [image.width, image.height] if px_w > image.width else None,
    }
    return out.getvalue(), info


# ------------------------------------------------------------------------------ pattern


def _center_square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def _edge_weight(size: int) -> np.ndarray:
    """0 at both ends, rising linearly to 1 over a quarter of the length, 1 in the middle half."""
    position = np.arange(size, dtype=np.float32) + 0.5
    distance = np.minimum(position, size - position)
    return np.clip(distance / (size / 4), 0.0, 1.0)


def _blend_axis(array: np.ndarray, axis: int) -> np.ndarray:
    # The copy shifted by half a tile has its own seam in the middle, where the original wins;
    # at the borders the shifted copy wins, and its two borders were neighbours in the original.
    size = array.shape[axis]
    shifted = np.roll(array, size // 2, axis=axis)
    weight = _edge_weight(size).reshape((-1, 1, 1) if axis == 0 else (1, -1, 1))
    return weight * array + (1 - weight) * shifted


def seamless_tile(image: Image.Image, *, size: int = 512, method: str = "blend") -> tuple[Image.Image, dict]:
    """A square tile that repeats without seams: 'blend' (offset-and-blend) or 'mirror' (kaleidoscope)."""
    if method not in ("blend", "mirror"):
        raise ValueError("method must be 'blend' or 'mirror'")
    size = max(16, int(size) // 2 * 2)
    square = _center_square(image.convert("RGB"))
    if method == "mirror":
        half = square.resize((size // 2, size // 2), Image.LANCZOS)
        array = np.asarray(half)
        top = np.concatenate([array, array[:, ::-1]], axis=1)
        tile = Image.fromarray(np.concatenate([top, top[::-1]], axis=0), "RGB")
    else:
        array = np.asarray(square.resize((size, size), Image.LANCZOS), dtype=np.float32)
        array = _blend_axis(_blend_axis(array, 1), 0)
        tile = Image.fromarray(np.clip(array + 0.5, 0, 255).astype(np.uint8), "RGB")
    return tile, {"method": method, "tile_px": size, **seam_report(tile)}


def seam_report(tile: Image.Image) -> dict:
    """How well the tile wraps: mean |difference| across the wrap seams vs between neighbours inside."""
    array = np.asarray(tile.convert("RGB"), dtype=np.float32)
    seam = max(np.abs(array[:, 0] - array[:, -1]).mean(), np.abs(array[0] - array[-1]).mean())
    inside = (np.abs(np.diff(array, axis=1)).mean() + np.abs(np.diff(array, axis=0)).mean()) / 2
    return {"seam_error": round(float(seam), 3), "interior_step": round(float(inside), 3)}


def tiles_seamlessly(tile: Image.Image, tolerance: float = 1.5) -> bool:
    """Opposite edges match: the wrap seam differs no more than neighbouring pixels inside do."""
    report = seam_report(tile)
    return report["seam_error"] <= tolerance * report["interior_step"] + 1.0


def repeat_preview(tile: Image.Image, times: int = 3) -> Image.Image:
    sheet = Image.new("RGB", (tile.width * times, tile.height * times))
    for row in range(times):
        for col in range(times):
            sheet.paste(tile, (col * tile.width, row * tile.height))
    return sheet


# ------------------------------------------------------------------------------ sticker


def ground_colour(array: np.ndarray) -> np.ndarray:
    """The light ground: median colour of a thin frame around the image."""
    band = max(1, min(array.shape[:2]) // 40)
    frame = np.concatenate([array[:band].reshape(-1, 3), array[-band:].reshape(-1, 3),
                            array[:, :band].reshape(-1, 3), array[:, -band:].reshape(-1, 3)])
    return np.median(frame, axis=0)


def foreground_mask(image: Image.Image) -> tuple[np.ndarray, dict]:
    """Paper (the red cut) vs the light ground, by colour distance from the ground with Otsu's threshold."""
    from skimage.filters import threshold_otsu

    array = np.asarray(image.convert("RGB"), dtype=np.float32)
    ground = ground_colour(array)
    distance = np.sqrt(((array - ground) ** 2).sum(axis=2))
    redness = array[..., 0] - (array[..., 1] + array[..., 2]) / 2
    score = distance + np.clip(redness, 0, None)
    threshold = float(threshold_otsu(score)) if score.max() > score.min() else float(score.max()) + 1
    mask = ndimage.binary_opening(score > threshold, iterations=1)
    return mask, {"ground_rgb": [round(float(v)) for v in ground], "threshold": round(threshold, 2)}


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return x * x + y * y <= radius * radius


def sticker(image: Image.Image, *, border: int = 8) -> tuple[Image.Image, dict]:
    """RGBA die-cut: foreground kept, a white margin of `border` px around it, the rest transparent."""
    rgb = image.convert("RGB")
    mask, info = foreground_mask(rgb)
    if not mask.any():
        raise ValueError("no foreground found: the image looks like plain ground")
    outline = ndimage.binary_dilation(mask, structure=_disk(border)) if border > 0 else mask
    array = np.asarray(rgb).copy()
    array[outline & ~mask] = 255
    alpha = Image.fromarray((outline * 255).astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(0.7))
    result = Image.fromarray(array, "RGB")
    result.putalpha(alpha)
    coverage = float(outline.mean())
    return result, {**info, "border_px": border, "foreground_fraction": round(float(mask.mean()), 4),
                    "opaque_fraction": round(coverage, 4)}


# ------------------------------------------------------------------------------ magnify


def magnify(image: Image.Image, *, scale: int, magnifier=None) -> tuple[Image.Image, dict]:
    """Enlarge ×2 or ×4 with `magnifier` (generation.gan.Magnifier of that scale) or bicubic fallback."""
    if scale not in MAGNIFY_SCALES:
        raise ValueError(f"scale must be one of {MAGNIFY_SCALES}")
    rgb = image.convert("RGB")
    if magnifier is not None:
        if magnifier.scale != scale:
            raise ValueError(f"the magnifier enlarges ×{magnifier.scale}, not ×{scale}")
        return magnifier.magnify(rgb), {"scale": scale, "method": "magnifier", "fallback": False}
    enlarged = rgb.resize((rgb.width * scale, rgb.height * scale), Image.BICUBIC)
    return enlarged, {"scale": scale, "method": "bicubic", "fallback": True,
                      "note": "bicubic fallback: no magnification model is published"}
