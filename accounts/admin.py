from django.contrib import admin

from .admin_base import InstitutionScopedAdmin, admin_institution_ids
from .models import ApiToken, AuditEvent, Institution, Membership


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk__in=admin_institution_ids(request.user))


@admin.register(Membership)
class MembershipAdmin(InstitutionScopedAdmin):
    list_display = ("user", "institution", "role", "created_at")
    list_filter = ("role", "institution")
    search_fields = ("user__username", "institution__name")
    write_roles = ("admin",)


@admin.register(ApiToken)
class ApiTokenAdmin(InstitutionScopedAdmin):
    list_display = ("name", "prefix", "user", "institution", "scopes", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("institution",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "digest", "last_used_at", "created_by", "created_at")
    write_roles = ("admin",)

    def has_add_permission(self, request):
        return False  # tokens are created on the Institution → API tokens page, which shows the secret once


@admin.register(AuditEvent)
class AuditEventAdmin(InstitutionScopedAdmin):
    list_display = ("created_at", "institution", "actor", "verb", "target_type", "target_id")
    list_filter = ("verb", "institution")
    search_fields = ("verb", "target_id", "actor__username")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is append-only

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
