"""A task used only by the worker tests: it records an idempotent effect, then
(on its first delivery only) waits long enough to be killed mid-run."""

import time
from pathlib import Path

from celery import shared_task


@shared_task(bind=True, name="tests.celery_support.effect_then_wait")
def effect_then_wait(self, *, key: str, institution_id: int, marker_dir: str, wait_seconds: float) -> int:
    from accounts.models import AuditEvent

    markers = Path(marker_dir)
    runs = len(list(markers.glob("run-*"))) + 1
    (markers / f"run-{runs}").write_text(str(self.request.id))
    # The effect is keyed, so doing it twice leaves one row: that is what makes
    # redelivery (acks_late + reject_on_worker_lost) safe.
    AuditEvent.objects.get_or_create(institution_id=institution_id, verb="test.effect", target_id=key)
    if runs == 1:
        (markers / "effect-done").write_text("1")
        time.sleep(wait_seconds)
    return runs
