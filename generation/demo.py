"""Demo data of the Generate area (called by `manage.py seed_demo`; idempotent).

* A "Zhangzhou paper-cut" style domain with two small image sets: photos cropped from
  scikit-image's bundled pictures (domain A) and procedural paper-cuts from the core's
  renderer (domain B), uploaded through the same validation as a staff upload.
* The core's bundled demo model (generation/gan/pretrained/, trained on the device from the
  project's own synthetic data, see docs/gan.md) published as version 1 and made the default.
  Without it, a tiny CPU training run is queued instead, to be published from its run page.
* One finished generation job (a held-out photo, stylised here on the CPU) and one creative
  product of each kind, rendered here so the gallery and products pages show them at once.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from . import jobs, rendering, services
from .models import (
    CreativeProduct,
    ImageSide,
    JobSource,
    ProductKind,
    StyleDomain,
    StyleModel,
    TrainingRun,
)
from .storage import image_bytes

DOMAIN_NAME = "Zhangzhou paper-cut"
PHOTO_NAMES = ("astronaut", "coffee", "camera", "clock")  # training photos of the core's split
HELD_OUT_PHOTO = "chelsea"  # a test photo of the core's split: never seen in training
DEMO_SOURCE = "bundled demo model (generation/gan/pretrained)"
PRODUCT_OPTIONS = {
    ProductKind.POSTER: {"paper": "A4", "dpi": 150, "title": "Zhangzhou paper-cut · 漳州剪纸"},
    ProductKind.PATTERN: {"method": "mirror", "tile_px": 384},  # folded-paper symmetry suits jianzhi
    ProductKind.STICKER: {"border_px": 8},
    ProductKind.MAGNIFIED: {"scale": 2},
}
FALLBACK_TRAINING = {"variant": "improved", "image_size": 64, "iterations": 150, "decay_iterations": 50,
                     "ngf": 16, "n_blocks": 4, "batch_size": 2, "seed": 0}


def seed(context) -> None:
    institution, staff = context.institution, context.users["demo-staff"]
    domain = StyleDomain.objects.filter(institution=institution, name=DOMAIN_NAME).first()
    if domain is None:
        domain = services.style_domain_create(
            institution=institution, name=DOMAIN_NAME, actor=staff,
            description="Red paper-cuts (jianzhi) of Zhangzhou, Fujian: radially symmetric, cut from folded paper.")
    photos = _image_set(domain, ImageSide.PHOTOS, "Photos (scikit-image)", staff, _photos)
    art = _image_set(domain, ImageSide.ART, "Procedural paper-cuts", staff, _papercuts)
    model = _demo_model(domain, staff)
    if model is None:
        _queue_fallback_training(domain, photos, art, staff, context)
        return
    job = _demo_job(model, staff, context)
    for kind, options in PRODUCT_OPTIONS.items():
        image = job.images.first()
        product = CreativeProduct.objects.filter(source=image, kind=kind).first() or services.product_create(
            source=image, kind=kind, options=options, actor=staff)
        if product.status != "done":
            rendering.product_render(product_id=product.pk)
    context.log.append(f"generation: {domain.name} with {model} (demo job {job.pk}, one product of each kind)")


def _image_set(domain, side, name, actor, make_images):
    image_set = domain.image_sets.filter(name=name).first() or services.image_set_create(
        domain=domain, side=side, name=name, actor=actor)
    if not image_set.images.exists():
        files = [SimpleUploadedFile(f"{label}.png", image_bytes(image)) for label, image in make_images()]
        services.image_set_upload(image_set=image_set, files=files, actor=actor)
    return image_set


def _photos():
    from generation.gan.synthetic import photo_crops

    for name in PHOTO_NAMES:
        for index, crop in enumerate(photo_crops(name, 3, 256, seed=0)):
            yield f"{name}-{index}", crop


def _papercuts():
    from generation.gan.synthetic import render_papercut

    for seed in range(12):
        yield f"papercut-{seed:02d}", render_papercut(256, seed)


def _demo_model(domain, actor) -> StyleModel | None:
    existing = domain.style_models.filter(provenance__source=DEMO_SOURCE).first()
    if existing is not None:
        return existing
    try:
        from generation.gan.pretrained import DEMO_GENERATOR, demo_metadata
    except ImportError:
        return None
    if not DEMO_GENERATOR.exists():
        return None
    meta = demo_metadata()
    return services.style_model_import(
        domain=domain, name="Paper-cut demo (self-attention + bilinear)", weights=DEMO_GENERATOR.read_bytes(),
        actor=actor, make_default=True, metrics=meta.get("evaluation_testA", {}),
        training_data=meta.get("data", {}),
        provenance={"source": DEMO_SOURCE, "command": meta.get("command"), "iterations": meta.get("iterations_done"),
                    "train_seconds": meta.get("train_seconds"), "final_losses": meta.get("final_losses")})


def _demo_job(model, actor, context):
    from generation.gan.synthetic import load_photo

    job = model.jobs.filter(source=JobSource.DEMO).first()
    if job is None:
        photo = io.BytesIO(image_bytes(load_photo(HELD_OUT_PHOTO)))
        job = jobs.job_submit(style_model=model, files=[(f"{HELD_OUT_PHOTO}.png", photo)], out_size=512,
                              actor=actor, source=JobSource.DEMO)
    if job.status != "done":
        # Run here rather than on the queue: the demo must be complete before the worker starts.
        jobs.job_execute(job_id=job.pk)
        job.refresh_from_db()
    return job


def _queue_fallback_training(domain, photos, art, actor, context) -> None:
    if TrainingRun.objects.filter(domain=domain).exists():
        return
    run = services.training_run_start(domain=domain, image_set_a=photos, image_set_b=art,
                                      options=FALLBACK_TRAINING, actor=actor)
    context.log.append(f"generation: no bundled demo model; queued CPU training run {run.pk} "
                       "(publish it from its run page when it finishes)")
