"""The dissemination API's serializers read plainly (`PlainReadMixin`) and give exactly what DRF's
generic `ModelSerializer.to_representation` gives, for videos with and without channel, sentiment,
counts and dates, and for snapshots (a relation and a dotted source)."""

import pytest
from django.utils import timezone
from rest_framework import serializers

from dissemination.api.serializers import (
    ChannelSerializer,
    SentimentSerializer,
    SnapshotSerializer,
    VideoSerializer,
)
from dissemination.models import Channel, MetricSnapshot, SentimentScore, Video
from tests.test_dashboard_cache import _catalogue

pytestmark = pytest.mark.django_db


def _generic(serializer, instance):
    return serializers.ModelSerializer.to_representation(serializer, instance)


def test_videos_and_snapshots_serialise_as_drf_does(tenant_a):
    videos = _catalogue(tenant_a, n=4)
    channel = Channel.objects.create(institution=tenant_a.institution, youtube_id="UCplainread", title="Paper-cut",
                                     country="CN", subscribers=1200, stats_updated_at=timezone.now())
    Video.objects.filter(pk=videos[0].pk).update(channel=channel, unavailable_since=timezone.now(),
                                                 latest_likes=None, suggested_codes={"craft": "papercut"})
    SentimentScore.objects.create(institution=tenant_a.institution, video=videos[1], polarity=0.25,
                                  subjectivity=0.5, positive=3, negative=1, tokens=40, computed_at=timezone.now())
    listed = list(Video.objects.filter(institution=tenant_a.institution).select_related("channel", "sentiment"))
    many = VideoSerializer(listed, many=True)
    assert many.data == [_generic(VideoSerializer(), video) for video in listed]
    shapes = {(row["channel"] is None, row["sentiment"] is None, row["unavailable_since"] is None) for row in many.data}
    assert len(shapes) == 3  # with a channel, with a sentiment, with neither
    channel.refresh_from_db()
    assert ChannelSerializer(channel).data == _generic(ChannelSerializer(), channel)
    sentiment = SentimentScore.objects.get(video=videos[1])
    assert SentimentSerializer(sentiment).data == _generic(SentimentSerializer(), sentiment)
    snapshots = list(MetricSnapshot.objects.filter(institution=tenant_a.institution).select_related("video")[:20])
    assert snapshots and SnapshotSerializer(snapshots, many=True).data == \
        [_generic(SnapshotSerializer(), snapshot) for snapshot in snapshots]
