"""Admin of the Generation area; every ModelAdmin is scoped to the user's institutions."""

from django.contrib import admin

from accounts.admin_base import InstitutionScopedAdmin

from .models import (
    CreativeProduct,
    GeneratedImage,
    GenerationJob,
    ImageSet,
    PixelQuotaUsage,
    SourceImage,
    StyleDomain,
    StyleModel,
    TrainingRun,
)


@admin.register(StyleDomain)
class StyleDomainAdmin(InstitutionScopedAdmin):
    list_display = ["name", "institution", "default_model", "created_at"]
    list_filter = ["institution"]
    search_fields = ["name", "description"]


@admin.register(ImageSet)
class ImageSetAdmin(InstitutionScopedAdmin):
    list_display = ["name", "domain", "side", "institution", "created_at"]
    list_filter = ["side", "institution"]
    search_fields = ["name", "domain__name"]


@admin.register(SourceImage)
class SourceImageAdmin(InstitutionScopedAdmin):
    list_display = ["original_name", "image_set", "width", "height", "original_mode", "conversion_note"]
    list_filter = ["original_mode", "original_format", "institution"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["sha256", "width", "height", "original_format", "original_mode", "size_bytes"]


@admin.register(TrainingRun)
class TrainingRunAdmin(InstitutionScopedAdmin):
    list_display = ["pk", "domain", "status", "iteration", "total_iterations", "device", "resume_count", "created_at"]
    list_filter = ["status", "device", "institution"]
    search_fields = ["domain__name", "celery_task_id"]
    readonly_fields = ["loss_log", "progress", "samples", "metrics", "lease_owner", "heartbeat_at"]


@admin.register(StyleModel)
class StyleModelAdmin(InstitutionScopedAdmin):
    list_display = ["name", "version", "domain", "training_run", "published_at"]
    list_filter = ["domain", "institution"]
    search_fields = ["name", "domain__name"]


class GeneratedImageInline(admin.TabularInline):
    model = GeneratedImage
    extra = 0
    fields = ["position", "input_name", "width", "height", "output_file"]
    readonly_fields = fields


@admin.register(GenerationJob)
class GenerationJobAdmin(InstitutionScopedAdmin):
    list_display = ["pk", "style_model", "status", "source", "out_size", "pixels", "batch_size", "created_at"]
    list_filter = ["status", "source", "institution"]
    search_fields = ["celery_task_id", "style_model__name"]
    inlines = [GeneratedImageInline]


@admin.register(CreativeProduct)
class CreativeProductAdmin(InstitutionScopedAdmin):
    list_display = ["pk", "kind", "source", "status", "created_at"]
    list_filter = ["kind", "status", "institution"]
    search_fields = ["source__input_name"]


@admin.register(PixelQuotaUsage)
class PixelQuotaUsageAdmin(InstitutionScopedAdmin):
    list_display = ["token", "day", "pixels"]
    list_filter = ["day", "institution"]
    search_fields = ["token__name", "token__prefix"]
