"""The worker side of a training run: data out of storage, the core's `train`, progress into the DB.

`training_execute` is idempotent and resumable: a finished run is left alone; a run whose
worker died (the task is redelivered, acks_late) continues from its latest checkpoint.
Progress events of the core are written to the run at most every
GENERATION_PROGRESS_SECONDS (checkpoints, samples and the end are written at once).
On a CUDA worker the run uses the core's fastest settings (`speed_options`); if one of them fails
the core goes on without it and the run's warnings say so.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.services import record_audit

from . import leases
from .models import RunStatus, TrainingRun

logger = logging.getLogger(__name__)
LOG_KEYS = ("g_ab", "g_ba", "cycle", "identity", "d_a", "d_b")
EVALUATION_PHOTOS = 16


def run_work_dir(run: TrainingRun) -> Path:
    return Path(run.work_dir) if run.work_dir else Path(settings.GENERATION_WORK_DIR) / f"run-{run.pk}"


def export_image_set(image_set, folder: Path) -> int:
    """Copy the set's stored images into a folder the core can scan (existing files are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for image in image_set.images.all():
        target = folder / f"{image.sha256[:24]}.png"
        if not target.exists():
            with image.file.open("rb") as source, open(target.with_suffix(".part"), "wb") as out:
                shutil.copyfileobj(source, out)
            target.with_suffix(".part").rename(target)
        count += 1
    return count


def resolve_device() -> tuple[str, str | None]:
    """The device to train on, and a warning when that is the CPU."""
    import torch

    wanted = settings.GENERATION_DEVICE
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        wanted = "cpu"
    warning = None
    if wanted == "cpu":
        warning = ("This worker has no CUDA GPU: the run trains on the CPU, which is only practical for tiny "
                   "runs (tests, demos). Start a GPU worker (-Q gpu) for real training.")
    return wanted, warning


def compile_supported() -> bool:
    """Whether torch.compile can build GPU kernels here (it needs Triton)."""
    try:
        import torch
        from torch.utils._triton import has_triton

        return bool(torch._dynamo.is_dynamo_supported() and has_triton())
    except Exception:  # noqa: BLE001 -- a private API that may move: treat as unsupported
        return False


def speed_options(device: str, total_iterations: int) -> tuple[dict, list[str]]:
    """TrainConfig speed fields for this worker, and notes for the run's warnings.

    CPU: none (float32, eager, as before).  CUDA: the whole iteration as one CUDA graph (also without
    compilation it more than doubles batch-1 speed, and capture costs three warm-up iterations), plus
    torch.compile for runs long enough to repay its one-off 2-3 minutes (about 1,800 iterations at
    batch 1 and 500 at batch 16 on an H200; docs/benchmarks.md, v5).  Numbers are the same maths
    either way; a feature that fails at run time is switched off by the core and reported.
    """
    if not device.startswith("cuda"):
        return {}, []
    options = {"cuda_graph": bool(settings.GENERATION_CUDA_GRAPH), "compile": False}
    notes: list[str] = []
    wanted = settings.GENERATION_COMPILE
    if wanted == "always" or (wanted == "auto" and total_iterations >= settings.GENERATION_COMPILE_MIN_ITERATIONS):
        if compile_supported():
            options["compile"] = True
        else:
            notes.append("torch.compile is not available on this worker (no Triton): training without it, "
                         "which is slower but computes the same.")
    return options, notes


def _data_workers() -> int:
    import multiprocessing

    # A prefork pool child (the embedded profile's worker) is a daemon and may not start loader processes.
    return 0 if multiprocessing.current_process().daemon else settings.GENERATION_DATA_WORKERS


FALLBACK_NAMES = {"cuda_graph": "The whole-step CUDA graph", "compile": "torch.compile"}


def fallback_warning(event: dict) -> str:
    """The run warning for a core 'fallback' event (a speed feature failed and was switched off)."""
    name = FALLBACK_NAMES.get(event.get("feature"), str(event.get("feature")))
    reason = str(event.get("reason", "")).splitlines()[0][:200] if event.get("reason") else "unknown error"
    return (f"{name} failed at iteration {event.get('iteration')} ({reason}); training continues without it: "
            f"slower, same results.")


