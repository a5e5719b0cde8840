"""Replay recorded YouTube responses and record the requests the code made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from googleapiclient.http import HttpMockSequence

from dissemination.youtube.client import build_client

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "youtube"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def ok(name_or_body: str | dict[str, Any]) -> tuple[dict[str, str], str]:
    body = json.dumps(name_or_body) if isinstance(name_or_body, dict) else fixture(name_or_body)
    return ({"status": "200"}, body)


def error(name: str) -> tuple[dict[str, str], str]:
    body = fixture(name)
    return ({"status": str(json.loads(body)["error"]["code"])}, body)


class RecordingHttp(HttpMockSequence):
    """HttpMockSequence that also keeps each request's path and query."""

    def __init__(self, responses: list[tuple[dict[str, str], str]]):
        super().__init__(responses)
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    def request(self, uri, method="GET", body=None, headers=None, redirections=1, connection_type=None):
        parts = urlsplit(uri)
        self.requests.append((parts.path, parse_qs(parts.query)))
        return super().request(uri, method, body, headers, redirections, connection_type)

    def param(self, index: int, name: str) -> str | None:
        values = self.requests[index][1].get(name)
        return values[0] if values else None


def client_with(*responses: tuple[dict[str, str], str]) -> tuple[Any, RecordingHttp]:
    http = RecordingHttp(list(responses))
    return build_client(api_key="test-key", http=http), http


# --- Django side: the http object the platform's client uses (settings.YOUTUBE_HTTP_FACTORY) ----------

_installed: list[Any] = [None]


def install(http: Any) -> Any:
    _installed[0] = http
    return http


def installed_http() -> Any:
    """The YOUTUBE_HTTP_FACTORY of in-process tests: whatever the test installed."""
    if _installed[0] is None:
        raise AssertionError("a test reached YouTube without installing a replay")
    return _installed[0]


def video_stats_item(video_id: str, *, hidden_likes: bool = False) -> dict[str, Any]:
    """Deterministic statistics for a generated id (views depend on the id, so re-runs agree)."""
    seed = sum(map(ord, video_id))
    stats = {"viewCount": str(1_000_000 + seed * 977), "commentCount": str(seed)}
    if not hidden_likes:
        stats["likeCount"] = str(10_000 + seed * 13)
    return {"id": video_id, "statistics": stats}


class GeneratedVideosHttp:
    """An in-process stand-in for YouTube's HTTP that *generates* `videos.list` answers for
    whatever ids are asked (the benchmark's 2,000 pages, the killed-worker test). Ids in
    `missing` are left out of `items`, as YouTube does for deleted videos.

    `delay` slows each response; `log_path` appends one line per request (the ids asked),
    so a test can see which pages a second worker fetched again."""

    def __init__(self, *, missing: frozenset[str] = frozenset(), delay: float = 0.0, log_path: str | None = None):
        self.missing, self.delay, self.log_path = missing, delay, log_path
        self.requests = 0

    def request(self, uri, method="GET", body=None, headers=None, redirections=1, connection_type=None):
        import time

        import httplib2

        parts = urlsplit(uri)
        query = parse_qs(parts.query)
        ids = query.get("id", [""])[0].split(",") if parts.path.endswith("/videos") else []
        items = [video_stats_item(i) for i in ids if i and i not in self.missing]
        self.requests += 1
        if self.log_path:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(",".join(ids) + "\n")
        if self.delay:
            time.sleep(self.delay)
        return httplib2.Response({"status": "200"}), json.dumps({"items": items}).encode()


def generated_http_from_environment() -> GeneratedVideosHttp:
    """The YOUTUBE_HTTP_FACTORY of a worker subprocess (see worker_settings.py)."""
    import os

    return GeneratedVideosHttp(delay=float(os.environ.get("YOUTUBE_FAKE_DELAY", "0")),
                               log_path=os.environ.get("YOUTUBE_FAKE_LOG") or None)
