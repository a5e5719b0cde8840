"""Writes of the Dissemination area's catalogue: channels, videos, snapshots, sentiment,
suggested and automatically filled codes. Keyword-only arguments; the harvest engine
(`harvest_runs.py`) calls the bulk functions inside one transaction per page.

Bulk writes are upserts on natural keys (institution + YouTube id; video + day), so a
page that is processed twice leaves the same rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Institution
from accounts.services import record_audit
from ichplatform import data_version

from . import coding, metrics_summary
from .models import Channel, FinalCoding, FinalOrigin, MetricSnapshot, SentimentScore, Video
from .sentiment import score_video_text
from .suggest import suggest_title_information, suggest_video_form, suggest_video_language
from .youtube.harvest import lifetime_uploads_per_month
from .youtube.records import ChannelRecord, VideoRecord

VIDEO_DETAIL_FIELDS = [
    "channel", "title", "description", "published_at", "duration_seconds", "default_language",
    "default_audio_language", "tags", "category_id", "has_captions", "thumbnail_url", "embed_width",
    "embed_height", "is_short_url", "suggested_codes", "details_updated_at",
]
SNAPSHOT_FIELDS = ["views", "likes", "comments", "captured_at", "run"]


@dataclass
class IngestResult:
    added: int = 0
    updated: int = 0
    below_min_views: int = 0
    channel_ids: set[str] = field(default_factory=set)
    video_pks: list[int] = field(default_factory=list)


def upsert_snapshots(
    *, institution_id: int, rows: Sequence[tuple[int, VideoRecord]], captured_on: date, captured_at: datetime,
    run_id: int | None = None,
) -> int:
    """One INSERT … ON CONFLICT (video, captured_on) DO UPDATE for a page of videos and one UPDATE
    of those videos' metrics summary: a single statement on PostgreSQL, two elsewhere (call it inside
    the page's transaction, so they commit together). A row without any count (an import with blank columns) is not a
    measurement and is skipped."""
    rows = [(pk, r) for pk, r in rows if (r.views, r.likes, r.comments) != (None, None, None)]
    if not rows:
        return 0
    if connection.vendor == "postgresql":  # both writes in one statement (see metrics_summary)
        metrics_summary.upsert_page(institution_id=institution_id, rows=rows, captured_on=captured_on,
                                    captured_at=captured_at, run_id=run_id)
    else:
        MetricSnapshot.objects.bulk_create(
            [MetricSnapshot(institution_id=institution_id, video_id=pk, captured_on=captured_on,
                            captured_at=captured_at, views=r.views, likes=r.likes, comments=r.comments, run_id=run_id)
             for pk, r in rows],
            update_conflicts=True, unique_fields=["video", "captured_on"], update_fields=SNAPSHOT_FIELDS,
        )
        metrics_summary.refresh(videos=[pk for pk, _ in rows], as_of=captured_on)
    data_version.invalidate(institution_id=institution_id)  # the PostgreSQL path is raw SQL: no signal
    return len(rows)


def mark_unavailable(*, video_pks: Iterable[int], day: date) -> int:
    """Deleted/private videos keep their rows and history; only the first day missing is kept."""
    return Video.objects.filter(pk__in=list(video_pks), unavailable_since__isnull=True).update(unavailable_since=day)


def mark_available(*, video_pks: Iterable[int]) -> int:
    """A private video made public again is returned by YouTube: clear the mark."""
    return Video.objects.filter(pk__in=list(video_pks)).exclude(unavailable_since=None).update(unavailable_since=None)


def suggestions_for(video: Video) -> dict:
    title = suggest_title_information(video.title)
    form = suggest_video_form(is_short_url=video.is_short_url, width=video.embed_width, height=video.embed_height,
                              duration_seconds=video.duration_seconds)
    language = suggest_video_language(default_audio_language=video.default_audio_language or None,
                                      default_language=video.default_language or None,
                                      title=video.title, description=video.description)
    return {"title_information": asdict(title), "video_form": asdict(form), "video_language": asdict(language)}


def ingest_video_records(
    *, institution_id: int, records: Sequence[VideoRecord], source: str, run_id: int | None = None,
    short_ids: Iterable[str] = (), min_views: int | None = None, today: date | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Upsert the channels, videos, today's snapshot and sentiment of a page of video details."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = IngestResult()
    kept = [r for r in records if min_views is None or (r.views is not None and r.views >= min_views)]
    result.below_min_views = len(records) - len(kept)
    if not kept:
        return result
    channel_pks = upsert_channel_stubs(
        institution_id=institution_id, titles={r.channel_id: r.channel_title for r in kept if r.channel_id})
    existing = dict(Video.objects.filter(institution_id=institution_id, youtube_id__in=[r.video_id for r in kept])
                    .values_list("youtube_id", "is_short_url"))
    shorts = set(short_ids)
    videos = [_video_from_record(institution_id, r, channel_pks, source, run_id,
                                 is_short=existing.get(r.video_id, False) or r.video_id in shorts, now=now)
              for r in kept]
    Video.objects.bulk_create(videos, update_conflicts=True, unique_fields=["institution", "youtube_id"],
                              update_fields=VIDEO_DETAIL_FIELDS)
    pks = dict(Video.objects.filter(institution_id=institution_id, youtube_id__in=[r.video_id for r in kept])
               .values_list("youtube_id", "pk"))
    rows = [(pks[r.video_id], r) for r in kept]
    upsert_snapshots(institution_id=institution_id, rows=rows, captured_on=today, captured_at=now, run_id=run_id)
    mark_available(video_pks=[pk for pk, _ in rows])
    score_sentiment(videos=Video.objects.filter(pk__in=pks.values()))
    result.added = sum(1 for r in kept if r.video_id not in existing)
    result.updated = len(kept) - result.added
    result.channel_ids = {r.channel_id for r in kept if r.channel_id}
    result.video_pks = list(pks.values())
    return result


def _video_from_record(institution_id, r: VideoRecord, channel_pks, source, run_id, *, is_short, now) -> Video:
    video = Video(
        institution_id=institution_id, youtube_id=r.video_id, channel_id=channel_pks.get(r.channel_id),
        title=(r.title or "")[:500], description=r.description or "", published_at=r.published_at,
        duration_seconds=r.duration_seconds, default_language=r.default_language or "",
        default_audio_language=r.default_audio_language or "", tags=list(r.tags), category_id=r.category_id or "",
        has_captions=r.has_captions, thumbnail_url=r.thumbnail_url or "", embed_width=r.embed_width,
        embed_height=r.embed_height, is_short_url=is_short, source=source, added_by_run_id=run_id,
        details_updated_at=now,
    )
    video.suggested_codes = suggestions_for(video)
    return video


def upsert_channel_stubs(*, institution_id: int, titles: dict[str, str | None]) -> dict[str, int]:
    """Channels seen on videos, before their statistics are fetched: id → pk."""
    if not titles:
        return {}
    Channel.objects.bulk_create(
        [Channel(institution_id=institution_id, youtube_id=cid, title=title or "") for cid, title in titles.items()],
        update_conflicts=True, unique_fields=["institution", "youtube_id"], update_fields=["title"],
    )
    return dict(Channel.objects.filter(institution_id=institution_id, youtube_id__in=list(titles))
                .values_list("youtube_id", "pk"))


def apply_channel_stats(
    *, institution_id: int, records: Sequence[ChannelRecord], unavailable: Sequence[str] = (),
    recent_uploads_per_month: dict[str, float] | None = None, now: datetime | None = None,
) -> list[int]:
    """Store subscribers (NULL when hidden) and account activity; returns the channels' pks.

    Account activity is uploads per month in the last 365 days when the uploads listing
    was read (channel harvests), else the free lifetime measure (video count / channel age)."""
    now = now or timezone.now()
    recent = recent_uploads_per_month or {}
    channels = []
    for r in records:
        if r.channel_id in recent:
            activity, method = recent[r.channel_id], "window_365d"
        else:
            activity = lifetime_uploads_per_month(video_count=r.video_count, channel_published_at=r.published_at,
                                                  as_of=now)
            method = "lifetime" if activity is not None else ""
        channels.append(Channel(
            institution_id=institution_id, youtube_id=r.channel_id, title=r.title or "", custom_url=r.custom_url or "",
            country=r.country or "", published_at=r.published_at, subscribers=r.subscribers,
            video_count=r.video_count, view_count=r.view_count, uploads_playlist_id=r.uploads_playlist_id or "",
            uploads_per_month=activity, uploads_per_month_method=method, stats_updated_at=now,
            unavailable_since=None,
        ))
    Channel.objects.bulk_create(
        channels, update_conflicts=True, unique_fields=["institution", "youtube_id"],
        update_fields=["title", "custom_url", "country", "published_at", "subscribers", "video_count", "view_count",
                       "uploads_playlist_id", "uploads_per_month", "uploads_per_month_method", "stats_updated_at",
                       "unavailable_since"],
    )
    if unavailable:
        Channel.objects.filter(institution_id=institution_id, youtube_id__in=list(unavailable),
                               unavailable_since__isnull=True).update(unavailable_since=timezone.localdate(now))
    return list(Channel.objects.filter(institution_id=institution_id, youtube_id__in=[r.channel_id for r in records])
                .values_list("pk", flat=True))


def score_sentiment(*, videos: Iterable[Video]) -> int:
    """HIV-4 affective expression of each video's title and description (upsert)."""
    scores = []
    for video in videos:
        s = score_video_text(title=video.title, description=video.description)
        scores.append(SentimentScore(
            institution_id=video.institution_id, video=video, polarity=s.polarity, subjectivity=s.subjectivity,
            positive=s.positive, negative=s.negative, tokens=s.tokens, language_flag=s.language_flag,
            latin_share=s.latin_share, english_coverage=s.english_coverage, sources=list(s.sources),
        ))
    SentimentScore.objects.bulk_create(
        scores, update_conflicts=True, unique_fields=["video"],
        update_fields=["polarity", "subjectivity", "positive", "negative", "tokens", "language_flag", "latin_share",
                       "english_coverage", "sources", "computed_at"],
    )
    return len(scores)