class ProgressPublisher:
    """The core's `on_event` and `should_stop`: keeps the run row up to date, throttled."""

    def __init__(self, run: TrainingRun, interval: float):
        self.run_id, self.interval = run.pk, interval
        self.institution_id = run.institution_id
        # Writes are made only while this worker still owns the run (see leases.py): a worker whose
        # heartbeat went stale and whose run another worker took over stops instead of racing it.
        self.owner = run.lease_owner
        self.lease_lost = False
        self.loss_log = list(run.loss_log)
        self.samples = list(run.samples)
        self.warnings = list(run.warnings)
        self.fields: dict = {}
        self.speed: dict = {}  # the core's speed features in use (start and fallback events)
        self.last_flush = 0.0
        self.last_cancel_check = 0.0
        self.cancelled = False

    def __call__(self, event: dict) -> None:
        kind = event.get("event")
        urgent = kind != "progress"
        if kind == "start":
            self.speed = event.get("speed", {})
            self.fields.update(total_iterations=event["total"], iteration=event["iteration"], device=event["device"],
                               progress={"iteration": event["iteration"], "total": event["total"], "speed": self.speed})
        elif kind == "fallback":
            self.speed = event.get("speed", self.speed)
            self.warnings.append(fallback_warning(event))
            logger.warning("training run %s: %s failed at iteration %s, continuing without it: %s",
                           self.run_id, event.get("feature"), event.get("iteration"), event.get("reason"))
        elif kind == "resumed":
            # Points after the checkpoint are computed again; drop them so the curve has no doubles.
            self.loss_log = [p for p in self.loss_log if p["iteration"] <= event["iteration"]]
            self.fields["iteration"] = event["iteration"]
        elif kind == "data":
            for skipped in event.get("skipped", []):
                self.warnings.append(f"Skipped {skipped.get('path', '?')}: {skipped.get('reason', '')}")
        elif kind == "progress":
            point = {"iteration": event["iteration"], **{k: event["losses"].get(k) for k in LOG_KEYS},
                     "images_per_second": event.get("images_per_second"), "time": event.get("time")}
            self.loss_log.append(point)
            self.fields.update(iteration=event["iteration"], progress={
                **{k: event.get(k) for k in ("iteration", "total", "losses", "lr", "images_per_second",
                                             "iterations_per_second", "eta_seconds", "time")}, "speed": self.speed})
        elif kind == "sample":
            self._store_sample(event)
        elif kind == "checkpoint":
            self.fields["checkpoint_path"] = event["path"]
        if urgent or time.monotonic() - self.last_flush >= self.interval:
            self.flush()

    def _store_sample(self, event: dict) -> None:
        from django.core.files.storage import default_storage

        path = Path(event["path"])
        if not path.exists():
            return
        with open(path, "rb") as handle:
            name = default_storage.save(
                f"generation/{self.institution_id}/samples/run-{self.run_id}-{event['iteration']:07d}.png",
                File(handle))
        self.samples = [s for s in self.samples if s["iteration"] != event["iteration"]]
        self.samples.append({"iteration": event["iteration"], "name": name})

    def flush(self) -> None:
        if self.lease_lost:
            return
        written = TrainingRun.objects.filter(pk=self.run_id, lease_owner=self.owner).update(
            loss_log=self.loss_log, samples=self.samples, warnings=self.warnings, heartbeat_at=timezone.now(),
            **self.fields)
        self.lease_lost = not written
        self.fields = {}
        self.last_flush = time.monotonic()

    def should_stop(self) -> bool:
        if not (self.cancelled or self.lease_lost) and \
                time.monotonic() - self.last_cancel_check >= min(self.interval, 2.0):
            self.last_cancel_check = time.monotonic()
            row = TrainingRun.objects.filter(pk=self.run_id).values_list("cancel_requested", "lease_owner").first()
            self.cancelled = bool(row and row[0])
            self.lease_lost = row is None or row[1] != self.owner
        return self.cancelled or self.lease_lost


def training_execute(*, run_id: int) -> str:
    """Run (or continue) a training run to its end; returns what happened."""
    run = leases.claim(TrainingRun, run_id, running=RunStatus.RUNNING,
                       done=(RunStatus.FINISHED, RunStatus.CANCELLED, RunStatus.FAILED))
    if run is None or run == leases.BUSY:
        return "busy" if run == leases.BUSY else "nothing to do"
    if run.cancel_requested:
        _finish(run, RunStatus.CANCELLED)
        return RunStatus.CANCELLED
    try:
        return _train(run)
    except Exception as exc:  # the run records why; the task itself must not be retried forever
        logger.exception("training run %s failed", run_id)
        TrainingRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}",
                                                     finished_at=timezone.now())
        record_audit(institution=run.institution, actor=None, verb="generation.run.failed", target=run,
                     data={"error": str(exc)[:500]})
        return RunStatus.FAILED


