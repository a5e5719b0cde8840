"""The Celery application.

Queues: `default`, `harvest` (YouTube API), `analysis` (fsQCA), `gpu` (training and
stylisation). Tasks are routed by the module they live in, so a new task lands on
the right workers without per-task configuration; a task may still override it.
"""

import logging
import os

from celery import Celery
from celery.signals import worker_ready
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ichplatform.settings")

app = Celery("ichplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUES = ("default", "harvest", "analysis", "gpu")
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = "default"
app.conf.task_routes = {
    "dissemination.tasks.*": {"queue": "harvest"},
    "qca.tasks.*": {"queue": "analysis"},
    "generation.tasks.*": {"queue": "gpu"},
    "generation.product_tasks.*": {"queue": "default"},
}
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@worker_ready.connect
def recover_embedded_broker(sender=None, **kwargs):
    """Make messages of a killed worker deliverable again on the embedded broker.

    kombu's SQLAlchemy transport marks a delivered message invisible and only
    restores it on a *graceful* shutdown, so a worker killed with SIGKILL would
    strand its task. The embedded profile runs exactly one worker per broker file,
    so when that worker starts, every invisible message belongs to a dead worker
    and is made visible again. Redis does this itself (visibility timeout).
    """
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith(("sqla+sqlite", "sqlalchemy+sqlite")):
        from ichplatform.embedded_broker import restore_invisible_messages

        restored = restore_invisible_messages(settings.CELERY_BROKER_URL)
        if restored:
            logger.warning("embedded broker: redelivering %d message(s) of a stopped worker", restored)
