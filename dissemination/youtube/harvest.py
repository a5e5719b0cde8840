"""Harvest functions: perform API calls, yield parsed records.

All functions take the ``youtube`` Resource from :func:`client.build_client`
and an optional :class:`caller.ApiCaller` (quota ledger callback, unit budget,
retries). They ask only for the ``part``s and ``fields`` they parse, which
keeps responses small; the quota cost of a list call does not depend on parts.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from .caller import ApiCaller
from .parse import format_timestamp, parse_count, parse_duration, parse_timestamp
from .quota import MAX_IDS_PER_CALL, MAX_RESULTS_PER_PAGE
from .records import (
    Batch,
    ChannelBatch,
    ChannelRecord,
    ListingPage,
    PlaylistEntry,
    SearchHit,
    VideoBatch,
    VideoRecord,
)

R = TypeVar("R")
from .urls import YouTubeRef

StatsMethod = Literal["videos.list", "videos.batchGetStats"]

STATS_PART = "statistics"
STATS_FIELDS = "items(id,statistics(viewCount,likeCount,commentCount))"
DETAILS_PART = "snippet,contentDetails,statistics,player"
DETAILS_FIELDS = (
    "items(id,"
    "snippet(publishedAt,channelId,title,description,channelTitle,tags,categoryId,"
    "liveBroadcastContent,defaultLanguage,defaultAudioLanguage,thumbnails/high/url),"
    "contentDetails(duration,caption),"
    "statistics(viewCount,likeCount,commentCount),"
    "player(embedWidth,embedHeight))"
)
# With maxHeight set, player.embedWidth/embedHeight follow the video's aspect
# ratio: the only aspect signal an API key can read (fileDetails is owner-only).
EMBED_PROBE_HEIGHT = 720
CHANNEL_PART = "snippet,statistics,contentDetails"
CHANNEL_FIELDS = (
    "items(id,snippet(title,customUrl,publishedAt,country),"
    "statistics(subscriberCount,hiddenSubscriberCount,videoCount,viewCount),"
    "contentDetails/relatedPlaylists/uploads)"
)
PLAYLIST_FIELDS = "nextPageToken,items(contentDetails(videoId,videoPublishedAt))"
SEARCH_FIELDS = (
    "nextPageToken,items(id/videoId,snippet(publishedAt,channelId,title,channelTitle))"
)
DAYS_PER_MONTH = 365.25 / 12


def fetch_video_stats(
    client: Any,
    ids: Iterable[str],
    *,
    caller: ApiCaller | None = None,
    method: StatsMethod = "videos.list",
) -> Iterator[VideoBatch]:
    """Metrics refresh: one call per ≤50 ids, ``part=statistics`` and minimal ``fields``.

    ``method="videos.batchGetStats"`` uses the alternative endpoint of the
    bundled discovery document (see docs/dissemination.md for why it is not
    the default).
    """
    resource = client.videos()

    def request(chunk: tuple[str, ...]) -> Any:
        if method == "videos.batchGetStats":
            return resource.batchGetStats(id=list(chunk), part=[STATS_PART], fields=STATS_FIELDS)
        # maxResults is not allowed together with id; 50 ids give ≤50 items anyway.
        return resource.list(id=",".join(chunk), part=STATS_PART, fields=STATS_FIELDS)

    return _batches(caller or ApiCaller(), ids, request, _video_record)


def fetch_video_details(
    client: Any, ids: Iterable[str], *, caller: ApiCaller | None = None
) -> Iterator[VideoBatch]:
    """Metadata + metrics for newly added videos (snippet, duration, embed size)."""
    resource = client.videos()

    def request(chunk: tuple[str, ...]) -> Any:
        return resource.list(
            id=",".join(chunk), part=DETAILS_PART, fields=DETAILS_FIELDS, maxHeight=EMBED_PROBE_HEIGHT
        )

    return _batches(caller or ApiCaller(), ids, request, _video_record)


def fetch_channel_stats(
    client: Any, channel_ids: Iterable[str], *, caller: ApiCaller | None = None
) -> Iterator[ChannelBatch]:
    """Subscribers, video count and uploads playlist of channels, ≤50 per call."""
    resource = client.channels()

    def request(chunk: tuple[str, ...]) -> Any:
        return resource.list(id=",".join(chunk), part=CHANNEL_PART, fields=CHANNEL_FIELDS)

    return _batches(caller or ApiCaller(), channel_ids, request, _channel_record)


def resolve_channel_id(client: Any, ref: YouTubeRef, *, caller: ApiCaller | None = None) -> str | None:
    """Channel id for a channel/handle/user/custom reference; None when YouTube knows none.

    Legacy ``/c/Name`` URLs have no API lookup; most such names became handles
    in 2022, so ``forHandle=@Name`` is tried (1 unit) instead of a 100-unit search.
    """
    if ref.kind == "channel":
        return ref.value
    caller = caller or ApiCaller()
    if ref.kind == "user":
        params = {"forUsername": ref.value}
    elif ref.kind in ("handle", "custom"):
        params = {"forHandle": ref.value if ref.value.startswith("@") else f"@{ref.value}"}
    else:
        raise ValueError(f"a {ref.kind} reference does not name a channel")
    response = caller.execute(client.channels().list(part="id", fields="items(id)", **params))
    items = response.get("items") or []
    return items[0]["id"] if items else None


def uploads_playlist_id(client: Any, channel_id: str, *, caller: ApiCaller | None = None) -> str | None:
    """The channel's uploads playlist, read from channels.list contentDetails (1 unit)."""
    caller = caller or ApiCaller()
    request = client.channels().list(
        id=channel_id, part="contentDetails", fields="items(id,contentDetails/relatedPlaylists/uploads)"
    )
    items = caller.execute(request).get("items") or []
    if not items:
        return None
    return items[0].get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")


