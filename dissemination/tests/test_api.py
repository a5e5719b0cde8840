"""Dissemination API: partners read; staff write videos and start harvests; coders write their
own codings."""

import pytest

from dissemination import coding
from dissemination.models import Coding, HarvestRun

from .factories import make_snapshot, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(tenant_a):
    video = make_video(tenant_a.institution, "LzP8hK2cYtA")
    make_snapshot(video, views=1234, likes=None, comments=5)
    return video


def test_partner_reads_videos_and_snapshots_with_null_counts(tenant_a, tenant_b, video):
    make_video(tenant_b.institution, "otherInstB1")
    api = tenant_a.api(role="partner", scopes=("read",))
    videos = api.get("/api/v1/videos/").json()
    assert [v["youtube_id"] for v in videos["results"]] == ["LzP8hK2cYtA"]
    assert videos["results"][0]["latest_views"] == 1234 and videos["results"][0]["latest_likes"] is None
    snapshots = api.get("/api/v1/snapshots/", {"video": video.pk}).json()["results"]
    assert snapshots[0]["likes"] is None and snapshots[0]["comments"] == 5
    assert api.get("/api/v1/harvest-runs/").status_code == 200
    assert api.patch(f"/api/v1/videos/{video.pk}/", {"tracked": False}, format="json").status_code == 403


def test_staff_untracks_a_video_and_starts_a_harvest(tenant_a, video, monkeypatch):
    from dissemination import tasks

    monkeypatch.setattr(tasks.run_harvest, "delay", lambda pk: None)
    api = tenant_a.api(role="staff", scopes=("read", "write"))
    response = api.patch(f"/api/v1/videos/{video.pk}/", {"tracked": False, "title": "ignored"}, format="json")
    assert response.status_code == 200 and response.json()["tracked"] is False
    video.refresh_from_db()
    assert not video.tracked and video.title != "ignored"
    started = api.post("/api/v1/harvest-runs/", {"kind": "videos", "parameters": {"video_ids": ["Sh0rtVid001"]}},
                       format="json")
    assert started.status_code == 202 and HarvestRun.objects.get().parameters["video_ids"] == ["Sh0rtVid001"]
    invalid = api.post("/api/v1/harvest-runs/", {"kind": "search", "parameters": {}}, format="json")
    assert invalid.status_code == 400 and "query" in str(invalid.json()["error"]["details"])


def test_coder_writes_codings_only_for_own_assignments(tenant_a, video):
    other = make_video(tenant_a.institution, "Sh0rtVid001")
    coding.assign(institution=tenant_a.institution, videos=[video], coders=[tenant_a.users["coder"]],
                  actor=tenant_a.users["staff"])
    api = tenant_a.api(role="coder", scopes=("read", "write"))
    created = api.post("/api/v1/codings/", {"video": video.pk, "variable_key": "innovation", "value": 1},
                       format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["codebook_version"] == 1 and created.json()["coder"] == tenant_a.users["coder"].username
    assert api.post("/api/v1/codings/", {"video": other.pk, "variable_key": "innovation", "value": 1},
                    format="json").status_code == 403
    bad = api.post("/api/v1/codings/", {"video": video.pk, "variable_key": "innovation", "value": 3}, format="json")
    assert bad.status_code == 400
    changed = api.patch(f"/api/v1/codings/{created.json()['id']}/", {"value": 0}, format="json")
    assert changed.status_code == 200 and Coding.objects.get().value == 0
    partner = tenant_a.api(role="partner", scopes=("read", "write"))
    assert partner.post("/api/v1/codings/", {"video": video.pk, "variable_key": "innovation", "value": 1},
                        format="json").status_code == 403
    assert partner.get("/api/v1/codings/").json()["count"] == 1


def test_schema_documents_the_dissemination_endpoints(tenant_a):
    paths = tenant_a.client("staff").get("/api/v1/schema/?format=json").json()["paths"]
    for path in ("/api/v1/videos/", "/api/v1/snapshots/", "/api/v1/codings/", "/api/v1/harvest-runs/"):
        assert path in paths


def test_the_snapshot_count_is_cached_until_a_snapshot_is_written(tenant_a, video, django_capture_on_commit_callbacks):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dissemination import services
    from dissemination.youtube.records import VideoRecord

    api = tenant_a.api(role="partner", scopes=("read",))
    assert api.get("/api/v1/snapshots/").json()["count"] == 1
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/api/v1/snapshots/").json()["count"] == 1
    assert not [q for q in captured if "COUNT(" in q["sql"]]  # served from the cache
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.upsert_snapshots(institution_id=tenant_a.institution.pk, captured_on=timezone.localdate(),
                                  captured_at=timezone.now(),
                                  rows=[(video.pk, VideoRecord(video_id=video.youtube_id, views=2000, likes=None,
                                                                 comments=None))])
    assert api.get("/api/v1/snapshots/").json()["count"] == 2
    assert api.get("/api/v1/snapshots/", {"captured_after": timezone.localdate().isoformat()}).json()["count"] == 1
