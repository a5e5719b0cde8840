"""Writes of the Campaigns area: keyword-only arguments, one transaction each, audited.

Recommendations are never computed here: a planned video's codes go to the QCA app's
`qca.services.recommendation_create`, which calibrates them with the evidence analysis's frozen
calibrations and stores a `qca.Recommendation`; the planned video points to it.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import ApiToken
from accounts.services import record_audit
from dissemination import harvest_runs
from dissemination.models import HarvestKind, Video
from dissemination.services import set_tracked
from dissemination.youtube.urls import InvalidYouTubeReference, parse_video_id
from qca import services as qca_services
from qca.models import AnalysisStatus, Configuration, Result

from .models import (
    Campaign,
    CampaignReport,
    CampaignStrategy,
    CampaignTokenGrant,
    PlannedVideo,
    ReportStatus,
)

CAMPAIGN_FIELDS = ("name", "goal", "starts_on", "ends_on", "target_regions", "target_languages", "strategy",
                   "evidence_result", "evidence_configuration")


def _clean_tags(values, *, field: str, upper: bool) -> list[str]:
    if isinstance(values, str):
        values = values.replace(";", ",").split(",")
    tags = []
    for value in values or []:
        tag = str(value).strip()
        if not tag:
            continue
        if len(tag) > 16 or not tag.replace("-", "").isalnum():
            raise ValidationError({field: _("%(tag)r is not a region or language code") % {"tag": tag}})
        tags.append(tag.upper() if upper else tag)
    return list(dict.fromkeys(tags))


def _validate_campaign(campaign: Campaign) -> None:
    errors = {}
    if not (campaign.name or "").strip():
        errors["name"] = _("Give the campaign a name.")
    if not (campaign.goal or "").strip():
        errors["goal"] = _("Say what the campaign should achieve.")
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = _("The campaign cannot end before it starts.")
    if Campaign.objects.filter(institution=campaign.institution, name=campaign.name).exclude(pk=campaign.pk).exists():
        errors["name"] = _("Another campaign has this name.")
    result, configuration = campaign.evidence_result, campaign.evidence_configuration
    if result is not None and result.institution_id != campaign.institution_id:
        errors["evidence_result"] = _("The result belongs to another institution.")
    elif result is not None and result.analysis.status != AnalysisStatus.FINISHED:
        errors["evidence_result"] = _("Choose the result of a finished analysis.")
    if configuration is not None:
        if result is None:
            errors["evidence_configuration"] = _("Choose the result the configuration comes from.")
        elif configuration.result_id != result.pk:
            errors["evidence_configuration"] = _("This configuration is not part of the chosen result.")
        elif campaign.strategy != CampaignStrategy.UNDECIDED and configuration.strategy != campaign.strategy:
            errors["evidence_configuration"] = _(
                "Configuration %(term)s is %(strategy)s; it cannot back a %(campaign_strategy)s campaign.") % {
                "term": configuration.term, "strategy": configuration.get_strategy_display().lower(),
                "campaign_strategy": campaign.get_strategy_display().lower()}
    if errors:
        raise ValidationError(errors)


def _normalise(fields: dict) -> dict:
    fields = dict(fields)
    if "target_regions" in fields:
        fields["target_regions"] = _clean_tags(fields["target_regions"], field="target_regions", upper=True)
    if "target_languages" in fields:
        fields["target_languages"] = _clean_tags(fields["target_languages"], field="target_languages", upper=False)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({"non_field_errors": _("unknown campaign fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}})
    return fields


@transaction.atomic
def campaign_create(*, institution, actor, name: str, goal: str, starts_on: date, ends_on: date,
                    target_regions=(), target_languages=(), strategy: str = CampaignStrategy.UNDECIDED,
                    evidence_result: Result | None = None,
                    evidence_configuration: Configuration | None = None) -> Campaign:
    fields = _normalise(dict(name=(name or "").strip(), goal=goal, starts_on=starts_on, ends_on=ends_on,
                             target_regions=target_regions, target_languages=target_languages, strategy=strategy,
                             evidence_result=evidence_result, evidence_configuration=evidence_configuration))
    campaign = Campaign(institution=institution, created_by=actor if getattr(actor, "is_authenticated", False)
                        else None, **fields)
    _validate_campaign(campaign)
    campaign.save()
    record_audit(institution=institution, actor=actor, verb="campaign.created", target=campaign,
                 data={"strategy": campaign.strategy, "evidence_configuration": campaign.evidence_configuration_id})
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor, **fields) -> Campaign:
    fields = _normalise(fields)
    evidence_changed = any(k in fields and getattr(campaign, k) != fields[k]
                           for k in ("evidence_result", "evidence_configuration"))
    for key, value in fields.items():
        setattr(campaign, key, value)
    _validate_campaign(campaign)
    campaign.save()
    record_audit(institution=campaign.institution, actor=actor, verb="campaign.updated", target=campaign,
                 data={"fields": sorted(fields), "strategy": campaign.strategy})
    if evidence_changed:  # the advice of every planned video rests on the evidence: recompute it
        for planned in campaign.planned_videos.all():
            _recommend(planned, actor)
            planned.save(update_fields=["recommendation", "updated_at"])
    return campaign


@transaction.atomic
def campaign_products_set(*, campaign: Campaign, actor, products) -> Campaign:
    products = list(products)
    foreign = [p.pk for p in products if p.institution_id != campaign.institution_id]
    if foreign:
        raise ValidationError({"products": _("Some products belong to another institution.")})
    campaign.products.set(products)
    record_audit(institution=campaign.institution, actor=actor, verb="campaign.products_set", target=campaign,
                 data={"products": sorted(p.pk for p in products)})
    return campaign


# -- planned videos ---------------------------------------------------------------------------------
def _recommend(planned: PlannedVideo, actor) -> None:
    """Ask the QCA app for advice on the current codes (no evidence: no advice)."""
    result = planned.campaign.evidence_result
    if result is None or not planned.codes:
        planned.recommendation = None
        return
    planned.recommendation = qca_services.recommendation_create(
        result=result, actor=actor, codes=planned.codes, title=f"{planned.campaign.name}: {planned.title}")


def _codes_from(value) -> dict:
    if not isinstance(value, dict):
        raise ValidationError({"codes": _("Give the codes as {condition: value}.")})
    return value


@transaction.atomic
def planned_video_create(*, campaign: Campaign, actor, title: str, codes: dict, notes: str = "",
                         planned_on: date | None = None) -> PlannedVideo:
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the planned video a working title.")})
    planned = PlannedVideo(institution=campaign.institution, campaign=campaign, title=title.strip(), notes=notes,
                           planned_on=planned_on, codes=_codes_from(codes),
                           created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _recommend(planned, actor)
    if planned.recommendation is not None:
        planned.codes = planned.recommendation.codes  # as cleaned (numbers) by the recommender
    planned.save()
    record_audit(institution=campaign.institution, actor=actor, verb="campaign.planned_video.created",
                 target=planned, data={"campaign": campaign.pk, "strategy": getattr(planned.recommendation,
                                                                                      "strategy", None)})
    return planned


@transaction.atomic
def planned_video_revise(*, planned: PlannedVideo, actor, codes: dict | None = None, title: str | None = None,
                         notes: str | None = None, planned_on: date | None = None) -> PlannedVideo:
    """Staff revise a plan; new codes raise the revision and get a fresh recommendation."""
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": _("Give the planned video a working title.")})
        planned.title = title.strip()
    if notes is not None:
        planned.notes = notes
    if planned_on is not None:
        planned.planned_on = planned_on
    changed = codes is not None and _codes_from(codes) != planned.codes
    if changed:
        planned.codes = codes
        _recommend(planned, actor)
        if planned.recommendation is not None:
            planned.codes = planned.recommendation.codes
        planned.revision += 1
    planned.save()
    record_audit(institution=planned.institution, actor=actor, verb="campaign.planned_video.revised",
                 target=planned, data={"revision": planned.revision, "codes_changed": changed})
    return planned


def planned_video_apply_advice(*, planned: PlannedVideo, actor) -> PlannedVideo:
    """Take the recommendation's changes into the codes (and recompute the advice)."""
    recommendation = planned.recommendation
    if recommendation is None or not recommendation.changes:
        raise ValidationError(_("There is no recommended change to apply."))
    codes = dict(planned.codes)
    for change in recommendation.changes:
        codes[change["column"]] = change["to"]
    return planned_video_revise(planned=planned, actor=actor, codes=codes)


