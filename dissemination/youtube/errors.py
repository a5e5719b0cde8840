"""Classify YouTube API failures by the reason in the JSON error body.

``HttpError.reason`` is only the human message (it comes from
``error.message``), which Google rewords at will; the stable, documented key is
``error.errors[0].reason`` (e.g. ``quotaExceeded``). A quota error and a rate
limit are both HTTP 403, so the status alone cannot tell them apart either.
Newer Google front ends report a bad key as ``badRequest`` plus an
``ErrorInfo`` detail with reason ``API_KEY_INVALID``; that is read too.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from googleapiclient.errors import HttpError


class YouTubeApiError(Exception):
    """A failed API call. ``staff_message`` is safe to show to institution staff."""

    retryable = False
    default_message = "The YouTube API refused the request."

    def __init__(self, *, reason: str, status: int, api_message: str = "", method: str = ""):
        self.reason = reason
        self.status = status
        self.api_message = api_message
        self.method = method
        super().__init__(f"{method or 'YouTube API'}: HTTP {status} {reason}: {api_message}".strip())

    @property
    def staff_message(self) -> str:
        return self.default_message


class QuotaExceeded(YouTubeApiError):
    default_message = (
        "The daily YouTube API quota of this key is used up. The harvest stops now and "
        "resumes after the quota resets at midnight Pacific time."
    )
    resets_at: datetime | None = None


class RateLimited(YouTubeApiError):
    retryable = True
    default_message = "YouTube asked us to slow down; the call is retried with backoff."
    retry_after: float | None = None


class ServerError(YouTubeApiError):
    retryable = True
    default_message = "YouTube had a temporary server error; the call is retried with backoff."


class KeyInvalid(YouTubeApiError):
    default_message = (
        "The YouTube API key is not valid (wrong, deleted or expired). An administrator "
        "must enter a working key in the institution's settings."
    )


class Forbidden(YouTubeApiError):
    default_message = (
        "YouTube refused access. Check that the YouTube Data API v3 is enabled for the key's "
        "Google Cloud project and that the key's restrictions (IP, referrer, API) allow this server."
    )


class NotFound(YouTubeApiError):
    default_message = "The channel, playlist or video was not found on YouTube (deleted or private)."


class BadRequest(YouTubeApiError):
    default_message = "YouTube rejected the request parameters; this is a bug, please report it."


REASON_CLASSES: dict[str, type[YouTubeApiError]] = {
    "quotaExceeded": QuotaExceeded,
    "dailyLimitExceeded": QuotaExceeded,
    "rateLimitExceeded": RateLimited,
    "userRateLimitExceeded": RateLimited,
    "RATE_LIMIT_EXCEEDED": RateLimited,
    "backendError": ServerError,
    "internalError": ServerError,
    "serviceUnavailable": ServerError,
    "keyInvalid": KeyInvalid,
    "keyExpired": KeyInvalid,
    "API_KEY_INVALID": KeyInvalid,
    "forbidden": Forbidden,
    "accessNotConfigured": Forbidden,
    "SERVICE_DISABLED": Forbidden,
    "ipRefererBlocked": Forbidden,
    "API_KEY_HTTP_REFERRER_BLOCKED": Forbidden,
    "API_KEY_IP_ADDRESS_BLOCKED": Forbidden,
    "API_KEY_SERVICE_BLOCKED": Forbidden,
    "notFound": NotFound,
    "videoNotFound": NotFound,
    "channelNotFound": NotFound,
    "playlistNotFound": NotFound,
    "playlistItemsNotAccessible": Forbidden,
    "channelForbidden": Forbidden,
}


def error_reasons(content: bytes | str | None) -> tuple[list[str], str]:
    """Reasons from ``error.errors[*].reason`` then ``error.details[*].reason``, and the message."""
    body = _load(content)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return [], ""
    reasons = [e.get("reason", "") for e in error.get("errors") or [] if isinstance(e, dict)]
    reasons += [d.get("reason", "") for d in error.get("details") or [] if isinstance(d, dict)]
    return [r for r in reasons if r], str(error.get("message", ""))


def classify_http_error(err: HttpError, *, method: str = "") -> YouTubeApiError:
    """Map an ``HttpError`` to the matching :class:`YouTubeApiError` subclass."""
    status = int(getattr(err.resp, "status", 0) or 0)
    reasons, message = error_reasons(err.content)
    # errors[0].reason decides; a later detail (API_KEY_INVALID) refines a generic badRequest.
    for reason in reasons:
        cls = REASON_CLASSES.get(reason)
        if cls is not None:
            return _make(cls, reason, status, message, method, err)
    primary = reasons[0] if reasons else f"http{status}"
    if status == 429:
        cls: type[YouTubeApiError] = RateLimited
    elif status >= 500:
        cls = ServerError
    elif status == 404:
        cls = NotFound
    elif status in (401, 403):
        cls = Forbidden
    else:
        cls = BadRequest
    return _make(cls, primary, status, message, method, err)


def _make(
    cls: type[YouTubeApiError], reason: str, status: int, message: str, method: str, err: HttpError
) -> YouTubeApiError:
    exc = cls(reason=reason, status=status, api_message=message, method=method)
    if isinstance(exc, RateLimited):
        exc.retry_after = _retry_after(err)
    return exc


def _retry_after(err: HttpError) -> float | None:
    headers: Any = err.resp or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP-date Retry-After is rare here; fall back to our backoff


def _load(content: bytes | str | None) -> Any:
    if not content:
        return {}
    try:
        return json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)
    except (ValueError, UnicodeDecodeError):
        return {}
