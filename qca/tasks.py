"""Celery tasks of the Learn (fsQCA) area: thin wrappers that load by id and call a service.

Routed by module to the `analysis` queue (see ichplatform/celery.py). `run_analysis` is
idempotent: a finished analysis is left alone, and a task redelivered after its worker died
recomputes the result and replaces whatever was there (the result is written in one
transaction, so there is never half a result).
"""

from celery import shared_task


@shared_task(name="qca.tasks.run_analysis")
def run_analysis(analysis_id: int) -> dict:
    from .services import analysis_run

    analysis = analysis_run(analysis_id=analysis_id)
    return {"analysis": analysis.pk, "status": analysis.status}
