"""Build the YouTube Data API v3 client from the discovery document in the wheel.

``static_discovery=True`` reads ``googleapiclient/discovery_cache/documents/
youtube.v3.json`` shipped with google-api-python-client, so building a client
makes no network call and is pinned to the library version (the document's
``revision`` is exposed for provenance).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from googleapiclient.discovery import build


def build_client(*, api_key: str, http: Any = None) -> Any:
    """Return a ``youtube`` v3 Resource.

    ``http`` is any httplib2-compatible object; tests pass
    ``googleapiclient.http.HttpMockSequence``. Without it the library creates a
    default ``httplib2.Http`` with its usual timeout.
    """
    if not api_key:
        raise ValueError("A YouTube Data API key is required.")
    return build(
        "youtube",
        "v3",
        developerKey=api_key,
        static_discovery=True,
        cache_discovery=False,  # the static document needs no cache
        http=http,
    )


@lru_cache(maxsize=1)
def discovery_document() -> dict[str, Any]:
    """The bundled youtube.v3 discovery document (parsed once)."""
    path = resources.files("googleapiclient") / "discovery_cache" / "documents" / "youtube.v3.json"
    return json.loads(path.read_text(encoding="utf-8"))


def discovery_revision() -> str:
    """Revision of the bundled document, recorded in HarvestRun provenance."""
    return str(discovery_document().get("revision", ""))


def has_method(resource: str, method: str) -> bool:
    """Whether the bundled document offers ``resource.method`` (e.g. videos.batchGetStats)."""
    methods = discovery_document().get("resources", {}).get(resource, {}).get("methods", {})
    return method in methods
