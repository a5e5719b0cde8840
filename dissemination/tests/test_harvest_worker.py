"""A real Celery worker (subprocess) is killed with SIGKILL in the middle of a refresh; the
redelivered task continues from the saved cursor on a second worker, and nothing is lost or
duplicated. YouTube's HTTP is the only thing replaced (generated `videos.list` answers)."""

import signal
import uuid

import pytest

from dissemination import harvest_runs
from dissemination.models import HarvestKind, HarvestRun, HarvestStatus, MetricSnapshot, QuotaLedger
from dissemination.tasks import run_harvest
from tests.worker_process import start_worker_process, wait_for

from .factories import make_videos

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
VIDEOS, PAGE = 1000, 50


def _requested(log_path):
    lines = log_path.read_text().splitlines() if log_path.exists() else []
    return [line.split(",") for line in lines if line]


def test_worker_killed_mid_harvest_loses_nothing(tenant_a, tmp_path):
    videos = make_videos(tenant_a.institution, VIDEOS)
    run = harvest_runs.start_harvest(institution=tenant_a.institution, kind=HarvestKind.REFRESH,
                                     parameters={"trigger": "test"}, actor=None, enqueue=False)
    queue = f"harvest-{uuid.uuid4().hex[:8]}"
    env = {"DJANGO_SETTINGS_MODULE": "dissemination.tests.worker_settings", "CELERY_VISIBILITY_TIMEOUT": "3",
           "CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1"}
    first_log, second_log, worker_log = tmp_path / "first.log", tmp_path / "second.log", tmp_path / "worker.log"
    first = start_worker_process(queues=queue, name="harvest-first", log_path=worker_log,
                                 extra_env={**env, "YOUTUBE_FAKE_DELAY": "0.3", "YOUTUBE_FAKE_LOG": str(first_log)})
    second = None
    try:
        run_harvest.apply_async(args=[run.pk], queue=queue)
        wait_for(lambda: HarvestRun.objects.get(pk=run.pk).progress_done >= 5 * PAGE, 90, "five pages")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed = HarvestRun.objects.get(pk=run.pk)
        assert killed.status == HarvestStatus.RUNNING and killed.progress_done < VIDEOS
        committed = set(MetricSnapshot.objects.filter(run=run).values_list("video__youtube_id", flat=True))
        # Each page's rows and the cursor after it commit together.
        assert len(committed) == killed.progress_done
        assert killed.cursor["after_pk"] == videos[killed.progress_done - 1].pk

        second = start_worker_process(queues=queue, name="harvest-second", log_path=worker_log,
                                      extra_env={**env, "YOUTUBE_FAKE_LOG": str(second_log)})
        wait_for(lambda: HarvestRun.objects.get(pk=run.pk).status == HarvestStatus.SUCCEEDED, 90,
                  "the redelivered task to finish the run")
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(30)
        print(worker_log.read_text() if worker_log.exists() else "")
    done = HarvestRun.objects.get(pk=run.pk)
    assert (done.progress_done, done.progress_total, done.videos_updated) == (VIDEOS, VIDEOS, VIDEOS)
    assert MetricSnapshot.objects.filter(video__in=videos).count() == VIDEOS  # none lost, none doubled
    refetched = {i for ids in _requested(second_log) for i in ids}
    assert not refetched & committed, "the second worker fetched a page that was already committed"
    first_calls, second_calls = len(_requested(first_log)), len(_requested(second_log))
    assert first_calls + second_calls <= VIDEOS // PAGE + 1  # at most the page in flight twice
    ledger = QuotaLedger.objects.get(institution=tenant_a.institution, method="videos.list")
    # Every answered call is in the ledger; only a call killed before its answer can be missing.
    assert first_calls + second_calls - 1 <= ledger.units <= first_calls + second_calls