@transaction.atomic
def planned_video_link(*, planned: PlannedVideo, actor, youtube: str | Video) -> PlannedVideo:
    """Record that the planned video was published. A video the institution already tracks is
    linked at once; an unknown id starts a harvest that adds it, and `link_harvested_videos`
    links it once the harvest has run. Either way the daily harvest then fills in its results."""
    if isinstance(youtube, Video):
        if youtube.institution_id != planned.institution_id:
            raise ValidationError({"video": _("The video belongs to another institution.")})
        youtube_id, video = youtube.youtube_id, youtube
    else:
        try:
            youtube_id = parse_video_id(youtube or "")
        except InvalidYouTubeReference as exc:
            raise ValidationError({"video": _("Not a YouTube video URL or id: %(reason)s") % {"reason": exc}}) from None
        video = Video.objects.filter(institution=planned.institution, youtube_id=youtube_id).first()
    if video is not None and PlannedVideo.objects.filter(campaign=planned.campaign, video=video) \
            .exclude(pk=planned.pk).exists():
        raise ValidationError({"video": _("Another planned video of this campaign is already linked to it.")})
    planned.published_youtube_id, planned.video = youtube_id, video
    planned.save(update_fields=["published_youtube_id", "video", "updated_at"])
    if video is None:
        harvest_runs.start_harvest(institution=planned.institution, kind=HarvestKind.VIDEOS,
                                   parameters={"video_ids": [youtube_id]}, actor=actor)
    elif not video.tracked:
        set_tracked(video=video, tracked=True, actor=actor)
    record_audit(institution=planned.institution, actor=actor, verb="campaign.planned_video.linked",
                 target=planned, data={"youtube_id": youtube_id, "video": getattr(video, "pk", None)})
    return planned


