"""DRF serializers of the Learn (fsQCA) area."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import stored_results
from ..models import Analysis, Condition, Configuration, Recommendation, Result, Study


class ConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Condition
        fields = ["id", "column", "label", "variable_key", "method", "anchors", "expectation", "level_labels"]


class StudySerializer(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True, read_only=True)
    n_cases = serializers.IntegerField(read_only=True)
    columns = serializers.ListField(source="column_names", read_only=True)

    class Meta:
        model = Study
        fields = ["id", "name", "description", "source", "as_of", "upload_filename", "codebook_name",
                  "codebook_version", "checksum", "outcome_column", "n_cases", "columns", "conditions",
                  "rerun_of", "created_at"]
        read_only_fields = fields


class StudyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    as_of = serializers.DateField(required=False, help_text="Build the study from the coded videos as of this date.")
    file = serializers.FileField(required=False, help_text="Or upload a CSV/XLSX table (multipart).")
    outcome_column = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs.get("as_of")) == bool(attrs.get("file")):
            raise serializers.ValidationError("Give either `as_of` (videos) or `file` (upload), not both.")
        return attrs


class ConfigurationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Configuration
        fields = ["id", "position", "term", "literals", "raw_coverage", "unique_coverage", "consistency", "strategy"]


class AnalysisSerializer(serializers.ModelSerializer):
    result = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Analysis
        fields = ["id", "study", "name", "outcome", "negate_outcome", "conditions", "incl_cut", "n_cut", "pri_cut",
                  "dir_exps", "calibrations", "status", "progress", "stage", "error", "result", "created_at",
                  "finished_at"]
        read_only_fields = ["calibrations", "status", "progress", "stage", "error", "result", "created_at",
                            "finished_at"]


SOLUTIONS_PARAMETER = "solutions"  # ?solutions=compact asks for format 2 whatever the size


class ResultSerializer(serializers.ModelSerializer):
    configurations = ConfigurationSerializer(many=True, read_only=True)
    solutions_format = serializers.SerializerMethodField(
        help_text="1: `solutions` is the engine's output, {complex, parsimonious, intermediate}. 2: it is pooled "
                  "({format, expanded_bytes, pools: {rows, terms, fits}, results}; docs/qca.md), given when "
                  "`?solutions=compact` or when format 1 would exceed 16 MiB.")
    solutions = serializers.SerializerMethodField(help_text="The three solutions, in `solutions_format`.")

    class Meta:
        model = Result
        fields = ["id", "analysis", "solution_consistency", "solution_coverage", "configurations", "necessity",
                  "truth_table", "solutions_format", "solutions", "configuration_chart", "robustness", "warnings",
                  "cli_command", "created_at"]
        read_only_fields = fields

    def _solutions(self, result: Result) -> tuple[int, dict]:
        # both fields come from one conversion, kept on the instance for the second
        if not hasattr(result, "_solutions_output"):
            request = self.context.get("request")
            compact = request is not None and request.query_params.get(SOLUTIONS_PARAMETER) == "compact"
            result._solutions_output = stored_results.for_output(result.solutions, compact_requested=compact)
        return result._solutions_output

    @extend_schema_field(serializers.ChoiceField(choices=[1, 2]))
    def get_solutions_format(self, result: Result) -> int:
        return self._solutions(result)[0]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_solutions(self, result: Result) -> dict:
        return self._solutions(result)[1]


class RecommendationSerializer(serializers.ModelSerializer):
    nearest = ConfigurationSerializer(read_only=True)

    class Meta:
        model = Recommendation
        fields = ["id", "result", "title", "codes", "memberships", "nearest", "strategy", "changes",
                  "membership_before", "membership_after", "evidence", "created_at"]
        read_only_fields = ["memberships", "nearest", "strategy", "changes", "membership_before",
                            "membership_after", "evidence", "created_at"]


class RecommendationCreateSerializer(serializers.Serializer):
    result = serializers.IntegerField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    codes = serializers.DictField(child=serializers.FloatField(), required=False, default=dict,
                                  help_text="Planned raw values: {column: value}. With a video, they override "
                                            "its codes.")
    video_id = serializers.IntegerField(required=False, help_text="Take the codes of this tracked video.")
    planned_video_id = serializers.IntegerField(required=False,
                                                help_text="Or of this campaign's planned video.")

    def validate(self, attrs):
        if attrs.get("video_id") is not None and attrs.get("planned_video_id") is not None:
            raise serializers.ValidationError("Give `video_id` or `planned_video_id`, not both.")
        if not attrs.get("codes") and attrs.get("video_id") is None and attrs.get("planned_video_id") is None:
            raise serializers.ValidationError("Give the planned `codes`, a `video_id` or a `planned_video_id`.")
        return attrs
