"""Each video's metrics summary equals what its snapshots say, after every kind of write: a
refresh harvest, a re-harvest the same day, new videos from a harvest, imports, deleted
snapshots (rebuild command, admin), the migration's backfill; and it rolls forward the videos a
harvest did not measure."""

import importlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dissemination import metrics_summary, services, transfer
from dissemination.models import MetricSnapshot, Video
from dissemination.youtube.records import VideoRecord

from .factories import make_snapshot, make_video, make_videos
from .test_harvest_runs import refresh, stats_page
from .youtube_mock import video_stats_item

pytestmark = pytest.mark.django_db
SUMMARY = ["latest_on", "latest_views", "latest_likes", "latest_comments", "views_window_start",
           "views_window_first"]


def from_snapshots(video: Video, as_of=None) -> dict:
    """The summary worked out in Python from the video's snapshots (the specification)."""
    as_of = as_of or timezone.localdate()
    start = as_of - timedelta(days=metrics_summary.WINDOW_DAYS)
    rows = list(MetricSnapshot.objects.filter(video=video).order_by("captured_on"))
    upto = [r for r in rows if r.captured_on <= as_of]
    before = [r for r in rows if r.captured_on <= start]
    within = [r for r in rows if r.captured_on > start]
    latest = upto[-1] if upto else None
    return {"latest_on": latest and latest.captured_on, "latest_views": latest and latest.views,
            "latest_likes": latest and latest.likes, "latest_comments": latest and latest.comments,
            "views_window_start": before[-1].views if before else None,
            "views_window_first": within[0].views if within else None}


def stored(video: Video) -> dict:
    video.refresh_from_db()
    return {name: getattr(video, name) for name in SUMMARY}


def assert_matches(videos, as_of=None):
    for video in videos:
        assert stored(video) == from_snapshots(video, as_of), video.youtube_id
        assert video.window_end == (as_of or timezone.localdate())


def test_a_refresh_harvest_writes_the_summary_with_its_snapshots(tenant_a, youtube):
    videos = make_videos(tenant_a.institution, 60)
    today = timezone.localdate()
    for n, video in enumerate(videos[:10]):  # some history: 40 and 20 days ago
        make_snapshot(video, captured_on=today - timedelta(days=40), views=100 + n, likes=1, comments=1)
        make_snapshot(video, captured_on=today - timedelta(days=20), views=200 + n, likes=2, comments=None)
    ids = [v.youtube_id for v in videos]
    youtube(stats_page(ids[:50]), stats_page(ids[50:], hidden_likes=True))
    assert refresh(tenant_a).status == "succeeded"
    assert_matches(videos)
    first = stored(videos[0])
    expected_views = int(video_stats_item(ids[0])["statistics"]["viewCount"])
    assert (first["latest_on"], first["latest_views"], first["views_window_start"], first["views_window_first"]) \
        == (today, expected_views, 100, 200)
    assert stored(videos[55])["latest_likes"] is None  # hidden likes stay unknown


def test_a_second_harvest_the_same_day_overwrites_the_summary(tenant_a, youtube):
    videos = make_videos(tenant_a.institution, 3)
    ids = [v.youtube_id for v in videos]
    youtube(stats_page(ids), stats_page(ids, hidden_likes=True))
    refresh(tenant_a)
    assert stored(videos[0])["latest_likes"] is not None
    refresh(tenant_a)
    assert_matches(videos)
    assert stored(videos[0])["latest_likes"] is None  # the second answer won, as for the snapshot
    assert MetricSnapshot.objects.filter(video__in=videos).count() == 3


def test_a_video_the_harvest_did_not_measure_is_rolled_forward(tenant_a, youtube):
    videos = make_videos(tenant_a.institution, 3)
    today = timezone.localdate()
    gone, untracked = videos[1], videos[2]
    make_snapshot(gone, captured_on=today - timedelta(days=3), views=500)
    metrics_summary.refresh(videos=[gone.pk], as_of=today - timedelta(days=3))
    Video.objects.filter(pk=untracked.pk).update(tracked=False)
    youtube(stats_page([videos[0].youtube_id]))  # videos[1] is missing from YouTube's answer
    run = refresh(tenant_a)
    assert run.videos_unavailable == 1
    assert_matches(videos)  # every summary is as of today, the unmeasured ones included
    assert stored(gone)["latest_views"] == 500


def test_the_summary_costs_one_statement_per_page(tenant_a):
    videos = make_videos(tenant_a.institution, 50)
    now = timezone.now()
    rows = [(v.pk, VideoRecord(video_id=v.youtube_id, views=10 * n, likes=n, comments=None))
            for n, v in enumerate(videos)]
    with CaptureQueriesContext(connection) as captured:
        services.upsert_snapshots(institution_id=tenant_a.institution.pk, rows=rows, captured_on=timezone.localdate(now),
                                  captured_at=now)
    # PostgreSQL: one data-modifying CTE does both (a harvest page stays at three statements).
    expected = ["WITH"] if connection.vendor == "postgresql" else ["INSERT", "UPDATE"]
    assert [q["sql"].split()[0] for q in captured] == expected
    assert_matches(videos)