@transaction.atomic
def link_harvested_videos(*, institution) -> int:
    """Link planned videos whose published id has since been harvested (idempotent). Runs after
    every harvest that stops (see `campaigns.signals`); a pending link costs one query when none waits."""
    linked = 0
    pending = PlannedVideo.objects.filter(institution=institution, video__isnull=True).exclude(published_youtube_id="")
    videos = {v.youtube_id: v for v in Video.objects.filter(
        institution=institution, youtube_id__in=pending.values("published_youtube_id"))}
    if not videos:
        return 0
    for planned in pending.select_related("institution"):
        video = videos.get(planned.published_youtube_id)
        if video is not None and not PlannedVideo.objects.filter(campaign=planned.campaign_id, video=video).exists():
            planned.video = video
            planned.save(update_fields=["video", "updated_at"])
            if not video.tracked:
                set_tracked(video=video, tracked=True, actor=None)
            record_audit(institution=planned.institution, actor=None, verb="campaign.planned_video.linked",
                         target=planned, data={"youtube_id": video.youtube_id, "video": video.pk, "by": "harvest"})
            linked += 1
    return linked


# -- token grants -----------------------------------------------------------------------------------
@transaction.atomic
def token_grant_add(*, campaign: Campaign, token: ApiToken, actor) -> CampaignTokenGrant:
    if token.institution_id != campaign.institution_id:
        raise ValidationError({"token": _("The token belongs to another institution.")})
    grant, created = CampaignTokenGrant.objects.get_or_create(
        institution=campaign.institution, token=token, campaign=campaign,
        defaults={"granted_by": actor if getattr(actor, "is_authenticated", False) else None})
    if created:
        record_audit(institution=campaign.institution, actor=actor, verb="campaign.token_granted", target=grant,
                     data={"token": token.prefix, "campaign": campaign.pk})
    return grant


@transaction.atomic
def token_grant_remove(*, grant: CampaignTokenGrant, actor) -> None:
    record_audit(institution=grant.institution, actor=actor, verb="campaign.token_grant_removed", target=grant,
                 data={"token": grant.token.prefix, "campaign": grant.campaign_id})
    grant.delete()


# -- reports ----------------------------------------------------------------------------------------
@transaction.atomic
def report_request(*, institution, actor, starts_on: date, ends_on: date) -> CampaignReport:
    """Record a report and render it on the default queue once the transaction commits."""
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The period cannot end before it starts.")})
    report = CampaignReport.objects.create(institution=institution, starts_on=starts_on, ends_on=ends_on,
                                           created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record_audit(institution=institution, actor=actor, verb="campaign.report.requested", target=report,
                 data={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    from .tasks import render_report

    transaction.on_commit(lambda: render_report.delay(report.pk))
    return report


def report_render(*, report_id: int) -> CampaignReport | None:
    """Render a report's PDF. Idempotent: a finished report is left alone; a redelivered task
    (worker killed mid-render) renders again and replaces the file."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from .reports import report_data, report_pdf

    report = CampaignReport.objects.filter(pk=report_id).select_related("institution").first()
    if report is None or report.status == ReportStatus.DONE:
        return report
    CampaignReport.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING)
    try:
        data = report_data(institution=report.institution, starts_on=report.starts_on, ends_on=report.ends_on)
        pdf = report_pdf(data, media_open=lambda name: default_storage.open(name, "rb"))
    except Exception as exc:
        CampaignReport.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error=str(exc)[:2000],
                                                           finished_at=timezone.now())
        raise
    with transaction.atomic():
        report.refresh_from_db()
        if report.file:
            report.file.delete(save=False)
        report.file.save(f"report-{report.pk}-{report.starts_on:%Y%m%d}-{report.ends_on:%Y%m%d}.pdf",
                         ContentFile(pdf), save=False)
        report.summary = {"dissemination": data["dissemination"], "campaigns": len(data["campaigns"]),
                          "products": len(data["products"]), "has_qca": data["qca"] is not None}
        report.status, report.error, report.finished_at = ReportStatus.DONE, "", timezone.now()
        report.save()
        record_audit(institution=report.institution, actor=None, verb="campaign.report.rendered", target=report,
                     data={"bytes": len(pdf)})
    return report
