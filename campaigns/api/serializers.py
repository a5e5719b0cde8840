"""DRF serializers of the Campaigns area."""

from rest_framework import serializers

from qca.api.serializers import RecommendationSerializer

from ..models import Campaign, CampaignStrategy, PlannedVideo


class PlannedVideoSerializer(serializers.ModelSerializer):
    recommendation = RecommendationSerializer(read_only=True)

    class Meta:
        model = PlannedVideo
        fields = ["id", "campaign", "title", "notes", "planned_on", "codes", "revision", "recommendation",
                  "published_youtube_id", "video", "created_at", "updated_at"]
        read_only_fields = fields


class PlannedVideoWriteSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text="Only on create.", required=False)
    title = serializers.CharField(max_length=300, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    planned_on = serializers.DateField(required=False, allow_null=True)
    codes = serializers.DictField(child=serializers.FloatField(), required=False,
                                  help_text="Planned raw values: {condition column: value}.")
    published = serializers.CharField(required=False, max_length=300,
                                      help_text="YouTube URL or id of the published video: links it.")


class CampaignSerializer(serializers.ModelSerializer):
    products = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    planned_videos = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "goal", "starts_on", "ends_on", "target_regions", "target_languages", "strategy",
                  "evidence_result", "evidence_configuration", "products", "planned_videos", "created_at",
                  "updated_at"]
        read_only_fields = fields


class CampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    goal = serializers.CharField(required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    target_regions = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    target_languages = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    strategy = serializers.ChoiceField(choices=CampaignStrategy.choices, required=False)
    evidence_result = serializers.IntegerField(required=False, allow_null=True)
    evidence_configuration = serializers.IntegerField(required=False, allow_null=True)


class ComparisonRowSerializer(serializers.Serializer):
    planned_video = serializers.IntegerField()
    title = serializers.CharField()
    video = serializers.IntegerField(allow_null=True)
    effect = serializers.FloatField(allow_null=True)
    partial = serializers.BooleanField()
    outcome_membership = serializers.FloatField(allow_null=True)
    configuration_membership = serializers.FloatField(allow_null=True)


class CampaignResultsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    baseline_median = serializers.FloatField(allow_null=True)
    baseline_count = serializers.IntegerField()
    campaign_median = serializers.FloatField(allow_null=True)
    predicted_consistency = serializers.FloatField(allow_null=True)
    predicted_coverage = serializers.FloatField(allow_null=True)
    observed_in_outcome = serializers.FloatField(allow_null=True)
    rows = ComparisonRowSerializer(many=True)