# Harvested and computed variables, by the variable's harvest field (or key for computed ones).
AUTO_VALUES = {
    "video.duration_seconds": lambda v: None if v.duration_seconds is None else round(v.duration_seconds / 60, 3),
    "channel.subscribers": lambda v: v.channel.subscribers if v.channel else None,
    "channel.uploads_per_month": lambda v: (round(v.channel.uploads_per_month, 3)
                                            if v.channel and v.channel.uploads_per_month is not None else None),
    "affective_expression": lambda v: getattr(getattr(v, "sentiment", None), "polarity", None),
}


def autofill_final_codes(*, institution: Institution, videos: QuerySet[Video]) -> int:
    """Fill the harvested/computed variables' final codes (origin `auto`); a value staff set by
    hand (any other origin) is left alone."""
    codebook = coding.ensure_codebook(institution=institution)
    variables = [v for v in codebook.variables.all() if (v.harvest_field or v.key) in AUTO_VALUES
                 and not v.is_outcome]
    if not variables:
        return 0
    videos = list(videos.filter(institution=institution).select_related("channel", "sentiment"))
    manual = set(FinalCoding.objects.filter(video__in=videos, variable__in=variables)
                 .exclude(origin=FinalOrigin.AUTO).values_list("video_id", "variable_id"))
    rows = [
        FinalCoding(institution=institution, video=video, variable=variable, origin=FinalOrigin.AUTO,
                    value=AUTO_VALUES[variable.harvest_field or variable.key](video),
                    codebook_version=codebook.version)
        for video in videos for variable in variables if (video.pk, variable.pk) not in manual
    ]
    FinalCoding.objects.bulk_create(rows, update_conflicts=True, unique_fields=["video", "variable"],
                                    update_fields=["value", "origin", "codebook_version", "decided_at"])
    return len(rows)


@transaction.atomic
def set_tracked(*, video: Video, tracked: bool, actor) -> Video:
    if video.tracked != tracked:
        video.tracked = tracked
        video.save(update_fields=["tracked"])
        record_audit(institution=video.institution, actor=actor,
                     verb="video.tracked" if tracked else "video.untracked", target=video)
    return video
