"""Settings of a Celery worker subprocess started by the killed-worker test: the platform's
settings with YouTube's HTTP replaced by generated responses (nothing else differs)."""

from ichplatform.settings import *  # noqa: F403

YOUTUBE_API_KEY = "test-key"
YOUTUBE_HTTP_FACTORY = "dissemination.tests.youtube_mock.generated_http_from_environment"
