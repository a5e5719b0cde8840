"""Creative products made from within a campaign (writes; keyword-only, atomic, audited).

The flow crosses two queues: `product_request_create` submits a generation job with the chosen
style model (GPU queue); when the job is done, `product_request_advance` orders a product of the
chosen kind from its first result (rendered on the default queue); when the product is done, it
attaches it to the campaign. `campaigns.signals` calls the advance step when a job's result or a
product is saved, so no task polls.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import record_audit
from generation import jobs as generation_jobs
from generation import services as generation_services
from generation.models import JobStatus, ProductKind, StyleModel

from .models import Campaign, CampaignProductRequest, PlannedVideo

PRODUCT_OUT_SIZE = 512  # long side of the styled image the product is made from


@transaction.atomic
def product_request_create(*, campaign: Campaign, actor, photo, kind: str, style_model: StyleModel,
                           planned_video: PlannedVideo | None = None, options: dict | None = None,
                           out_size: int = PRODUCT_OUT_SIZE) -> CampaignProductRequest:
    """Stylise `photo` (a named binary file) with `style_model` and order a product of `kind` from the
    result; the product is attached to the campaign once rendered. The job is queued on commit."""
    errors = {}
    if style_model.institution_id != campaign.institution_id:
        errors["style_model"] = _("The style model belongs to another institution.")
    if planned_video is not None and planned_video.campaign_id != campaign.pk:
        errors["planned_video"] = _("The planned video belongs to another campaign.")
    if kind not in ProductKind.values:
        errors["kind"] = _("Choose one of %(kinds)s.") % {"kinds": ", ".join(ProductKind.values)}
    if errors:
        raise ValidationError(errors)
    options = dict(options or {})
    if kind == ProductKind.POSTER and not options.get("title"):
        options["title"] = (planned_video.title if planned_video is not None else campaign.name)[:120]
    job = generation_jobs.job_submit(style_model=style_model, files=[(photo.name, photo)], out_size=out_size,
                                     actor=actor, options={"campaign": campaign.pk})
    request = CampaignProductRequest.objects.create(
        institution=campaign.institution, campaign=campaign, planned_video=planned_video, job=job, kind=kind,
        options=options, requested_by=actor if getattr(actor, "is_authenticated", False) else None)
    record_audit(institution=campaign.institution, actor=actor, verb="campaign.product.requested", target=request,
                 data={"job": job.pk, "kind": kind, "model": style_model.pk,
                       "planned_video": getattr(planned_video, "pk", None)})
    return request


def product_request_advance(*, request_id: int) -> CampaignProductRequest | None:
    """Take a product request one step on: once its job is done, order the product; once the product
    is rendered, attach it to the campaign. Idempotent, so a repeated signal does nothing."""
    with transaction.atomic():
        request = (CampaignProductRequest.objects.select_for_update(of=("self",))
                   .select_related("job", "product", "campaign", "institution").filter(pk=request_id).first())
        if request is None or request.attached_at or request.error:
            return request
        if request.product is None:
            if request.job.status != JobStatus.DONE:
                return request
            source = request.job.images.exclude(output_file="").order_by("position").first()
            try:
                if source is None:
                    raise ValidationError(_("The generation job finished without an image."))
                with transaction.atomic():
                    request.product = generation_services.product_create(
                        source=source, kind=request.kind, options=request.options, actor=request.requested_by)
            except ValidationError as exc:
                request.error = " ".join(exc.messages)[:2000]
            request.save(update_fields=["product", "error"])
        elif request.product.status == JobStatus.DONE:
            request.campaign.products.add(request.product)
            request.attached_at = timezone.now()
            request.save(update_fields=["attached_at"])
            record_audit(institution=request.institution, actor=None, verb="campaign.product.attached",
                         target=request, data={"product": request.product.pk, "campaign": request.campaign_id})
    return request


def product_requests_advance(*, job_id: int | None = None, product_id: int | None = None) -> None:
    """Advance the requests waiting on this job or this product (called when either finishes)."""
    requests = CampaignProductRequest.objects.filter(attached_at__isnull=True, error="")
    requests = requests.filter(job_id=job_id) if job_id is not None else requests.filter(product_id=product_id)
    for request_id in requests.values_list("pk", flat=True):
        product_request_advance(request_id=request_id)


def product_requests_sweep(*, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Advance every pending request older than `older_than`: the safety net for a worker that died
    between saving a job's result (or a product) and running the signal's reaction. Returns their ids."""
    pending = CampaignProductRequest.objects.filter(attached_at__isnull=True, error="",
                                                   created_at__lte=timezone.now() - older_than)
    swept = list(pending.values_list("pk", flat=True))
    for request_id in swept:
        product_request_advance(request_id=request_id)
    return swept
