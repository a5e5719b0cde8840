"""Execute API requests with quota accounting, a unit budget and retry/backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httplib2
from googleapiclient.errors import HttpError

from .errors import QuotaExceeded, RateLimited, ServerError, YouTubeApiError, classify_http_error
from .quota import cost_of, next_reset

# Network-level failures (no HTTP response at all) are transient like a 5xx.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    httplib2.HttpLib2Error,
)


class QuotaBudgetExhausted(Exception):
    """The caller's unit budget would be exceeded; nothing was sent to YouTube."""

    def __init__(self, *, method: str, needed: int, left: int):
        self.method, self.needed, self.left = method, needed, left
        super().__init__(f"{method} needs {needed} quota units, only {left} left in this run's budget")


@dataclass(frozen=True)
class ApiCall:
    """One attempt, as reported to ``on_call`` (the caller's quota ledger)."""

    method: str
    units: int
    attempt: int
    ok: bool
    reason: str | None = None


@dataclass
class ApiCaller:
    """Runs ``request.execute()`` for the harvest functions.

    Every attempt, failed ones included, is charged its method's full cost:
    Google charges invalid requests too, and over-counting a retried call is
    safer than running past the real quota. ``budget_units`` (e.g. the key's
    remaining quota today) is checked *before* sending, so a run never starts a
    call it cannot pay for. ``sleep`` and ``jitter`` are injectable for tests.
    """

    on_call: Callable[[ApiCall], None] | None = None
    budget_units: int | None = None
    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 64.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    spent_units: int = 0
    calls: int = 0

    def execute(self, request: Any) -> dict[str, Any]:
        method = str(request.methodId).removeprefix("youtube.")
        units = cost_of(method)
        attempt = 0
        while True:
            self._reserve(method, units)
            try:
                response = request.execute(num_retries=0)
            except HttpError as exc:
                error = classify_http_error(exc, method=method)
            except TRANSPORT_ERRORS as exc:
                error = ServerError(reason="transport", status=0, api_message=str(exc), method=method)
            else:
                self._record(ApiCall(method, units, attempt, ok=True))
                return response
            self._record(ApiCall(method, units, attempt, ok=False, reason=error.reason))
            if isinstance(error, QuotaExceeded):
                error.resets_at = next_reset(self.now())
            if not error.retryable or attempt >= self.max_retries:
                raise error
            self.sleep(self._delay(attempt, error))
            attempt += 1

    def _reserve(self, method: str, units: int) -> None:
        if self.budget_units is not None and self.spent_units + units > self.budget_units:
            raise QuotaBudgetExhausted(
                method=method, needed=units, left=self.budget_units - self.spent_units
            )

    def _record(self, call: ApiCall) -> None:
        self.spent_units += call.units
        self.calls += 1
        if self.on_call is not None:
            self.on_call(call)

    def _delay(self, attempt: int, error: YouTubeApiError) -> float:
        # Exponential backoff with jitter in [50%, 100%] so parallel workers spread out.
        delay = min(self.max_delay, self.base_delay * 2**attempt) * (0.5 + 0.5 * self.jitter())
        if isinstance(error, RateLimited) and error.retry_after:
            delay = max(delay, error.retry_after)
        return delay
