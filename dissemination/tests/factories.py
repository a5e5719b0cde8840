"""Factories of the Dissemination models, registered for the tenancy route test and used by
this app's tests. Each builds a row of `tenant.institution` through the ORM (or a service)."""

from datetime import UTC, date, datetime

from django.utils import timezone

from tests.factories import register

from .. import coding, metrics_summary
from ..models import (
    Channel,
    Codebook,
    Coding,
    CodingAssignment,
    FinalCoding,
    FinalOrigin,
    HarvestKind,
    HarvestRun,
    MetricSnapshot,
    QuotaLedger,
    SentimentScore,
    Variable,
    Video,
)


def make_channel(institution, youtube_id="UCabcdefghijklmnopqrstuv", **fields):
    fields.setdefault("title", f"Channel {youtube_id[-4:]}")
    return Channel.objects.get_or_create(institution=institution, youtube_id=youtube_id, defaults=fields)[0]


def make_video(institution, youtube_id="vidAAAAAAA1", **fields):
    fields.setdefault("title", f"Paper-cut video {youtube_id}")
    fields.setdefault("published_at", datetime(2023, 5, 1, tzinfo=UTC))
    return Video.objects.get_or_create(institution=institution, youtube_id=youtube_id, defaults=fields)[0]


def make_videos(institution, n, prefix="v"):
    """n tracked videos with 11-character ids (`prefix` + zero-padded number)."""
    width = 11 - len(prefix)
    Video.objects.bulk_create([Video(institution=institution, youtube_id=f"{prefix}{i:0{width}d}", title=f"Video {i}")
                               for i in range(n)], ignore_conflicts=True)
    return list(Video.objects.filter(institution=institution, youtube_id__startswith=prefix).order_by("pk"))


def make_snapshot(video, captured_on=date(2024, 1, 1), views=1000, likes=10, comments=1):
    """A snapshot written as the services write one: with the video's metrics summary refreshed."""
    snapshot = MetricSnapshot.objects.get_or_create(
        video=video, captured_on=captured_on,
        defaults={"institution": video.institution, "captured_at": timezone.now(), "views": views, "likes": likes,
                      "comments": comments})[0]
    metrics_summary.refresh(videos=[video.pk])
    return snapshot


@register(Channel)
def _channel(tenant):
    return make_channel(tenant.institution)


@register(Video)
def _video(tenant):
    return make_video(tenant.institution, channel=make_channel(tenant.institution))


@register(MetricSnapshot)
def _snapshot(tenant):
    return make_snapshot(_video(tenant))


@register(HarvestRun)
def _run(tenant):
    return HarvestRun.objects.create(institution=tenant.institution, kind=HarvestKind.REFRESH,
                                     parameters={"trigger": "factory"})


@register(QuotaLedger)
def _ledger(tenant):
    return QuotaLedger.objects.create(institution=tenant.institution, api_key_hash="0123456789abcdef",
                                      quota_day=date(2024, 1, 1), method="videos.list", units=3, calls=3)


@register(Codebook)
def _codebook(tenant):
    return coding.ensure_codebook(institution=tenant.institution)


@register(Variable)
def _variable(tenant):
    return _codebook(tenant).variables.get(key="innovation")


@register(CodingAssignment)
def _assignment(tenant):
    return CodingAssignment.objects.get_or_create(institution=tenant.institution, video=_video(tenant),
                                                  coder=tenant.users["coder"])[0]


@register(Coding)
def _coding(tenant):
    return Coding.objects.get_or_create(
        institution=tenant.institution, video=_video(tenant), coder=tenant.users["coder"], variable=_variable(tenant),
        defaults={"value": 1, "codebook_version": 1})[0]


@register(FinalCoding)
def _final(tenant):
    return FinalCoding.objects.get_or_create(
        institution=tenant.institution, video=_video(tenant), variable=_variable(tenant),
        defaults={"value": 1, "origin": FinalOrigin.RECONCILED, "codebook_version": 1})[0]


@register(SentimentScore)
def _sentiment(tenant):
    return SentimentScore.objects.get_or_create(
        institution=tenant.institution, video=_video(tenant),
        defaults={"polarity": 0.5, "subjectivity": 0.1, "positive": 3, "negative": 1, "tokens": 40,
                  "language_flag": "english"})[0]
