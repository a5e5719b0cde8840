"""Celery tasks of the Generation area: thin wrappers that load by id and call a service.

Routed by module (see ichplatform/celery.py) to the `gpu` queue. Both are idempotent and
resumable: a redelivered training task continues from the run's latest checkpoint; a
redelivered generation task finds its job done (or takes it over from a dead worker).
"""

import logging

from celery import shared_task
from django.conf import settings

# product_tasks is imported so that the worker registers render_product (autodiscovery reads tasks.py only).
from . import jobs, product_tasks, recovery, training  # noqa: F401

logger = logging.getLogger(__name__)


def _retry_while_held(task, what: str, pk: int, countdown: int):
    """Another live worker holds the lease (a duplicate delivery): look again later, never run it twice."""
    logger.info("%s %s is held by another live worker; looking again in %ss", what, pk, countdown)
    return task.retry(countdown=countdown)


@shared_task(bind=True, name="generation.tasks.train", max_retries=None,
             soft_time_limit=settings.GENERATION_TRAIN_TIME_LIMIT,
             time_limit=settings.GENERATION_TRAIN_TIME_LIMIT + 300)
def train(self, run_id: int) -> str:
    outcome = training.training_execute(run_id=run_id)
    if outcome == "busy":
        raise _retry_while_held(self, "training run", run_id, settings.GENERATION_BUSY_RETRY_SECONDS)
    return outcome


@shared_task(bind=True, name="generation.tasks.generate", max_retries=None)
def generate(self, job_id: int) -> str:
    outcome = jobs.job_execute(job_id=job_id)
    if outcome == "busy":
        # Jobs take seconds: look again sooner than for a training run.
        raise _retry_while_held(self, "generation job", job_id, min(5, settings.GENERATION_BUSY_RETRY_SECONDS))
    return outcome


@shared_task(name="generation.tasks.recover_abandoned")
def recover_abandoned() -> dict:
    # Scheduled on the `default` queue (ichplatform/schedules.py): a gpu worker busy training must not delay it.
    return recovery.requeue_abandoned_work()
