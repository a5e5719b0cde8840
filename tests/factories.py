"""One factory per model that a route can address by id.

The tenancy test builds an object of institution B for every id-taking route and
checks that a member of institution A can neither see nor change it. A new model
behind a new route needs a factory here; the test fails until it has one, so no
route escapes the check. Apps register their factories with `register`.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, Institution, Membership

# model -> callable(tenant) -> instance belonging to tenant.institution
FACTORIES: dict[type, Callable] = {}


def register(model):
    def decorator(func):
        FACTORIES[model] = func
        return func

    return decorator


@register(Institution)
def _institution(tenant):
    return tenant.institution


@register(Membership)
def _membership(tenant):
    return Membership.objects.get(institution=tenant.institution, user=tenant.users["coder"])


@register(ApiToken)
def _api_token(tenant):
    return tenant.token(role="partner").token


@register(AuditEvent)
def _audit_event(tenant):
    return AuditEvent.objects.filter(institution=tenant.institution).first()


@register(get_user_model())
def _user(tenant):
    return tenant.users["admin"]


@register(Group)
def _group(tenant):
    return Group.objects.get_or_create(name=f"group of {tenant.institution.slug}")[0]


def _register_celery_models():
    from django_celery_beat.models import (ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask,
                                           SolarSchedule)
    from django_celery_results.models import GroupResult, TaskResult

    register(CrontabSchedule)(lambda t: CrontabSchedule.objects.create(minute="7"))
    register(IntervalSchedule)(lambda t: IntervalSchedule.objects.create(every=7, period="days"))
    register(SolarSchedule)(lambda t: SolarSchedule.objects.create(event="sunrise", latitude=24.5, longitude=117.6))
    register(ClockedSchedule)(lambda t: ClockedSchedule.objects.create(clocked_time=timezone.now()))
    register(PeriodicTask)(lambda t: PeriodicTask.objects.create(
        name=f"task of {t.institution.slug}", task="celery.backend_cleanup",
        interval=IntervalSchedule.objects.create(every=1, period="days")))
    register(TaskResult)(lambda t: TaskResult.objects.create(task_id=f"tid-{t.institution.slug}"))
    register(GroupResult)(lambda t: GroupResult.objects.create(group_id=f"gid-{t.institution.slug}"))


_register_celery_models()


def load_app_factories():
    """Import each app's `tests/factories.py`, which registers its models."""
    import importlib

    for app in ("dissemination", "qca", "generation", "campaigns"):
        importlib.import_module(f"{app}.tests.factories")