def _train(run: TrainingRun) -> str:
    from generation.gan.options import TrainConfig
    from generation.gan.train import latest_checkpoint, train

    work = run_work_dir(run)
    counts = {side: export_image_set(image_set, work / "data" / side)
              for side, image_set in (("a", run.image_set_a), ("b", run.image_set_b))}
    device, warning = resolve_device()
    speed, speed_notes = speed_options(device, run.config.get("iterations", 0) + run.config.get("decay_iterations", 0))
    out_dir = work / "out"
    resume = latest_checkpoint(out_dir) if out_dir.exists() else None
    warnings = list(run.warnings)
    for note in ([warning] if warning else []) + speed_notes:
        if note not in warnings:
            warnings.append(note)
    if resume:
        warnings.append(f"Resumed from {Path(resume).name} after the previous worker stopped "
                        f"(attempt {run.resume_count + 2}).")
    TrainingRun.objects.filter(pk=run.pk).update(
        work_dir=str(work), device=device, warnings=warnings, resume_count=run.resume_count + (1 if resume else 0))
    run.refresh_from_db()
    config = TrainConfig.from_dict({
        **run.config, "data_a": str(work / "data" / "a"), "data_b": str(work / "data" / "b"),
        "out_dir": str(out_dir), "device": device, "num_workers": _data_workers(),
        # Keep the checkpoint a crash resumes from, and the previous one in case it was cut mid-write.
        "keep_checkpoints": 2, **speed,
    })
    publisher = ProgressPublisher(run, settings.GENERATION_PROGRESS_SECONDS)
    result = train(config, on_event=publisher, should_stop=publisher.should_stop, resume=resume)
    publisher.flush()
    if publisher.lease_lost:
        # Another worker owns the run now; its row, status and checkpoints are its own business.
        logger.warning("training run %s: another worker took the run over; this worker stopped at iteration %s",
                       run.pk, result.iterations)
        return "lease lost"
    run.refresh_from_db()
    if result.status == "stopped":
        # The core checkpoints where it stopped; the row may lag it by up to log_every iterations.
        _finish(run, RunStatus.CANCELLED, checkpoint_path=result.checkpoint or run.checkpoint_path,
                iteration=result.iterations)
        return RunStatus.CANCELLED
    metrics = _evaluate(result.checkpoint, work, device, counts)
    _export_weights(run, result.checkpoint)
    _finish(run, RunStatus.FINISHED, checkpoint_path=result.checkpoint, metrics=metrics,
            iteration=result.iterations)
    return RunStatus.FINISHED


def _evaluate(checkpoint: str, work: Path, device: str, counts: dict) -> dict:
    """The core's metrics on (up to 16 of) the run's photos; FID/KID/LPIPS only with local weight files."""
    from generation.gan.data import load_rgb, scan_images
    from generation.gan.evaluate import evaluate

    photos = [load_rgb(p) for p in scan_images(work / "data" / "a").paths[:EVALUATION_PHOTOS]]
    art = [load_rgb(p) for p in scan_images(work / "data" / "b").paths[:EVALUATION_PHOTOS]]
    size = 256 if device != "cpu" else 64
    metrics = evaluate(checkpoint, photos, real_b=art, size=size, device=device,
                       inception_weights=settings.GAN_INCEPTION_WEIGHTS or None,
                       lpips_backbone_weights=settings.GAN_LPIPS_BACKBONE_WEIGHTS or None)
    metrics["note"] = (f"Scored on {len(photos)} of the run's own training photos at {size}px "
                       f"(no held-out set was uploaded); data: {counts['a']} photos, {counts['b']} art images.")
    return metrics


def _export_weights(run: TrainingRun, checkpoint: str) -> None:
    """The A→B generator as inference weights (half the size of fp32, no optimiser state) in media storage."""
    import tempfile

    from generation.gan.infer import load_generator, save_generator

    generator, model_config, meta = load_generator(checkpoint, "ab")
    with tempfile.TemporaryDirectory() as folder:
        path = save_generator(generator, model_config, Path(folder) / "g_ab.pt",
                              meta={**meta, "training_run": run.pk, "variant": run.config.get("variant")})
        with open(path, "rb") as handle:
            run.weights.save(f"run-{run.pk}-g_ab.pt", ContentFile(handle.read()), save=False)
    TrainingRun.objects.filter(pk=run.pk).update(weights=run.weights.name)


@transaction.atomic
def _finish(run: TrainingRun, status: str, **fields) -> None:
    TrainingRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), lease_owner="",
                                                 **fields)
    record_audit(institution=run.institution, actor=None, verb=f"generation.run.{status}", target=run,
                 data={"iteration": fields.get("iteration", run.iteration)})
