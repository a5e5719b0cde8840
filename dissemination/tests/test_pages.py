"""The Disseminate pages: each renders for its roles, filters work, staff start harvests and
watch them, coders reach only their own assignments."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dissemination import coding
from dissemination.models import CodingAssignment, HarvestKind, HarvestRun, HarvestStatus, Video

from .factories import make_channel, make_snapshot, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(tenant_a):
    channel = make_channel(tenant_a.institution, subscribers=1200)
    popular = make_video(tenant_a.institution, "popAAAAAAA1", title="Paper-cut dragon!", channel=channel)
    quiet = make_video(tenant_a.institution, "quiAAAAAAA1", title="Quiet scissors", channel=channel)
    gone = make_video(tenant_a.institution, "gonAAAAAAA1", title="Deleted one",
                      unavailable_since=timezone.localdate())
    today = timezone.localdate()
    for n in range(5):
        make_snapshot(popular, captured_on=today - timedelta(days=4 - n), views=2_000_000 + n * 1000, likes=None)
        make_snapshot(quiet, captured_on=today - timedelta(days=4 - n), views=500 + n, comments=None)
    make_snapshot(gone, captured_on=today - timedelta(days=10), views=10)
    return popular, quiet, gone


STAFF_PAGES = ["index", "video_list", "video_add", "harvest_list", "coding_queue", "assignments", "agreement",
               "codebook", "variable_add", "transfer"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_render(tenant_a, catalogue, name):
    response = tenant_a.client("staff").get(reverse(f"dissemination:{name}"))
    assert response.status_code == 200
    assert b'<main id="main">' in response.content


@pytest.mark.parametrize("name, status", [("video_list", 200), ("coding_queue", 200), ("codebook", 200),
                                          ("video_add", 403), ("harvest_list", 403), ("assignments", 403),
                                          ("transfer", 403)])
def test_coders_see_coding_and_videos_but_not_staff_tools(tenant_a, name, status):
    assert tenant_a.client("coder").get(reverse(f"dissemination:{name}")).status_code == status


def test_video_list_filters_and_sparklines(tenant_a, catalogue):
    popular, quiet, gone = catalogue
    client = tenant_a.client("staff")
    page = client.get(reverse("dissemination:video_list"), {"min_views": 1_000_000}).content.decode()
    assert popular.title in page and quiet.title not in page
    assert 'aria-label="Views trend of popAAAAAAA1"' in page and "<polyline" in page
    assert "hidden" in page  # NULL likes are named, not shown as 0
    unavailable = client.get(reverse("dissemination:video_list"), {"status": "unavailable"}).content.decode()
    assert gone.title in unavailable and popular.title not in unavailable


def test_video_page_has_plotly_time_series_from_static_files(tenant_a, catalogue):
    popular, *_ = catalogue
    page = tenant_a.client("staff").get(reverse("dissemination:video_detail", args=[popular.pk])).content.decode()
    assert 'id="snapshot-chart"' in page and "chart_csv=snapshot-chart" in page and "/static/vendor/plotly.min.js" in page
    assert "cdn.plot.ly" not in page and "Dissemination effect" in page


def test_staff_untrack_and_track_a_video(tenant_a, catalogue):
    popular, *_ = catalogue
    client = tenant_a.client("staff")
    client.post(reverse("dissemination:video_detail", args=[popular.pk]), {"tracked": "0"})
    assert not Video.objects.get(pk=popular.pk).tracked
    assert tenant_a.client("coder").post(reverse("dissemination:video_detail", args=[popular.pk]),
                                         {"tracked": "1"}).status_code == 403


def test_add_videos_form_validates_and_starts_a_run(tenant_a, django_capture_on_commit_callbacks, monkeypatch):
    from dissemination import tasks

    sent = []
    monkeypatch.setattr(tasks.run_harvest, "delay", sent.append)
    client = tenant_a.client("staff")
    bad = client.post(reverse("dissemination:video_add"), {"kind": "videos", "videos-references": "not a url\n"})
    assert bad.status_code == 200 and "line 1" in bad.content.decode() and not HarvestRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dissemination:video_add"), {
            "kind": "videos",
            "videos-references": "https://youtu.be/LzP8hK2cYtA\nhttps://www.youtube.com/shorts/Sh0rtVid001\n"})
    run = HarvestRun.objects.get()
    assert response.url == reverse("dissemination:harvest_detail", args=[run.pk])
    assert run.parameters["video_ids"] == ["LzP8hK2cYtA", "Sh0rtVid001"]
    assert run.parameters["short_ids"] == ["Sh0rtVid001"] and sent == [run.pk]


def test_search_form_carries_min_views_and_filters(tenant_a, monkeypatch):
    from dissemination import tasks

    monkeypatch.setattr(tasks.run_harvest, "delay", lambda pk: None)
    tenant_a.client("staff").post(reverse("dissemination:video_add"), {
        "kind": "search", "search-query": "paper cutting", "search-min_views": "1000000", "search-max_results": "100",
        "search-order": "viewCount", "search-region": "us", "search-published_after": "2019-01-01"})
    run = HarvestRun.objects.get()
    assert run.kind == HarvestKind.SEARCH
    assert (run.parameters["min_views"], run.parameters["max_results"], run.parameters["region"]) == (
        1_000_000, 100, "US")
    assert run.parameters["published_after"] == "2019-01-01"


def test_harvest_status_json_for_polling(tenant_a):
    run = HarvestRun.objects.create(institution=tenant_a.institution, kind=HarvestKind.REFRESH,
                                    status=HarvestStatus.RUNNING, progress_done=100, progress_total=400)
    body = tenant_a.client("staff").get(reverse("dissemination:harvest_status", args=[run.pk])).json()
    assert (body["status"], body["percent"], body["finished"]) == ("running", 25, False)
    page = tenant_a.client("staff").get(reverse("dissemination:harvest_detail", args=[run.pk])).content.decode()
    assert 'data-status-url="/disseminate/harvests/' in page and "harvest.js" in page


def test_staff_resume_a_waiting_run(tenant_a, monkeypatch):
    from dissemination import tasks

    sent = []
    monkeypatch.setattr(tasks.run_harvest, "delay", sent.append)
    run = HarvestRun.objects.create(institution=tenant_a.institution, kind=HarvestKind.REFRESH,
                                    status=HarvestStatus.WAITING_QUOTA, resume_at=timezone.now() + timedelta(hours=3))
    tenant_a.client("staff").post(reverse("dissemination:harvest_resume", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == HarvestStatus.QUEUED and run.resume_at is None


def test_coder_reaches_only_own_assignments(tenant_a, catalogue):
    popular, quiet, _ = catalogue
    coding.assign(institution=tenant_a.institution, videos=[popular], coders=[tenant_a.users["coder"]],
                  actor=tenant_a.users["staff"])
    coding.assign(institution=tenant_a.institution, videos=[quiet], coders=[tenant_a.users["staff"]],
                  actor=tenant_a.users["staff"])
    mine = CodingAssignment.objects.get(coder=tenant_a.users["coder"])
    theirs = CodingAssignment.objects.get(coder=tenant_a.users["staff"])
    client = tenant_a.client("coder")
    queue = client.get(reverse("dissemination:coding_queue")).content.decode()
    assert popular.title in queue and quiet.title not in queue
    assert client.get(reverse("dissemination:coding_screen", args=[mine.pk])).status_code == 200
    assert client.get(reverse("dissemination:coding_screen", args=[theirs.pk])).status_code == 404


def test_codebook_editor_raises_the_version_and_validates_levels(tenant_a):
    codebook = coding.ensure_codebook(institution=tenant_a.institution)
    variable = codebook.variables.get(key="innovation")
    client = tenant_a.client("staff")
    url = reverse("dissemination:variable_edit", args=[variable.pk])
    data = {"key": "ignored", "label": "Innovation (new)", "dimension": "content", "kind": "binary",
            "source": "coder", "expectation": "present", "unit": "", "levels": "0 = Familiar\n1 = Novel",
            "instructions": "Is the angle new?"}
    assert client.post(url, data).status_code == 302
    variable.refresh_from_db()
    codebook.refresh_from_db()
    assert (variable.key, variable.label, variable.levels[1]["label"], codebook.version) == (
        "innovation", "Innovation (new)", "Novel", 2)
    bad = client.post(url, {**data, "levels": "0 = A\n2 = B"})
    assert "exactly the levels 0 and 1" in bad.content.decode()
