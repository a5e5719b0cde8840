import json

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ichplatform.schedules import PERIODIC_TASKS


class Command(BaseCommand):
    help = "Create or update the periodic tasks declared in ichplatform/schedules.py (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        for spec in PERIODIC_TASKS:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=spec.crontab.get("minute", "*"),
                hour=spec.crontab.get("hour", "*"),
                day_of_week=spec.crontab.get("day_of_week", "*"),
                day_of_month=spec.crontab.get("day_of_month", "*"),
                month_of_year=spec.crontab.get("month_of_year", "*"),
                timezone="UTC",
            )
            _, created = PeriodicTask.objects.update_or_create(
                name=spec.name,
                defaults={
                    "task": spec.task,
                    "crontab": crontab,
                    "interval": None,
                    "queue": spec.queue,
                    "kwargs": json.dumps(spec.kwargs),
                    "description": spec.description,
                    "enabled": True,
                },
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {spec.name} -> {spec.task}")
