"""Pages of the Campaigns area. Thin: they call selectors and services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.tenancy import owned_or_404, require_capability
from ichplatform.charts import table_csv
from ichplatform.response_cache import cached_page

from . import charts, product_requests, selectors, services
from .forms import (
    CampaignForm,
    GrantForm,
    LinkVideoForm,
    PlannedVideoForm,
    ProductRequestForm,
    ProductsForm,
    ReportForm,
)
from .models import Campaign, CampaignReport, CampaignTokenGrant, PlannedVideo, ReportStatus


def _tenant(model, url_kwargs=None):
    def mark(view):
        view.tenant_model = model
        if url_kwargs is not None:
            view.tenant_url_kwargs = url_kwargs
        return view

    return mark


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else f"code_{field}" if f"code_{field}" in form.fields else None
            form.add_error(target, errors)
    else:
        form.add_error(None, exc.messages)


def _as_of(request) -> date | None:
    try:
        return date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else None
    except ValueError:
        return None


def _evidence_conditions(campaign: Campaign):
    result = campaign.evidence_result
    if result is None:
        return []
    columns = result.analysis.conditions
    by_column = {c.column: c for c in result.analysis.study.conditions.all()}
    return [by_column[c] for c in columns if c in by_column]


@require_capability("view_pages")
@cached_page
def index(request):
    return render(request, "campaigns/index.html",
                  {"campaigns": selectors.campaign_list(institution=request.institution)})


@require_capability("manage_content")
def campaign_new(request):
    form = CampaignForm(request.POST or None, institution=request.institution)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(institution=request.institution, actor=request.user,
                                                **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Campaign created. Plan its videos next."))
            return redirect("campaigns:detail", campaign_pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@_tenant(Campaign)
@require_capability("manage_content")
def campaign_edit(request, campaign_pk):
    campaign = owned_or_404(Campaign.objects, request.institution, pk=campaign_pk)
    initial = {"name": campaign.name, "goal": campaign.goal, "starts_on": campaign.starts_on,
               "ends_on": campaign.ends_on, "target_regions": ", ".join(campaign.target_regions),
               "target_languages": ", ".join(campaign.target_languages), "strategy": campaign.strategy,
               "evidence_result": campaign.evidence_result_id,
               "evidence_configuration": campaign.evidence_configuration_id}
    form = CampaignForm(request.POST or None, initial=initial, institution=request.institution)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns:detail", campaign_pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@_tenant(Campaign)
@require_capability("view_pages")
def campaign_detail(request, campaign_pk):
    campaign = owned_or_404(Campaign.objects.select_related("evidence_result__analysis", "evidence_configuration"),
                            request.institution, pk=campaign_pk)
    results = selectors.campaign_results(campaign=campaign, as_of=_as_of(request))
    is_admin = request.membership.can("manage_members")
    ordered = list(selectors.product_requests_of(campaign=campaign)[:20])
    return render(request, "campaigns/detail.html", {
        "product_requests": ordered,
        "products_pending": any(r.stage in ("generating", "rendering") for r in ordered),
        "campaign": campaign, "results": results, "figure": charts.results_figure(results),
        "products": campaign.products.select_related("source"),
        "may_edit": request.membership.can("manage_content"), "is_admin": is_admin,
        "grants": selectors.grants_of(campaign=campaign) if is_admin else [],
        "grant_form": GrantForm(tokens=selectors.grantable_tokens(institution=request.institution))
        if is_admin else None,
        "link_form": LinkVideoForm(), "products_form": ProductsForm(
            institution=request.institution, initial={"products": list(campaign.products.values_list("pk", flat=True))}),
    })


@_tenant(Campaign)
@require_capability("view_pages")
def campaign_results_csv(request, campaign_pk):
    campaign = owned_or_404(Campaign.objects, request.institution, pk=campaign_pk)
    results = selectors.campaign_results(campaign=campaign, as_of=_as_of(request))
    # An export for spreadsheets and scripts: its column names stay English, as in qca/exports.py
    # (only the charts' CSVs, offered next to a translated chart, follow the language).
    header = ["planned video", "youtube id", "effect", "partial", "outcome membership",
              "configuration membership", "baseline median", "as of"]
    rows = [[r.planned.title, r.planned.published_youtube_id, r.effect, r.partial, r.outcome_membership,
             r.configuration_membership, results.baseline_median, results.as_of.isoformat()] for r in results.rows]
    response = HttpResponse("\ufeff" + table_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-results.csv"'
    return response


@_tenant(Campaign)
@require_capability("manage_content")
def planned_new(request, campaign_pk):
    campaign = owned_or_404(Campaign.objects.select_related("evidence_result__analysis__study"),
                            request.institution, pk=campaign_pk)
    form = PlannedVideoForm(request.POST or None, conditions=_evidence_conditions(campaign))
    if request.method == "POST" and form.is_valid():
        try:
            planned = services.planned_video_create(
                campaign=campaign, actor=request.user, title=form.cleaned_data["title"], codes=form.codes(),
                notes=form.cleaned_data["notes"], planned_on=form.cleaned_data["planned_on"])
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Video planned.") if planned.recommendation is None
                             else _("Video planned; the recommendation is below."))
            return redirect("campaigns:planned", planned_pk=planned.pk)
    return render(request, "campaigns/planned_form.html", {"form": form, "campaign": campaign, "planned": None})


def _owned_planned(request, planned_pk) -> PlannedVideo:
    return owned_or_404(PlannedVideo.objects.select_related("campaign__evidence_result__analysis__study",
                                                            "recommendation__nearest", "video"),
                        request.institution, pk=planned_pk)


@_tenant(PlannedVideo)
@require_capability("view_pages")
def planned_detail(request, planned_pk):
    planned = _owned_planned(request, planned_pk)
    conditions = _evidence_conditions(planned.campaign)
    may_edit = request.membership.can("manage_content")
    initial = {"title": planned.title, "notes": planned.notes, "planned_on": planned.planned_on,
               **{f"code_{column}": value for column, value in planned.codes.items()}}
    if may_edit and request.method == "POST" and request.POST.get("action") == "apply":
        try:
            services.planned_video_apply_advice(planned=planned, actor=request.user)
            messages.success(request, _("The recommended changes are now the plan's codes."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("campaigns:planned", planned_pk=planned.pk)
    form = PlannedVideoForm(request.POST or None, initial=initial, conditions=conditions)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Your role may not revise planned videos."))
        if form.is_valid():
            try:
                services.planned_video_revise(planned=planned, actor=request.user, codes=form.codes(),
                                              title=form.cleaned_data["title"], notes=form.cleaned_data["notes"],
                                              planned_on=form.cleaned_data["planned_on"])
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Plan revised."))
                return redirect("campaigns:planned", planned_pk=planned.pk)
    labels = {c.column: c.label for c in conditions}
    return render(request, "campaigns/planned_detail.html", {
        "planned": planned, "campaign": planned.campaign, "form": form, "may_edit": may_edit,
        "recommendation": planned.recommendation, "link_form": LinkVideoForm(),
        "codes": [(labels.get(column, column), value) for column, value in planned.codes.items()],
    })


@_tenant(PlannedVideo)
@require_capability("manage_content")
@require_POST
def planned_link(request, planned_pk):
    planned = _owned_planned(request, planned_pk)
    form = LinkVideoForm(request.POST)
    if form.is_valid():
        try:
            services.planned_video_link(planned=planned, actor=request.user, youtube=form.cleaned_data["youtube"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Linked: the daily harvest now fills in its results.") if planned.video
                             else _("A harvest was started to add the video; it is linked once harvested."))
    else:
        messages.error(request, _("Enter the published video's YouTube URL or id."))
    return redirect("campaigns:planned", planned_pk=planned.pk)


@_tenant(Campaign)
@require_capability("manage_content")
@require_POST
def campaign_products(request, campaign_pk):
    campaign = owned_or_404(Campaign.objects, request.institution, pk=campaign_pk)
    form = ProductsForm(request.POST, institution=request.institution)
    if form.is_valid():
        services.campaign_products_set(campaign=campaign, actor=request.user, products=form.cleaned_data["products"])
        messages.success(request, _("Creative products saved."))
    else:
        messages.error(request, _("Choose products of this institution."))
    return redirect("campaigns:detail", campaign_pk=campaign.pk)


@_tenant(Campaign)
@require_capability("manage_content")
def product_request_new(request, campaign_pk):
    """Make a creative product for the campaign: stylise a photo, render the product, attach it."""
    campaign = owned_or_404(Campaign.objects, request.institution, pk=campaign_pk)
    form = ProductRequestForm(request.POST or None, request.FILES or None, campaign=campaign,
                              default_model=selectors.default_style_model(institution=request.institution),
                              initial={"planned_video": request.GET.get("planned")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product_requests.product_request_create(
                campaign=campaign, actor=request.user, photo=data["photo"], kind=data["kind"],
                style_model=data["style_model"], planned_video=data["planned_video"], out_size=data["out_size"])
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("The photo is being stylised; the product is attached to the campaign "
                                        "when it is ready."))
            return redirect(reverse("campaigns:detail", kwargs={"campaign_pk": campaign.pk}) + "#product-requests")
    return render(request, "campaigns/product_form.html", {"form": form, "campaign": campaign})


@_tenant(Campaign)
@require_capability("manage_members")
@require_POST
def grant_add(request, campaign_pk):
    campaign = owned_or_404(Campaign.objects, request.institution, pk=campaign_pk)
    form = GrantForm(request.POST, tokens=selectors.grantable_tokens(institution=request.institution))
    if form.is_valid():
        services.token_grant_add(campaign=campaign, token=form.cleaned_data["token"], actor=request.user)
        messages.success(request, _("The token now sees only the campaigns it is granted."))
    else:
        messages.error(request, _("Choose a valid token of this institution."))
    return redirect("campaigns:detail", campaign_pk=campaign.pk)


@_tenant(CampaignTokenGrant)
@require_capability("manage_members")
@require_POST
def grant_remove(request, grant_pk):
    grant = owned_or_404(CampaignTokenGrant.objects.select_related("token"), request.institution, pk=grant_pk)
    campaign_pk = grant.campaign_id
    services.token_grant_remove(grant=grant, actor=request.user)
    messages.success(request, _("Grant removed."))
    return redirect("campaigns:detail", campaign_pk=campaign_pk)


# -- reports ----------------------------------------------------------------------------------------
@require_capability("manage_content")
def reports(request):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_request(institution=request.institution, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("The report is being prepared; this page shows it when it is ready."))
            return redirect("campaigns:reports")
    return render(request, "campaigns/reports.html",
                  {"form": form, "reports": selectors.reports_of(institution=request.institution)})


@_tenant(CampaignReport)
@require_capability("manage_content")
def report_download(request, report_pk):
    report = owned_or_404(CampaignReport.objects, request.institution, pk=report_pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404(_("This report is not ready."))
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1],
                        content_type="application/pdf")
