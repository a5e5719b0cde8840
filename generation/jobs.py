"""Generation jobs: submission (validation, per-token pixel quota) and execution on the GPU queue.

Batching: when a worker takes a job it also takes the other queued jobs of the same
style model and output size (up to GENERATION_BATCH_MAX), and stylises their images
together; images of one output size go through the generator as one tensor batch,
large ones are tiled by the core one at a time. The companions' own tasks then find
their job done and return.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import record_audit

from . import leases, uploads
from .models import GeneratedImage, GenerationJob, JobSource, JobStatus, PixelQuotaUsage, StyleModel
from .options import output_dimensions, output_size
from .storage import open_image, save_image, save_preview

logger = logging.getLogger(__name__)
MAX_IMAGES_PER_JOB = 32

# ----------------------------------------------------------------------------- quota


@dataclass
class QuotaExceeded(Exception):
    quota: int
    used: int
    requested: int
    resets_at: datetime

    @property
    def message(self) -> str:
        return (f"This token may generate {self.quota:,} pixels a day; {self.used:,} are used and this request "
                f"needs {self.requested:,}.")


def quota_day() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def reserve_pixels(*, token, pixels: int) -> PixelQuotaUsage:
    """Charge `pixels` to the token's day, or raise QuotaExceeded (atomic: concurrent requests can't both pass)."""
    day = quota_day()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                usage, _ = PixelQuotaUsage.objects.select_for_update().get_or_create(
                    token=token, day=day.date(), defaults={"institution_id": token.institution_id})
                if usage.pixels + pixels > token.daily_pixel_quota:
                    raise QuotaExceeded(quota=token.daily_pixel_quota, used=usage.pixels, requested=pixels,
                                        resets_at=day + timedelta(days=1))
                PixelQuotaUsage.objects.filter(pk=usage.pk).update(pixels=F("pixels") + pixels)
                usage.refresh_from_db()
                return usage
        except IntegrityError:
            continue  # another request created today's row first; read it again
    raise RuntimeError("could not reserve quota")


def release_pixels(job: GenerationJob) -> None:
    """Give back the pixels of a job that failed on our side."""
    if job.api_token_id and job.pixels:
        PixelQuotaUsage.objects.filter(token_id=job.api_token_id, day=job.created_at.astimezone(UTC).date(),
                                       pixels__gte=job.pixels).update(pixels=F("pixels") - job.pixels)


def pixels_used_today(token) -> int:
    row = PixelQuotaUsage.objects.filter(token=token, day=quota_day().date()).first()
    return row.pixels if row else 0


# ----------------------------------------------------------------------------- submission


def job_submit(*, style_model: StyleModel, files: list[tuple[str, object]], out_size, actor,
               source: str = JobSource.PAGE, api_token=None, options: dict | None = None) -> GenerationJob:
    """Validate the images (as uploads are), charge the quota, store the inputs and queue the job.

    `files` are (name, binary stream) pairs. Any rejected image refuses the whole job (with
    the per-file reasons) so that a partner never pays for a partial result.
    """
    if not files:
        raise ValidationError({"images": "Send at least one image."})
    if len(files) > MAX_IMAGES_PER_JOB:
        raise ValidationError({"images": f"At most {MAX_IMAGES_PER_JOB} images per job."})
    size = output_size(out_size)
    limits = uploads.UploadLimits.from_settings()
    verdicts = []
    for name, stream in files:
        stream.seek(0)
        verdicts.append(uploads.inspect_image(name, stream.read(limits.max_bytes + 1), limits))
    bad = [v for v in verdicts if v.outcome == uploads.REJECTED]
    if bad:
        raise ValidationError({"images": [f"{v.name}: {v.reason}" for v in bad]})
    dimensions = [output_dimensions(v.image.width, v.image.height, size) for v in verdicts]
    too_big = [v.name for v, (w, h) in zip(verdicts, dimensions, strict=True) if max(w, h) > settings.GENERATION_MAX_OUTPUT_SIDE]
    if too_big:
        raise ValidationError({"out_size": f"{', '.join(too_big)}: the result would exceed "
                               f"{settings.GENERATION_MAX_OUTPUT_SIDE} px; choose an output size."})
    pixels = sum(w * h for w, h in dimensions)
    with transaction.atomic():
        if api_token is not None:
            reserve_pixels(token=api_token, pixels=pixels)
        job = GenerationJob.objects.create(
            institution=style_model.institution, style_model=style_model, out_size=size, pixels=pixels,
            options={"out_size": size, **(options or {})}, source=source, api_token=api_token,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        for position, (verdict, (w, h)) in enumerate(zip(verdicts, dimensions, strict=True)):
            item = GeneratedImage(institution=job.institution, job=job, position=position,
                                  input_name=verdict.name[:255], width=w, height=h,
                                  provenance={"input": {"sha256": verdict.sha256, "conversion": verdict.reason,
                                                        "size": [verdict.image.width, verdict.image.height]}})
            save_image(item.input_file, f"job-{job.pk}-{position}-in.png", verdict.image)
            save_preview(item.input_preview, f"job-{job.pk}-{position}-in", verdict.image)
            item.save()
        record_audit(institution=job.institution, actor=actor, verb="generation.job.submitted", target=job,
                     data={"images": len(verdicts), "pixels": pixels, "source": source,
                           "model": style_model.pk, "token": getattr(api_token, "prefix", None)})
        transaction.on_commit(lambda: enqueue_job(job.pk))
    return job


def enqueue_job(job_id: int) -> None:
    from .tasks import generate

    result = generate.apply_async(args=[job_id], queue=settings.GENERATION_GPU_QUEUE)
    GenerationJob.objects.filter(pk=job_id).update(celery_task_id=result.id)


# ----------------------------------------------------------------------------- execution


_STYLIZERS: OrderedDict = OrderedDict()
_STYLIZERS_LOCK = threading.Lock()


def stylizer_for(model: StyleModel, device: str):
    """Loaded generators are kept (two at most) so a worker doesn't reload one per job."""
    from generation.gan.infer import Stylizer

    from .storage import local_path

    key = (model.pk, model.weights.name, device)
    with _STYLIZERS_LOCK:
        if key in _STYLIZERS:
            _STYLIZERS.move_to_end(key)
            return _STYLIZERS[key]
        with local_path(model.weights) as path:
            stylizer = Stylizer.from_checkpoint(path, device)
        _STYLIZERS[key] = stylizer
        while len(_STYLIZERS) > 2:
            _STYLIZERS.popitem(last=False)
        return stylizer


