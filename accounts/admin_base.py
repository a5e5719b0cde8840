"""Admin that respects tenancy: a non-superuser sees and edits only the rows of
institutions where they are admin or staff (coders: where they code)."""

from django.contrib import admin

from .models import Institution, Membership

ADMIN_ROLES = ("admin", "staff", "coder")


def admin_institution_ids(user) -> list[int]:
    return list(
        Membership.objects.filter(user=user, role__in=ADMIN_ROLES).values_list("institution_id", flat=True)
    )


class InstitutionScopedAdmin(admin.ModelAdmin):
    institution_field = "institution"
    # Roles allowed to change rows of this model in the admin (coders only code).
    write_roles: tuple[str, ...] = ("admin", "staff")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.institution_field}__in": admin_institution_ids(request.user)})

    def _member_roles(self, request) -> set[str]:
        if not request.user.is_authenticated:  # the admin's login page asks too, for anonymous visitors
            return set()
        return set(Membership.objects.filter(user=request.user).values_list("role", flat=True))

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(self._member_roles(request) & set(ADMIN_ROLES))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or bool(self._member_roles(request) & set(self.write_roles))

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            related = db_field.related_model
            allowed = admin_institution_ids(request.user)
            if related is Institution:
                kwargs["queryset"] = Institution.objects.filter(pk__in=allowed)
            elif any(f.name == "institution" for f in related._meta.fields):
                kwargs["queryset"] = related._default_manager.filter(institution__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
