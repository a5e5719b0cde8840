"""Reads behind the staff home dashboard, scoped to one institution, in a bounded number of
queries (the page test holds it to 20 whatever the data size), and cached per institution.

Each video's latest snapshot and its views at the start of the 30-day window come from the
video row's metrics summary (`dissemination.metrics_summary`, kept by the harvest in the
snapshot write's transaction). A row whose summary is not as of the dashboard's day (before
the day's harvest, or a video the harvest did not measure) falls back, inside the same query,
to correlated subqueries on the snapshots (a CASE evaluates them only for such rows), so the
figures are exact either way. The effect is then computed from those latest rows by the
dissemination app's own `dissemination_effect` (it takes each video's latest snapshot on or
before the date, so giving it only those rows changes nothing). Strategies come from the latest
finished analysis: a video is pan-life or pan-knowledge when its case is above 0.5 in a
configuration of that strategy.

`build` serves the dashboard from the cache (ichplatform/dashboard_cache.py) until the
institution's data change; `compute` always reads the database.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pandas as pd
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.utils import timezone

from accounts.models import AuditEvent, Institution
from dissemination import coding, metrics_summary
from dissemination.effect import dissemination_effect
from dissemination.models import (
    CodingAssignment,
    FinalOrigin,
    HarvestRun,
    HarvestStatus,
    MetricSnapshot,
    QuotaLedger,
    Video,
)
from dissemination.youtube.quota import quota_day
from dissemination.youtube_access import daily_quota
from generation.models import CreativeProduct, JobStatus, StyleModel
from qca import selectors as qca_selectors
from qca.models import Strategy

from . import dashboard_cache

WINDOW_DAYS = metrics_summary.WINDOW_DAYS
HISTORY_DAYS = 90
TOP_N = 8
CODED_ORIGINS = (FinalOrigin.AGREED, FinalOrigin.RECONCILED, FinalOrigin.IMPORTED)


@dataclass
class VideoRow:
    pk: int
    title: str
    views: int | None
    gain: int | None
    effect: float | None = None
    strategy: str = Strategy.UNCLASSIFIED


@dataclass
class Dashboard:
    as_of: date
    videos_tracked: int = 0
    total_views: int = 0
    views_30d: int = 0
    median_effect: float | None = None
    awaiting_coding: int = 0
    agreement_alpha: float | None = None
    agreement_percent: float | None = None
    coding: dict = field(default_factory=dict)
    analysis: AnalysisRef | None = None
    supported_strategy: dict | None = None
    style_models: int = 0
    products: int = 0
    top: list[VideoRow] = field(default_factory=list)
    rising: list[VideoRow] = field(default_factory=list)
    rows: list[VideoRow] = field(default_factory=list)
    views_by_day: list[tuple[date, int]] = field(default_factory=list)
    quota_used: int = 0
    quota_limit: int = 0
    last_run: HarvestRun | None = None
    failed_runs: int = 0
    last_failure: HarvestRun | None = None

    @property
    def quota_percent(self) -> int:
        return round(100 * self.quota_used / self.quota_limit) if self.quota_limit else 0

    effect_groups: dict[str, list[float]] | None = None

    def effects_by_strategy(self) -> dict[str, list[float]]:
        if self.effect_groups is not None:
            return self.effect_groups
        groups = {s: [] for s in Strategy.values}
        for row in self.rows:
            if row.effect is not None:
                groups[row.strategy].append(row.effect)
        return groups

    def for_cache(self) -> Dashboard:
        """The board without its per-video rows (5,000 per institution at scale): the page needs
        only the effect groups, the top and rising lists and the KPIs."""
        groups = self.effects_by_strategy()
        return replace(self, rows=[], effect_groups=groups)


@dataclass(frozen=True)
class AnalysisRef:
    """The latest analysis as the page shows it (a link and its name), small enough to cache."""

    pk: int
    label: str

    def __str__(self) -> str:
        return self.label


_SUMMARY_TYPES = {"latest_on": DateField()}


def _current_summary(as_of: date) -> dict:
    """Each summary field as of the day: the stored one where the summary is as of that day,
    else the same value read from the snapshots."""
    return {f"now_{name}": Case(When(window_end=as_of, then=F(name)), default=expression,
                                output_field=_SUMMARY_TYPES.get(name, BigIntegerField()))
            for name, expression in metrics_summary.summary_expressions(as_of).items()}


def _video_rows(institution, as_of: date) -> tuple[list[VideoRow], pd.DataFrame, int]:
    since = as_of - timedelta(days=WINDOW_DAYS)
    videos = (Video.objects.filter(institution=institution).order_by()
              .annotate(**_current_summary(as_of))
              .values("pk", "title", "youtube_id", "published_at", "tracked", "unavailable_since", "now_latest_on",
                      "now_latest_views", "now_latest_likes", "now_latest_comments", "now_views_window_start",
                      "now_views_window_first"))
    rows, latest, tracked = [], [], 0
    for v in videos:
        tracked += bool(v["tracked"] and v["unavailable_since"] is None)
        gain = None
        if v["now_latest_views"] is not None:
            published_since = v["published_at"] is not None and v["published_at"].date() > since
            # Views 30 days ago; a video published since started at 0; a video first harvested
            # within the window counts from its first snapshot there.
            base = v["now_views_window_start"] if v["now_views_window_start"] is not None else (
                0 if published_since else v["now_views_window_first"])
            gain = None if base is None else max(v["now_latest_views"] - base, 0)
        rows.append(VideoRow(v["pk"], v["title"] or v["youtube_id"], v["now_latest_views"], gain))
        if v["now_latest_on"] is not None:
            latest.append((v["pk"], v["now_latest_on"], v["now_latest_views"], v["now_latest_likes"],
                           v["now_latest_comments"]))
    frame = pd.DataFrame.from_records(latest, columns=["video_id", "captured_on", "views", "likes", "comments"])
    return rows, frame, tracked


def _strategies(result) -> dict[int, str]:
    """video pk → strategy of the configuration its case belongs to most (above 0.5)."""
    best: dict[int, tuple[float, str]] = {}
    cases = qca_selectors.case_labels(result)
    for configuration in result.configurations.all():
        memberships = qca_selectors.configuration_memberships(result, configuration.literals)
        for case_id, x in zip(result.memberships["cases"], memberships, strict=True):
            video_id = cases.get(case_id, {}).get("video_id")
            if video_id is not None and x > 0.5 and x > best.get(video_id, (0.0, ""))[0]:
                best[video_id] = (x, configuration.strategy)
    return {video_id: strategy for video_id, (_, strategy) in best.items()}


def _fingerprint(institution) -> tuple:
    """What in the database marks a change (one query on two indexes): the institution's latest
    audit event (every service writes one) and the heartbeat of its running harvests (saved
    with every page). With a per-process cache (locmem, the embedded profile) this is what
    makes a harvest worker's writes reach the web processes' entries."""
    events = AuditEvent.objects.filter(institution=OuterRef("pk")).order_by("-created_at", "-pk")
    running = HarvestRun.objects.filter(institution=OuterRef("pk"), status=HarvestStatus.RUNNING) \
        .order_by("-heartbeat_at")
    return Institution.objects.filter(pk=institution.pk).values_list(
        Subquery(events.values("pk")[:1]), Subquery(running.values("heartbeat_at")[:1])).get()


def build(*, institution, as_of: date | None = None) -> Dashboard:
    """The dashboard from the cache, computed on a miss. The key holds the institution's data
    version (bumped by the services that change what it shows), the database fingerprint, the
    day and the quota day."""
    as_of = as_of or timezone.localdate()
    last_event, heartbeat = _fingerprint(institution)
    key = (institution.created_at.timestamp(), last_event, heartbeat.timestamp() if heartbeat else "",
           as_of.isoformat(), quota_day(timezone.now()).isoformat())
    return dashboard_cache.cached(key_parts=key, institution_id=institution.pk,
                                  build=lambda: compute(institution=institution, as_of=as_of).for_cache())


def compute(*, institution, as_of: date | None = None) -> Dashboard:
    as_of = as_of or timezone.localdate()
    board = Dashboard(as_of=as_of, quota_limit=daily_quota())
    rows, frame, board.videos_tracked = _video_rows(institution, as_of)
    if not frame.empty:
        effects = dissemination_effect(frame, as_of=as_of)["effect"].dropna()
        for row in rows:
            if row.pk in effects.index:
                row.effect = float(effects[row.pk])
        if len(effects):
            board.median_effect = float(effects.median())
    board.total_views = sum(r.views or 0 for r in rows)
    board.views_30d = sum(r.gain or 0 for r in rows)
    analysis = qca_selectors.finished_analyses(institution=institution) \
        .prefetch_related("result__configurations").first()
    if analysis is not None:
        board.analysis = AnalysisRef(analysis.pk, str(analysis))
        result = analysis.result
        board.supported_strategy = qca_selectors.strategy_summary(result)["supported"]
        strategy_of = _strategies(result)
        for row in rows:
            row.strategy = strategy_of.get(row.pk, Strategy.UNCLASSIFIED)
    board.rows = rows
    board.top = sorted((r for r in rows if r.effect is not None), key=lambda r: -r.effect)[:TOP_N]
    board.rising = sorted((r for r in rows if r.gain), key=lambda r: -r.gain)[:TOP_N]
    board.views_by_day = list(MetricSnapshot.objects.filter(
        institution=institution, captured_on__gt=as_of - timedelta(days=HISTORY_DAYS), captured_on__lte=as_of)
        .values("captured_on").annotate(total=Sum("views")).order_by("captured_on")
        .values_list("captured_on", "total"))
    board.awaiting_coding = (Video.objects.filter(institution=institution, tracked=True)
                             .exclude(final_codings__origin__in=CODED_ORIGINS).count())
    board.coding = CodingAssignment.objects.filter(institution=institution).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False)),
        videos=Count("video", distinct=True))
    report = coding.agreement_report(institution=institution)
    alphas = [r.krippendorff_alpha for _, r in report if r.krippendorff_alpha is not None]
    percents = [r.percent_agreement for _, r in report if r.percent_agreement is not None]
    board.agreement_alpha = statistics.median(alphas) if alphas else None
    board.agreement_percent = statistics.mean(percents) if percents else None
    _harvest_health(board, institution)
    board.style_models = StyleModel.objects.filter(institution=institution).count()
    board.products = CreativeProduct.objects.filter(institution=institution, status=JobStatus.DONE).count()
    return board


def _harvest_health(board: Dashboard, institution) -> None:
    today = quota_day(timezone.now())
    board.quota_used = QuotaLedger.objects.filter(institution=institution, quota_day=today) \
        .aggregate(units=Sum("units"))["units"] or 0
    runs = HarvestRun.objects.filter(institution=institution)
    latest = runs.order_by("-created_at", "-pk").values("pk")[:1]
    latest_failure = runs.filter(status=HarvestStatus.FAILED).order_by("-created_at", "-pk").values("pk")[:1]
    shown = runs.filter(Q(pk=Subquery(latest)) | Q(pk=Subquery(latest_failure))).order_by("-created_at", "-pk")
    for run in shown.only("pk", "institution_id", "kind", "status", "created_at", "staff_message"):
        board.last_run = board.last_run or run
        if run.status == HarvestStatus.FAILED:
            board.last_failure = board.last_failure or run
    board.failed_runs = runs.filter(status=HarvestStatus.FAILED,
                                    created_at__gte=timezone.now() - timedelta(days=7)).count()
