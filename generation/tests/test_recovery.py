"""The periodic sweep that re-enqueues GPU work whose worker died (generation/recovery.py)."""

import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from generation.models import JobStatus, RunStatus, TrainingRun
from generation.tasks import recover_abandoned
from ichplatform.schedules import PERIODIC_TASKS

from .factories import generation_job, training_run

pytestmark = pytest.mark.django_db


def running(work, *, owner: str, heartbeat_age: timedelta):
    status = RunStatus.RUNNING if isinstance(work, TrainingRun) else JobStatus.RUNNING
    type(work).objects.filter(pk=work.pk).update(status=status, lease_owner=owner, celery_task_id="",
                                                 heartbeat_at=timezone.now() - heartbeat_age)
    return type(work).objects.get(pk=work.pk)


def test_dead_owners_work_is_requeued_and_live_owners_is_left_alone(tenant_a, tenant_b):
    host = socket.gethostname()
    stale_run = running(training_run(tenant_a), owner="gpu-7:4242", heartbeat_age=timedelta(hours=1))
    gone_job = running(generation_job(tenant_b), owner=f"{host}:999999999", heartbeat_age=timedelta(seconds=5))
    live_run = running(training_run(tenant_a), owner=f"{host}:{os.getppid()}", heartbeat_age=timedelta(seconds=5))
    remote_live_job = running(generation_job(tenant_a), owner="gpu-7:4242", heartbeat_age=timedelta(minutes=1))

    requeued = recover_abandoned.apply().get()

    assert requeued == {"training_runs": [stale_run.pk], "generation_jobs": [gone_job.pk]}
    stale_run.refresh_from_db(), gone_job.refresh_from_db(), live_run.refresh_from_db(), remote_live_job.refresh_from_db()
    assert stale_run.celery_task_id and gone_job.celery_task_id  # a fresh message on the gpu queue
    assert not live_run.celery_task_id and not remote_live_job.celery_task_id
    audit = AuditEvent.objects.filter(verb__endswith=".requeued")
    assert {(e.institution_id, e.target_type, e.target_id) for e in audit} == {
        (tenant_a.institution.pk, "generation.TrainingRun", str(stale_run.pk)),
        (tenant_b.institution.pk, "generation.GenerationJob", str(gone_job.pk))}
    assert audit.get(target_type="generation.TrainingRun").data["dead_owner"] == "gpu-7:4242"


def test_finished_work_is_never_requeued(tenant_a):
    done = training_run(tenant_a)  # the factory's run is finished, with an old lease left behind
    type(done).objects.filter(pk=done.pk).update(lease_owner="gpu-7:1", heartbeat_at=timezone.now() - timedelta(days=1))
    assert recover_abandoned.apply().get() == {"training_runs": [], "generation_jobs": []}


def test_the_sweep_is_scheduled_off_the_gpu_queue():
    spec = next(s for s in PERIODIC_TASKS if s.task == "generation.tasks.recover_abandoned")
    assert spec.queue == "default" and spec.crontab == {"minute": "*/10"}
