"""Harvest runs against replayed YouTube responses: requests made, snapshots, NULL counts,
unavailable videos, quota ledger and planning, each error reason, idempotent re-runs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dissemination import harvest_runs
from dissemination.models import (
    Channel,
    FinalCoding,
    HarvestKind,
    HarvestRun,
    HarvestStatus,
    MetricSnapshot,
    QuotaLedger,
    SentimentScore,
    Video,
)
from dissemination.quota_ledger import units_spent
from dissemination.youtube.harvest import STATS_FIELDS
from dissemination.youtube.quota import next_reset, quota_day
from dissemination.youtube_access import key_hash

from .factories import make_snapshot, make_video, make_videos
from .youtube_mock import error, ok, video_stats_item

pytestmark = pytest.mark.django_db
KEY_HASH = key_hash("test-key")


def stats_page(ids, **kwargs):
    return ok({"items": [video_stats_item(i, **kwargs) for i in ids]})


def refresh(tenant, **parameters):
    run = harvest_runs.start_harvest(institution=tenant.institution, kind=HarvestKind.REFRESH,
                                     parameters=parameters, actor=tenant.users["staff"], enqueue=False)
    return harvest_runs.execute(run_id=run.pk) or HarvestRun.objects.get(pk=run.pk)


def ledger_units(method="videos.list"):
    row = QuotaLedger.objects.filter(api_key_hash=KEY_HASH, method=method,
                                     quota_day=quota_day(datetime.now(UTC))).first()
    return (row.units, row.calls, row.failed_calls) if row else (0, 0, 0)


def test_refresh_batches_50_ids_per_call_with_minimal_parts_and_records_quota(tenant_a, youtube):
    videos = make_videos(tenant_a.institution, 120)
    ids = [v.youtube_id for v in videos]
    http = youtube(stats_page(ids[:50]), stats_page(ids[50:100]), stats_page(ids[100:]))
    run = refresh(tenant_a)
    assert run.status == HarvestStatus.SUCCEEDED, run.staff_message
    assert len(http.requests) == 3
    for n, (path, query) in enumerate(http.requests):
        assert path == "/youtube/v3/videos"
        assert query["id"] == [",".join(ids[n * 50:(n + 1) * 50])]
        assert query["part"] == ["statistics"] and query["fields"] == [STATS_FIELDS]
    assert (run.progress_done, run.progress_total, run.calls_made, run.quota_spent) == (120, 120, 3, 3)
    assert run.plan["granted"] == {"videos.list": 3, "channels.list": 0} and run.plan["deferred"] == {}
    assert run.videos_updated == 120 and run.parameters["discovery_revision"]
    assert MetricSnapshot.objects.filter(institution=tenant_a.institution).count() == 120
    snapshot = MetricSnapshot.objects.get(video=videos[0])
    assert snapshot.views == int(video_stats_item(ids[0])["statistics"]["viewCount"])
    assert snapshot.captured_on == timezone.localdate() and snapshot.run_id == run.pk
    assert ledger_units() == (3, 3, 0)


def test_hidden_counts_are_null_and_vanished_videos_are_marked_not_deleted(tenant_a, youtube):
    for youtube_id in ("dQw4w9WgXcQ", "Hd3nLikes01", "NoCmnts0001", "Deleted0001"):
        make_video(tenant_a.institution, youtube_id)
    old = make_snapshot(Video.objects.get(youtube_id="Deleted0001"), views=5)
    youtube(ok("videos_list_statistics.json"))
    run = refresh(tenant_a)
    today = timezone.localdate()
    hidden = MetricSnapshot.objects.get(video__youtube_id="Hd3nLikes01", captured_on=today)
    disabled = MetricSnapshot.objects.get(video__youtube_id="NoCmnts0001", captured_on=today)
    assert hidden.likes is None and hidden.comments == 3120
    assert disabled.comments is None and disabled.likes == 45210
    gone = Video.objects.get(youtube_id="Deleted0001")
    assert gone.unavailable_since == today and gone.tracked
    assert MetricSnapshot.objects.filter(video=gone).get() == old  # history kept, no row for today
    assert run.unavailable_ids == ["Deleted0001"] and run.videos_unavailable == 1 and run.videos_updated == 3


def test_reappearing_video_is_available_again(tenant_a, youtube):
    video = make_video(tenant_a.institution, "vidAAAAAAA1", unavailable_since=timezone.localdate() - timedelta(3))
    youtube(stats_page([video.youtube_id]))
    refresh(tenant_a)
    video.refresh_from_db()
    assert video.unavailable_since is None


def test_rerun_on_the_same_day_updates_in_place(tenant_a, youtube):
    videos = make_videos(tenant_a.institution, 60)
    ids = [v.youtube_id for v in videos]
    youtube(stats_page(ids[:50]), stats_page(ids[50:]), stats_page(ids[:50], hidden_likes=True), stats_page(ids[50:]))
    refresh(tenant_a)
    second = refresh(tenant_a)
    assert second.status == HarvestStatus.SUCCEEDED
    assert MetricSnapshot.objects.filter(institution=tenant_a.institution).count() == 60
    assert MetricSnapshot.objects.get(video=videos[0]).likes is None  # the second answer won
    assert ledger_units() == (4, 4, 0)


def test_quota_exceeded_stops_and_waits_for_the_reset_then_continues_from_the_cursor(tenant_a, youtube):
    videos = make_videos(tenant_a.institution, 120)
    ids = [v.youtube_id for v in videos]
    youtube(stats_page(ids[:50]), error("error_quota_exceeded.json"))
    run = refresh(tenant_a)
    assert run.status == HarvestStatus.WAITING_QUOTA
    assert run.resume_at == next_reset(datetime.now(UTC))
    assert "quota" in run.staff_message and run.errors[-1]["reason"] == "quotaExceeded"
    assert run.progress_done == 50 and run.cursor == {"stage": "metrics", "after_pk": videos[49].pk}
    assert ledger_units() == (2, 2, 1)  # the refused call is charged too
    assert harvest_runs.execute(run_id=run.pk) is None  # before the reset nothing happens
    assert list(harvest_runs.runs_due_for_resume()) == []
    assert list(harvest_runs.runs_due_for_resume(run.resume_at + timedelta(seconds=1))) == [run]

    HarvestRun.objects.filter(pk=run.pk).update(resume_at=timezone.now() - timedelta(seconds=1))  # the reset came
    http = youtube(stats_page(ids[50:100]), stats_page(ids[100:]))
    run = harvest_runs.execute(run_id=run.pk)
    assert run.status == HarvestStatus.SUCCEEDED
    assert [q["id"][0].split(",")[0] for _, q in http.requests] == [ids[50], ids[100]]  # no page fetched twice
    assert MetricSnapshot.objects.filter(institution=tenant_a.institution).count() == 120
    assert (run.calls_made, run.quota_spent, run.progress_done) == (4, 4, 120)


@pytest.mark.parametrize("fixture", ["error_rate_limit_exceeded.json", "error_backend_error.json"])
def test_rate_limit_and_server_errors_are_retried_with_backoff(tenant_a, youtube, no_backoff_wait, fixture):
    videos = make_videos(tenant_a.institution, 3)
    youtube(error(fixture), error(fixture), stats_page([v.youtube_id for v in videos]))
    run = refresh(tenant_a)
    assert run.status == HarvestStatus.SUCCEEDED
    assert len(no_backoff_wait) == 2 and no_backoff_wait[1] > no_backoff_wait[0] * 0.9
    assert ledger_units() == (3, 3, 2) and run.calls_made == 3


@pytest.mark.parametrize("fixture, words", [
    ("error_key_invalid.json", "API key is not valid"),
    ("error_key_invalid_details.json", "API key is not valid"),
    ("error_forbidden.json", "enabled"),
])
def test_key_invalid_and_forbidden_fail_with_a_message_for_staff(tenant_a, youtube, no_backoff_wait, fixture, words):
    make_videos(tenant_a.institution, 3)
    youtube(error(fixture))
    run = refresh(tenant_a)
    assert run.status == HarvestStatus.FAILED and words in run.staff_message
    assert no_backoff_wait == [] and run.finished_at is not None
    page = tenant_a.client("staff").get(f"/disseminate/harvests/{run.pk}/")
    assert words in page.content.decode()


def test_missing_api_key_fails_clearly(tenant_a, settings):
    settings.YOUTUBE_API_KEY = ""
    make_videos(tenant_a.institution, 1)
    run = refresh(tenant_a)
    assert run.status == HarvestStatus.FAILED and "YOUTUBE_API_KEY" in run.staff_message


def test_refresh_is_planned_within_the_remaining_quota_of_a_shared_key(tenant_a, tenant_b, youtube):
    QuotaLedger.objects.create(institution=tenant_b.institution, api_key_hash=KEY_HASH, method="search.list",
                               quota_day=quota_day(datetime.now(UTC)), units=9_999, calls=100)
    videos = make_videos(tenant_a.institution, 120)
    http = youtube(stats_page([v.youtube_id for v in videos[:50]]))
    run = refresh(tenant_a)
    assert run.plan["granted"]["videos.list"] == 1 and run.plan["deferred"] == {"videos.list": 2}
    assert len(http.requests) == 1 and run.status == HarvestStatus.WAITING_QUOTA
    assert units_spent(api_key_hash=KEY_HASH, day=quota_day(datetime.now(UTC))) == 10_000
    assert run.progress_done == 50


def details_item(video_id, views, title="A paper-cut video", channel="UCoC47do520os_4DBMEFGg4A", **extra):
    return {"id": video_id, "snippet": {"title": title, "description": "Red paper, scissors.",
                                        "channelId": channel, "channelTitle": "Liziqi",
                                        "publishedAt": "2023-01-02T03:04:05Z", **extra},
            "contentDetails": {"duration": "PT2M"}, "statistics": {"viewCount": str(views), "likeCount": "5"}}


def add(tenant, kind, **parameters):
    run = harvest_runs.start_harvest(institution=tenant.institution, kind=kind, parameters=parameters,
                                     actor=tenant.users["staff"], enqueue=False)
    return harvest_runs.execute(run_id=run.pk)


def test_add_videos_by_id_fills_metadata_suggestions_sentiment_channel_and_auto_codes(tenant_a, youtube):
    http = youtube(ok("videos_list_details.json"), ok("channels_list.json"))
    run = add(tenant_a, HarvestKind.VIDEOS, video_ids=["LzP8hK2cYtA", "Sh0rtVid001"], short_ids=["Sh0rtVid001"])
    assert run.status == HarvestStatus.SUCCEEDED, run.staff_message
    assert (run.videos_added, run.quota_spent) == (2, 2)
    assert http.param(0, "maxHeight") == "720" and http.requests[1][0] == "/youtube/v3/channels"
    video = Video.objects.get(youtube_id="LzP8hK2cYtA")
    assert video.duration_seconds == 754 and video.source == "url" and video.added_by_run_id == run.pk
    assert video.suggested_codes["title_information"]["value"] == 1
    assert Video.objects.get(youtube_id="Sh0rtVid001").suggested_codes["video_form"]["value"] == 1
    assert SentimentScore.objects.get(video=video).language_flag == "english"
    channel = Channel.objects.get(youtube_id="UCoC47do520os_4DBMEFGg4A")
    assert channel.subscribers == 19_700_000 and channel.uploads_per_month_method == "lifetime"
    assert Channel.objects.get(youtube_id="UCabcdefghijklmnopqrstuv").subscribers is None  # hidden → NULL
    finals = {f.variable.key: f.value for f in FinalCoding.objects.filter(video=video)}
    assert finals["video_duration"] == pytest.approx(754 / 60, abs=1e-3)
    assert finals["fan_base"] == 19_700_000 and finals["account_activity"] > 0


def test_add_channel_goes_through_uploads_playlist_with_page_tokens(tenant_a, youtube):
    ids = ["LzP8hK2cYtA", "aBcDeFgHiJ0", "PrivVid0001", "kLmNoPqRsT1"]
    details = ok({"items": [details_item(i, 2_000_000) for i in ids if i != "PrivVid0001"]})
    http = youtube(ok("channels_list_for_handle.json"), ok("channels_list_uploads.json"),
                   ok("playlist_items_page1.json"), ok("playlist_items_page2.json"), details,
                   ok("channels_list.json"))
    run = add(tenant_a, HarvestKind.CHANNEL, channel_ref={"kind": "handle", "value": "@cnliziqi"})
    assert run.status == HarvestStatus.SUCCEEDED, run.staff_message
    paths = [p for p, _ in http.requests]
    assert paths == ["/youtube/v3/channels", "/youtube/v3/channels", "/youtube/v3/playlistItems",
                     "/youtube/v3/playlistItems", "/youtube/v3/videos", "/youtube/v3/channels"]
    assert http.param(2, "pageToken") is None and http.param(3, "pageToken") == "EAAaBlBUOkNESQ"
    assert http.param(4, "id") == ",".join(ids)
    assert run.videos_added == 3 and run.unavailable_ids == ["PrivVid0001"] and run.quota_spent == 6
    assert Channel.objects.get(youtube_id="UCoC47do520os_4DBMEFGg4A").uploads_per_month_method == "window_365d"


def test_unknown_channel_fails_with_guidance(tenant_a, youtube):
    youtube(ok("channels_list_empty.json"))
    run = add(tenant_a, HarvestKind.CHANNEL, channel_ref={"kind": "custom", "value": "NoSuchName"})
    assert run.status == HarvestStatus.FAILED and "not found" in run.staff_message


def test_search_keeps_videos_above_min_views_and_costs_100_a_page(tenant_a, youtube):
    details = ok({"items": [details_item("LzP8hK2cYtA", 98_765_432), details_item("Sh0rtVid001", 500_000),
                            details_item("aBcDeFgHiJ0", 1_500_000)]})
    http = youtube(ok("search_list_page1.json"), ok("search_list_page2.json"), details, ok("channels_list.json"))
    run = add(tenant_a, HarvestKind.SEARCH, query="paper cutting", min_views=1_000_000, max_results=50,
              published_after="2018-01-01T00:00:00", region="US", language="en")
    assert run.status == HarvestStatus.SUCCEEDED, run.staff_message
    assert http.param(0, "publishedAfter") == "2018-01-01T00:00:00Z" and http.param(1, "pageToken") == "CDIQAA"
    assert set(Video.objects.filter(institution=tenant_a.institution).values_list("youtube_id", flat=True)) == {
        "LzP8hK2cYtA", "aBcDeFgHiJ0"}
    assert run.cursor["below_min_views"] == 1 and run.quota_spent == 202
    assert ledger_units("search.list") == (200, 2, 0)


def test_invalid_parameters_are_rejected_before_anything_is_recorded(tenant_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        harvest_runs.start_harvest(institution=tenant_a.institution, kind=HarvestKind.SEARCH,
                                   parameters={"query": "x", "max_results": 5000}, actor=None, enqueue=False)
    assert not HarvestRun.objects.exists()


def test_a_running_run_is_not_taken_by_another_task_but_by_its_redelivery(tenant_a):
    run = HarvestRun.objects.create(institution=tenant_a.institution, kind=HarvestKind.REFRESH)
    assert harvest_runs.claim(run_id=run.pk, task_id="task-1") is not None
    assert harvest_runs.claim(run_id=run.pk, task_id="task-2") is None
    assert harvest_runs.claim(run_id=run.pk, task_id="task-1") is not None  # redelivered after a kill
    HarvestRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert harvest_runs.claim(run_id=run.pk, task_id="task-2") is not None  # stale: taken over


def test_daily_refresh_creates_one_run_per_institution_and_day(tenant_a, tenant_b, youtube, monkeypatch):
    from dissemination import tasks
    from ichplatform.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    videos = make_videos(tenant_a.institution, 2)
    youtube(stats_page([v.youtube_id for v in videos]))
    result = tasks.refresh_all.delay().get()
    assert set(result["institutions"]) >= {tenant_a.institution.pk, tenant_b.institution.pk}
    runs = HarvestRun.objects.filter(kind=HarvestKind.REFRESH)
    assert [(r.institution_id, r.status) for r in runs] == [(tenant_a.institution.pk, HarvestStatus.SUCCEEDED)]
    tasks.refresh_all.delay().get()  # a second tick on the same day: nothing new, nothing fetched
    assert HarvestRun.objects.filter(kind=HarvestKind.REFRESH).count() == 1
    assert MetricSnapshot.objects.count() == 2
