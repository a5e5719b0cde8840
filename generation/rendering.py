"""The worker side of creative products: run the pure function of `products.py`, store the files.

Idempotent: a product that is already done is left alone; a redelivered task renders again
and overwrites the half-written result.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.services import record_audit

from . import products
from .models import CreativeProduct, JobStatus, ProductKind
from .storage import image_bytes, open_image, save_image, save_preview

logger = logging.getLogger(__name__)


def published_magnifier(scale: int):
    """The core's bundled ×2/×4 magnifier, or None when the core ships none (then bicubic, labelled)."""
    try:
        from generation.gan.pretrained import PRETRAINED_DIR, load_pretrained_magnifier
    except ImportError:
        return None
    if not (PRETRAINED_DIR / f"magnifier_x{scale}.pt").exists():
        return None
    from .training import resolve_device

    return load_pretrained_magnifier(scale, resolve_device()[0])


def product_render(*, product_id: int) -> str:
    product = CreativeProduct.objects.select_related("source__job__style_model__domain").filter(pk=product_id).first()
    if product is None or product.status == JobStatus.DONE:
        return "nothing to do"
    CreativeProduct.objects.filter(pk=product.pk).update(status=JobStatus.RUNNING)
    try:
        _render(product)
    except Exception as exc:
        logger.exception("product %s failed", product_id)
        CreativeProduct.objects.filter(pk=product.pk).update(status=JobStatus.FAILED,
                                                             error=f"{type(exc).__name__}: {exc}"[:2000])
        return JobStatus.FAILED
    return JobStatus.DONE


def _render(product: CreativeProduct) -> None:
    source = product.source
    image = open_image(source.output_file)
    options = product.options
    base = f"product-{product.pk}-{product.kind}"
    if product.kind == ProductKind.POSTER:
        pdf, info = products.poster_pdf(image, paper=options["paper"], dpi=options["dpi"], title=options["title"],
                                        credit=options["credit"], orientation=options["orientation"])
        product.file.save(f"{base}.pdf", ContentFile(pdf), save=False)
        preview = image
    elif product.kind == ProductKind.PATTERN:
        tile, info = products.seamless_tile(image, size=options["tile_px"], method=options["method"])
        info["tiles_seamlessly"] = products.tiles_seamlessly(tile)
        save_image(product.file, f"{base}.png", tile)
        preview = products.repeat_preview(tile)
    elif product.kind == ProductKind.STICKER:
        result, info = products.sticker(image, border=options["border_px"])
        product.file.save(f"{base}.png", ContentFile(image_bytes(result, "PNG", optimize=True)), save=False)
        preview = result
    else:
        result, info = products.magnify(image, scale=options["scale"],
                                        magnifier=published_magnifier(options["scale"]))
        save_image(product.file, f"{base}.png", result)
        info["size"] = [result.width, result.height]
        preview = result
    save_preview(product.thumbnail, base, preview)
    model = source.job.style_model
    product.provenance = {
        "source_image": source.pk, "job": source.job_id, "input_name": source.input_name,
        "model": {"id": model.pk, "name": model.name, "version": model.version},
        "options": options, "result": info, "rendered_at": timezone.now().isoformat(),
    }
    with transaction.atomic():
        product.status, product.finished_at, product.error = JobStatus.DONE, timezone.now(), ""
        product.save()
        record_audit(institution=product.institution, actor=None, verb="generation.product.done", target=product,
                     data={"kind": product.kind})
