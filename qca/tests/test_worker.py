"""A real Celery worker on the `analysis` queue runs a submitted analysis and records progress."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from ichplatform.celery import app
from qca import services
from qca.models import Analysis, AnalysisStatus
from qca.tests.factories import make_study

pytestmark = [pytest.mark.worker]


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_queued_analysis(tenant_a):
    study = make_study(tenant_a)
    analysis = services.analysis_create(study=study, actor=tenant_a.users["staff"], outcome="Y",
                                        conditions=["A", "B", "C"], dir_exps={"A": "present"})
    with start_worker(app, queues=["analysis"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        queued = services.analysis_submit(analysis=analysis, actor=tenant_a.users["staff"], inline=False)
        assert queued.status == AnalysisStatus.QUEUED
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            analysis.refresh_from_db()
            if analysis.status in (AnalysisStatus.FINISHED, AnalysisStatus.FAILED):
                break
            time.sleep(0.2)
    assert analysis.status == AnalysisStatus.FINISHED, analysis.error
    assert analysis.task_id and analysis.progress == 100
    assert sorted(analysis.result.configurations.values_list("term", flat=True)) == ["A*B", "~A*C"]
    assert Analysis.objects.get(pk=analysis.pk).started_at is not None