@pytest.mark.parametrize("days_back", [0, 10])
def test_the_page_write_agrees_with_the_specification_on_every_history(tenant_a, days_back):
    """Histories that stress the one-statement write: a snapshot inside the window before the day,
    one on the day itself (overwritten), one after the day (an import of an older day), one exactly
    on the window's start, none at all, and counts that are unknown."""
    today = timezone.localdate()
    day = today - timedelta(days=days_back)
    start = day - timedelta(days=metrics_summary.WINDOW_DAYS)
    histories = [
        [], [(start, 5)], [(start - timedelta(days=1), 4), (start + timedelta(days=1), None)],
        [(start + timedelta(days=2), 7), (day, 9)], [(day, 1)], [(day + timedelta(days=3), 50)],
        [(start - timedelta(days=5), 2), (start + timedelta(days=4), 8), (day - timedelta(days=1), 11)],
    ]
    videos = make_videos(tenant_a.institution, len(histories))
    for video, history in zip(videos, histories):
        for captured_on, views in history:
            make_snapshot(video, captured_on=captured_on, views=views, likes=1, comments=None)
    now = timezone.now()
    rows = [(v.pk, VideoRecord(video_id=v.youtube_id, views=None if n == 3 else 1000 + n, likes=n, comments=2))
            for n, v in enumerate(videos)]
    services.upsert_snapshots(institution_id=tenant_a.institution.pk, rows=rows, captured_on=day, captured_at=now)
    assert_matches(videos, as_of=day)
    assert MetricSnapshot.objects.get(video=videos[4], captured_on=day).views == 1004  # overwritten, not added


def test_new_videos_from_a_harvest_and_imports_get_their_summary(tenant_a):
    existing = make_video(tenant_a.institution, "LzP8hK2cYtA")
    make_snapshot(existing, captured_on=timezone.localdate() - timedelta(days=45), views=1_000)
    csv = ("videoId,videoTitle,channelId,channelTitle,publishedAt,durationSec,viewCount,likeCount,commentCount\n"
           "LzP8hK2cYtA,Bamboo rice!,UCoC47do520os_4DBMEFGg4A,Liziqi,2019-04-27T09:00:07Z,754,98765432,,54321\n"
           "Sh0rtVid001,Paper-cut,UCabcdefghijklmnopqrstuv,Studio,2023-08-01T12:30:00Z,45,3100200,12,\n")
    outcome = transfer.import_videos(institution=tenant_a.institution, data=csv.encode(), filename="v.csv",
                                     actor=tenant_a.users["staff"])
    assert outcome.ok and (outcome.created, outcome.updated) == (1, 1)
    videos = list(Video.objects.filter(institution=tenant_a.institution))
    assert_matches(videos)
    assert stored(existing) == {**stored(existing), "latest_views": 98765432, "views_window_start": 1_000}
    assert stored(Video.objects.get(youtube_id="Sh0rtVid001"))["latest_comments"] is None


def test_rebuild_command_repairs_the_summary_after_snapshots_are_deleted(tenant_a, tenant_b):
    video = make_video(tenant_a.institution)
    other = make_video(tenant_b.institution, "otherInstB1")
    today = timezone.localdate()
    make_snapshot(video, captured_on=today - timedelta(days=2), views=10)
    make_snapshot(video, captured_on=today - timedelta(days=1), views=20)
    make_snapshot(other, captured_on=today, views=5)
    MetricSnapshot.objects.filter(video=video, captured_on=today - timedelta(days=1)).delete()  # bypasses services
    assert stored(video)["latest_views"] == 20  # stale until rebuilt
    out = io.StringIO()
    call_command("rebuild_video_metrics", "--institution", str(tenant_a.institution.pk), stdout=out)
    assert "1 videos' metrics summaries rebuilt" in out.getvalue()
    assert_matches([video, other])
    assert stored(video)["latest_views"] == 10


def test_the_admin_keeps_the_summary_when_a_snapshot_is_deleted(tenant_a, admin_client):
    video = make_video(tenant_a.institution)
    today = timezone.localdate()
    make_snapshot(video, captured_on=today - timedelta(days=2), views=10)
    latest = make_snapshot(video, captured_on=today - timedelta(days=1), views=20)
    response = admin_client.post(f"/admin/dissemination/metricsnapshot/{latest.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert_matches([video])
    assert stored(video)["latest_views"] == 10


def test_the_migration_backfills_existing_rows(tenant_a):
    videos = make_videos(tenant_a.institution, 3)
    today = timezone.localdate()
    for n, video in enumerate(videos):
        MetricSnapshot.objects.create(institution=tenant_a.institution, video=video, captured_on=today - timedelta(days=35),
                                      captured_at=timezone.now(), views=n, likes=None, comments=n)
        MetricSnapshot.objects.create(institution=tenant_a.institution, video=video, captured_on=today,
                                      captured_at=timezone.now(), views=100 + n, likes=n, comments=None)
    assert stored(videos[0])["latest_views"] is None  # written past the services: no summary yet
    migration = importlib.import_module("dissemination.migrations.0002_video_metrics_summary")
    migration.backfill(apps, None)
    assert_matches(videos)
