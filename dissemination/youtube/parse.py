"""Parsers for the string-typed values of YouTube API responses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

# ISO 8601 durations as videos.list returns them: PT1H2M3S, P1DT2H, P0D (live), PT0S.
_ISO_DURATION = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
# google-duration (protobuf JSON) as videos.batchGetStats declares it: "754s", "3.5s".
_PROTO_DURATION = re.compile(r"^(?P<s>\d+(?:\.\d+)?)s$")


def parse_count(value: Any) -> int | None:
    """Counts arrive as decimal strings ("1234"); absent means hidden/disabled → None, not 0."""
    if value is None or value == "":
        return None
    return int(value)


def parse_duration(value: str | None) -> int | None:
    """Seconds from an ISO 8601 or google-duration string; None when absent or malformed."""
    if not value:
        return None
    match = _ISO_DURATION.match(value)
    if match and value not in ("P", "PT"):
        weeks, days, hours, minutes = (int(match[k] or 0) for k in ("w", "d", "h", "m"))
        seconds = float(match["s"] or 0)
        return round(((weeks * 7 + days) * 24 + hours) * 3600 + minutes * 60 + seconds)
    match = _PROTO_DURATION.match(value)
    if match:
        return round(float(match["s"]))
    return None


def parse_timestamp(value: str | None) -> datetime | None:
    """RFC 3339 timestamp → aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)  # Python 3.11+ reads the trailing Z
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """Aware datetime → the ``YYYY-MM-DDThh:mm:ssZ`` form search.list requires."""
    if value.tzinfo is None:
        raise ValueError("published_after/before must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
