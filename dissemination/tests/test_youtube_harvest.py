import json
from datetime import UTC, datetime

import pytest

from dissemination.youtube.caller import ApiCaller
from dissemination.youtube.harvest import (
    STATS_FIELDS,
    fetch_channel_stats,
    fetch_video_details,
    fetch_video_stats,
    lifetime_uploads_per_month,
    list_channel_uploads,
    resolve_channel_id,
    search_videos,
    uploads_per_month,
)
from dissemination.youtube.parse import parse_duration
from dissemination.youtube.urls import YouTubeRef

from .youtube_mock import client_with, ok


def ledger():
    calls = []
    return calls, ApiCaller(on_call=calls.append, sleep=lambda s: None)


def stats_page(ids):
    return ok({"items": [{"id": i, "statistics": {"viewCount": "10", "likeCount": "2", "commentCount": "1"}} for i in ids]})


def test_ids_are_batched_50_per_call_comma_joined_with_minimal_parts_and_fields():
    ids = [f"vid{n:08d}" for n in range(120)]
    client, http = client_with(stats_page(ids[:50]), stats_page(ids[50:100]), stats_page(ids[100:]))
    calls, caller = ledger()
    batches = list(fetch_video_stats(client, ids + ids[:5], caller=caller))  # duplicates dropped
    assert [len(b.requested) for b in batches] == [50, 50, 20]
    assert len(http.requests) == 3
    for n, (path, query) in enumerate(http.requests):
        assert path == "/youtube/v3/videos"
        assert query["id"] == [",".join(ids[n * 50:(n + 1) * 50])]
        assert query["part"] == ["statistics"]
        assert query["fields"] == [STATS_FIELDS]
        assert query["key"] == ["test-key"]
        assert "maxResults" not in query  # not allowed together with id
    assert [c.method for c in calls] == ["videos.list"] * 3
    assert caller.spent_units == 3 and caller.calls == 3


def test_counts_are_ints_hidden_likes_and_disabled_comments_are_none_and_missing_ids_unavailable():
    client, _ = client_with(ok("videos_list_statistics.json"))
    requested = ["dQw4w9WgXcQ", "Hd3nLikes01", "NoCmnts0001", "Deleted0001"]
    (batch,) = fetch_video_stats(client, requested)
    by_id = {r.video_id: r for r in batch.records}
    assert by_id["dQw4w9WgXcQ"].views == 1_712_345_678
    assert isinstance(by_id["dQw4w9WgXcQ"].likes, int)
    assert by_id["Hd3nLikes01"].likes is None and by_id["Hd3nLikes01"].comments == 3120
    assert by_id["NoCmnts0001"].comments is None and by_id["NoCmnts0001"].likes == 45210
    assert batch.unavailable == ("Deleted0001",)


def test_batch_get_stats_variant_sends_repeated_ids():
    client, http = client_with(ok("videos_batch_get_stats.json"))
    (batch,) = fetch_video_stats(client, ["dQw4w9WgXcQ", "Hd3nLikes01", "NoCmnts0001"],
                                 method="videos.batchGetStats")
    path, query = http.requests[0]
    assert path == "/youtube/v3/videos:batchGetStats"
    assert query["id"] == ["dQw4w9WgXcQ", "Hd3nLikes01", "NoCmnts0001"]
    assert len(batch.records) == 3 and batch.unavailable == ()


def test_video_details_parse_snippet_duration_and_embed_aspect():
    client, http = client_with(ok("videos_list_details.json"))
    (batch,) = fetch_video_details(client, ["LzP8hK2cYtA", "Sh0rtVid001"])
    assert http.param(0, "part") == "snippet,contentDetails,statistics,player"
    assert http.param(0, "maxHeight") == "720"
    first, short = batch.records
    assert first.duration_seconds == 754
    assert first.published_at == datetime(2019, 4, 27, 9, 0, 7, tzinfo=UTC)
    assert first.default_audio_language == "zh-Hans" and first.has_captions is True
    assert first.tags == ("bamboo", "traditional", "food")
    assert (short.embed_width, short.embed_height) == (405, 720)
    assert short.likes is None and short.duration_seconds == 45


def test_unfiltered_full_response_shape_parses_too():
    client, _ = client_with(ok("videos_list_unfiltered.json"))
    (batch,) = fetch_video_details(client, ["dQw4w9WgXcQ"])
    assert batch.records[0].duration_seconds == 213 and batch.records[0].views == 1_712_345_678


