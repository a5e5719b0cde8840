"""Celery tasks of the Generation area: thin wrappers that load by id and call a service.

Routed by module (see ichplatform/celery.py) to the `gpu` queue. Both are idempotent and
resumable: a redelivered training task continues from the run's latest checkpoint; a
redelivered generation task finds its job done (or takes it over from a dead worker).
"""

from celery import shared_task
from django.conf import settings

from . import jobs, training

# Another live worker holds the lease (a duplicate delivery): look again later.
BUSY_RETRY_SECONDS = 30


@shared_task(bind=True, name="generation.tasks.train", max_retries=None,
             soft_time_limit=settings.GENERATION_TRAIN_TIME_LIMIT,
             time_limit=settings.GENERATION_TRAIN_TIME_LIMIT + 300)
def train(self, run_id: int) -> str:
    outcome = training.training_execute(run_id=run_id)
    if outcome == "busy":
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome


@shared_task(bind=True, name="generation.tasks.generate", max_retries=None)
def generate(self, job_id: int) -> str:
    outcome = jobs.job_execute(job_id=job_id)
    if outcome == "busy":
        raise self.retry(countdown=5)
    return outcome
