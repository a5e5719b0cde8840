"""Celery tasks of the Dissemination area: thin wrappers that load by id and call a service.

Routed by module to the `harvest` queue (see ichplatform/celery.py). Every task is safe to
run twice: a harvest run is claimed by its task id and continues from its saved cursor, and
the daily refresh creates at most one run per institution and day.
"""

from celery import shared_task
from django.utils import timezone

from accounts.models import Institution

from . import harvest_runs


@shared_task(bind=True, name="dissemination.tasks.run_harvest")
def run_harvest(self, run_id: int) -> str | None:
    run = harvest_runs.execute(run_id=run_id, task_id=self.request.id or "")
    return run.status if run else None


@shared_task(bind=True, name="dissemination.tasks.refresh_metrics")
def refresh_metrics(self, institution_id: int) -> str | None:
    """Today's metrics refresh of one institution's tracked videos."""
    institution = Institution.objects.get(pk=institution_id)
    run = harvest_runs.daily_refresh_run(institution=institution, day=timezone.localdate())
    if run is None:
        return None
    done = harvest_runs.execute(run_id=run.pk, task_id=self.request.id or "")
    return done.status if done else run.status


@shared_task(name="dissemination.tasks.refresh_all")
def refresh_all() -> dict:
    """Beat, daily after the Pacific-midnight quota reset: resume runs that waited for quota,
    then refresh every institution's tracked videos (one task per institution)."""
    resumed = [run.pk for run in harvest_runs.runs_due_for_resume()]
    for run_id in resumed:
        run_harvest.delay(run_id)
    institutions = list(Institution.objects.values_list("pk", flat=True))
    for institution_id in institutions:
        refresh_metrics.delay(institution_id)
    return {"resumed": resumed, "institutions": institutions}
