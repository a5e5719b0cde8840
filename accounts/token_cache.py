"""API tokens resolved from the cache, valid while their institution's data version is unchanged.

Resolving a bearer token is two ORM queries per API request (the token with its user and
institution, then the user's membership there): about 2 ms of the ~4 ms a cached API response
costs. Everything those rows say changes only through writes that bump the institution's data
version (ichplatform/data_version.py): a token revoked or edited, its user deactivated or
deleted, a membership changed. So an entry stamped with the version it was read under is exact
while the version is unchanged (`data_version.stamped_read`); expiry is checked on every request
from `expires_at`. An entry also lives at most `ENTRY_SECONDS`, so that a bump lost while the cache
was unreachable cannot keep a revoked token working for longer.
"""

from __future__ import annotations

from ichplatform import data_version

from .models import ApiToken, Membership

ENTRY_SECONDS = 300


def entry_key(digest: str) -> str:
    """The entry's cache key: (stamp, token), read by `resolve` and by the response cache's early path."""
    return f"api-token:{digest}"


def _read(digest: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user", "institution").filter(digest=digest).order_by().first()
    if token is not None:
        # One row at most (unique user and institution); the permission check reads it from here.
        token.cached_membership = Membership.objects.filter(
            user_id=token.user_id, institution_id=token.institution_id).order_by().first()
        if token.cached_membership is not None:
            token.cached_membership.institution = token.institution
    return token


def resolve(digest: str) -> ApiToken | None:
    """The token of this digest, its user, institution and `cached_membership` loaded; None if unknown."""
    token, stamp = data_version.stamped_read(key=entry_key(digest), read=lambda: _read(digest),
                                             institution_of=lambda t: t.institution_id, timeout=ENTRY_SECONDS)
    if token is not None:
        token.cache_stamp = stamp
    return token


def touched(token: ApiToken) -> None:
    """`last_used_at` was written (not a version bump: see data_version): keep the entry's copy."""
    if hasattr(token, "cache_stamp"):
        data_version.restamp(key=entry_key(token.digest), value=token, stamp=token.cache_stamp, timeout=ENTRY_SECONDS)
