"""A real browser: staff upload a photo, the job runs on a real Celery worker, and the page shows
the stylised result with a working before/after slider (no console errors)."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from ichplatform.celery import app

from .helpers import untrained_style_model
from .images import encode, gradient

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_sessions_closed(transactional_db):
    """Drop the in-thread worker's DB sessions once the browser is closed (requested before
    browser_page, so it is torn down after it, on the test's own connection)."""
    yield


def test_staff_upload_an_image_and_see_the_stylised_result(worker_sessions_closed, browser_page, tenant_a, domain,
                                                           settings, tmp_path):
    settings.GENERATION_GPU_QUEUE = f"gpu-browser-{uuid.uuid4().hex[:8]}"
    settings.GENERATION_DEVICE = "cpu"
    model = untrained_style_model(domain, tenant_a.users["staff"])
    photo = tmp_path / "lantern.png"
    photo.write_bytes(encode(gradient((160, 120), seed=3)))
    page = browser_page.page
    with start_worker(app, queues=[settings.GENERATION_GPU_QUEUE], pool="solo", perform_ping_check=False,
                      shutdown_timeout=30):
        browser_page.login(tenant_a.users["staff"].username, "pw-staff")
        browser_page.goto("/generate/new/")
        assert page.get_by_label("Style model").input_value() == str(model.pk)
        page.get_by_label("Images to stylise").set_input_files(str(photo))
        page.get_by_label("Output size").select_option("512")
        page.get_by_role("button", name="Stylise", exact=True).click()
        page.wait_for_url("**/generate/jobs/*/")
        # The page polls the job and reloads once the worker is done.
        after = page.locator("img.compare-after")
        after.wait_for(timeout=90_000)
        page.wait_for_function("document.querySelector('img.compare-after').naturalWidth > 0")
        assert page.evaluate("document.querySelector('img.compare-after').naturalWidth") == 512
        assert page.get_by_role("link", name="Download the stylised image (512×384 PNG)").is_visible()
        slider = page.get_by_label("Before / after for lantern.png")
        slider.fill("80")
        assert after.evaluate("el => el.style.clipPath") == "inset(0px 20% 0px 0px)"
        browser_page.screenshot("generation-job-result")
    assert browser_page.console_errors == []


def test_run_page_draws_the_loss_curves_live_and_staff_cancel_from_it(browser_page, tenant_a, domain, gpu_queue,
                                                                      settings, tmp_path):
    """A real `celery worker` process trains; the run page redraws its Plotly loss curves while it
    does, and its Cancel button stops the run (the page then says so without a reload)."""
    from generation import services
    from generation.models import RunStatus, TrainingRun
    from tests.worker_process import start_worker_process

    from .helpers import TINY, fill_sets, wait_for, worker_env

    staff = tenant_a.users["staff"]
    fill_sets(domain, staff, count=3, size=40)
    sets = {s.side: s for s in domain.image_sets.all()}
    log = tmp_path / "worker.log"
    worker = start_worker_process(queues=gpu_queue, name="gpu-browser-run", log_path=log,
                                  extra_env=worker_env(settings))
    page = browser_page.page
    try:
        run = services.training_run_start(domain=domain, image_set_a=sets["a"], image_set_b=sets["b"],
                                          options={**TINY, "iterations": 3000, "decay_iterations": 0}, actor=staff)
        wait_for(lambda: TrainingRun.objects.get(pk=run.pk).iteration > 0, 240, "the training to report progress")
        browser_page.login(staff.username, "pw-staff")
        browser_page.goto(f"/generate/runs/{run.pk}/")
        points = "() => { const c = document.getElementById('loss-chart'); return c.data ? c.data[0].x.length : 0; }"
        page.wait_for_function(f"({points})() > 0", timeout=30_000)
        first = page.evaluate(points)
        # No reload: the page's own polling redraws the curves with the worker's new points.
        page.wait_for_function(f"({points})() > {first}", timeout=60_000)
        assert page.locator("#run-status").inner_text() == "Running"
        assert page.locator("#run-eta").inner_text() != "—"
        browser_page.screenshot("generation-run-live")

        page.get_by_role("button", name="Cancel training").click()
        page.wait_for_url(f"**/generate/runs/{run.pk}/")
        assert page.get_by_text("Cancel requested").is_visible()
        page.wait_for_function("document.getElementById('run-status').textContent === 'Cancelled'", timeout=60_000)
        assert not page.get_by_role("button", name="Cancel training").is_visible()
        browser_page.screenshot("generation-run-cancelled")
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(30)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.checkpoint_path, log.read_text()[-3000:]
    assert browser_page.console_errors == []
