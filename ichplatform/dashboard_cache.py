"""The staff dashboard's cache: one entry per institution, valid until its data change.

An entry's key carries the institution's *data version*, a counter in the cache that the
services changing what the dashboard shows bump after their transaction commits (snapshot
writes of harvest pages and imports, harvest run saves, codings, tracking), and the id of the
institution's latest audit event, so that every other audited change (an analysis finishing,
a product done, a style model published, a campaign …) invalidates it too without those apps
knowing about this cache. The day and the quota day are in the key as well: the dashboard is
"as of today" and quota use restarts at Pacific midnight.

The counter starts at a clock value, not 1: if the cache evicts it, a new counter never comes
back to a value whose entries may still be stored. Entries also expire after a day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
ENTRY_SECONDS = 24 * 3600


def _version_key(institution_id: int) -> str:
    return f"dashboard:version:{institution_id}"


def version(*, institution_id: int) -> int:
    key = _version_key(institution_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value


def _bump(institution_id: int) -> None:
    key = _version_key(institution_id)
    try:
        cache.incr(key)
    except ValueError:  # not stored (never set, or evicted): start afresh
        cache.set(key, time.time_ns(), timeout=None)


def invalidate(*, institution_id: int) -> None:
    """The institution's dashboard is out of date once the current transaction commits (at once
    outside a transaction). A rolled-back change invalidates nothing."""
    transaction.on_commit(lambda: _bump(institution_id))


def cached(*, key_parts: tuple, institution_id: int, build: Callable[[], T]) -> T:
    """The stored value for these key parts and the institution's data version, or `build()`."""
    key = "dashboard:" + ":".join(str(p) for p in (institution_id, version(institution_id=institution_id),
                                                   *key_parts))
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=ENTRY_SECONDS)
    return value
