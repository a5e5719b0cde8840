"""Through the real queue and real `celery worker` processes (tests/worker_process.py):

- staff cancel a running training from the run page: the worker stops at its next check, the run
  is cancelled with its checkpoint kept, and the same worker then takes the next job;
- a second delivery of a training task while the first worker is alive does not run it twice
  (generation/leases.py: the duplicate retries); once that worker is killed, the duplicate takes
  the dead worker's lease over and the run resumes from its last checkpoint;
- a worker whose run was taken over by another (its heartbeat had gone stale) stops and leaves the
  run to its new owner.
"""

import io
import json
import signal
import socket
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from django_celery_results.models import TaskResult

from accounts.models import AuditEvent
from generation import jobs, services
from generation.gan.train import load_checkpoint
from generation.models import GenerationJob, JobStatus, RunStatus, TrainingRun
from generation.tasks import train
from tests.worker_process import start_worker_process

from .helpers import TINY, fill_sets, untrained_style_model, wait_for, wait_until_ready, worker_env
from .images import encode, gradient

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def fresh(run) -> TrainingRun:
    return TrainingRun.objects.get(pk=run.pk)


def events(run, kind: str) -> list[dict]:
    """The core's own event log of the run (one `start` per execution of the training)."""
    path = Path(fresh(run).work_dir) / "out" / "events.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [e for e in lines if e.get("event") == kind]


def is_zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"


def stop(*workers) -> None:
    for worker in workers:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(30)


def start_run(domain, staff, **options) -> TrainingRun:
    sets = {s.side: s for s in domain.image_sets.all()}
    return services.training_run_start(domain=domain, image_set_a=sets["a"], image_set_b=sets["b"],
                                       options={**TINY, **options}, actor=staff)


def test_staff_cancel_a_running_training_and_the_worker_takes_the_next_job(domain, tenant_a, gpu_queue, settings,
                                                                           tmp_path):
    staff = tenant_a.users["staff"]
    fill_sets(domain, staff, count=3, size=40)
    model = untrained_style_model(domain, staff)
    log = tmp_path / "worker.log"
    worker = start_worker_process(queues=gpu_queue, name="gpu-cancel", log_path=log, extra_env=worker_env(settings))
    try:
        # Long enough that only a cancel ends it within the test (checkpoints every 300 iterations).
        run = start_run(domain, staff, iterations=3000, decay_iterations=0)
        wait_for(lambda: fresh(run).iteration > 0, 240, "the training to report progress")
        running = fresh(run)
        assert running.status == RunStatus.RUNNING
        assert running.lease_owner == f"{socket.gethostname()}:{worker.pid}"

        # What the run page polls moves while it trains: iteration, speed, ETA and the loss curves.
        client = tenant_a.client("staff")
        progress_url = f"/generate/runs/{run.pk}/progress.json"
        before = client.get(progress_url).json()
        wait_for(lambda: client.get(progress_url).json()["iteration"] > before["iteration"], 120,
                 "the progress to move on")
        live = client.get(progress_url).json()
        assert live["status"] == "running" and live["eta_seconds"] > 0 and live["images_per_second"] > 0
        assert live["figure"]["data"][0]["x"] != before["figure"]["data"][0]["x"], "the loss curves grew"
        assert {t["name"] for t in live["figure"]["data"]} >= {"Cycle consistency", "D A"}

        page = client.post(f"/generate/runs/{run.pk}/cancel/", follow=True)
        assert page.status_code == 200 and "Cancel requested" in page.content.decode()
        assert fresh(run).cancel_requested
        wait_for(lambda: fresh(run).status != RunStatus.RUNNING, 60, "the worker to stop at its next check")

        run = fresh(run)
        assert run.status == RunStatus.CANCELLED and run.finished_at is not None and run.lease_owner == ""
        assert 0 < run.iteration < run.total_iterations == 3000
        checkpoint = Path(run.checkpoint_path)
        assert checkpoint.name == f"checkpoint_{run.iteration:07d}.pt", "the row records where the core stopped"
        assert load_checkpoint(checkpoint)["iteration"] == run.iteration, "the checkpoint is kept, loadable"
        assert not run.weights and not run.metrics, "a cancelled run is neither evaluated nor exported"
        verbs = set(AuditEvent.objects.filter(target_id=str(run.pk), verb__startswith="generation.run.")
                    .values_list("verb", flat=True))
        assert {"generation.run.cancel_requested", "generation.run.cancelled"} <= verbs

        progress = client.get(progress_url).json()
        assert (progress["status"], progress["can_publish"], progress["eta_seconds"]) == ("cancelled", False, None)
        html = client.get(f"/generate/runs/{run.pk}/").content.decode()
        assert "Cancelled" in html and "Cancel training" not in html
        again = client.post(f"/generate/runs/{run.pk}/cancel/", follow=True).content.decode()
        assert "only a queued or running run can be cancelled" in again

        # The worker is free: the next job on its queue runs to the end.
        job = jobs.job_submit(style_model=model, files=[("next.png", io.BytesIO(encode(gradient((80, 60)))))],
                              out_size=64, actor=staff)
        wait_for(lambda: GenerationJob.objects.get(pk=job.pk).status in (JobStatus.DONE, JobStatus.FAILED), 120,
                 "the next job")
        assert worker.poll() is None, "the same worker process took it"
    finally:
        stop(worker)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, (job.error, log.read_text()[-3000:])
    assert fresh(run).status == RunStatus.CANCELLED, "nothing restarted the cancelled run"


