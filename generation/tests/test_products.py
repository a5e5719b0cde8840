"""Creative products, checked on their outputs: the PDF's page size and image DPI, the pattern's
edges, the sticker's alpha, the magnified size (and its labelled fallback)."""

import io
import re

import numpy as np
import pypdf
import pytest
from PIL import Image

from generation import products
from generation.gan.synthetic import photo_crops, render_papercut

MM_PER_POINT = 25.4 / 72


@pytest.fixture(scope="module")
def papercut():
    return render_papercut(192, seed=11)


def drawn_image(pdf_bytes):
    """Page size (mm), the embedded image's pixel size, and the size it is drawn at (points)."""
    page = pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    (image,) = page.images
    content = page.get_contents().get_data().decode("latin-1")
    name = image.name.rsplit(".", 1)[0]
    match = re.search(r"([\d.]+) 0 0 ([\d.]+) [\d.]+ [\d.]+ cm\s*/" + re.escape(name) + r" Do", content)
    page_mm = (float(page.mediabox.width) * MM_PER_POINT, float(page.mediabox.height) * MM_PER_POINT)
    return page_mm, image.image.size, (float(match.group(1)), float(match.group(2))), page.extract_text()


@pytest.mark.parametrize("paper,dpi,page_mm", [("A4", 300, (210, 297)), ("A3", 150, (297, 420)),
                                               ("Letter", 200, (215.9, 279.4))])
def test_poster_has_the_paper_size_and_prints_at_the_dpi(papercut, paper, dpi, page_mm):
    pdf, info = products.poster_pdf(papercut, paper=paper, dpi=dpi, title="Zhangzhou paper-cut",
                                    credit="Demo model v1 · Test museum")
    size_mm, pixels, drawn_pt, text = drawn_image(pdf)
    assert size_mm == pytest.approx(page_mm, abs=0.2)
    assert pixels == tuple(info["image_px"])
    for px, pt in zip(pixels, drawn_pt):
        assert px / (pt / 72) == pytest.approx(dpi, rel=0.002)
    assert "Zhangzhou paper-cut" in text and "Demo model v1" in text


def test_landscape_image_gets_a_landscape_page():
    wide = photo_crops("coffee", 1, 64, 0)[0].resize((300, 200))
    pdf, info = products.poster_pdf(wide, paper="A2", dpi=150, title="Wide")
    size_mm, *_ = drawn_image(pdf)
    assert info["orientation"] == "landscape"
    assert size_mm == pytest.approx((594, 420), abs=0.3)


def test_poster_refuses_an_unknown_paper_or_dpi(papercut):
    with pytest.raises(ValueError, match="unknown paper"):
        products.poster_pdf(papercut, paper="B9")
    with pytest.raises(ValueError, match="DPI"):
        products.poster_pdf(papercut, dpi=123)


@pytest.mark.parametrize("method", ["blend", "mirror"])
def test_pattern_tile_edges_match(papercut, method):
    tile, info = products.seamless_tile(papercut, size=128, method=method)
    assert tile.size == (128, 128)
    array = np.asarray(tile, dtype=np.float32)
    seam = max(np.abs(array[:, 0] - array[:, -1]).mean(), np.abs(array[0] - array[-1]).mean())
    inside = np.abs(np.diff(array, axis=1)).mean()
    assert seam <= 1.5 * inside + 1
    assert products.tiles_seamlessly(tile)
    if method == "mirror":
        assert seam == 0
    assert info["seam_error"] == pytest.approx(seam, abs=0.01)


def test_an_ordinary_crop_does_not_tile(papercut):
    # The check is not vacuous: the raw image has a visible seam when repeated.
    raw = photo_crops("astronaut", 1, 128, 3)[0]
    assert not products.tiles_seamlessly(raw)


def test_sticker_has_a_transparent_background_and_opaque_paper(papercut):
    result, info = products.sticker(papercut, border=6)
    assert result.mode == "RGBA"
    alpha = np.asarray(result)[..., 3]
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 0, "corners (ground) are transparent"
    rgb = np.asarray(papercut, dtype=np.int32)
    red = (rgb[..., 0] - rgb[..., 1] > 100)
    assert (alpha[red] == 255).mean() > 0.95, "the red paper is opaque"
    assert 0.05 < info["foreground_fraction"] < 0.95
    png = io.BytesIO()
    result.save(png, "PNG")
    assert Image.open(io.BytesIO(png.getvalue())).mode == "RGBA"


def test_sticker_of_a_blank_image_is_refused():
    with pytest.raises(ValueError, match="no foreground"):
        products.sticker(Image.new("RGB", (64, 64), (240, 235, 225)))


@pytest.mark.parametrize("scale", [2, 4])
def test_magnify_without_a_model_is_a_labelled_bicubic_fallback(papercut, scale):
    result, info = products.magnify(papercut, scale=scale)
    assert result.size == (192 * scale, 192 * scale)
    assert info["method"] == "bicubic" and info["fallback"] is True and "fallback" in info["note"]


def test_magnify_refuses_other_scales(papercut):
    with pytest.raises(ValueError):
        products.magnify(papercut, scale=3)
