"""Reads of the Dissemination area, always scoped to one institution."""

from collections import defaultdict
from datetime import date, timedelta

import pandas as pd
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Institution, Membership

from . import coding
from .effect import dissemination_effect
from .models import (
    Channel,
    CodingAssignment,
    FinalCoding,
    HarvestRun,
    MetricSnapshot,
    QuotaLedger,
    Video,
)

SPARKLINE_DAYS = 30


def videos_of(*, institution: Institution) -> QuerySet[Video]:
    """The institution's videos; `latest_views`, `latest_likes`, `latest_comments` and `latest_on`
    are the stored metrics summary (see metrics_summary.py), not a read of the snapshots."""
    return Video.objects.filter(institution=institution).select_related("channel", "sentiment")


def filter_videos(videos: QuerySet[Video], *, q: str = "", channel: str = "", status: str = "",
                  source: str = "", min_views: int | None = None) -> QuerySet[Video]:
    if q:
        videos = videos.filter(Q(title__icontains=q) | Q(youtube_id=q) | Q(channel__title__icontains=q))
    if channel:
        videos = videos.filter(channel_id=channel)
    if status == "tracked":
        videos = videos.filter(tracked=True, unavailable_since__isnull=True)
    elif status == "unavailable":
        videos = videos.filter(unavailable_since__isnull=False)
    elif status == "untracked":
        videos = videos.filter(tracked=False)
    if source:
        videos = videos.filter(source=source)
    if min_views is not None:
        videos = videos.filter(latest_views__gte=min_views)
    return videos


def channels_of(*, institution: Institution) -> QuerySet[Channel]:
    return Channel.objects.filter(institution=institution)


def sparklines(*, videos: list[Video], days: int = SPARKLINE_DAYS, width: int = 120, height: int = 24) -> dict:
    """video pk → SVG polyline points of its views over the last `days` days (one query)."""
    since = timezone.localdate() - timedelta(days=days)
    series = defaultdict(list)
    for video_id, views in (MetricSnapshot.objects.filter(video__in=videos, captured_on__gte=since,
                                                          views__isnull=False)
                            .order_by("captured_on").values_list("video_id", "views")):
        series[video_id].append(views)
    points = {}
    for video_id, values in series.items():
        if len(values) < 2:
            continue
        low, high = min(values), max(values)
        span = (high - low) or 1
        step = width / (len(values) - 1)
        points[video_id] = " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                                    for i, v in enumerate(values))
    return points


def snapshots_of(*, video: Video) -> QuerySet[MetricSnapshot]:
    return MetricSnapshot.objects.filter(institution=video.institution, video=video).order_by("captured_on")


def snapshot_frame(*, institution: Institution, videos: QuerySet[Video] | None = None,
                   as_of: date | None = None) -> pd.DataFrame:
    rows = MetricSnapshot.objects.filter(institution=institution)
    if videos is not None:
        rows = rows.filter(video__in=videos)
    if as_of is not None:
        rows = rows.filter(captured_on__lte=as_of)
    frame = pd.DataFrame.from_records(rows.values("video_id", "captured_on", "views", "likes", "comments"),
                                      columns=["video_id", "captured_on", "views", "likes", "comments"])
    return frame


def effects_as_of(*, institution: Institution, as_of: date, videos: QuerySet[Video] | None = None) -> pd.DataFrame:
    """The dissemination effect of the institution's videos (or a subset) as of a date."""
    frame = snapshot_frame(institution=institution, videos=videos, as_of=as_of)
    if frame.empty:
        return pd.DataFrame(columns=["effect", "partial", "missing"])
    return dissemination_effect(frame, as_of=as_of)


def harvest_runs_of(*, institution: Institution) -> QuerySet[HarvestRun]:
    return HarvestRun.objects.filter(institution=institution).select_related("created_by")


def quota_today(*, institution: Institution, day: date) -> QuerySet[QuotaLedger]:
    return QuotaLedger.objects.filter(institution=institution, quota_day=day)


def assignments_of_coder(*, institution: Institution, coder) -> QuerySet[CodingAssignment]:
    return (CodingAssignment.objects.filter(institution=institution, coder=coder)
            .select_related("video", "video__channel").order_by("completed_at", "video__published_at", "pk"))


def coders_of(*, institution: Institution):
    return [m.user for m in Membership.objects.filter(institution=institution, role__in=coding.CODER_ROLES)
            .select_related("user").order_by("user__username")]


def final_codes_of(*, video: Video) -> dict[str, FinalCoding]:
    return {f.variable.key: f for f in FinalCoding.objects.filter(institution=video.institution, video=video)
            .select_related("variable", "decided_by")}


def assignment_progress(*, institution: Institution) -> dict:
    assignments = CodingAssignment.objects.filter(institution=institution)
    return {"total": assignments.count(), "done": assignments.filter(completed_at__isnull=False).count(),
            "videos": assignments.values("video").distinct().count()}
