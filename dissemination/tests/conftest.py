import pytest

from .youtube_mock import RecordingHttp, install


@pytest.fixture
def youtube(settings):
    """Replay YouTube: `youtube(ok(...), error(...), ...)` installs the responses the platform's
    client will get, in order, and returns the recording http object."""
    settings.YOUTUBE_API_KEY = "test-key"
    settings.YOUTUBE_DAILY_QUOTA = 10_000
    settings.YOUTUBE_HTTP_FACTORY = "dissemination.tests.youtube_mock.installed_http"

    def replay(*responses):
        return install(RecordingHttp(list(responses)))

    yield replay
    install(None)


@pytest.fixture
def no_backoff_wait(monkeypatch):
    """Record backoff delays instead of sleeping."""
    from dissemination import harvest_runs

    delays: list[float] = []
    monkeypatch.setattr(harvest_runs, "sleep", delays.append)
    return delays