def list_playlist(
    client: Any, playlist_id: str, *, caller: ApiCaller | None = None, max_items: int | None = None
) -> Iterator[PlaylistEntry]:
    """Every video of a playlist, 50 per page (1 unit a page), following nextPageToken."""
    caller = caller or ApiCaller()
    position = 0
    params: dict[str, Any] = {
        "playlistId": playlist_id, "part": "contentDetails", "fields": PLAYLIST_FIELDS,
        "maxResults": MAX_RESULTS_PER_PAGE,
    }
    for response in _pages(caller, client.playlistItems().list, params):
        for item in response.get("items") or []:
            details = item.get("contentDetails") or {}
            if not details.get("videoId"):
                continue
            yield PlaylistEntry(details["videoId"], parse_timestamp(details.get("videoPublishedAt")), position)
            position += 1
            if max_items is not None and position >= max_items:
                return


def list_channel_uploads(
    client: Any, channel_id: str, *, caller: ApiCaller | None = None, max_items: int | None = None
) -> Iterator[PlaylistEntry]:
    """A channel's uploads via its uploads playlist: 1 + ceil(n/50) units instead of search's 100/page."""
    caller = caller or ApiCaller()
    playlist_id = uploads_playlist_id(client, channel_id, caller=caller)
    if playlist_id is None:
        return
    yield from list_playlist(client, playlist_id, caller=caller, max_items=max_items)


def search_videos(
    client: Any, *, query: str, max_results: int | None = None, caller: ApiCaller | None = None, **filters: Any
) -> Iterator[SearchHit]:
    """Keyword search (100 units per page of ≤50). Minimum views is not an API filter:
    fetch the hits' stats with :func:`fetch_video_stats` and filter afterwards. ``filters`` are
    those of :func:`search_pages` (published_after/before, region, language, order, …)."""
    count = 0
    for page in search_pages(client, query=query, page_size=max_results, caller=caller, **filters):
        for hit in page.items:
            yield hit
            count += 1
            if max_results is not None and count >= max_results:
                return


def search_pages(
    client: Any,
    *,
    query: str,
    published_after: datetime | None = None,
    published_before: datetime | None = None,
    region: str | None = None,
    language: str | None = None,
    order: str = "relevance",
    video_duration: str | None = None,
    channel_id: str | None = None,
    page_size: int | None = None,
    page_token: str | None = None,
    caller: ApiCaller | None = None,
) -> Iterator[ListingPage[SearchHit]]:
    """Search page by page, starting at ``page_token``: a harvest saves each page's
    ``next_page_token`` and resumes there after a crash instead of paying 100 units again."""
    caller = caller or ApiCaller()
    params: dict[str, Any] = {
        "q": query, "part": "snippet", "type": "video", "fields": SEARCH_FIELDS,
        "maxResults": MAX_RESULTS_PER_PAGE if page_size is None else min(page_size, MAX_RESULTS_PER_PAGE),
        "order": order,
    }
    optional = {
        "publishedAfter": published_after and format_timestamp(published_after),
        "publishedBefore": published_before and format_timestamp(published_before),
        "regionCode": region, "relevanceLanguage": language,
        "videoDuration": video_duration, "channelId": channel_id,
    }
    params.update({k: v for k, v in optional.items() if v})
    for response in _pages(caller, client.search().list, params, start_token=page_token):
        hits = []
        for item in response.get("items") or []:
            video_id = (item.get("id") or {}).get("videoId")
            if not video_id:
                continue
            snippet = item.get("snippet") or {}
            # search.list (unlike videos.list) HTML-escapes titles: "Silk &amp; embroidery".
            hits.append(SearchHit(video_id, _unescape(snippet.get("title")), snippet.get("channelId"),
                                  _unescape(snippet.get("channelTitle")),
                                  parse_timestamp(snippet.get("publishedAt"))))
        yield ListingPage(tuple(hits), response.get("nextPageToken"))


