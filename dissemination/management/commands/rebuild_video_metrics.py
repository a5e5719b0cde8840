"""Recompute every video's metrics summary from its snapshots (after a restore, a bulk load that
bypassed the services, or a manual SQL fix), one institution at a time."""

from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Institution
from dissemination import metrics_summary
from dissemination.models import Video


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--institution", type=int, help="only this institution (pk)")
        parser.add_argument("--as-of", type=date.fromisoformat, help="day the summary is as of (default: today)")

    def handle(self, *args, institution=None, as_of=None, **options):
        institutions = Institution.objects.order_by("pk")
        if institution is not None:
            institutions = institutions.filter(pk=institution)
        total = 0
        for pk in institutions.values_list("pk", flat=True):
            with transaction.atomic():
                # refresh() writes through the videos' queryset, whose update() bumps the data version
                updated = metrics_summary.refresh(videos=Video.objects.filter(institution_id=pk), as_of=as_of)
            total += updated
            self.stdout.write(f"institution {pk}: {updated} videos")
        self.stdout.write(self.style.SUCCESS(f"{total} videos' metrics summaries rebuilt"))
