"""Campaign reports: a PDF per institution and period, rendered by a real Celery worker."""

import io
import time
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from pypdf import PdfReader

from campaigns import services
from campaigns.models import CampaignReport
from campaigns.reports import report_data, report_pdf
from dissemination.tests.factories import make_snapshot, make_video
from ichplatform.celery import app

from .factories import make_campaign, make_planned


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


TODAY = date.today()
START, END = TODAY - timedelta(days=90), TODAY


def _world(tenant):
    campaign = services.campaign_update(campaign=make_campaign(tenant), actor=tenant.users["staff"],
                                        starts_on=START + timedelta(days=10), ends_on=END + timedelta(days=30))
    make_planned(campaign, tenant)
    for n, views in enumerate((1_000, 50_000)):
        video = make_video(tenant.institution, youtube_id=f"repo{n:07d}", title=f"剪纸 video {n}")
        make_snapshot(video, captured_on=START - timedelta(days=1), views=views // 2)
        make_snapshot(video, captured_on=END - timedelta(days=1), views=views)
    return campaign


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.django_db
def test_report_pdf_holds_the_summary_chart_recommendations(tenant_a):
    campaign = _world(tenant_a)
    data = report_data(institution=tenant_a.institution, starts_on=START, ends_on=END)
    assert data["dissemination"]["views_gained"] == (1_000 - 500) + (50_000 - 25_000)
    assert [c["term"] for c in data["qca"]["configurations"]] == [
        c.term for c in campaign.evidence_result.configurations.all()]
    text = _text(report_pdf(data))
    assert f"Institution A: report {START:%Y-%m-%d}" in text and "Dissemination" in text
    assert "Raw coverage" in text and "Title information" in text
    for configuration in campaign.evidence_result.configurations.all():
        assert f"{configuration.consistency:.3f}" in text
    assert campaign.name in text and "Dragon cut, step by step" in text and "Title information: change" in text


@pytest.mark.django_db
def test_bad_period_is_refused_and_roles(tenant_a):
    with pytest.raises(Exception) as exc:
        services.report_request(institution=tenant_a.institution, actor=tenant_a.users["staff"],
                                starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1))
    assert "ends_on" in str(exc.value)
    assert not CampaignReport.objects.exists()
    assert tenant_a.client("coder").get("/campaigns/reports/").status_code == 403
    assert tenant_a.client("partner").get("/campaigns/reports/").status_code == 403


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_requested_report(tenant_a):
    _world(tenant_a)
    client = tenant_a.client("staff")
    with start_worker(app, queues=["default"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.post("/campaigns/reports/", {"starts_on": str(START), "ends_on": str(END)})
        assert response.status_code == 302
        report = CampaignReport.objects.get()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if report.status in ("done", "failed"):
                break
            time.sleep(0.2)
    app.control.purge()
    assert report.status == "done", report.error
    assert report.summary["campaigns"] == 1 and report.summary["has_qca"]
    download = client.get(f"/campaigns/reports/{report.pk}/download/")
    pdf = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")
    assert "Spring festival campaign" in _text(pdf)
    # Idempotent: rendering a finished report again changes nothing.
    before = report.file.name
    assert services.report_render(report_id=report.pk).file.name == before
    assert "Download PDF" in client.get("/campaigns/reports/").content.decode()
    assert timedelta(0) <= report.finished_at - report.created_at
