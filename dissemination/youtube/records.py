"""Parsed, typed records that the harvest functions yield."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class VideoRecord:
    """A video's metrics (always) and metadata (when the details parts were asked for).

    ``likes`` is None when the owner hides the like count, ``comments`` None when
    comments are disabled: a missing count is unknown, never zero.
    """

    video_id: str
    views: int | None
    likes: int | None
    comments: int | None
    title: str | None = None
    description: str | None = None
    channel_id: str | None = None
    channel_title: str | None = None
    published_at: datetime | None = None
    duration_seconds: int | None = None
    default_language: str | None = None
    default_audio_language: str | None = None
    tags: tuple[str, ...] = ()
    category_id: str | None = None
    live_broadcast_content: str | None = None
    has_captions: bool | None = None
    thumbnail_url: str | None = None
    embed_width: int | None = None
    embed_height: int | None = None


@dataclass(frozen=True)
class Batch(Generic[R]):
    """One API call's worth: what was asked, what came back, what silently did not.

    Deleted and private videos (and closed channels) are simply absent from
    ``items``; they are listed in ``unavailable`` so the caller can mark them,
    never delete them.
    """

    requested: tuple[str, ...]
    records: tuple[R, ...]
    unavailable: tuple[str, ...]


@dataclass(frozen=True)
class ChannelRecord:
    channel_id: str
    title: str | None
    custom_url: str | None
    published_at: datetime | None
    country: str | None
    subscribers: int | None  # None when the channel hides its subscriber count
    video_count: int | None
    view_count: int | None
    uploads_playlist_id: str | None


@dataclass(frozen=True)
class PlaylistEntry:
    """A playlist item. ``published_at`` is None for deleted/private entries."""

    video_id: str
    published_at: datetime | None
    position: int


@dataclass(frozen=True)
class SearchHit:
    video_id: str
    title: str | None
    channel_id: str | None
    channel_title: str | None
    published_at: datetime | None


VideoBatch = Batch[VideoRecord]
ChannelBatch = Batch[ChannelRecord]


@dataclass(frozen=True)
class ListingPage(Generic[R]):
    """One page of a paged listing and the token of the next page (None on the last)."""

    items: tuple[R, ...]
    next_page_token: str | None
