"""Writes for tenancy. Each state change lives here once, runs in a transaction,
and leaves an AuditEvent."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import ApiToken, AuditEvent, Institution, Membership, Role, TokenScope

User = get_user_model()
TOKEN_PREFIX = "ich_"


def record_audit(*, institution: Institution, actor, verb: str, target=None, data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        institution=institution,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


def require(membership: Membership | None, capability: str) -> None:
    if membership is None or not membership.can(capability):
        raise PermissionDenied(f"Your role may not {capability.replace('_', ' ')}.")


@transaction.atomic
def institution_create(*, name: str, description: str = "", creator=None) -> Institution:
    institution = Institution.objects.create(name=name, slug=_unique_slug(name), description=description)
    if creator is not None:
        Membership.objects.create(user=creator, institution=institution, role=Role.ADMIN)
    record_audit(institution=institution, actor=creator, verb="institution.created", target=institution)
    return institution


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "institution"
    slug, n = base, 2
    while Institution.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def membership_set(*, institution: Institution, user, role: str, actor) -> Membership:
    """Add a member or change a member's role."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    membership, created = Membership.objects.update_or_create(
        institution=institution, user=user, defaults={"role": role}
    )
    _keep_an_admin(institution)
    record_audit(
        institution=institution,
        actor=actor,
        verb="membership.added" if created else "membership.role_changed",
        target=membership,
        data={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    institution = membership.institution
    data = {"user": membership.user.username, "role": membership.role}
    membership.delete()
    _keep_an_admin(institution)
    record_audit(institution=institution, actor=actor, verb="membership.removed", data=data)


def _keep_an_admin(institution: Institution) -> None:
    # Without an admin nobody could manage members or tokens any more.
    if not Membership.objects.filter(institution=institution, role=Role.ADMIN).exists():
        raise ValidationError("An institution must keep at least one admin.")


@transaction.atomic
def user_create_with_membership(
    *, institution: Institution, username: str, password: str, role: str, actor, email: str = ""
) -> Membership:
    user = User.objects.create_user(username=username, password=password, email=email)
    return membership_set(institution=institution, user=user, role=role, actor=actor)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the admin once, never stored


@transaction.atomic
def api_token_create(
    *,
    institution: Institution,
    user,
    name: str,
    scopes: list[str],
    actor,
    days_valid: int | None = None,
    rate_limit_per_minute: int = 600,
    daily_pixel_quota: int = 50_000_000,
) -> IssuedToken:
    unknown = set(scopes) - set(TokenScope.values)
    if unknown or not scopes:
        raise ValidationError({"scopes": f"Choose scopes among {', '.join(TokenScope.values)}."})
    if not Membership.objects.filter(institution=institution, user=user).exists():
        raise ValidationError({"user": "The token's user must be a member of the institution."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        institution=institution,
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=hash_token(secret),
        scopes=sorted(set(scopes)),
        rate_limit_per_minute=rate_limit_per_minute,
        daily_pixel_quota=daily_pixel_quota,
        expires_at=timezone.now() + timedelta(days=days_valid or settings.API_TOKEN_DEFAULT_DAYS),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_audit(institution=institution, actor=actor, verb="api_token.created", target=token,
                 data={"name": name, "scopes": token.scopes, "user": user.username})
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(institution=token.institution, actor=actor, verb="api_token.revoked", target=token)
    return token
