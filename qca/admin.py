"""Admin of the Learn (fsQCA) area; every ModelAdmin is scoped to the user's institutions.

Study data and results are frozen records: the admin shows them read-only; calibrations,
typology rules and names can be edited."""

from django.contrib import admin

from accounts.admin_base import InstitutionScopedAdmin

from .models import Analysis, Condition, Configuration, Recommendation, Result, Study, TypologyRule


class ConditionInline(admin.TabularInline):
    model = Condition
    extra = 0
    fields = ["column", "label", "variable_key", "method", "anchors", "expectation"]
    readonly_fields = ["column"]
    can_delete = False


@admin.register(Study)
class StudyAdmin(InstitutionScopedAdmin):
    list_display = ["name", "institution", "source", "as_of", "codebook_version", "created_at"]
    list_filter = ["source", "institution"]
    search_fields = ["name", "upload_filename"]
    readonly_fields = ["data", "checksum", "source", "as_of", "codebook_name", "codebook_version", "upload_filename",
                       "created_by", "created_at"]
    inlines = [ConditionInline]


@admin.register(Condition)
class ConditionAdmin(InstitutionScopedAdmin):
    list_display = ["column", "label", "study", "method", "expectation"]
    list_filter = ["method", "expectation"]
    search_fields = ["column", "label", "study__name"]


@admin.register(Analysis)
class AnalysisAdmin(InstitutionScopedAdmin):
    list_display = ["__str__", "study", "status", "progress", "incl_cut", "n_cut", "created_at"]
    list_filter = ["status", "negate_outcome"]
    search_fields = ["name", "outcome", "study__name"]
    readonly_fields = ["calibrations", "status", "progress", "stage", "error", "task_id", "started_at", "finished_at"]


class ConfigurationInline(admin.TabularInline):
    model = Configuration
    extra = 0
    fields = ["position", "term", "raw_coverage", "unique_coverage", "consistency", "strategy"]
    readonly_fields = fields
    can_delete = False


@admin.register(Result)
class ResultAdmin(InstitutionScopedAdmin):
    list_display = ["analysis", "solution_consistency", "solution_coverage", "created_at"]
    search_fields = ["analysis__study__name"]
    readonly_fields = ["analysis", "memberships", "necessity", "truth_table", "solutions", "configuration_chart",
                       "robustness", "warnings", "solution_consistency", "solution_coverage", "cli_command"]
    inlines = [ConfigurationInline]


@admin.register(Configuration)
class ConfigurationAdmin(InstitutionScopedAdmin):
    list_display = ["term", "result", "strategy", "consistency", "raw_coverage"]
    list_filter = ["strategy"]
    search_fields = ["term"]


@admin.register(TypologyRule)
class TypologyRuleAdmin(InstitutionScopedAdmin):
    list_display = ["name", "strategy", "present", "absent", "priority", "active"]
    list_filter = ["strategy", "active"]
    search_fields = ["name"]


@admin.register(Recommendation)
class RecommendationAdmin(InstitutionScopedAdmin):
    list_display = ["__str__", "strategy", "membership_before", "membership_after", "created_at"]
    list_filter = ["strategy"]
    search_fields = ["title"]
    readonly_fields = ["memberships", "changes", "evidence", "membership_before", "membership_after"]
