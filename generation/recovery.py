"""Put abandoned GPU work back on the queue without waiting for the broker.

A killed worker's acks_late task comes back by itself on the embedded broker (the worker_ready
hook) and on RabbitMQ (at once), but on Redis only after the visibility timeout (2 h by default).
This periodic sweep (ichplatform/schedules.py, every 10 minutes, on the `default` queue so a long
training on the `gpu` queue cannot hold it up) re-enqueues every running training run and
generation job whose owner is dead (leases.owner_alive: heartbeat older than JOB_STALE_AFTER, or
the process gone on this host). The task it sends is the ordinary one: it claims the dead owner's
lease and resumes from the last checkpoint; if the broker redelivers the old message as well, that
copy finds the work held or done (leases.claim), so nothing runs twice.
"""

import logging

from django.utils import timezone

from accounts.services import record_audit

from .leases import owner_alive
from .models import GenerationJob, JobStatus, RunStatus, TrainingRun

logger = logging.getLogger(__name__)


def requeue_abandoned_work() -> dict[str, list[int]]:
    """Re-enqueue running work whose owner is dead; returns the ids sent again, by kind."""
    from .jobs import enqueue_job
    from .services import enqueue_training

    now = timezone.now()
    requeued = {"training_runs": [], "generation_jobs": []}
    for model, status, kind, enqueue in (
        (TrainingRun, RunStatus.RUNNING, "training_runs", enqueue_training),
        (GenerationJob, JobStatus.RUNNING, "generation_jobs", enqueue_job),
    ):
        for work in model.objects.filter(status=status).select_related("institution"):
            if owner_alive(work.lease_owner, work.heartbeat_at, now=now):
                continue
            enqueue(work.pk)
            record_audit(institution=work.institution, actor=None, verb=f"generation.{kind}.requeued",
                         target=work, data={"dead_owner": work.lease_owner,
                                            "heartbeat_at": work.heartbeat_at.isoformat() if work.heartbeat_at else None})
            logger.warning("re-enqueued %s %s: its worker %s is gone", kind, work.pk, work.lease_owner or "?")
            requeued[kind].append(work.pk)
    return requeued
