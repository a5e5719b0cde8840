"""Creative products made from a campaign: the job, then the product, then the campaign, moved on
by the signals when each step finishes (run inline here; tests/e2e runs them on a worker)."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save

from campaigns import product_requests, signals
from campaigns.models import CampaignProductRequest
from campaigns.selectors import default_style_model
from campaigns.tasks import sweep_product_requests
from generation import jobs, rendering
from generation import services as generation_services
from generation.models import CreativeProduct, GeneratedImage, GenerationJob, JobStatus
from generation.tests.helpers import untrained_style_model
from generation.tests.images import encode, gradient

from .factories import make_campaign, make_planned

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_and_queues(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GENERATION_DEVICE = "cpu"
    # Messages of these tests wait on queues nobody reads: the steps are run here, in order.
    settings.GENERATION_GPU_QUEUE = settings.GENERATION_PRODUCT_QUEUE = f"unread-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def style_model(tenant_a):
    staff = tenant_a.users["staff"]
    domain = generation_services.style_domain_create(institution=tenant_a.institution, name="Paper-cut",
                                                     actor=staff)
    return untrained_style_model(domain, staff)


def _photo(name="lantern.png", seed=1):
    return SimpleUploadedFile(name, encode(gradient((90, 60), seed=seed)))


def test_the_product_lands_on_the_campaign_when_job_and_product_are_done(tenant_a, style_model):
    campaign = make_campaign(tenant_a)
    planned = make_planned(campaign, tenant_a)
    assert default_style_model(institution=tenant_a.institution) == style_model  # the domain's default
    request = product_requests.product_request_create(
        campaign=campaign, actor=tenant_a.users["staff"], photo=_photo(), kind="poster", style_model=style_model,
        planned_video=planned, out_size=64)
    assert request.stage == "generating" and request.job.style_model == style_model
    assert request.options == {"title": planned.title}

    jobs.job_execute(job_id=request.job_id)  # the GPU worker's step; its result's save moves the request on
    request.refresh_from_db()
    assert request.product is not None and request.stage == "rendering"
    assert request.product.source.job_id == request.job_id and request.product.kind == "poster"
    assert list(campaign.products.all()) == []

    rendering.product_render(product_id=request.product_id)  # the default worker's step
    request.refresh_from_db()
    assert request.stage == "attached" and request.attached_at is not None
    assert list(campaign.products.all()) == [request.product]
    assert request.product.options["title"] == planned.title
    # Repeated signals change nothing.
    product_requests.product_requests_advance(product_id=request.product_id)
    assert campaign.products.count() == 1
    verbs = set(campaign.institution.audit_events.values_list("verb", flat=True))
    assert {"campaign.product.requested", "campaign.product.attached"} <= verbs


def test_a_failed_job_fails_the_request_and_a_bad_request_is_refused(tenant_a, tenant_b, style_model):
    campaign = make_campaign(tenant_a, with_evidence=False)
    request = product_requests.product_request_create(
        campaign=campaign, actor=tenant_a.users["staff"], photo=_photo(), kind="sticker", style_model=style_model,
        out_size=64)
    GenerationJob.objects.filter(pk=request.job_id).update(status=JobStatus.FAILED, error="the GPU fell over")
    request = CampaignProductRequest.objects.get(pk=request.pk)
    assert request.stage == "failed" and request.failure == "the GPU fell over"

    other = make_campaign(tenant_b, with_evidence=False)
    for bad in ({"campaign": other}, {"kind": "mug"}, {"photo": SimpleUploadedFile("x.png", b"not an image")}):
        arguments = {"campaign": campaign, "actor": tenant_a.users["staff"], "photo": _photo(seed=2),
                     "kind": "sticker", "style_model": style_model, **bad}
        with pytest.raises(ValidationError):
            product_requests.product_request_create(**arguments)
    assert CampaignProductRequest.objects.count() == 1


def test_the_product_page_makes_a_request_and_the_campaign_page_shows_it(tenant_a, tenant_b, style_model):
    campaign = make_campaign(tenant_a, with_evidence=False)
    planned = make_planned(campaign, tenant_a)
    staff = tenant_a.client("staff")
    page = staff.get(f"/campaigns/{campaign.pk}/products/new/?planned={planned.pk}")
    assert page.status_code == 200
    form = page.context["form"]
    assert form["style_model"].value() == style_model.pk and str(form["planned_video"].value()) == str(planned.pk)
    response = staff.post(f"/campaigns/{campaign.pk}/products/new/", {
        "planned_video": planned.pk, "photo": io.BytesIO(encode(gradient((90, 60)))), "style_model": style_model.pk,
        "kind": "sticker", "out_size": 256})
    assert response.status_code == 302 and response["Location"].endswith(f"/campaigns/{campaign.pk}/#product-requests")
    request = campaign.product_requests.get()
    assert (request.kind, request.planned_video, request.job.out_size) == ("sticker", planned, 256)
    detail = staff.get(f"/campaigns/{campaign.pk}/")
    assert b'data-stage="generating"' in detail.content and b'http-equiv="refresh"' in detail.content
    assert tenant_a.client("coder").get(f"/campaigns/{campaign.pk}/products/new/").status_code == 403
    assert tenant_b.client("staff").get(f"/campaigns/{campaign.pk}/products/new/").status_code == 404


def test_the_sweep_moves_on_a_request_whose_signal_was_lost(tenant_a, style_model):
    """A worker killed between saving the result and the reaction leaves the request waiting; the
    periodic sweep (campaigns.tasks.sweep_product_requests) takes it on from where it stands."""
    campaign = make_campaign(tenant_a)
    request = product_requests.product_request_create(
        campaign=campaign, actor=tenant_a.users["staff"], photo=_photo(), kind="sticker", style_model=style_model,
        out_size=64)
    lost = [(GeneratedImage, "campaigns.advance_after_job"), (CreativeProduct, "campaigns.advance_after_product")]
    for sender, uid in lost:
        assert post_save.disconnect(sender=sender, dispatch_uid=uid)
    try:
        jobs.job_execute(job_id=request.job_id)
        request.refresh_from_db()
        assert request.product is None and request.job.status == JobStatus.DONE  # stuck: nobody reacted
        assert product_requests.product_requests_sweep() == []  # too young for the sweep's default age
        assert sweep_product_requests.apply(kwargs={}).get() == []
        assert product_requests.product_requests_sweep(older_than=timedelta(0)) == [request.pk]
        request.refresh_from_db()
        assert request.stage == "rendering"
        rendering.product_render(product_id=request.product_id)
        product_requests.product_requests_sweep(older_than=timedelta(0))
        request.refresh_from_db()
        assert request.stage == "attached" and list(campaign.products.all()) == [request.product]
    finally:
        post_save.connect(signals.advance_after_job, sender=GeneratedImage, dispatch_uid=lost[0][1])
        post_save.connect(signals.advance_after_product, sender=CreativeProduct, dispatch_uid=lost[1][1])
