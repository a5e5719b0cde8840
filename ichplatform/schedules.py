"""Periodic tasks, declared in code so every deploy has them.

`manage.py setup_periodic_tasks` writes these into django-celery-beat's tables
(creating or updating by name, never duplicating). Each app appends its own
entries here so the whole schedule can be read in one place.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    crontab: dict  # minute, hour, day_of_week, day_of_month, month_of_year
    queue: str = "default"
    kwargs: dict = field(default_factory=dict)
    description: str = ""


PERIODIC_TASKS: list[PeriodicTaskSpec] = [
    PeriodicTaskSpec(
        name="Purge expired task results",
        task="celery.backend_cleanup",
        crontab={"minute": "0", "hour": "4"},
        description="Delete stored Celery results past result_expires.",
    ),
    PeriodicTaskSpec(
        name="Refresh tracked YouTube videos",
        task="dissemination.tasks.refresh_all",
        # 08:15 UTC is after the YouTube quota reset (midnight Pacific = 07:00 or 08:00 UTC).
        crontab={"minute": "15", "hour": "8"},
        queue="harvest",
        description="Resume harvests that waited for quota, then refresh every institution's tracked videos.",
    ),
    PeriodicTaskSpec(
        name="Re-enqueue abandoned GPU work",
        task="generation.tasks.recover_abandoned",
        crontab={"minute": "*/10"},
        queue="default",
        description="Training runs and generation jobs whose worker died go back on the gpu queue and resume "
                    "from their last checkpoint (on Redis the broker alone would wait for the visibility timeout).",
    ),
    PeriodicTaskSpec(
        name="Advance campaign product requests",
        task="campaigns.tasks.sweep_product_requests",
        crontab={"minute": "5-59/10"},
        description="Move on product requests whose job or product finished while the follow-up step was lost "
                    "(a worker killed between the two); each step is idempotent.",
    ),
]
