"""Through the real queue: a Celery worker trains a tiny model to completion on the CPU, the run
is published and a generation job produces a file; a worker killed mid-training is replaced
and the run resumes from its last checkpoint (the task is redelivered: acks_late)."""

import io
import signal

import pytest
from celery.contrib.testing.worker import start_worker
from PIL import Image

from generation import jobs, services
from generation.models import GenerationJob, RunStatus, TrainingRun
from ichplatform.celery import app
from tests.worker_process import start_worker_process

from .helpers import TINY, fill_sets, wait_for, worker_env
from .images import encode, gradient

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def status_of(run):
    run.refresh_from_db()
    return run.status


def test_worker_trains_a_tiny_model_then_generates_a_file(domain, tenant_a, gpu_queue):
    staff = tenant_a.users["staff"]
    fill_sets(domain, staff, count=3, size=40)
    sets = {s.side: s for s in domain.image_sets.all()}
    with start_worker(app, queues=[gpu_queue], pool="solo", perform_ping_check=False, shutdown_timeout=60):
        run = services.training_run_start(domain=domain, image_set_a=sets["a"], image_set_b=sets["b"],
                                          options={**TINY, "iterations": 4, "decay_iterations": 2}, actor=staff)
        wait_for(lambda: status_of(run) not in (RunStatus.QUEUED, RunStatus.RUNNING), 300, "training to end")
        assert run.status == RunStatus.FINISHED, run.error
        assert (run.iteration, run.total_iterations, run.device) == (6, 6, "cpu")
        assert any("no CUDA" in w for w in run.warnings)
        assert [p["iteration"] for p in run.loss_log] == [1, 2, 3, 4, 5, 6]
        assert all(p["cycle"] > 0 for p in run.loss_log)
        assert run.samples and run.checkpoint_path.endswith("checkpoint_0000006.pt")
        assert run.metrics["vs_reference"]["ssim"] is not None and "note" in run.metrics
        progress = tenant_a.client().get(f"/generate/runs/{run.pk}/progress.json").json()
        assert progress["status"] == "finished" and progress["can_publish"]
        assert {t["name"] for t in progress["figure"]["data"]} >= {"Cycle consistency", "D B"}

        model = services.style_model_publish(run=run, actor=staff)
        assert (model.version, model.training_data["a"]["images"], model.provenance["training_run"]) == (1, 3, run.pk)
        # Published with its metrics, a summary of its training data and its provenance.
        assert model.metrics == run.metrics and model.weights.name == run.weights.name
        assert model.training_data["b"] == {"image_set": "paper-cuts", "image_set_id": sets["b"].pk, "images": 3,
                                            "converted": 0}
        assert (model.provenance["config"], model.provenance["device"], model.provenance["iterations"]) == (
            run.config, "cpu", 6)
        assert model.provenance["published_by"] == staff.username and model.provenance["warnings"] == run.warnings
        domain.refresh_from_db()
        assert domain.default_model_id == model.pk, "a domain's first model becomes its default"
        job = jobs.job_submit(style_model=model, files=[("photo.png", io.BytesIO(encode(gradient((80, 60)))))],
                              out_size=64, actor=staff)
        wait_for(lambda: GenerationJob.objects.get(pk=job.pk).status in ("done", "failed"), 120, "the job")
    job.refresh_from_db()
    assert job.status == "done", job.error
    (image,) = job.images.all()
    with image.output_file.open("rb") as handle:
        result = Image.open(handle)
        assert result.size == (64, 48) and result.mode == "RGB"
    assert image.provenance["model"]["id"] == model.pk and image.provenance["device"] == "cpu"


def test_training_resumes_after_its_worker_is_killed(domain, tenant_a, gpu_queue, settings, tmp_path):
    staff = tenant_a.users["staff"]
    fill_sets(domain, staff, count=3, size=40)
    sets = {s.side: s for s in domain.image_sets.all()}
    env = worker_env(settings, CELERY_VISIBILITY_TIMEOUT="3", CELERY_UNACKED_RESTORE_INTERVAL="1",
                     CELERY_UNACKED_RESTORE_THROTTLE="1")
    log = tmp_path / "worker.log"
    first = start_worker_process(queues=gpu_queue, name="gpu-first", log_path=log, extra_env=env)
    second = None
    try:
        run = services.training_run_start(domain=domain, image_set_a=sets["a"], image_set_b=sets["b"],
                                          options={**TINY, "iterations": 20, "decay_iterations": 4}, actor=staff)
        # Kill the worker as soon as the first checkpoint (every 2 iterations) is on disk.
        wait_for(lambda: TrainingRun.objects.get(pk=run.pk).checkpoint_path, 180, "the first checkpoint", 0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        run.refresh_from_db()
        killed_at = run.iteration
        assert run.status == RunStatus.RUNNING and killed_at < 24, "the run was still under way"
        second = start_worker_process(queues=gpu_queue, name="gpu-second", log_path=log, extra_env=env)
        wait_for(lambda: status_of(run) not in (RunStatus.QUEUED, RunStatus.RUNNING), 300, "the resumed run")
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(30)
    assert run.status == RunStatus.FINISHED, (run.error, log.read_text()[-3000:])
    assert run.resume_count == 1 and run.iteration == 24
    assert any(w.startswith("Resumed from checkpoint_") for w in run.warnings)
    iterations = [p["iteration"] for p in run.loss_log]
    assert iterations == sorted(set(iterations)) and iterations[-1] == 24, "no doubled points after the resume"
    assert run.weights and run.metrics
