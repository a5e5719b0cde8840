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
