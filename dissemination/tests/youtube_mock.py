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
