"""A signed-in member's current membership, with its user, resolved from the cache while it is current.

Every page resolves it (`CurrentInstitutionMiddleware`): one ORM query, about a third of what a
cached page costs. What decides it — the user's memberships, their roles and institutions, and the
user row itself (active, password, name) — changes only through writes that bump the data version
of every institution of the user (ichplatform/data_version.py: a membership or user change fans out
to all of them), so the entry is stamped with the resolved institution's version
(`data_version.stamped_read`) and exact while it is unchanged. The user is read in the same query as
the membership (after the version), so that the response cache's early path
(ichplatform/response_cache_early.py) can check the session against it without a query. The key is
the session's: a user id alone may name another database's user in a shared cache (test runs).
"""

from __future__ import annotations

from ichplatform import data_version

from . import selectors
from .models import Membership

ENTRY_SECONDS = 300


def entry_key(*, session_key: str, user_id, institution_id: int | None) -> str:
    return f"membership:{session_key}:{user_id}:{institution_id}"


def current(*, user, session, institution_id: int | None) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or not session.session_key:
        return selectors.membership_for(user=user, institution_id=institution_id)
    membership, _ = data_version.stamped_read(
        key=entry_key(session_key=session.session_key, user_id=user.pk, institution_id=institution_id),
        read=lambda: selectors.membership_for(user=user, institution_id=institution_id, with_user=True),
        institution_of=lambda m: m.institution_id, timeout=ENTRY_SECONDS)
    return membership
