"""Which worker process owns a training run or a generation job.

Tasks are acks_late: a killed worker's task is redelivered, and on Redis a task that
outlives the visibility timeout is delivered a second time while the first copy still
runs. A lease (owner = host:pid, plus a heartbeat) tells the two cases apart: the
owner is dead when its heartbeat is older than JOB_STALE_AFTER or, on the same host,
when its process no longer exists. A dead owner's work is taken over; a live owner's
is left alone (the duplicate task retries later and then finds the work done).
"""

import os
import socket
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

BUSY = "busy"


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str, heartbeat_at: datetime | None, *, now: datetime | None = None) -> bool:
    if not owner or heartbeat_at is None:
        return False
    if (now or timezone.now()) - heartbeat_at > settings.JOB_STALE_AFTER:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine: only its heartbeat can tell
    pid = int(pid_text or 0)
    if pid == os.getpid():
        return False  # this very process: a retry of our own task
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed worker whose parent has not reaped it yet still answers kill(0), but it is dead."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return False  # no /proc (not Linux): kill(0) is all we have
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def claim(model, pk: int, *, running: str, done: tuple[str, ...]):
    """Take the row for this process: the row, None if it is already done (or gone), or BUSY."""
    with transaction.atomic():
        obj = model.objects.select_for_update().filter(pk=pk).first()
        if obj is None or obj.status in done:
            return None
        if obj.status == running and owner_alive(obj.lease_owner, obj.heartbeat_at):
            return BUSY
        now = timezone.now()
        fields = {"status": running, "lease_owner": worker_identity(), "heartbeat_at": now}
        if getattr(obj, "started_at", None) is None:
            fields["started_at"] = now
        # Compare-and-set on what was read: SQLite ignores select_for_update, and two deliveries that
        # both read the row must not both take it. The loser looks again later.
        taken = model.objects.filter(pk=pk, status=obj.status, lease_owner=obj.lease_owner).update(**fields)
        if not taken:
            return BUSY
        for name, value in fields.items():
            setattr(obj, name, value)
        return obj


def heartbeat(model, pk: int) -> None:
    model.objects.filter(pk=pk, lease_owner=worker_identity()).update(heartbeat_at=timezone.now())
