"""Each video's metrics summary (latest snapshot and 30-day window), filled from the snapshots.

The backfill is the same set-based UPDATE as `dissemination.metrics_summary.refresh`, written
against the historical models, one institution at a time (at 5,000 videos and 500,000
snapshots per institution: a few seconds each on PostgreSQL)."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

WINDOW_DAYS = 30


def backfill(apps, schema_editor):
    Video = apps.get_model("dissemination", "Video")
    MetricSnapshot = apps.get_model("dissemination", "MetricSnapshot")
    as_of = timezone.localdate()
    start = as_of - timedelta(days=WINDOW_DAYS)

    def on_or_before(field, day):
        return Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__lte=day)
                        .order_by("-captured_on").values(field)[:1])

    first_after = Subquery(MetricSnapshot.objects.filter(video=OuterRef("pk"), captured_on__gt=start)
                           .order_by("captured_on").values("views")[:1])
    for institution_id in Video.objects.values_list("institution_id", flat=True).distinct().order_by():
        Video.objects.filter(institution_id=institution_id).update(
            window_end=as_of, latest_on=on_or_before("captured_on", as_of), latest_views=on_or_before("views", as_of),
            latest_likes=on_or_before("likes", as_of), latest_comments=on_or_before("comments", as_of),
            views_window_start=on_or_before("views", start), views_window_first=first_after)


class Migration(migrations.Migration):

    dependencies = [
        ("dissemination", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="video",
            name="latest_on",
            field=models.DateField(blank=True, help_text="Day of the latest snapshot.", null=True),
        ),
        migrations.AddField(
            model_name="video",
            name="latest_views",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="video",
            name="latest_likes",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="video",
            name="latest_comments",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="video",
            name="window_end",
            field=models.DateField(blank=True, help_text="Day the 30-day window below ends on (the day of the last refresh).", null=True),
        ),
        migrations.AddField(
            model_name="video",
            name="views_window_start",
            field=models.BigIntegerField(blank=True, help_text="Views on the latest snapshot on or before the window's start.", null=True),
        ),
        migrations.AddField(
            model_name="video",
            name="views_window_first",
            field=models.BigIntegerField(blank=True, help_text="Views on the first snapshot within the window.", null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