def claim_companions(job: GenerationJob) -> list[GenerationJob]:
    """Other queued jobs of the same model and output size, taken by this worker for one batch."""
    limit = max(0, settings.GENERATION_BATCH_MAX - 1)
    if not limit:
        return []
    candidates = list(GenerationJob.objects.filter(
        status=JobStatus.QUEUED, style_model_id=job.style_model_id, out_size=job.out_size,
    ).exclude(pk=job.pk).order_by("created_at").values_list("pk", flat=True)[:limit])
    if not candidates:
        return []
    now, me = timezone.now(), leases.worker_identity()
    # The status condition makes the take atomic per row: a job another worker took meanwhile stays theirs.
    GenerationJob.objects.filter(pk__in=candidates, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, lease_owner=me, heartbeat_at=now, started_at=now)
    return list(GenerationJob.objects.filter(pk__in=candidates, status=JobStatus.RUNNING, lease_owner=me,
                                             heartbeat_at=now))


def job_execute(*, job_id: int) -> str:
    job = leases.claim(GenerationJob, job_id, running=JobStatus.RUNNING, done=(JobStatus.DONE, JobStatus.FAILED))
    if job is None or job == leases.BUSY:
        return "busy" if job == leases.BUSY else "nothing to do"
    batch = [job, *claim_companions(job)]
    from .training import resolve_device

    device, _warning = resolve_device()
    try:
        stylizer = stylizer_for(job.style_model, device)
    except Exception as exc:  # unreadable weights fail every job of the batch, with the reason
        for member in batch:
            _fail(member, f"cannot load the style model: {exc}")
        return JobStatus.FAILED
    started = time.perf_counter()
    items = {member.pk: list(member.images.all()) for member in batch}
    pending = {member.pk: member for member in batch}
    outputs: dict[int, object] = {}
    # Each job is stored as soon as its own images are done, not when the whole batch is.
    for chunk in stylize_chunks([item for member in batch for item in items[member.pk]], stylizer):
        outputs.update(chunk)
        GenerationJob.objects.filter(pk__in=list(pending), lease_owner=leases.worker_identity()).update(
            heartbeat_at=timezone.now())
        for pk in [pk for pk in pending if all(item.pk in outputs for item in items[pk])]:
            member = pending.pop(pk)
            seconds = round(time.perf_counter() - started, 3)
            try:
                _store_results(member, items[pk], outputs, stylizer, device, seconds, len(batch))
            except Exception as exc:  # one job's failure must not lose the others' results
                logger.exception("generation job %s failed", member.pk)
                _fail(member, f"{type(exc).__name__}: {exc}")
    return f"{JobStatus.DONE} (batch of {len(batch)})"