def test_channel_uploads_go_through_the_uploads_playlist_with_page_tokens():
    client, http = client_with(
        ok("channels_list_uploads.json"), ok("playlist_items_page1.json"), ok("playlist_items_page2.json")
    )
    calls, caller = ledger()
    entries = list(list_channel_uploads(client, "UCoC47do520os_4DBMEFGg4A", caller=caller))
    assert [e.video_id for e in entries] == ["LzP8hK2cYtA", "aBcDeFgHiJ0", "PrivVid0001", "kLmNoPqRsT1"]
    assert entries[2].published_at is None  # a private entry has no videoPublishedAt
    assert http.requests[0][0] == "/youtube/v3/channels"
    assert http.param(0, "part") == "contentDetails"
    assert http.param(1, "playlistId") == "UUoC47do520os_4DBMEFGg4A"
    assert http.param(1, "maxResults") == "50" and http.param(1, "pageToken") is None
    assert http.param(2, "pageToken") == "EAAaBlBUOkNESQ"
    assert [c.method for c in calls] == ["channels.list", "playlistItems.list", "playlistItems.list"]
    assert caller.spent_units == 3  # search would have cost 100 per page


def test_search_paginates_with_filters_and_costs_100_a_page():
    client, http = client_with(ok("search_list_page1.json"), ok("search_list_page2.json"))
    calls, caller = ledger()
    hits = list(search_videos(
        client, query="intangible cultural heritage", caller=caller, order="viewCount",
        published_after=datetime(2018, 1, 1, tzinfo=UTC), published_before=datetime(2024, 1, 1, tzinfo=UTC),
        region="US", language="en",
    ))
    assert [h.video_id for h in hits] == ["LzP8hK2cYtA", "Sh0rtVid001", "aBcDeFgHiJ0"]
    assert hits[2].title == "Silk & embroidery"  # search.list HTML-escapes titles
    query = http.requests[0][1]
    assert query["q"] == ["intangible cultural heritage"] and query["type"] == ["video"]
    assert query["publishedAfter"] == ["2018-01-01T00:00:00Z"]
    assert query["publishedBefore"] == ["2024-01-01T00:00:00Z"]
    assert query["regionCode"] == ["US"] and query["relevanceLanguage"] == ["en"]
    assert query["order"] == ["viewCount"]
    assert http.param(1, "pageToken") == "CDIQAA"
    assert caller.spent_units == 200 and [c.units for c in calls] == [100, 100]


def test_search_stops_at_max_results_without_fetching_more_pages():
    client, http = client_with(ok("search_list_page1.json"))
    hits = list(search_videos(client, query="paper cutting", max_results=2))
    assert len(hits) == 2 and len(http.requests) == 1
    assert http.param(0, "maxResults") == "2"


def test_channel_stats_hidden_subscribers_are_none():
    client, http = client_with(ok("channels_list.json"))
    (batch,) = fetch_channel_stats(client, ["UCoC47do520os_4DBMEFGg4A", "UCabcdefghijklmnopqrstuv", "UCgoneeeeeeeeeeeeeeeeeee"])
    liziqi, hidden = batch.records
    assert liziqi.subscribers == 19_700_000 and liziqi.video_count == 128
    assert liziqi.uploads_playlist_id == "UUoC47do520os_4DBMEFGg4A"
    assert hidden.subscribers is None and hidden.video_count == 342
    assert batch.unavailable == ("UCgoneeeeeeeeeeeeeeeeeee",)
    assert http.param(0, "part") == "snippet,statistics,contentDetails"


def test_resolve_handle_and_unknown():
    client, http = client_with(ok("channels_list_for_handle.json"), ok("channels_list_empty.json"))
    assert resolve_channel_id(client, YouTubeRef("handle", "@cnliziqi")) == "UCoC47do520os_4DBMEFGg4A"
    assert http.param(0, "forHandle") == "@cnliziqi"
    assert resolve_channel_id(client, YouTubeRef("custom", "NoSuchName")) is None
    assert http.param(1, "forHandle") == "@NoSuchName"


def test_account_activity_measures():
    as_of = datetime(2024, 1, 1, tzinfo=UTC)
    dates = [datetime(2023, m, 15, tzinfo=UTC) for m in range(1, 13)] + [datetime(2020, 1, 1, tzinfo=UTC), None]
    assert uploads_per_month(dates, as_of=as_of) == pytest.approx(12 / (365 / (365.25 / 12)))
    assert lifetime_uploads_per_month(
        video_count=120, channel_published_at=datetime(2014, 1, 1, tzinfo=UTC), as_of=as_of
    ) == pytest.approx(1.0, rel=1e-2)
    assert lifetime_uploads_per_month(video_count=None, channel_published_at=None, as_of=as_of) is None


@pytest.mark.parametrize(
    "raw, seconds",
    [("PT12M34S", 754), ("PT1H", 3600), ("P1DT2H3M4S", 93784), ("P0D", 0), ("PT0S", 0),
     ("PT45S", 45), ("P1W", 604800), ("754s", 754), ("3.6s", 4), ("", None), ("nonsense", None), ("PT", None)],
)
def test_duration_parsing(raw, seconds):
    assert parse_duration(raw) == seconds


def test_fixture_files_are_valid_json():
    from .youtube_mock import FIXTURES
    for path in FIXTURES.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
