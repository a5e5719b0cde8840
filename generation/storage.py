"""Files of the Generation area in Django's default storage (MEDIA_ROOT or object storage)."""

import io
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image

PREVIEW_SIDE = 512


def image_bytes(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def save_image(field_file, name: str, image: Image.Image, fmt: str = "PNG", **params) -> None:
    """Store `image` in a FileField (without saving the model row)."""
    field_file.save(name, ContentFile(image_bytes(image, fmt, **params)), save=False)


def save_preview(field_file, name: str, image: Image.Image) -> None:
    preview = image.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.LANCZOS)
    if preview.mode == "RGBA":
        save_image(field_file, f"{name}.png", preview, "PNG", optimize=True)
    else:
        save_image(field_file, f"{name}.jpg", preview.convert("RGB"), "JPEG", quality=85)


def open_image(field_file) -> Image.Image:
    with field_file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


@contextmanager
def local_path(field_file):
    """A filesystem path of a stored file (a temporary copy when the storage is remote)."""
    try:
        path = Path(field_file.path)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / Path(field_file.name).name
        with field_file.open("rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
        yield target
