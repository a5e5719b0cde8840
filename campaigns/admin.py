"""Admin of the Campaigns area, scoped to the user's institutions. Evidence, products, links and
token grants are changed on the campaign pages, where the services check them; here they are
read-only so the admin cannot pair rows of two institutions."""

from django.contrib import admin

from accounts.admin_base import InstitutionScopedAdmin

from .models import Campaign, CampaignProductRequest, CampaignReport, CampaignTokenGrant, PlannedVideo


@admin.register(Campaign)
class CampaignAdmin(InstitutionScopedAdmin):
    list_display = ["name", "institution", "strategy", "starts_on", "ends_on", "created_at"]
    list_filter = ["strategy", "institution"]
    search_fields = ["name", "goal"]
    readonly_fields = ["evidence_result", "evidence_configuration", "products", "created_by", "created_at",
                       "updated_at"]


@admin.register(PlannedVideo)
class PlannedVideoAdmin(InstitutionScopedAdmin):
    list_display = ["title", "campaign", "planned_on", "revision", "published_youtube_id", "video"]
    list_filter = ["campaign__strategy", "institution"]
    search_fields = ["title", "published_youtube_id", "campaign__name"]
    readonly_fields = ["campaign", "codes", "recommendation", "revision", "published_youtube_id", "video",
                       "created_by", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CampaignTokenGrant)
class CampaignTokenGrantAdmin(InstitutionScopedAdmin):
    list_display = ["token", "campaign", "granted_by", "created_at"]
    list_filter = ["institution"]
    search_fields = ["token__name", "token__prefix", "campaign__name"]
    readonly_fields = ["token", "campaign", "granted_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CampaignReport)
class CampaignReportAdmin(InstitutionScopedAdmin):
    list_display = ["__str__", "institution", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "institution"]
    readonly_fields = ["starts_on", "ends_on", "status", "file", "summary", "error", "celery_task_id", "created_by",
                       "created_at", "finished_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CampaignProductRequest)
class CampaignProductRequestAdmin(InstitutionScopedAdmin):
    list_display = ["__str__", "institution", "kind", "job", "product", "created_at", "attached_at"]
    list_filter = ["kind", "institution"]
    search_fields = ["campaign__name", "planned_video__title"]
    readonly_fields = ["campaign", "planned_video", "job", "kind", "options", "product", "error", "requested_by",
                       "created_at", "attached_at"]

    def has_add_permission(self, request):
        return False
