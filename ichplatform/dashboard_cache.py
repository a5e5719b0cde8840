"""The staff dashboard's cache: one entry per institution, valid until its data change.

An entry's key carries the institution's *data version* (ichplatform/data_version.py: bumped
after commit by every write of the institution's data, through signals, the institution-owned
querysets' bulk writes and the raw SQL paths) and, from `dashboard._fingerprint`, the id of the
institution's latest audit event and its running harvests' heartbeat (what marks a change where
the cache is per process, locmem). The day and the quota day are in the key as well: the dashboard
is "as of today" and quota use restarts at Pacific midnight. Entries also expire after a day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from . import data_version

T = TypeVar("T")
ENTRY_SECONDS = 24 * 3600


def cached(*, key_parts: tuple, institution_id: int, build: Callable[[], T]) -> T:
    """The stored value for these key parts and the institution's data version, or `build()`."""
    key = "dashboard:" + ":".join(str(p) for p in (institution_id, data_version.version(institution_id=institution_id),
                                                   *key_parts))
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=ENTRY_SECONDS)
    return value
