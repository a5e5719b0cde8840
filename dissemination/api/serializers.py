"""DRF serializers of the Dissemination area."""

from rest_framework import serializers

from ichplatform.plain_serializers import PlainReadMixin

from ..models import Channel, Coding, HarvestKind, HarvestRun, MetricSnapshot, SentimentScore, Video


class ChannelSerializer(PlainReadMixin, serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "youtube_id", "title", "country", "subscribers", "video_count", "uploads_per_month",
                  "stats_updated_at"]


class SentimentSerializer(PlainReadMixin, serializers.ModelSerializer):
    class Meta:
        model = SentimentScore
        fields = ["polarity", "subjectivity", "positive", "negative", "tokens", "language_flag", "computed_at"]


class VideoSerializer(PlainReadMixin, serializers.ModelSerializer):
    channel = ChannelSerializer(read_only=True)
    sentiment = SentimentSerializer(read_only=True, allow_null=True)
    url = serializers.CharField(read_only=True)
    latest_views = serializers.IntegerField(read_only=True, allow_null=True)
    latest_likes = serializers.IntegerField(read_only=True, allow_null=True)
    latest_comments = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Video
        fields = ["id", "youtube_id", "url", "title", "description", "published_at", "duration_seconds", "channel",
                  "tracked", "unavailable_since", "source", "suggested_codes", "sentiment", "latest_views",
                  "latest_likes", "latest_comments", "created_at"]
        read_only_fields = [f for f in fields if f != "tracked"]


class SnapshotSerializer(PlainReadMixin, serializers.ModelSerializer):
    video_youtube_id = serializers.CharField(source="video.youtube_id", read_only=True)

    class Meta:
        model = MetricSnapshot
        fields = ["id", "video", "video_youtube_id", "captured_on", "captured_at", "views", "likes", "comments"]


class CodingSerializer(serializers.ModelSerializer):
    variable_key = serializers.SlugField(source="variable.key")
    coder = serializers.CharField(source="coder.username", read_only=True)

    class Meta:
        model = Coding
        fields = ["id", "video", "coder", "variable_key", "value", "codebook_version", "updated_at"]
        read_only_fields = ["coder", "codebook_version", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        institution = getattr(self.context.get("request"), "institution", None)
        if institution is not None and "video" in self.fields:  # another institution's id does not exist here
            self.fields["video"].queryset = Video.objects.filter(institution=institution)


class HarvestRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = HarvestRun
        fields = ["id", "kind", "status", "stage", "parameters", "plan", "progress_done", "progress_total", "percent",
                  "created_at", "started_at", "finished_at", "resume_at", "calls_made", "quota_spent",
                  "videos_added", "videos_updated", "videos_unavailable", "unavailable_ids", "errors",
                  "staff_message"]
        read_only_fields = [f for f in fields if f not in ("kind", "parameters")]


class HarvestRunCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HarvestKind.choices)
    parameters = serializers.DictField(required=False, default=dict,
                                       help_text="video_ids (videos), channel_ref {kind, value} (channel), "
                                                 "playlist_id (playlist), query, min_views, max_results, "
                                                 "published_after/before, region, language (search).")
