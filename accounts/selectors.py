"""Reads for tenancy, always scoped to one institution or one user."""

from django.db.models import QuerySet

from .models import ApiToken, AuditEvent, Institution, Membership


def memberships_of_user(*, user) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("institution")


def membership_for(*, user, institution_id: int | None, with_user: bool = False) -> Membership | None:
    memberships = memberships_of_user(user=user)
    if with_user:  # the user row read afresh with it (accounts/membership_cache.py caches both)
        memberships = memberships.select_related("institution", "user")
    if institution_id is not None:
        # One row at most (unique user and institution): no ORDER BY (the model's joins auth_user).
        found = next(iter(memberships.filter(institution_id=institution_id).order_by()[:1]), None)
        if found is not None:
            return found
    # No choice made yet: the institution the user joined first (their home institution).
    return memberships.order_by("created_at", "pk").first()


def members_of(*, institution: Institution) -> QuerySet[Membership]:
    return Membership.objects.filter(institution=institution).select_related("user").order_by("role", "user__username")


def api_tokens_of(*, institution: Institution) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(institution=institution).select_related("user")


def audit_events_of(*, institution: Institution, limit: int = 100) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(institution=institution).select_related("actor")[:limit]
