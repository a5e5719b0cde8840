"""Operational tasks of the platform itself."""

import os
import socket

from celery import shared_task


@shared_task(bind=True, name="ichplatform.tasks.worker_selftest")
def worker_selftest(self, echo: str = "") -> dict:
    """Answer from whichever worker consumes the queue it was sent to.

    `manage.py check_workers` sends one per queue, so an operator sees at once
    which queues have a live worker after a deploy.
    """
    delivery = self.request.delivery_info or {}
    return {
        "echo": echo,
        "hostname": self.request.hostname or socket.gethostname(),
        "queue": delivery.get("routing_key"),
        "pid": os.getpid(),
    }
