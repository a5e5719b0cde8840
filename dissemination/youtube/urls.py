"""Turn whatever a user pastes (any YouTube URL form or a bare id) into an id.

YouTube ids have fixed shapes, which lets a bare id be recognised without a
URL: video ids are 11 characters of the URL-safe base64 alphabet, channel ids
are ``UC`` + 22 such characters, handles start with ``@``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

RefKind = Literal["video", "channel", "handle", "custom", "user", "playlist"]

VIDEO_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
CHANNEL_ID_RE = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
# Handles are 3-30 characters; since 2022 they may use non-Latin letters.
HANDLE_RE = re.compile(r"^@[\w.\-·]{3,30}$")
# Playlist ids: PL/UU/LL/FL/OL/RD… prefixes, variable length.
PLAYLIST_ID_RE = re.compile(r"^(PL|UU|LL|FL|OL|RD|UL|PU|OLAK5uy_)[A-Za-z0-9_-]{8,64}$")
CUSTOM_NAME_RE = re.compile(r"^[\w.\-]{1,100}$")

YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "gaming.youtube.com",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
# Path prefixes whose next segment is a video id.
VIDEO_PATH_PREFIXES = frozenset({"shorts", "embed", "live", "v", "e"})
# Reserved first path segments that are pages, not channel vanity names.
RESERVED_SEGMENTS = frozenset(
    {"feed", "results", "playlist", "watch", "channel", "c", "user", "about", "account",
     "premium", "music", "gaming", "hashtag", "t", "redirect", "signin", "logout"}
)


class InvalidYouTubeReference(ValueError):
    """The text is not a YouTube URL or id that this platform can track."""


@dataclass(frozen=True)
class YouTubeRef:
    """What a URL or id points to.

    ``playlist_id`` is also set for ``watch?v=…&list=…`` so a caller may offer
    "add the whole playlist"; ``is_short`` records a /shorts/ URL, which the
    coder suggestions use as evidence of vertical video form.
    """

    kind: RefKind
    value: str
    is_short: bool = False
    playlist_id: str | None = None


def parse_youtube_ref(text: str) -> YouTubeRef:
    """Parse a URL (any form) or a bare id/handle into a :class:`YouTubeRef`."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidYouTubeReference("Empty input: paste a YouTube URL or id.")
    bare = _parse_bare(raw)
    if bare is not None:
        return bare
    candidate = raw if "://" in raw else f"https://{raw}"
    parts = urlsplit(candidate)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidYouTubeReference(f"Not a YouTube URL or id: {raw!r}.")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    if host in SHORT_HOSTS:
        return _video(segments[0] if segments else "", raw, playlist=_first(query, "list"))
    if host not in YOUTUBE_HOSTS:
        raise InvalidYouTubeReference(f"{host!r} is not a YouTube address.")
    return _parse_youtube_path(segments, query, raw)


def parse_video_id(text: str) -> str:
    """Return the video id of a video URL or bare id; reject channels and playlists."""
    ref = parse_youtube_ref(text)
    if ref.kind != "video":
        raise InvalidYouTubeReference(f"{text!r} points to a {ref.kind}, not a video.")
    return ref.value


def is_video_id(value: str) -> bool:
    return bool(VIDEO_ID_RE.match(value or ""))


def _parse_bare(raw: str) -> YouTubeRef | None:
    if CHANNEL_ID_RE.match(raw):
        return YouTubeRef("channel", raw)
    if VIDEO_ID_RE.match(raw):
        return YouTubeRef("video", raw)
    if HANDLE_RE.match(raw):
        return YouTubeRef("handle", raw)
    if PLAYLIST_ID_RE.match(raw):
        return YouTubeRef("playlist", raw)
    return None


def _parse_youtube_path(segments: list[str], query: dict[str, list[str]], raw: str) -> YouTubeRef:
    head = segments[0] if segments else ""
    playlist = _first(query, "list")
    if head in ("watch", "") and _first(query, "v"):
        return _video(_first(query, "v") or "", raw, playlist=playlist)
    if head in VIDEO_PATH_PREFIXES and len(segments) > 1:
        return _video(segments[1], raw, is_short=head == "shorts", playlist=playlist)
    if head == "playlist" and playlist:
        if not PLAYLIST_ID_RE.match(playlist):
            raise InvalidYouTubeReference(f"Malformed playlist id {playlist!r} in {raw!r}.")
        return YouTubeRef("playlist", playlist)
    if head == "channel" and len(segments) > 1:
        if not CHANNEL_ID_RE.match(segments[1]):
            raise InvalidYouTubeReference(f"Malformed channel id {segments[1]!r} in {raw!r}.")
        return YouTubeRef("channel", segments[1])
    if head.startswith("@"):
        if not HANDLE_RE.match(head):
            raise InvalidYouTubeReference(f"Malformed handle {head!r} in {raw!r}.")
        return YouTubeRef("handle", head)
    if head in ("c", "user") and len(segments) > 1 and CUSTOM_NAME_RE.match(segments[1]):
        return YouTubeRef("custom" if head == "c" else "user", segments[1])
    if len(segments) == 1 and head not in RESERVED_SEGMENTS and CUSTOM_NAME_RE.match(head):
        # youtube.com/SomeName is a legacy custom URL, resolvable like /c/.
        return YouTubeRef("custom", head)
    raise InvalidYouTubeReference(f"No video, channel or playlist found in {raw!r}.")


def _video(candidate: str, raw: str, *, is_short: bool = False, playlist: str | None = None) -> YouTubeRef:
    if not VIDEO_ID_RE.match(candidate):
        raise InvalidYouTubeReference(f"Malformed video id {candidate!r} in {raw!r}.")
    if playlist is not None and not PLAYLIST_ID_RE.match(playlist):
        playlist = None  # a broken list= parameter must not block adding the video
    return YouTubeRef("video", candidate, is_short=is_short, playlist_id=playlist)


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None
