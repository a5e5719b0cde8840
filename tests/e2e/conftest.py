"""Fixtures of the end-to-end walkthrough: the seeded demo, a real Celery worker process on queues
of this run only, and screenshots named <role>-<step>.png.

Screenshots go to $ICH_E2E_ARTIFACTS, else to the `e2e/` folder of the test artefacts
($ICH_TEST_ARTIFACTS, default `test-artifacts/`; both git-ignored)."""

import io
import os
import subprocess
import uuid
from pathlib import Path

import pytest


@pytest.fixture
def e2e_dir(artifacts_dir) -> Path:
    path = Path(os.environ.get("ICH_E2E_ARTIFACTS") or artifacts_dir / "e2e")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def shot(browser_page, e2e_dir):
    """shot(role, step): a full-page screenshot of the browser as it is now."""

    def take(role: str, step: str) -> Path:
        path = e2e_dir / f"{role}-{step}.png"
        browser_page.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000, f"{path.name} is nearly empty"
        return path

    return take


@pytest.fixture
def e2e_queues(settings, tmp_path, monkeypatch) -> dict:
    """Queue names of this test only: a broker shared with other test runs (Redis in CI) never
    hands our tasks to their workers, nor theirs to ours. Media go to a temporary folder."""
    from celery.app.routes import prepare

    from ichplatform.celery import app

    suffix = uuid.uuid4().hex[:8]
    queues = {"gpu": f"e2e-gpu-{suffix}", "default": f"e2e-default-{suffix}", "analysis": f"e2e-analysis-{suffix}"}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GENERATION_WORK_DIR = tmp_path / "generation"
    settings.GENERATION_GPU_QUEUE, settings.GENERATION_PRODUCT_QUEUE = queues["gpu"], queues["default"]
    settings.GENERATION_DEVICE = "cpu"
    # The routes by module (ichplatform/celery.py), pointed at these queues; the worker process gets
    # the generation queues through its environment (they are settings).
    app.amqp.router  # noqa: B018  build the real router first, so that monkeypatch puts it back
    monkeypatch.setattr(app.amqp, "_rtable", prepare({
        "qca.tasks.*": {"queue": queues["analysis"]}, "generation.tasks.*": {"queue": queues["gpu"]},
        "*": {"queue": queues["default"]}}))
    monkeypatch.setattr(app.amqp, "router", app.amqp.Router())
    return queues


@pytest.fixture
def e2e_worker(e2e_queues, settings, tmp_path):
    """A `celery worker` process on this test's queues, sharing its database and media folder."""
    from tests.worker_process import start_worker_process

    log = tmp_path / "worker.log"
    worker = start_worker_process(
        queues=",".join(e2e_queues.values()), name=f"e2e-{uuid.uuid4().hex[:6]}", log_path=log,
        extra_env={"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "GENERATION_WORK_DIR": str(settings.GENERATION_WORK_DIR),
                   "GENERATION_GPU_QUEUE": e2e_queues["gpu"], "GENERATION_PRODUCT_QUEUE": e2e_queues["default"],
                   "GENERATION_DEVICE": "cpu", "GENERATION_DATA_WORKERS": "0"})
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
        print(log.read_text()[-6000:] if log.exists() else "(no worker log)")


@pytest.fixture
def demo(e2e_queues):
    """The demo institution as `make run` seeds it (every app's seeder, the bundled style model)."""
    from django.core.management import call_command

    from accounts.models import Institution
    from ichplatform.management.commands.seed_demo import DEMO_INSTITUTION

    call_command("seed_demo", stdout=io.StringIO())
    return Institution.objects.get(name=DEMO_INSTITUTION)
