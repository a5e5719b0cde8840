"""A planned video published under an id the institution did not track yet: linking it starts a
harvest, and the harvest, run by a real Celery worker, links the planned video when it stops
(campaigns.signals). YouTube's HTTP is the only thing replayed."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import AuditEvent
from campaigns import services
from campaigns.models import PlannedVideo
from dissemination.models import HarvestKind, HarvestRun, HarvestStatus
from dissemination.tests.conftest import youtube  # noqa: F401  (the replay fixture)
from dissemination.tests.youtube_mock import ok
from ichplatform.celery import app
from tests.worker_process import wait_for

from .factories import make_campaign, make_planned

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def harvest_queue(monkeypatch):
    """The harvest tasks on a queue of this test only (the broker may be shared with other runs)."""
    queue = f"harvest-link-{uuid.uuid4().hex[:8]}"
    from celery.app.routes import prepare

    app.amqp.router  # noqa: B018  build the real router first, so that monkeypatch puts it back
    monkeypatch.setattr(app.amqp, "_rtable", prepare({"dissemination.tasks.*": {"queue": queue}}))
    monkeypatch.setattr(app.amqp, "router", app.amqp.Router())
    return queue


def test_the_harvest_links_the_planned_video_it_brought_in(tenant_a, youtube, harvest_queue):  # noqa: F811
    youtube(ok("videos_list_details.json"), ok("channels_list.json"))
    campaign = make_campaign(tenant_a)
    planned, other = make_planned(campaign, tenant_a), make_planned(campaign, tenant_a, title="Not published yet")
    with start_worker(app, queues=[harvest_queue], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        services.planned_video_link(planned=planned, actor=tenant_a.users["staff"],
                                    youtube="https://youtu.be/LzP8hK2cYtA")
        assert PlannedVideo.objects.get(pk=planned.pk).video is None, "not harvested yet"
        wait_for(lambda: PlannedVideo.objects.get(pk=planned.pk).video_id is not None, 60,
                  "the harvest to link the planned video")
    run = HarvestRun.objects.get(institution=tenant_a.institution, kind=HarvestKind.VIDEOS)
    assert run.status == HarvestStatus.SUCCEEDED and run.videos_added == 2
    planned.refresh_from_db()
    assert planned.video.youtube_id == "LzP8hK2cYtA" and planned.video.tracked
    assert planned.video.institution_id == tenant_a.institution.pk
    assert PlannedVideo.objects.get(pk=other.pk).video is None
    linked = AuditEvent.objects.get(verb="campaign.planned_video.linked", data__by="harvest")
    assert linked.target_id == str(planned.pk) and linked.data["youtube_id"] == "LzP8hK2cYtA"


def test_only_a_stopped_harvest_links(tenant_a):
    """Heartbeat saves of a running harvest do nothing; the run's stop links what it brought in."""
    from dissemination.tests.factories import make_video

    campaign = make_campaign(tenant_a, with_evidence=False)
    planned = make_planned(campaign, tenant_a, codes={})
    PlannedVideo.objects.filter(pk=planned.pk).update(published_youtube_id="abcdefghijk")
    run = HarvestRun.objects.create(institution=tenant_a.institution, kind=HarvestKind.VIDEOS,
                                    parameters={"video_ids": ["abcdefghijk"]}, status=HarvestStatus.RUNNING)
    make_video(tenant_a.institution, youtube_id="abcdefghijk")
    run.save(update_fields=["status"])  # still running
    assert PlannedVideo.objects.get(pk=planned.pk).video is None
    run.status = HarvestStatus.FAILED  # a failed run may have added videos before it stopped
    run.save(update_fields=["status"])
    assert PlannedVideo.objects.get(pk=planned.pk).video.youtube_id == "abcdefghijk"
