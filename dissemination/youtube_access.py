"""The platform's YouTube client: the API key from settings, the HTTP transport pluggable.

`settings.YOUTUBE_HTTP_FACTORY` (optional dotted path to a zero-argument callable that
returns an httplib2-compatible object) replaces the network transport. Tests and the
harvest benchmark point it at a replay of recorded/generated responses; production
leaves it unset and google-api-python-client uses httplib2.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from .youtube.client import build_client


class MissingApiKey(Exception):
    staff_message = (
        "No YouTube Data API key is configured. An operator must set YOUTUBE_API_KEY "
        "(see .env.example) before videos can be harvested."
    )


def api_key() -> str:
    key = getattr(settings, "YOUTUBE_API_KEY", "")
    if not key:
        raise MissingApiKey(MissingApiKey.staff_message)
    return key


def key_hash(key: str) -> str:
    """Ledger rows name the key by a short digest: the key itself is a secret."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def daily_quota() -> int:
    return int(getattr(settings, "YOUTUBE_DAILY_QUOTA", 10_000))


def youtube_client(key: str) -> Any:
    factory_path = getattr(settings, "YOUTUBE_HTTP_FACTORY", "")
    http = import_string(factory_path)() if factory_path else None
    return build_client(api_key=key, http=http)
