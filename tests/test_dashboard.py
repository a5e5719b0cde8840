"""The staff home dashboard: KPIs from real videos, snapshots, codings, harvests, analyses and
products; charts on the platform template; at most 20 queries; coders get the area cards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dissemination.models import HarvestKind, HarvestRun, HarvestStatus, QuotaLedger
from dissemination.tests.factories import make_snapshot, make_video
from dissemination.youtube.quota import quota_day
from generation.tests.factories import creative_product
from ichplatform import dashboard

pytestmark = pytest.mark.django_db


def _catalogue(tenant, n=6, prefix="dash"):
    today = timezone.localdate()
    videos = []
    for i in range(n):
        video = make_video(tenant.institution, youtube_id=f"{prefix}{i:07d}", title=f"Video {i}",
                           published_at=timezone.now() - timedelta(days=200))
        make_snapshot(video, captured_on=today - timedelta(days=40), views=1000 * (i + 1), likes=10, comments=1)
        make_snapshot(video, captured_on=today - timedelta(days=1), views=1000 * (i + 1) + 500 * i ** 2,
                      likes=20 * (i + 1), comments=i + 1)
        videos.append(video)
    return videos


def test_kpis_follow_the_data(tenant_a, tenant_b):
    videos = _catalogue(tenant_a)
    _catalogue(tenant_b, n=3)  # another institution's data never counts
    HarvestRun.objects.create(institution=tenant_a.institution, kind=HarvestKind.REFRESH,
                              status=HarvestStatus.FAILED, staff_message="key invalid")
    QuotaLedger.objects.create(institution=tenant_a.institution, api_key_hash="k" * 16,
                               quota_day=quota_day(timezone.now()), method="videos.list", units=12, calls=12)
    product = creative_product(tenant_a)
    board = dashboard.build(institution=tenant_a.institution)
    latest = [1000 * (i + 1) + 500 * i ** 2 for i in range(6)]
    assert board.videos_tracked == 6 and board.total_views == sum(latest)
    assert board.views_30d == sum(500 * i ** 2 for i in range(6))
    assert board.rising[0].pk == videos[-1].pk and [r.gain for r in board.rising] == sorted(
        (500 * i ** 2 for i in range(1, 6)), reverse=True)
    assert board.top[0].pk == videos[-1].pk and board.median_effect is not None
    assert board.awaiting_coding == 6
    assert board.quota_used == 12 and board.failed_runs == 1 and board.last_failure.staff_message == "key invalid"
    assert board.products == (1 if product.status == "done" else 0)  # finished products only
    groups = board.effects_by_strategy()
    assert len(groups["unclassified"]) == 6 and not groups["pan_life"]


def test_strategy_groups_come_from_the_latest_analysis(tenant_a, django_assert_max_num_queries):
    from campaigns.tests.factories import make_evidence
    from qca.models import Study

    videos = _catalogue(tenant_a)

    result = make_evidence(tenant_a)
    # Point the study's cases at videos: case c7-* (T=1, I=1) is pan-life, c1-* (~T*~I*F) pan-knowledge.
    study = Study.objects.get(pk=result.analysis.study_id)
    for case in study.data["cases"]:
        case["video_id"] = {"c7-0": videos[0].pk, "c1-0": videos[1].pk}.get(case["id"])
    Study.objects.filter(pk=study.pk).update(data=study.data)
    board = dashboard.build(institution=tenant_a.institution)
    groups = board.effects_by_strategy()
    assert len(groups["pan_life"]) == 1 and len(groups["pan_knowledge"]) == 1 and len(groups["unclassified"]) == 4
    assert board.supported_strategy["strategy"] == "pan_life"
    client = tenant_a.client("staff")
    client.get("/")
    with django_assert_max_num_queries(20):
        body = client.get("/").content.decode()
    assert "Pan-life (n=1)" in body and "recommends" in body


def test_staff_dashboard_renders_within_20_queries(tenant_a, django_assert_max_num_queries):
    _catalogue(tenant_a, n=12)
    client = tenant_a.client("staff")
    client.get("/")  # the codebook is copied on first use; measure the steady state
    with django_assert_max_num_queries(20):
        response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    for marker in ('id="kpis"', 'id="chart-views"', 'id="chart-strategies"', 'id="top-videos"',
                   'id="rising-videos"', 'id="harvest-health"', 'id="coding-progress"'):
        assert marker in body, marker
    assert body.count("Download data (CSV)") == 2 and body.count("<noscript><table") == 2
    assert '"template"' in body and "vendor/plotly.min.js" in body


def test_coder_gets_the_area_cards(tenant_a):
    body = tenant_a.client("coder").get("/").content.decode()
    assert 'id="kpis"' not in body and "Disseminate" in body


def test_empty_institution_dashboard(tenant_a, django_assert_max_num_queries):
    client = tenant_a.client("staff")
    client.get("/")
    with django_assert_max_num_queries(20):
        body = client.get("/").content.decode()
    assert "No snapshot yet" in body and 'id="kpis"' in body


def test_a_video_first_harvested_within_the_window_counts_from_its_first_snapshot(tenant_a):
    today = timezone.localdate()
    video = make_video(tenant_a.institution, youtube_id="late0000001", published_at=timezone.now() - timedelta(days=400))
    make_snapshot(video, captured_on=today - timedelta(days=10), views=5_000)
    make_snapshot(video, captured_on=today, views=7_500)
    board = dashboard.build(institution=tenant_a.institution)
    assert board.views_30d == 2_500 and board.rising[0].gain == 2_500
