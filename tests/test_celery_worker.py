"""Celery against the configured broker (Redis in CI, the SQLite broker on the
embedded default): routing by queue, and redelivery of a task whose worker was
killed mid-run, without duplicating its effect."""

import signal
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import AuditEvent
from ichplatform.celery import app
from ichplatform.tasks import worker_selftest
from tests.worker_process import start_worker_process, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.embedded]


@pytest.mark.parametrize("task_name,queue", [
    ("dissemination.tasks.refresh_metrics", "harvest"),
    ("qca.tasks.run_analysis", "analysis"),
    ("generation.tasks.train", "gpu"),
    ("generation.product_tasks.render_poster", "default"),
    ("ichplatform.tasks.worker_selftest", "default"),
])
def test_tasks_are_routed_by_module(task_name, queue):
    assert app.amqp.router.route({}, task_name)["queue"].name == queue


@pytest.mark.django_db(transaction=True)
def test_real_worker_consumes_only_its_queue():
    with start_worker(app, queues=["analysis"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        result = worker_selftest.apply_async(kwargs={"echo": "hello"}, queue="analysis")
        # Poll the stored state rather than result.get(): get() blocks on the
        # in-thread worker's result consumer under SQLite.
        wait_for(lambda: result.state == "SUCCESS", 30, "the analysis worker to answer")
        answer = result.result
        assert answer["echo"] == "hello" and answer["queue"] == "analysis"
        unserved = worker_selftest.apply_async(kwargs={"echo": "nobody"}, queue="gpu")
        time.sleep(2)
        assert unserved.state == "PENDING", "a worker of 'analysis' must not take 'gpu' work"
        unserved.revoke()
    app.control.purge()


@pytest.mark.django_db(transaction=True)
def test_task_of_a_killed_worker_is_redelivered_once(tenant_a, tmp_path):
    from tests.celery_support import effect_then_wait

    key = uuid.uuid4().hex
    env = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_INTERVAL": "1",
           "CELERY_UNACKED_RESTORE_THROTTLE": "1"}
    queue = f"redelivery-{key[:8]}"
    log = tmp_path / "worker.log"
    first = start_worker_process(queues=queue, name="first", log_path=log, extra_env=env)
    result = effect_then_wait.apply_async(
        kwargs={"key": key, "institution_id": tenant_a.institution.pk, "marker_dir": str(tmp_path),
                "wait_seconds": 120}, queue=queue)
    try:
        wait_for(lambda: (tmp_path / "effect-done").exists(), 60, "the first delivery to start")
        first.send_signal(signal.SIGKILL)  # mid-run: the task is unacknowledged (acks_late)
        first.wait(10)
        second = start_worker_process(queues=queue, name="second", log_path=log, extra_env=env)
        try:
            assert result.get(timeout=60) == 2, "the task ran again after its worker died"
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
        print(log.read_text())
    assert AuditEvent.objects.filter(verb="test.effect", target_id=key).count() == 1
    assert len(list(tmp_path.glob("run-*"))) == 2
