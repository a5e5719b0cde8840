"""YouTube Data API quota: unit costs, the Pacific-time quota day, a call planner.

Costs are those of the API's quota calculator (developers.google.com/youtube/v3/
determine_quota_cost). A project gets 10,000 units a day by default; the day
resets at midnight America/Los_Angeles, so it follows US daylight saving time
and is 23 or 25 hours long twice a year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
DEFAULT_DAILY_QUOTA = 10_000
MAX_IDS_PER_CALL = 50  # videos.list, channels.list and batchGetStats accept at most 50 ids
MAX_RESULTS_PER_PAGE = 50

# Method id (as the discovery document names it, without the "youtube." prefix) → units.
METHOD_COSTS: Mapping[str, int] = {
    "videos.list": 1,
    # Not on the published calculator; Google's list-method rule (1 unit) is assumed and
    # the ledger records it so a different real cost would show up against the console.
    "videos.batchGetStats": 1,
    "channels.list": 1,
    "playlists.list": 1,
    "playlistItems.list": 1,
    "commentThreads.list": 1,
    "comments.list": 1,
    "captions.list": 50,
    "videoCategories.list": 1,
    "i18nLanguages.list": 1,
    "i18nRegions.list": 1,
    "search.list": 100,
}


def cost_of(method: str) -> int:
    """Units one call of ``method`` costs; unknown methods are an error, not a guess."""
    try:
        return METHOD_COSTS[method]
    except KeyError:
        raise KeyError(f"No documented quota cost for {method!r}; add it to METHOD_COSTS.") from None


def quota_day(at: datetime) -> date:
    """The quota day (a Pacific-time calendar date) that the instant ``at`` falls in."""
    return _aware(at).astimezone(PACIFIC).date()


def next_reset(at: datetime) -> datetime:
    """The UTC instant the quota next resets after ``at`` (next Pacific midnight)."""
    following = quota_day(at) + timedelta(days=1)
    # Midnight always exists in America/Los_Angeles (DST switches at 02:00).
    return datetime.combine(following, time(0), tzinfo=PACIFIC).astimezone(UTC)


def calls_for_ids(n_ids: int) -> int:
    """Calls needed to look up ``n_ids`` ids at 50 per call."""
    return math.ceil(max(n_ids, 0) / MAX_IDS_PER_CALL)


@dataclass(frozen=True)
class PlannedCalls:
    """How a wish list of calls fits in the remaining quota.

    ``granted`` and ``deferred`` map method → number of calls; ``units`` is what
    the granted calls cost and ``remaining_after`` what is left afterwards.
    """

    granted: dict[str, int] = field(default_factory=dict)
    deferred: dict[str, int] = field(default_factory=dict)
    units: int = 0
    remaining_after: int = 0

    @property
    def complete(self) -> bool:
        return not any(self.deferred.values())


def plan_calls(*, remaining_units: int, wanted: Sequence[tuple[str, int]]) -> PlannedCalls:
    """Grant calls in the order given (priority first) until the quota runs out.

    ``wanted`` is a sequence of ``(method, number_of_calls)``. A later, cheaper
    entry can still be granted after an expensive one did not fit, so a
    100-unit search never starves the 1-unit refreshes listed after it.
    """
    left = max(remaining_units, 0)
    granted: dict[str, int] = {}
    deferred: dict[str, int] = {}
    for method, count in wanted:
        unit = cost_of(method)
        fit = min(count, left // unit) if unit else count
        left -= fit * unit
        granted[method] = granted.get(method, 0) + fit
        if count - fit:
            deferred[method] = deferred.get(method, 0) + count - fit
    return PlannedCalls(
        granted=granted,
        deferred=deferred,
        units=max(remaining_units, 0) - left,
        remaining_after=left,
    )


def refreshable_videos(remaining_units: int, *, method: str = "videos.list") -> int:
    """How many videos' metrics the remaining quota can refresh (50 per call)."""
    return (max(remaining_units, 0) // cost_of(method)) * MAX_IDS_PER_CALL


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("quota arithmetic needs an aware datetime (UTC expected)")
    return at