def test_a_duplicate_delivery_never_trains_twice_and_takes_over_a_dead_workers_run(domain, tenant_a, gpu_queue,
                                                                                    settings, tmp_path):
    staff = tenant_a.users["staff"]
    fill_sets(domain, staff, count=3, size=40)
    env = worker_env(settings, GENERATION_BUSY_RETRY_SECONDS="1")
    logs = {name: tmp_path / f"{name}.log" for name in ("one", "two")}
    workers = {}
    try:
        # Two GPU workers on one queue, both consuming before the run is queued.
        for name, log in logs.items():
            workers[name] = start_worker_process(queues=gpu_queue, name=f"gpu-{name}", log_path=log, extra_env=env)
        for log in logs.values():
            wait_until_ready(log)
        # 400 iterations: a checkpoint every 40, a progress point every one.
        run = start_run(domain, staff, iterations=300, decay_iterations=100)
        wait_for(lambda: fresh(run).checkpoint_path, 240, "the first checkpoint", 0.1)
        owner_pid = int(fresh(run).lease_owner.rpartition(":")[2])
        owner = next(name for name, worker in workers.items() if worker.pid == owner_pid)
        other = "two" if owner == "one" else "one"

        # A second delivery of the task while its owner is alive: the idle worker gets it.
        duplicate = train.apply_async(args=[run.pk], queue=gpu_queue, task_id=f"duplicate-{uuid.uuid4()}")
        wait_for(lambda: TaskResult.objects.filter(task_id=duplicate.id, status="RETRY").exists(), 120,
                 "the duplicate to find the run held", 0.05)
        held = fresh(run)
        assert held.status == RunStatus.RUNNING and held.lease_owner.endswith(f":{owner_pid}")
        assert len(events(run, "start")) == 1, "the duplicate did not start a second training"
        assert "held by another live worker" in logs[other].read_text()

        # The owner dies mid-run (after at least one checkpoint) and is left unreaped, as a worker whose
        # supervisor has not waited for it yet: a zombie still answers kill(0) but is dead. The
        # duplicate's next look takes the run over.
        workers[owner].send_signal(signal.SIGKILL)
        wait_for(lambda: is_zombie(owner_pid), 10, "the killed worker to be a zombie", 0.05)
        killed_at = fresh(run).iteration
        assert killed_at < 400, "the run was still under way when its worker died"
        wait_for(lambda: fresh(run).status not in (RunStatus.QUEUED, RunStatus.RUNNING), 400, "the taken-over run")
    finally:
        stop(*workers.values())
    run = fresh(run)
    assert run.status == RunStatus.FINISHED, (run.error, logs[other].read_text()[-3000:])
    assert run.iteration == run.total_iterations == 400
    assert run.resume_count == 1 and any(w.startswith("Resumed from checkpoint_") for w in run.warnings)
    assert len(events(run, "start")) == 2, "one training by the owner, one resumed by the survivor"
    (resumed,) = events(run, "resumed")
    assert 0 < resumed["iteration"] <= killed_at and resumed["iteration"] % 40 == 0, "from the last checkpoint"
    iterations = [p["iteration"] for p in run.loss_log]
    assert iterations == list(range(1, 401)), "every iteration once, none doubled by the resume"
    result = TaskResult.objects.get(task_id=duplicate.id)
    assert result.status == "SUCCESS" and json.loads(result.result) in ("finished", "nothing to do")
    assert run.weights and run.metrics


def test_a_worker_whose_run_was_taken_over_stops_and_leaves_it_alone(domain, tenant_a, gpu_queue, settings,
                                                                      tmp_path):
    """If this worker's heartbeat went stale and a worker on another host took the run over, this one
    notices at its next check, stops without writing to the run again, and takes its next job."""
    staff = tenant_a.users["staff"]
    fill_sets(domain, staff, count=3, size=40)
    model = untrained_style_model(domain, staff)
    log = tmp_path / "worker.log"
    worker = start_worker_process(queues=gpu_queue, name="gpu-stale", log_path=log, extra_env=worker_env(settings))
    try:
        run = start_run(domain, staff, iterations=3000, decay_iterations=0)
        wait_for(lambda: fresh(run).iteration > 0, 240, "the training to report progress")
        # What leases.claim writes on the other host when it takes over a run whose heartbeat is stale.
        elsewhere = "gpu-host-b:4242"
        TrainingRun.objects.filter(pk=run.pk).update(lease_owner=elsewhere, heartbeat_at=timezone.now())
        wait_for(lambda: "took the run over" in log.read_text(errors="replace"), 60, "the worker to notice")
        stopped = fresh(run)
        job = jobs.job_submit(style_model=model, files=[("next.png", io.BytesIO(encode(gradient((80, 60)))))],
                              out_size=64, actor=staff)
        wait_for(lambda: GenerationJob.objects.get(pk=job.pk).status in (JobStatus.DONE, JobStatus.FAILED), 120,
                 "the next job")
    finally:
        stop(worker)
    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.DONE
    after = fresh(run)
    # The row is the new owner's: still running under it, and nothing more written by the old worker.
    assert (after.status, after.lease_owner, after.cancel_requested) == (RunStatus.RUNNING, elsewhere, False)
    assert (after.iteration, after.loss_log, after.heartbeat_at) == (stopped.iteration, stopped.loss_log,
                                                                    stopped.heartbeat_at)
    (end,) = events(run, "end")
    assert end["status"] == "stopped" and end["iterations"] < 3000
    assert json.loads(TaskResult.objects.get(task_id=after.celery_task_id).result) == "lease lost"
