"""Writes of the Generation area: keyword-only arguments, one transaction each, audited.

Worker-side execution lives beside: `training.py` (runs), `jobs.py` (generation jobs,
batching, pixel quotas), `rendering.py` (creative products).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.services import record_audit

from . import uploads
from .models import (
    CreativeProduct,
    ImageSet,
    ImageSide,
    JobStatus,
    ProductKind,
    RunStatus,
    SourceImage,
    StyleDomain,
    StyleModel,
    TrainingRun,
)
from .options import product_options, training_config

# ----------------------------------------------------------------------------- domains and image sets


@transaction.atomic
def style_domain_create(*, institution, name: str, description: str = "", actor) -> StyleDomain:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the style domain a name."})
    if StyleDomain.objects.filter(institution=institution, name=name).exists():
        raise ValidationError({"name": f"A style domain called {name!r} exists already."})
    domain = StyleDomain.objects.create(institution=institution, name=name, description=description,
                                        created_by=_user(actor))
    record_audit(institution=institution, actor=actor, verb="generation.domain.created", target=domain)
    return domain


@transaction.atomic
def image_set_create(*, domain: StyleDomain, side: str, name: str, description: str = "", actor) -> ImageSet:
    if side not in ImageSide.values:
        raise ValidationError({"side": "Choose domain A (photos) or domain B (heritage art)."})
    if ImageSet.objects.filter(domain=domain, name=name).exists():
        raise ValidationError({"name": f"This domain already has an image set called {name!r}."})
    image_set = ImageSet.objects.create(institution=domain.institution, domain=domain, side=side, name=name,
                                        description=description, created_by=_user(actor))
    record_audit(institution=domain.institution, actor=actor, verb="generation.image_set.created",
                 target=image_set, data={"side": side})
    return image_set


def image_set_upload(*, image_set: ImageSet, files, actor, limits: uploads.UploadLimits | None = None) -> list[dict]:
    """Validate and store each uploaded file (images or ZIPs of images); return the per-file report.

    Each accepted image is stored in its own transaction, so a bad file (or a duplicate
    arriving at the same moment) never undoes the good ones.
    """
    limits = limits or uploads.UploadLimits.from_settings()
    report: list[dict] = []
    for uploaded in files:
        uploaded.seek(0)
        for verdict in uploads.verdicts_for_upload(uploaded.name, uploaded, limits):
            report.append(_store_verdict(image_set, verdict))
    counts = {outcome: sum(1 for r in report if r["outcome"] == outcome)
              for outcome in (uploads.ACCEPTED, uploads.CONVERTED, uploads.REJECTED)}
    with transaction.atomic():
        ImageSet.objects.filter(pk=image_set.pk).update(last_upload_report=report)
        image_set.last_upload_report = report
        record_audit(institution=image_set.institution, actor=actor, verb="generation.image_set.uploaded",
                     target=image_set, data=counts)
    return report


def _store_verdict(image_set: ImageSet, verdict: uploads.FileVerdict) -> dict:
    if verdict.outcome == uploads.REJECTED:
        return verdict.as_report()
    duplicate = SourceImage.objects.filter(image_set=image_set, sha256=verdict.sha256).first()
    if duplicate is not None:
        return uploads.rejected(verdict.name, f"duplicate of {duplicate.original_name} already in this set"
                                ).as_report()
    image = verdict.image
    source = SourceImage(institution=image_set.institution, image_set=image_set, original_name=verdict.name[:255],
                         sha256=verdict.sha256, width=image.width, height=image.height,
                         original_format=verdict.original_format, original_mode=verdict.original_mode,
                         conversion_note=verdict.reason[:300], size_bytes=verdict.size_bytes)
    # Training reads PNG (lossless) of the normalised RGB image; the original bytes' hash is kept.
    from .storage import image_bytes

    source.file.save(f"{verdict.sha256[:16]}.png", ContentFile(image_bytes(image, "PNG")), save=False)
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:
        source.file.delete(save=False)
        return uploads.rejected(verdict.name, "duplicate of a file uploaded at the same time").as_report()
    return verdict.as_report(source_image_id=source.pk, width=image.width, height=image.height)


@transaction.atomic
def source_image_delete(*, image: SourceImage, actor) -> None:
    image_set, name = image.image_set, image.original_name
    image.file.delete(save=False)
    image.delete()
    record_audit(institution=image_set.institution, actor=actor, verb="generation.source_image.deleted",
                 target=image_set, data={"name": name})


# ----------------------------------------------------------------------------- training runs


@transaction.atomic
def training_run_start(*, domain: StyleDomain, image_set_a: ImageSet, image_set_b: ImageSet, options: dict,
                       actor) -> TrainingRun:
    """Check the data and options, create the run and queue it on the GPU queue."""
    errors = {}
    for field, image_set, side in (("image_set_a", image_set_a, ImageSide.PHOTOS),
                                   ("image_set_b", image_set_b, ImageSide.ART)):
        if image_set.domain_id != domain.pk or image_set.side != side:
            errors[field] = f"Choose a {ImageSide(side).label} set of {domain.name}."
        elif not image_set.images.exists():
            errors[field] = f"{image_set.name} has no images yet."
    if errors:
        raise ValidationError(errors)
    config = training_config(options)
    run = TrainingRun.objects.create(
        institution=domain.institution, domain=domain, image_set_a=image_set_a, image_set_b=image_set_b,
        config=config, total_iterations=config["iterations"] + config["decay_iterations"], created_by=_user(actor))
    record_audit(institution=domain.institution, actor=actor, verb="generation.run.started", target=run,
                 data={"variant": options.get("variant"), "iterations": run.total_iterations})
    transaction.on_commit(lambda: enqueue_training(run.pk))
    return run


def enqueue_training(run_id: int) -> None:
    from .tasks import train

    result = train.apply_async(args=[run_id], queue=settings.GENERATION_GPU_QUEUE)
    TrainingRun.objects.filter(pk=run_id).update(celery_task_id=result.id)


@transaction.atomic
def training_run_cancel(*, run: TrainingRun, actor) -> TrainingRun:
    """Ask the worker to stop at its next iteration; a queued run is cancelled at once."""
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if not run.is_active:
        raise ValidationError(f"The run is {run.get_status_display().lower()}; only a queued or running run "
                              "can be cancelled.")
    run.cancel_requested = True
    fields = ["cancel_requested"]
    if run.status == RunStatus.QUEUED:
        run.status = RunStatus.CANCELLED
        fields.append("status")
    run.save(update_fields=fields)
    record_audit(institution=run.institution, actor=actor, verb="generation.run.cancel_requested", target=run)
    return run


# ----------------------------------------------------------------------------- style models


@transaction.atomic
def style_model_publish(*, run: TrainingRun, name: str = "", actor, make_default: bool = False) -> StyleModel:
    """Publish a finished run's generator as the domain's next model version."""
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.FINISHED or not run.weights:
        raise ValidationError("Only a finished run with exported weights can be published.")
    model = _style_model_create(
        domain=run.domain, name=name or f"{run.domain.name} ({run.config.get('variant', 'model')})",
        weights_name=run.weights.name, training_run=run, metrics=run.metrics,
        training_data=training_data_summary(run),
        provenance={"source": "training run", "training_run": run.pk, "config": run.config, "device": run.device,
                    "iterations": run.iteration, "warnings": run.warnings,
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None},
        actor=actor)
    if make_default or run.domain.default_model_id is None:
        _set_default(model, actor)
    return model


@transaction.atomic
def style_model_import(*, domain: StyleDomain, name: str, weights: bytes, actor, metrics: dict | None = None,
                       training_data: dict | None = None, provenance: dict | None = None,
                       make_default: bool = False) -> StyleModel:
    """Publish generator weights made elsewhere (e.g. the core's bundled demo model) as the next version."""
    model = _style_model_create(domain=domain, name=name, weights_content=ContentFile(weights), metrics=metrics,
                                training_data=training_data, provenance=provenance, actor=actor)
    if make_default or domain.default_model_id is None:
        _set_default(model, actor)
    return model


def _style_model_create(*, domain, name, weights_name=None, weights_content=None, training_run=None, metrics=None,
                        training_data=None, provenance=None, actor) -> StyleModel:
    version = (domain.style_models.aggregate(v=Max("version"))["v"] or 0) + 1
    model = StyleModel(institution=domain.institution, domain=domain, name=name[:120], version=version,
                       training_run=training_run, metrics=metrics or {}, training_data=training_data or {},
                       provenance={**(provenance or {}), "published_by": getattr(actor, "username", None)},
                       published_by=_user(actor))
    if weights_content is not None:
        model.weights.save(f"style-model-{domain.pk}-v{version}.pt", weights_content, save=False)
    else:
        model.weights.name = weights_name
    model.save()
    record_audit(institution=domain.institution, actor=actor, verb="generation.model.published", target=model,
                 data={"version": version, "training_run": getattr(training_run, "pk", None)})
    return model


def training_data_summary(run: TrainingRun) -> dict:
    summary = {}
    for key, image_set in (("a", run.image_set_a), ("b", run.image_set_b)):
        images = image_set.images.all()
        summary[key] = {"image_set": image_set.name, "image_set_id": image_set.pk, "images": images.count(),
                        "converted": images.exclude(conversion_note="").count()}
    return summary


@transaction.atomic
def style_model_set_default(*, model: StyleModel, actor) -> StyleDomain:
    return _set_default(model, actor)


def _set_default(model: StyleModel, actor) -> StyleDomain:
    domain = model.domain
    domain.default_model = model
    domain.save(update_fields=["default_model"])
    record_audit(institution=domain.institution, actor=actor, verb="generation.model.default_set", target=model,
                 data={"domain": domain.name, "version": model.version})
    return domain


# ----------------------------------------------------------------------------- creative products


@transaction.atomic
def product_create(*, source, kind: str, options: dict, actor) -> CreativeProduct:
    """Queue a creative product of a generated image (rendered on the `default` queue)."""
    if kind not in ProductKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(ProductKind.values)}."})
    if source.job.status != JobStatus.DONE or not source.output_file:
        raise ValidationError("The generated image is not ready yet.")
    cleaned = product_options(kind, options, source=source)
    product = CreativeProduct.objects.create(institution=source.institution, kind=kind, source=source,
                                             options=cleaned, created_by=_user(actor))
    record_audit(institution=source.institution, actor=actor, verb="generation.product.requested",
                 target=product, data={"kind": kind, **cleaned})
    transaction.on_commit(lambda: enqueue_product(product.pk))
    return product


def enqueue_product(product_id: int) -> None:
    from .product_tasks import render_product

    result = render_product.apply_async(args=[product_id], queue=settings.GENERATION_PRODUCT_QUEUE)
    CreativeProduct.objects.filter(pk=product_id).update(celery_task_id=result.id)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