def stylize_chunks(items: list[GeneratedImage], stylizer):
    """Yield {GeneratedImage id: output image or the exception} chunk by chunk.

    Same-size images that fit the core's whole-image limit share one forward pass; larger
    ones are tiled by the core one at a time.
    """
    import torch

    from generation.gan.data import pil_to_tensor, tensor_to_pil, to_rgb
    from generation.gan.infer import pad_to_multiple

    groups: dict[tuple[int, int], list[tuple[GeneratedImage, object]]] = defaultdict(list)
    for item in items:
        try:
            image = to_rgb(open_image(item.input_file))
        except Exception as exc:  # an unreadable input fails its own job only
            yield {item.pk: exc}
            continue
        groups[(item.width, item.height)].append((item, image))
    chunk = stylizer.batch if stylizer.device.type == "cuda" else 2
    for (width, height), members in groups.items():
        if width * height > stylizer.max_whole_pixels:
            for item, image in members:
                yield {item.pk: _safely(lambda im=image, size=(width, height): stylizer.stylize(im, out_size=size))}
            continue
        for start in range(0, len(members), chunk):
            part = members[start : start + chunk]
            try:
                tensors = [pil_to_tensor(im.resize((width, height), _bicubic())) for _, im in part]
                padded, (h, w) = pad_to_multiple(torch.cat(tensors))
                out = stylizer.forward(padded)[:, :, :h, :w]
                yield {item.pk: tensor_to_pil(out[index : index + 1]) for index, (item, _im) in enumerate(part)}
            except Exception as exc:
                yield {item.pk: exc for item, _im in part}


def _bicubic():
    from PIL import Image

    return Image.BICUBIC


def _safely(fn):
    try:
        return fn()
    except Exception as exc:
        return exc


def _store_results(job: GenerationJob, items: list, outputs: dict, stylizer, device: str, seconds: float,
                   batch: int) -> None:
    model = job.style_model
    now = timezone.now()
    errors = [f"{item.input_name}: {outputs.get(item.pk)}" for item in items
              if not hasattr(outputs.get(item.pk), "save")]
    if errors:
        raise RuntimeError("; ".join(errors))
    with transaction.atomic():
        for item in items:
            image = outputs[item.pk]
            tiled = item.width * item.height > stylizer.max_whole_pixels
            save_image(item.output_file, f"job-{job.pk}-{item.position}-out.png", image)
            save_preview(item.output_preview, f"job-{job.pk}-{item.position}-out", image)
            item.provenance = {**item.provenance, "model": {
                "id": model.pk, "name": model.name, "version": model.version, "domain": model.domain.name},
                "options": job.options, "generated_at": now.isoformat(), "device": device,
                "tiled": tiled, "tile": stylizer.tile if tiled else None, "batch_jobs": batch,
                "seconds_in_batch": seconds}
            item.save()
        GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=now, device=device,
                                                       batch_size=batch, lease_owner="")
        record_audit(institution=job.institution, actor=None, verb="generation.job.done", target=job,
                     data={"batch": batch, "device": device})


def _fail(job: GenerationJob, error: str) -> None:
    with transaction.atomic():
        GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=error[:2000],
                                                       finished_at=timezone.now(), lease_owner="")
        release_pixels(job)
        record_audit(institution=job.institution, actor=None, verb="generation.job.failed", target=job,
                     data={"error": error[:500]})
