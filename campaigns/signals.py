"""Campaigns listen to the other apps, so those never import campaigns.

* A harvest that stops (succeeded, failed or waiting for quota: each may have added videos)
  links the planned videos whose published id it brought in (`services.link_harvested_videos`).
* A generation job's result saved, or a creative product rendered, moves the campaign's product
  requests on (`product_requests.product_requests_advance`).

Each reaction runs after the saving transaction commits (in the worker that did the work) and is
idempotent; `robust` keeps a failing reaction from failing the harvest or the job, and logs it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from dissemination.models import HarvestRun, HarvestStatus
from generation.models import CreativeProduct, GeneratedImage, JobStatus

HARVEST_STOPPED = (HarvestStatus.SUCCEEDED, HarvestStatus.FAILED, HarvestStatus.WAITING_QUOTA)


def _status_saved(update_fields) -> bool:
    return update_fields is None or "status" in update_fields


@receiver(post_save, sender=HarvestRun, dispatch_uid="campaigns.link_after_harvest")
def link_after_harvest(sender, instance: HarvestRun, update_fields=None, **kwargs) -> None:
    if instance.status in HARVEST_STOPPED and _status_saved(update_fields):
        institution_id = instance.institution_id
        transaction.on_commit(lambda: _link(institution_id), robust=True)


def _link(institution_id: int) -> None:
    from accounts.models import Institution

    from .services import link_harvested_videos

    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is not None:
        link_harvested_videos(institution=institution)


@receiver(post_save, sender=GeneratedImage, dispatch_uid="campaigns.advance_after_job")
def advance_after_job(sender, instance: GeneratedImage, **kwargs) -> None:
    if instance.output_file:
        job_id = instance.job_id
        transaction.on_commit(lambda: _advance(job_id=job_id), robust=True)


@receiver(post_save, sender=CreativeProduct, dispatch_uid="campaigns.advance_after_product")
def advance_after_product(sender, instance: CreativeProduct, update_fields=None, **kwargs) -> None:
    if instance.status == JobStatus.DONE and _status_saved(update_fields):
        product_id = instance.pk
        transaction.on_commit(lambda: _advance(product_id=product_id), robust=True)


def _advance(**which) -> None:
    from .product_requests import product_requests_advance

    product_requests_advance(**which)