def playlist_pages(
    client: Any, playlist_id: str, *, caller: ApiCaller | None = None, page_token: str | None = None
) -> Iterator[ListingPage[PlaylistEntry]]:
    """A playlist page by page (1 unit each), starting at ``page_token`` (see :func:`search_pages`)."""
    caller = caller or ApiCaller()
    params: dict[str, Any] = {
        "playlistId": playlist_id, "part": "contentDetails", "fields": PLAYLIST_FIELDS,
        "maxResults": MAX_RESULTS_PER_PAGE,
    }
    for response in _pages(caller, client.playlistItems().list, params, start_token=page_token):
        entries = []
        for item in response.get("items") or []:
            details = item.get("contentDetails") or {}
            if details.get("videoId"):
                entries.append(PlaylistEntry(details["videoId"], parse_timestamp(details.get("videoPublishedAt")),
                                             len(entries)))
        yield ListingPage(tuple(entries), response.get("nextPageToken"))


def uploads_per_month(
    published: Iterable[datetime | None], *, as_of: datetime, window_days: int = 365
) -> float:
    """Account activity: uploads in the ``window_days`` before ``as_of``, per month."""
    start = as_of - timedelta(days=window_days)
    count = sum(1 for p in published if p is not None and start < p <= as_of)
    return count / (window_days / DAYS_PER_MONTH)


def lifetime_uploads_per_month(
    *, video_count: int | None, channel_published_at: datetime | None, as_of: datetime
) -> float | None:
    """Cheaper account activity from channels.list alone: public videos / channel age in months."""
    if video_count is None or channel_published_at is None:
        return None
    months = max((as_of - channel_published_at).days / DAYS_PER_MONTH, 1.0)
    return video_count / months


def _pages(
    caller: ApiCaller, list_method: Any, params: dict[str, Any], *, start_token: str | None = None
) -> Iterator[dict[str, Any]]:
    token: str | None = start_token
    seen: set[str] = set()
    while True:
        response = caller.execute(list_method(**params, **({"pageToken": token} if token else {})))
        yield response
        token = response.get("nextPageToken")
        if not token or token in seen:  # a repeated token would loop forever
            return
        seen.add(token)


def _batches(
    caller: ApiCaller,
    ids: Iterable[str],
    make_request: Callable[[tuple[str, ...]], Any],
    parse: Callable[[dict[str, Any]], R],
) -> Iterator[Batch[R]]:
    """One call per ≤50 ids; ids missing from ``items`` are reported as unavailable."""
    for chunk in _chunks(_unique(ids), MAX_IDS_PER_CALL):
        items = caller.execute(make_request(chunk)).get("items") or []
        found = {item["id"] for item in items}
        yield Batch(chunk, tuple(parse(item) for item in items), tuple(i for i in chunk if i not in found))


def _video_record(item: dict[str, Any]) -> VideoRecord:
    stats = item.get("statistics") or {}
    snippet = item.get("snippet") or {}
    details = item.get("contentDetails") or {}
    player = item.get("player") or {}
    caption = details.get("caption")
    return VideoRecord(
        video_id=item["id"],
        views=parse_count(stats.get("viewCount")),
        likes=parse_count(stats.get("likeCount")),
        comments=parse_count(stats.get("commentCount")),
        title=snippet.get("title"),
        description=snippet.get("description"),
        channel_id=snippet.get("channelId"),
        channel_title=snippet.get("channelTitle"),
        published_at=parse_timestamp(snippet.get("publishedAt")),
        duration_seconds=parse_duration(details.get("duration")),
        default_language=snippet.get("defaultLanguage"),
        default_audio_language=snippet.get("defaultAudioLanguage"),
        tags=tuple(snippet.get("tags") or ()),
        category_id=snippet.get("categoryId"),
        live_broadcast_content=snippet.get("liveBroadcastContent"),
        has_captions=None if caption is None else caption == "true",
        thumbnail_url=(snippet.get("thumbnails") or {}).get("high", {}).get("url"),
        embed_width=parse_count(player.get("embedWidth")),
        embed_height=parse_count(player.get("embedHeight")),
    )


def _channel_record(item: dict[str, Any]) -> ChannelRecord:
    snippet = item.get("snippet") or {}
    stats = item.get("statistics") or {}
    hidden = stats.get("hiddenSubscriberCount") is True
    return ChannelRecord(
        channel_id=item["id"],
        title=snippet.get("title"),
        custom_url=snippet.get("customUrl"),
        published_at=parse_timestamp(snippet.get("publishedAt")),
        country=snippet.get("country"),
        subscribers=None if hidden else parse_count(stats.get("subscriberCount")),
        video_count=parse_count(stats.get("videoCount")),
        view_count=parse_count(stats.get("viewCount")),
        uploads_playlist_id=(item.get("contentDetails") or {}).get("relatedPlaylists", {}).get("uploads"),
    )


def _unescape(value: str | None) -> str | None:
    return html.unescape(value) if value is not None else None


def _unique(values: Iterable[str]) -> list[str]:
    """Drop blanks and duplicates, keep order: a duplicate id would waste a slot of 50."""
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _chunks(values: Sequence[str], size: int) -> Iterator[tuple[str, ...]]:
    for start in range(0, len(values), size):
        yield tuple(values[start:start + size])
