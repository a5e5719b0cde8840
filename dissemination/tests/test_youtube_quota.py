from datetime import UTC, date, datetime

import pytest

from dissemination.youtube.client import discovery_revision, has_method
from dissemination.youtube.quota import (
    calls_for_ids,
    cost_of,
    next_reset,
    plan_calls,
    quota_day,
    refreshable_videos,
)


def test_documented_costs():
    assert cost_of("videos.list") == 1 and cost_of("channels.list") == 1
    assert cost_of("playlistItems.list") == 1 and cost_of("search.list") == 100
    with pytest.raises(KeyError, match="No documented quota cost"):
        cost_of("videos.insert")


@pytest.mark.parametrize(
    "at, day, reset",
    [
        # Winter (PST, UTC-8): 07:59 UTC is still the previous Pacific day.
        (datetime(2024, 1, 15, 7, 59, tzinfo=UTC), date(2024, 1, 14), datetime(2024, 1, 15, 8, 0, tzinfo=UTC)),
        (datetime(2024, 1, 15, 8, 0, tzinfo=UTC), date(2024, 1, 15), datetime(2024, 1, 16, 8, 0, tzinfo=UTC)),
        # Summer (PDT, UTC-7).
        (datetime(2024, 7, 1, 6, 59, tzinfo=UTC), date(2024, 6, 30), datetime(2024, 7, 1, 7, 0, tzinfo=UTC)),
        # The 23-hour day when DST starts and the 25-hour day when it ends.
        (datetime(2024, 3, 10, 12, 0, tzinfo=UTC), date(2024, 3, 10), datetime(2024, 3, 11, 7, 0, tzinfo=UTC)),
        (datetime(2024, 11, 3, 12, 0, tzinfo=UTC), date(2024, 11, 3), datetime(2024, 11, 4, 8, 0, tzinfo=UTC)),
    ],
)
def test_quota_day_and_reset_follow_pacific_midnight(at, day, reset):
    assert quota_day(at) == day
    assert next_reset(at) == reset


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        quota_day(datetime(2024, 1, 1))


def test_planner_grants_in_priority_order_and_lets_cheap_calls_through():
    plan = plan_calls(remaining_units=250, wanted=[("videos.list", 40), ("search.list", 3), ("channels.list", 20)])
    assert plan.granted == {"videos.list": 40, "search.list": 2, "channels.list": 10}
    assert plan.deferred == {"search.list": 1, "channels.list": 10}
    assert plan.units == 250 and plan.remaining_after == 0 and not plan.complete
    full = plan_calls(remaining_units=10_000, wanted=[("videos.list", calls_for_ids(100_000))])
    assert full.complete and full.units == 2000 and full.remaining_after == 8000


def test_capacity_matches_design_figure():
    assert refreshable_videos(10_000) == 500_000
    assert calls_for_ids(0) == 0 and calls_for_ids(50) == 1 and calls_for_ids(51) == 2


def test_bundled_discovery_document_is_used():
    assert has_method("videos", "batchGetStats") and has_method("videos", "list")
    assert discovery_revision()
