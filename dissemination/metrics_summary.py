"""Each video's metrics summary (the `latest_*`, `window_end` and `views_window_*` fields of
`Video`), copied from its snapshots so that lists and the dashboard read one row per video.

`refresh` is one set-based UPDATE whose values are correlated subqueries on the snapshots'
(video, captured_on) unique index, so the summary is derived from the snapshots, never kept by
arithmetic that could drift. Every snapshot write calls it in the same transaction:
`services.upsert_snapshots` (harvest pages, video details, imports), the demo seeder, and the
admin. A successful refresh harvest then rolls the summaries of the videos it did not measure
(unavailable, untracked) forward to the day, in one more statement per run. The
`rebuild_video_metrics` command recomputes everything (after a restore or a manual SQL fix).

On PostgreSQL a harvest page writes its snapshots and refreshes their videos' summaries in ONE
statement (`upsert_page`: a data-modifying CTE), so a page stays at three statements (ledger,
snapshots + summaries, cursor). The UPDATE of that statement sees the snapshots as they were
before it (one snapshot per statement), so the values it derives from the page's own rows are
taken from the page, the rest from the snapshots: the same result as `refresh(as_of=day)` after
the upsert, which tests/test_metrics_summary.py checks against each other.

The window: `views_window_start` is the views of the latest snapshot on or before
`window_end - 30 days`, `views_window_first` those of the first snapshot after it; the dashboard
turns them into views gained in the 30 days up to `window_end` (see ichplatform/dashboard.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import MetricSnapshot, Video

WINDOW_DAYS = 30


def _on_or_before(field: str, day: date):
    return Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__lte=day)
                    .order_by("-captured_on").values(field)[:1])


def _first_after(field: str, day: date):
    return Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__gt=day)
                    .order_by("captured_on").values(field)[:1])


def summary_expressions(as_of: date) -> dict:
    """The summary fields as of a day, as expressions over the snapshots (for UPDATE or annotate)."""
    start = as_of - timedelta(days=WINDOW_DAYS)
    return {
        "latest_on": _on_or_before("captured_on", as_of), "latest_views": _on_or_before("views", as_of),
        "latest_likes": _on_or_before("likes", as_of), "latest_comments": _on_or_before("comments", as_of),
        "views_window_start": _on_or_before("views", start), "views_window_first": _first_after("views", start),
    }


def refresh(*, videos: QuerySet[Video] | Iterable[int], as_of: date | None = None) -> int:
    """Recompute the summary of the videos (a queryset or pks) as of a day (today by default),
    in one UPDATE. Call it in the transaction that wrote their snapshots."""
    as_of = as_of or timezone.localdate()
    if not isinstance(videos, QuerySet):
        videos = Video.objects.filter(pk__in=list(videos))
    return videos.update(window_end=as_of, **summary_expressions(as_of))


def refresh_stale(*, institution_id: int, as_of: date | None = None) -> int:
    """Roll forward the videos of an institution whose summary is not as of the day (those a
    refresh harvest did not measure: unavailable or untracked ones)."""
    as_of = as_of or timezone.localdate()
    return refresh(videos=Video.objects.filter(Q(window_end__isnull=True) | ~Q(window_end=as_of),
                                               institution_id=institution_id), as_of=as_of)


def upsert_page(*, institution_id: int, rows: list[tuple[int, object]], captured_on: date, captured_at,
                run_id: int | None) -> None:
    """PostgreSQL: upsert one day's snapshots of a page of videos (pk, record with views/likes/comments)
    and set those videos' summaries as of that day, in one statement."""
    snapshot, video = MetricSnapshot._meta, Video._meta
    col = {f.name: f.column for f in snapshot.concrete_fields}
    start = captured_on - timedelta(days=WINDOW_DAYS)
    sql = f"""
        WITH page (video_id, views, likes, comments) AS (
            SELECT * FROM unnest(%(ids)s::bigint[], %(views)s::bigint[], %(likes)s::bigint[], %(comments)s::bigint[])
        ), written AS (
            INSERT INTO {snapshot.db_table} ({col["institution"]}, {col["video"]}, {col["captured_on"]},
                                             {col["captured_at"]}, {col["views"]}, {col["likes"]}, {col["comments"]},
                                             {col["run"]})
            SELECT %(institution)s, video_id, %(day)s, %(at)s, views, likes, comments, %(run)s FROM page
            ON CONFLICT ({col["video"]}, {col["captured_on"]}) DO UPDATE SET
                {col["views"]} = EXCLUDED.{col["views"]}, {col["likes"]} = EXCLUDED.{col["likes"]},
                {col["comments"]} = EXCLUDED.{col["comments"]}, {col["captured_at"]} = EXCLUDED.{col["captured_at"]},
                {col["run"]} = EXCLUDED.{col["run"]}
        )
        UPDATE {video.db_table} AS v SET
            window_end = %(day)s, latest_on = %(day)s,
            latest_views = page.views, latest_likes = page.likes, latest_comments = page.comments,
            views_window_start = (
                SELECT s.{col["views"]} FROM {snapshot.db_table} s
                WHERE s.{col["video"]} = v.{video.pk.column} AND s.{col["captured_on"]} <= %(start)s
                ORDER BY s.{col["captured_on"]} DESC LIMIT 1),
            views_window_first = (
                SELECT first.views FROM (
                    SELECT s.{col["captured_on"]} AS day, s.{col["views"]} AS views FROM {snapshot.db_table} s
                    WHERE s.{col["video"]} = v.{video.pk.column}
                      AND s.{col["captured_on"]} > %(start)s AND s.{col["captured_on"]} < %(day)s
                    UNION ALL SELECT %(day)s::date, page.views
                ) AS first ORDER BY first.day LIMIT 1)
        FROM page WHERE v.{video.pk.column} = page.video_id
    """
    params = {"ids": [pk for pk, _ in rows], "views": [r.views for _, r in rows],
              "likes": [r.likes for _, r in rows], "comments": [r.comments for _, r in rows],
              "institution": institution_id, "day": captured_on, "at": captured_at, "run": run_id, "start": start}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
