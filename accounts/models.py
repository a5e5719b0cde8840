"""Tenancy: every domain row belongs to an Institution; people reach it through a
Membership with a role; partners' systems reach it through hashed ApiTokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ichplatform.data_version import InstitutionQuerySet


class Institution(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    CODER = "coder", _("Coder")
    PARTNER = "partner", _("Partner")


# Which roles may use which capability. Kept in one table so a reviewer can read
# the whole permission model at once; views and API permissions refer to it.
CAPABILITIES: dict[str, set[str]] = {
    "view_pages": {Role.ADMIN, Role.STAFF, Role.CODER},
    "code_videos": {Role.ADMIN, Role.STAFF, Role.CODER},
    "manage_content": {Role.ADMIN, Role.STAFF},
    "manage_members": {Role.ADMIN},
    "use_api": {Role.ADMIN, Role.STAFF, Role.CODER, Role.PARTNER},
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "institution"], name="one_membership_per_institution")]
        ordering = ["institution__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution} ({self.role})"

    def can(self, capability: str) -> bool:
        return self.role in CAPABILITIES[capability]


class TokenScope(models.TextChoices):
    READ = "read", _("Read data")
    WRITE = "write", _("Write data")
    GENERATE = "generate", _("Submit stylisation jobs")


class ApiToken(models.Model):
    """A partner credential. Only a SHA-256 digest is stored; the secret is shown once."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, help_text="First characters, to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    daily_pixel_quota = models.BigIntegerField(
        default=50_000_000, help_text="Generated pixels per day (scope `generate`)."
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class AuditEvent(models.Model):
    """One row per state change made through a service: who did what to which object."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    verb = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["institution", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.target_type}:{self.target_id}"


class InstitutionOwned(models.Model):
    """Abstract base of every domain row: it belongs to exactly one institution. Its queryset's bulk
    writes (update, bulk_create, bulk_update, delete) bump the institution's data version, as the
    signals do for single rows (ichplatform/data_version.py)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        abstract = True
