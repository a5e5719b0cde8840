"""Reads behind the staff home dashboard, scoped to one institution, in a bounded number of
queries (the page test holds it to 20 whatever the data size).

The latest snapshot of every video, and the one of 30 days ago, come with the video rows as
correlated subqueries (one query, served by the (video, captured_on) unique index); the effect is
then computed from those latest rows by the dissemination app's own `dissemination_effect` (it
takes each video's latest snapshot on or before the date, so giving it only those rows changes
nothing). Strategies come from the latest finished analysis: a video is pan-life or
pan-knowledge when its case is above 0.5 in a configuration of that strategy.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from dissemination import coding
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

WINDOW_DAYS = 30
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
    analysis: object = None
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

    def effects_by_strategy(self) -> dict[str, list[float]]:
        groups = {s: [] for s in Strategy.values}
        for row in self.rows:
            if row.effect is not None:
                groups[row.strategy].append(row.effect)
        return groups


def _latest(field_name: str, before: date):
    return Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__lte=before)
                    .order_by("-captured_on").values(field_name)[:1])


def _first_since(field_name: str, since: date):
    return Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__gt=since)
                    .order_by("captured_on").values(field_name)[:1])


def _video_rows(institution, as_of: date) -> tuple[list[VideoRow], pd.DataFrame, int]:
    since = as_of - timedelta(days=WINDOW_DAYS)
    videos = (Video.objects.filter(institution=institution)
              .annotate(latest_on=_latest("captured_on", as_of), latest_views=_latest("views", as_of),
                        latest_likes=_latest("likes", as_of), latest_comments=_latest("comments", as_of),
                        views_then=_latest("views", since), views_first_in_window=_first_since("views", since))
              .values("pk", "title", "youtube_id", "published_at", "tracked", "unavailable_since", "latest_on",
                      "latest_views", "latest_likes", "latest_comments", "views_then", "views_first_in_window"))
    rows, latest, tracked = [], [], 0
    for v in videos:
        tracked += bool(v["tracked"] and v["unavailable_since"] is None)
        gain = None
        if v["latest_views"] is not None:
            published_since = v["published_at"] is not None and v["published_at"].date() > since
            # Views 30 days ago; a video published since started at 0; a video first harvested
            # within the window counts from its first snapshot there.
            base = v["views_then"] if v["views_then"] is not None else (
                0 if published_since else v["views_first_in_window"])
            gain = None if base is None else max(v["latest_views"] - base, 0)
        rows.append(VideoRow(v["pk"], v["title"] or v["youtube_id"], v["latest_views"], gain))
        if v["latest_on"] is not None:
            latest.append({"video_id": v["pk"], "captured_on": v["latest_on"], "views": v["latest_views"],
                           "likes": v["latest_likes"], "comments": v["latest_comments"]})
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


def build(*, institution, as_of: date | None = None) -> Dashboard:
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
        board.analysis = analysis
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
    for run in runs.filter(Q(pk=Subquery(latest)) | Q(pk=Subquery(latest_failure))).order_by("-created_at", "-pk"):
        board.last_run = board.last_run or run
        if run.status == HarvestStatus.FAILED:
            board.last_failure = board.last_failure or run
    board.failed_runs = runs.filter(status=HarvestStatus.FAILED,
                                    created_at__gte=timezone.now() - timedelta(days=7)).count()
