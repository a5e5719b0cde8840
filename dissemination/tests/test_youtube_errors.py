from datetime import UTC, datetime

import pytest

from dissemination.youtube.caller import ApiCaller, QuotaBudgetExhausted
from dissemination.youtube.errors import (
    BadRequest,
    Forbidden,
    KeyInvalid,
    NotFound,
    QuotaExceeded,
    RateLimited,
    ServerError,
)
from dissemination.youtube.harvest import fetch_video_stats, list_playlist

from .youtube_mock import client_with, error, ok

NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def caller_with_log(**kwargs):
    calls, sleeps = [], []
    caller = ApiCaller(on_call=calls.append, sleep=sleeps.append, jitter=lambda: 1.0,
                       now=lambda: NOW, **kwargs)
    return caller, calls, sleeps


def run_stats(*responses, **kwargs):
    client, http = client_with(*responses)
    caller, calls, sleeps = caller_with_log(**kwargs)
    return client, http, caller, calls, sleeps


def test_quota_exceeded_stops_at_once_and_says_when_it_resets():
    client, http, caller, calls, sleeps = run_stats(error("error_quota_exceeded.json"))
    with pytest.raises(QuotaExceeded) as info:
        list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))
    assert info.value.reason == "quotaExceeded" and info.value.status == 403
    # 2024-03-10 is the DST switch day; the next Pacific midnight is 07:00 UTC on the 11th.
    assert info.value.resets_at == datetime(2024, 3, 11, 7, 0, tzinfo=UTC)
    assert len(http.requests) == 1 and sleeps == []
    assert "quota" in info.value.staff_message
    assert [(c.ok, c.reason) for c in calls] == [(False, "quotaExceeded")]


@pytest.mark.parametrize("fixture_name", ["error_rate_limit_exceeded.json", "error_backend_error.json"])
def test_rate_limit_and_server_errors_retry_with_exponential_backoff(fixture_name):
    client, _http, caller, calls, sleeps = run_stats(
        error(fixture_name), error(fixture_name), ok("videos_list_statistics.json")
    )
    (batch,) = fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller)
    assert batch.records[0].video_id == "dQw4w9WgXcQ"
    assert sleeps == [1.0, 2.0]
    assert [c.ok for c in calls] == [False, False, True]
    assert caller.spent_units == 3  # failed attempts are charged (conservative ledger)


def test_retries_give_up_after_max_retries():
    client, http, caller, _calls, sleeps = run_stats(
        *[error("error_backend_error.json")] * 3, max_retries=2
    )
    with pytest.raises(ServerError) as info:
        list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))
    assert info.value.retryable and len(http.requests) == 3 and sleeps == [1.0, 2.0]


def test_backoff_is_capped_and_honours_retry_after():
    client, _, caller, _, sleeps = run_stats(
        ({"status": "429", "retry-after": "30"}, "{}"), ok("videos_list_statistics.json")
    )
    list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))
    assert sleeps == [30.0]
    capped = ApiCaller(base_delay=1.0, max_delay=8.0, jitter=lambda: 1.0)
    err = ServerError(reason="backendError", status=500)
    assert [capped._delay(n, err) for n in range(6)] == [1, 2, 4, 8, 8, 8]


@pytest.mark.parametrize(
    "fixture_name, cls, reason",
    [
        ("error_key_invalid.json", KeyInvalid, "keyInvalid"),
        ("error_key_invalid_details.json", KeyInvalid, "API_KEY_INVALID"),
        ("error_forbidden.json", Forbidden, "forbidden"),
    ],
)
def test_key_and_permission_errors_fail_without_retry(fixture_name, cls, reason):
    client, http, caller, _, sleeps = run_stats(error(fixture_name))
    with pytest.raises(cls) as info:
        list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))
    assert info.value.reason == reason and not info.value.retryable
    assert len(http.requests) == 1 and sleeps == []
    assert info.value.staff_message and "http" not in info.value.staff_message.lower()


def test_not_found_playlist():
    client, _, caller, _, _ = run_stats(error("error_playlist_not_found.json"))
    with pytest.raises(NotFound) as info:
        list(list_playlist(client, "PLdoesnotexist000", caller=caller))
    assert info.value.reason == "playlistNotFound" and info.value.method == "playlistItems.list"


def test_reason_comes_from_the_body_not_the_status():
    # Same status 403, different reasons → different handling.
    client, _, caller, _, _ = run_stats(
        error("error_rate_limit_exceeded.json"), error("error_quota_exceeded.json")
    )
    with pytest.raises(QuotaExceeded):
        list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))


def test_unknown_error_body_falls_back_on_status():
    client, _, caller, _, _ = run_stats(({"status": "400"}, "<html>oops</html>"))
    with pytest.raises(BadRequest):
        list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))
    client, _, caller, _, sleeps = run_stats(({"status": "503"}, ""), ok("videos_list_statistics.json"))
    list(fetch_video_stats(client, ["dQw4w9WgXcQ"], caller=caller))
    assert len(sleeps) == 1


def test_budget_refuses_a_call_before_sending_it():
    client, http, caller, _calls, _ = run_stats(ok("videos_list_statistics.json"), budget_units=1)
    ids = [f"vid{n:08d}" for n in range(60)]
    batches = fetch_video_stats(client, ids, caller=caller)
    next(batches)
    with pytest.raises(QuotaBudgetExhausted) as info:
        next(batches)
    assert info.value.left == 0 and len(http.requests) == 1 and caller.spent_units == 1


def test_rate_limited_is_distinct_class():
    assert RateLimited.retryable and ServerError.retryable and not QuotaExceeded.retryable
