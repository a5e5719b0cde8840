"""Reads of the Campaigns area, always scoped by institution (and, on the API, by token grants)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, Institution
from dissemination.selectors import effects_as_of
from qca.calibration import calibrate

from .models import Campaign, CampaignReport, CampaignTokenGrant, PlannedVideo

IN_OUTCOME = 0.5


def campaigns_of(*, institution: Institution, token: ApiToken | None = None) -> QuerySet[Campaign]:
    """The institution's campaigns; a token with grants sees only the campaigns granted to it."""
    campaigns = Campaign.objects.filter(institution=institution)
    if token is not None and CampaignTokenGrant.objects.filter(token=token).exists():
        campaigns = campaigns.filter(token_grants__token=token)
    return campaigns


def campaign_list(*, institution: Institution) -> QuerySet[Campaign]:
    return (campaigns_of(institution=institution)
            .select_related("evidence_configuration", "evidence_result__analysis")
            .annotate(n_planned=Count("planned_videos", distinct=True), n_products=Count("products", distinct=True)))


def planned_videos_of(*, campaign: Campaign) -> QuerySet[PlannedVideo]:
    return (PlannedVideo.objects.filter(institution=campaign.institution, campaign=campaign)
            .select_related("recommendation__nearest", "video"))


def grants_of(*, campaign: Campaign) -> QuerySet[CampaignTokenGrant]:
    return CampaignTokenGrant.objects.filter(institution=campaign.institution, campaign=campaign) \
        .select_related("token")


def reports_of(*, institution: Institution) -> QuerySet[CampaignReport]:
    return CampaignReport.objects.filter(institution=institution).select_related("created_by")


def grantable_tokens(*, institution: Institution) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(institution=institution, revoked_at__isnull=True,
                                   expires_at__gt=timezone.now()).select_related("user")


# -- results: linked videos against the baseline and the strategy's prediction ----------------------
@dataclass
class VideoOutcome:
    planned: PlannedVideo
    effect: float | None = None
    partial: bool = False
    outcome_membership: float | None = None  # the effect calibrated like the analysis's outcome
    configuration_membership: float | None = None  # the plan's membership in the chosen configuration


@dataclass
class CampaignResults:
    as_of: date
    rows: list[VideoOutcome] = field(default_factory=list)
    baseline_median: float | None = None
    baseline_count: int = 0
    baseline_effects: list[float] = field(default_factory=list)
    predicted_consistency: float | None = None
    predicted_coverage: float | None = None
    configuration_term: str = ""

    @property
    def measured(self) -> list[VideoOutcome]:
        return [r for r in self.rows if r.effect is not None]

    @property
    def campaign_median(self) -> float | None:
        values = [r.effect for r in self.measured]
        return statistics.median(values) if values else None

    @property
    def above_baseline(self) -> int:
        if self.baseline_median is None:
            return 0
        return sum(1 for r in self.measured if r.effect > self.baseline_median)

    @property
    def observed_in_outcome(self) -> float | None:
        """Share of measured videos in the outcome set: what the configuration's consistency predicts."""
        judged = [r for r in self.measured if r.outcome_membership is not None]
        if not judged:
            return None
        return sum(1 for r in judged if r.outcome_membership > IN_OUTCOME) / len(judged)


def _outcome_calibrator(campaign: Campaign):
    result = campaign.evidence_result
    if result is None:
        return None
    analysis = result.analysis
    spec = (analysis.calibrations or {}).get(analysis.outcome)
    if not spec:
        return None

    def membership(values: list[float]) -> list[float]:
        memberships = list(calibrate(values, spec["method"], spec["anchors"], label=analysis.outcome).memberships)
        return [1.0 - m for m in memberships] if analysis.negate_outcome else memberships

    return membership


def campaign_results(*, campaign: Campaign, as_of: date | None = None) -> CampaignResults:
    """Each linked video's dissemination effect as of a date, the institution's baseline (the
    median effect of its other videos as of the same date, normalised over the same population)
    and the strategy's prediction (the chosen configuration's consistency and coverage)."""
    as_of = as_of or timezone.localdate()
    planned = list(planned_videos_of(campaign=campaign))
    results = CampaignResults(as_of=as_of, rows=[VideoOutcome(p) for p in planned])
    configuration = campaign.evidence_configuration
    if configuration is not None:
        results.predicted_consistency = configuration.consistency
        results.predicted_coverage = configuration.raw_coverage
        results.configuration_term = configuration.term
    effects = effects_as_of(institution=campaign.institution, as_of=as_of)
    effect_of = {int(vid): (float(row.effect), bool(row.partial)) for vid, row in effects.iterrows()
                 if row.effect is not None and not math.isnan(row.effect)}
    linked = {p.video_id for p in planned if p.video_id}
    results.baseline_effects = sorted(e for vid, (e, _) in effect_of.items() if vid not in linked)
    results.baseline_count = len(results.baseline_effects)
    if results.baseline_effects:
        results.baseline_median = statistics.median(results.baseline_effects)
    for row in results.rows:
        if row.planned.video_id in effect_of:
            row.effect, row.partial = effect_of[row.planned.video_id]
        recommendation = row.planned.recommendation
        if recommendation is not None and configuration is not None:
            row.configuration_membership = next((m["membership"] for m in recommendation.memberships
                                                 if m["term"] == configuration.term), None)
    calibrator = _outcome_calibrator(campaign)
    measured = results.measured
    if calibrator is not None and measured:
        for row, membership in zip(measured, calibrator([r.effect for r in measured]), strict=True):
            row.outcome_membership = float(membership)
    return results


def default_style_model(*, institution: Institution):
    """The default model of the institution's first style domain that has one, else its newest model."""
    from django.db.models import F

    from generation.models import StyleModel

    models = StyleModel.objects.filter(institution=institution).select_related("domain")
    default = models.filter(domain__default_model=F("pk")).order_by("domain__name").first()
    return default or models.order_by("-published_at", "-pk").first()


def product_requests_of(*, campaign: Campaign):
    return (campaign.product_requests.select_related("job__style_model", "product", "planned_video")
            .order_by("-created_at", "-pk"))
