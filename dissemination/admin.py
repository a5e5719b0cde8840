"""Admin of the Dissemination area; every ModelAdmin is scoped to the user's institutions."""

from django.contrib import admin

from accounts.admin_base import InstitutionScopedAdmin

from . import metrics_summary
from .models import (
    Channel,
    Codebook,
    Coding,
    CodingAssignment,
    FinalCoding,
    HarvestRun,
    MetricSnapshot,
    QuotaLedger,
    SentimentScore,
    Variable,
    Video,
)

CODING_ROLES = ("admin", "staff", "coder")


@admin.register(Channel)
class ChannelAdmin(InstitutionScopedAdmin):
    list_display = ("title", "youtube_id", "subscribers", "video_count", "uploads_per_month", "stats_updated_at",
                    "institution")
    list_filter = ("institution", "country", "uploads_per_month_method")
    search_fields = ("title", "youtube_id", "custom_url")


@admin.register(Video)
class VideoAdmin(InstitutionScopedAdmin):
    list_display = ("title", "youtube_id", "channel", "published_at", "tracked", "unavailable_since", "source",
                    "institution")
    list_filter = ("institution", "tracked", "source", ("unavailable_since", admin.EmptyFieldListFilter))
    search_fields = ("title", "youtube_id", "channel__title")
    raw_id_fields = ("channel", "added_by_run")
    date_hierarchy = "published_at"


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(InstitutionScopedAdmin):
    list_display = ("video", "captured_on", "views", "likes", "comments", "institution")
    list_filter = ("institution", "captured_on")
    search_fields = ("video__title", "video__youtube_id")
    raw_id_fields = ("video", "run")
    date_hierarchy = "captured_on"

    # A snapshot edited by hand changes its video's metrics summary (see metrics_summary.py).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        metrics_summary.refresh(videos=[obj.video_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        metrics_summary.refresh(videos=[obj.video_id])

    def delete_queryset(self, request, queryset):
        video_ids = set(queryset.values_list("video_id", flat=True))
        super().delete_queryset(request, queryset)
        metrics_summary.refresh(videos=video_ids)


@admin.register(HarvestRun)
class HarvestRunAdmin(InstitutionScopedAdmin):
    list_display = ("pk", "kind", "status", "progress_done", "progress_total", "quota_spent", "videos_added",
                    "videos_updated", "videos_unavailable", "created_at", "institution")
    list_filter = ("institution", "kind", "status")
    search_fields = ("staff_message", "task_id")
    readonly_fields = ("cursor", "plan", "errors", "unavailable_ids", "task_id", "heartbeat_at", "api_key_hash")


@admin.register(QuotaLedger)
class QuotaLedgerAdmin(InstitutionScopedAdmin):
    list_display = ("quota_day", "method", "units", "calls", "failed_calls", "api_key_hash", "institution")
    list_filter = ("institution", "method", "quota_day")
    search_fields = ("api_key_hash", "method")


class VariableInline(admin.StackedInline):
    model = Variable
    extra = 0
    fields = ("key", "label", "dimension", "kind", "levels", "source", "expectation", "unit", "instructions",
              "position")


@admin.register(Codebook)
class CodebookAdmin(InstitutionScopedAdmin):
    list_display = ("name", "version", "based_on", "updated_at", "institution")
    list_filter = ("institution",)
    search_fields = ("name",)
    inlines = [VariableInline]


@admin.register(Variable)
class VariableAdmin(InstitutionScopedAdmin):
    list_display = ("key", "label", "dimension", "kind", "source", "expectation", "codebook")
    list_filter = ("institution", "dimension", "kind", "source")
    search_fields = ("key", "label", "instructions")


@admin.register(CodingAssignment)
class CodingAssignmentAdmin(InstitutionScopedAdmin):
    list_display = ("video", "coder", "assigned_by", "created_at", "completed_at")
    list_filter = ("institution", "coder", ("completed_at", admin.EmptyFieldListFilter))
    search_fields = ("video__title", "video__youtube_id", "coder__username")
    raw_id_fields = ("video",)


@admin.register(Coding)
class CodingAdmin(InstitutionScopedAdmin):
    list_display = ("video", "variable", "coder", "value", "codebook_version", "updated_at")
    list_filter = ("institution", "variable__key", "coder", "codebook_version")
    search_fields = ("video__title", "video__youtube_id", "coder__username")
    raw_id_fields = ("video",)
    write_roles = CODING_ROLES


@admin.register(FinalCoding)
class FinalCodingAdmin(InstitutionScopedAdmin):
    list_display = ("video", "variable", "value", "origin", "decided_by", "decided_at")
    list_filter = ("institution", "origin", "variable__key")
    search_fields = ("video__title", "video__youtube_id", "note")
    raw_id_fields = ("video",)


@admin.register(SentimentScore)
class SentimentScoreAdmin(InstitutionScopedAdmin):
    list_display = ("video", "polarity", "subjectivity", "positive", "negative", "tokens", "language_flag")
    list_filter = ("institution", "language_flag")
    search_fields = ("video__title", "video__youtube_id")
    raw_id_fields = ("video",)
