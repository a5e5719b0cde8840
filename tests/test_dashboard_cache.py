"""The staff dashboard's cache: a second build reads one fingerprint query and the cache; every
change the dashboard shows (a harvest page, a coding, an analysis finishing, a harvest run
starting) makes the next build recompute, a rolled-back change does not; the cached figures are
the computed ones; the page stays within 20 queries on a miss and a hit; a stale summary (before
the day's harvest) still gives exact figures."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dissemination import coding, harvest_runs, metrics_summary, services
from dissemination.models import CodingAssignment, HarvestKind
from dissemination.tests.factories import make_snapshot
from dissemination.youtube.records import VideoRecord
from ichplatform import dashboard
from tests.test_dashboard import _catalogue as dashboard_catalogue

pytestmark = pytest.mark.django_db


def _catalogue(tenant, n=6):
    coding.ensure_codebook(institution=tenant.institution)  # its first use is an audited change
    return dashboard_catalogue(tenant, n, prefix="cach")


def _figures(board) -> dict:
    return {"tracked": board.videos_tracked, "total": board.total_views, "30d": board.views_30d,
            "median": board.median_effect, "awaiting": board.awaiting_coding, "coding": board.coding,
            "top": [(r.pk, r.views, r.effect) for r in board.top], "groups": board.effects_by_strategy(),
            "rising": [(r.pk, r.gain) for r in board.rising], "by_day": board.views_by_day,
            "analysis": board.analysis and board.analysis.pk, "last_run": board.last_run and board.last_run.pk}


def _harvest_page(tenant, videos, views):
    """What a harvest page writes: today's snapshots (and the summary) in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        services.upsert_snapshots(institution_id=tenant.institution.pk, captured_on=timezone.localdate(now),
                                  captured_at=now, rows=[(v.pk, VideoRecord(video_id=v.youtube_id, views=views,
                                                                            likes=5, comments=1)) for v in videos])


def test_a_second_build_comes_from_the_cache_and_equals_the_computed_one(tenant_a, django_assert_num_queries):
    _catalogue(tenant_a)
    first = dashboard.build(institution=tenant_a.institution)
    with django_assert_num_queries(1):  # the fingerprint; everything else from the cache
        second = dashboard.build(institution=tenant_a.institution)
    assert _figures(second) == _figures(first) == _figures(dashboard.compute(institution=tenant_a.institution))
    assert second.rows == [] and sum(len(g) for g in second.effects_by_strategy().values()) == 6


def test_a_harvest_page_invalidates_the_dashboard(tenant_a, django_capture_on_commit_callbacks):
    videos = _catalogue(tenant_a)
    before = dashboard.build(institution=tenant_a.institution)
    with django_capture_on_commit_callbacks(execute=True):
        _harvest_page(tenant_a, videos[:2], views=10_000_000)
    after = dashboard.build(institution=tenant_a.institution)
    assert after.total_views > before.total_views and 10_000_000 in [r.views for r in after.top]
    assert _figures(after) == _figures(dashboard.compute(institution=tenant_a.institution))


def test_a_rolled_back_page_leaves_the_cached_dashboard(tenant_a, django_capture_on_commit_callbacks):
    videos = _catalogue(tenant_a)
    before = dashboard.build(institution=tenant_a.institution)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _harvest_page(tenant_a, videos[:2], views=10_000_000)
                raise RuntimeError("the worker died mid-page")
        except RuntimeError:
            pass
    assert callbacks == []
    assert _figures(dashboard.build(institution=tenant_a.institution)) == _figures(before)


def test_a_coding_invalidates_the_dashboard(tenant_a, django_capture_on_commit_callbacks):
    videos = _catalogue(tenant_a, n=2)
    coder = tenant_a.users["coder"]
    with django_capture_on_commit_callbacks(execute=True):
        coding.assign(institution=tenant_a.institution, videos=videos, coders=[coder], actor=tenant_a.users["staff"])
    before = dashboard.build(institution=tenant_a.institution)
    assert before.coding["done"] == 0
    codebook = coding.ensure_codebook(institution=tenant_a.institution)
    values = {v.key: v.level_values[0] if v.levels else 1 for v in coding.codable_variables(codebook)}
    assignment = CodingAssignment.objects.get(video=videos[0], coder=coder)
    with django_capture_on_commit_callbacks(execute=True):
        coding.codings_save(assignment=assignment, values=values, actor=coder)
    assert dashboard.build(institution=tenant_a.institution).coding["done"] == 1


def test_an_analysis_finishing_invalidates_the_dashboard(tenant_a):
    from campaigns.tests.factories import make_evidence

    _catalogue(tenant_a, n=2)
    assert dashboard.build(institution=tenant_a.institution).analysis is None
    result = make_evidence(tenant_a)  # a QCA analysis run to the end by the qca services
    board = dashboard.build(institution=tenant_a.institution)
    assert board.analysis.pk == result.analysis_id and board.supported_strategy["strategy"] == "pan_life"


def test_a_harvest_starting_invalidates_the_dashboard(tenant_a):
    _catalogue(tenant_a, n=1)
    assert dashboard.build(institution=tenant_a.institution).last_run is None
    run = harvest_runs.start_harvest(institution=tenant_a.institution, kind=HarvestKind.REFRESH, parameters={},
                                     actor=tenant_a.users["staff"], enqueue=False)
    assert dashboard.build(institution=tenant_a.institution).last_run.pk == run.pk


def test_the_page_stays_within_20_queries_on_a_miss_and_a_hit(tenant_a, django_assert_max_num_queries,
                                                             django_capture_on_commit_callbacks):
    videos = _catalogue(tenant_a, n=12)
    client = tenant_a.client("staff")
    client.get("/")  # the codebook is copied on first use
    with django_capture_on_commit_callbacks(execute=True):
        _harvest_page(tenant_a, videos[:1], views=123_456_789)
    with django_assert_max_num_queries(20):
        miss = client.get("/").content.decode()
    with django_assert_max_num_queries(10):
        hit = client.get("/").content.decode()
    assert "123,456,789" in miss and 'id="chart-strategies"' in hit
    assert miss.count("123,456,789") == hit.count("123,456,789")


def test_a_stale_summary_still_gives_exact_figures(tenant_a):
    videos = _catalogue(tenant_a)
    today = timezone.localdate()
    fresh = _figures(dashboard.compute(institution=tenant_a.institution, as_of=today))
    # As if the day's harvest had not run yet: every summary is as of yesterday.
    metrics_summary.refresh(videos=[v.pk for v in videos], as_of=today - timedelta(days=1))
    assert _figures(dashboard.compute(institution=tenant_a.institution, as_of=today)) == fresh
    # And a snapshot later than the summary's day is seen too.
    make_snapshot(videos[0], captured_on=today, views=9_999_999)
    metrics_summary.refresh(videos=[videos[0].pk], as_of=today - timedelta(days=1))
    assert 9_999_999 in [r.views for r in dashboard.compute(institution=tenant_a.institution, as_of=today).top]
