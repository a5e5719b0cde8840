"""Every chart on every page, through the one `{% chart %}` tag: a title, a "Download data (CSV)"
link to the page's own CSV endpoint (`?chart_csv=<chart id>`, same guards and institution scope
as the page) whose CSV parses with the expected columns, and a table when JavaScript is off."""

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.tests.factories import make_campaign, make_planned
from dissemination.tests.factories import make_snapshot, make_video
from generation.tests.factories import training_run
from qca.models import Study
from qca.tests.factories import make_finished_analysis, make_study
from tests.factories import FACTORIES, load_app_factories
from tests.routes import id_routes

pytestmark = pytest.mark.django_db
LOSS_SERIES = ["G A→B (adversarial)", "G B→A (adversarial)", "Cycle consistency", "Identity", "D A", "D B"]


def _videos_with_snapshots(tenant, n=3, base_views=1000):
    today = timezone.localdate()
    videos = []
    for i in range(n):
        video = make_video(tenant.institution, youtube_id=f"{tenant.institution.slug[:4]}chart{i:02d}",
                           title=f"Chart video {i}", published_at=timezone.now() - timedelta(days=100))
        for days_ago in (3, 2, 1):
            make_snapshot(video, captured_on=today - timedelta(days=days_ago), views=base_views * (i + 1) + days_ago,
                          likes=10 + i, comments=i + 1)
        videos.append(video)
    return videos


def _chart_pages(tenant) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """Each page that draws charts: its URL and, per chart id, the CSV header expected."""
    videos = _videos_with_snapshots(tenant)
    analysis = make_finished_analysis(tenant)
    condition = analysis.study.conditions.get(column="A")
    later = make_study(tenant, name="Cross study, later")
    Study.objects.filter(pk=later.pk).update(rerun_of=analysis.study, as_of=date(2026, 6, 1))
    make_finished_analysis(tenant, study=later)
    run = training_run(tenant)
    run.loss_log = [{"iteration": i, "g_ab": 1.0 / i, "g_ba": 0.9 / i, "cycle": 2.0 / i, "identity": 0.5 / i,
                     "d_a": 0.25, "d_b": 0.24} for i in (1, 2, 3)]
    run.save(update_fields=["loss_log"])
    campaign = make_campaign(tenant)
    planned = make_planned(campaign, tenant)
    planned.video, planned.published_youtube_id = videos[0], videos[0].youtube_id
    planned.save()
    expressions = [row["expression"] for row in analysis.result.necessity["rows"]]
    assert {"A", "~A", "B", "~B", "C", "~C"} <= set(expressions)
    xy = {f"xy-{n}": ["label", f"{expression} (membership, 0–1)", "Y (membership, 0–1)"]
          for n, expression in enumerate(expressions, start=1)}
    return {
        "home": ("/", {"chart-views": ["day", "views (all videos, count)"]}),
        "video": (reverse("dissemination:video_detail", args=[videos[0].pk]),
                  {"snapshot-chart": ["captured on (day)", "Views", "Likes", "Comments"]}),
        "calibration": (reverse("qca:condition", args=[condition.pk]),
                        {"histogram": ["series", f"{condition.label} (raw value)"],
                         "curve": ["label", f"{condition.label} (raw value)", "membership (0–1)"]}),
        "analysis": (reverse("qca:analysis", args=[analysis.pk]), xy),
        "compare": (reverse("qca:compare", args=[analysis.pk]),
                    {"fit-over-time": ["study (as of date)", "coverage", "consistency"]}),
        "training run": (reverse("generation:run", args=[run.pk]), {"loss-chart": ["Iteration (count)", *LOSS_SERIES]}),
        "campaign": (reverse("campaigns:detail", args=[campaign.pk]),
                     {"campaign-results": ["series", "label", "videos", "effect (0–1)"]}),
    }


def _csv_links(body: str) -> dict[str, str]:
    """chart id -> href of its download link, read from the rendered page."""
    links = {}
    for figure in re.findall(r'<figure class="chart" id="([^"]+)-figure">(.*?)</figure>', body, flags=re.S):
        chart_id, inner = figure
        href = re.search(r'<a class="download" href="([^"]+)"', inner)
        assert href and "Download data (CSV)" in inner, chart_id
        assert f'<div class="plot" id="{chart_id}"' in inner and "<noscript><table" in inner, chart_id
        links[chart_id] = unescape(href.group(1))
    return links


def _parse(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_chart_page_links_a_csv_that_parses_with_the_expected_columns(tenant_a):
    client = tenant_a.client("staff")
    pages = _chart_pages(tenant_a)
    for page, (url, expected) in pages.items():
        body = client.get(url).content.decode()
        links = _csv_links(body)
        assert set(expected) <= set(links), (page, sorted(links))
        for chart_id, header in expected.items():
            assert links[chart_id].startswith(url.split("?")[0] + "?") and f"chart_csv={chart_id}" in links[chart_id]
            rows = _parse(client.get(links[chart_id]))
            assert rows[0] == header, (page, chart_id, rows[0])
            assert len(rows) > 1 and all(len(row) == len(header) for row in rows), (page, chart_id)
    # The figures' titles and axes (the accessible label of each plot comes from them).
    body = client.get(pages["training run"][0]).content.decode()
    assert "Training losses" in body and "Loss (unitless)" in body


def test_csv_carries_the_values_shown(tenant_a):
    videos = _videos_with_snapshots(tenant_a, n=2)
    client = tenant_a.client("staff")
    rows = _parse(client.get(reverse("dissemination:video_detail", args=[videos[1].pk]) + "?chart_csv=snapshot-chart"))
    today = timezone.localdate()
    assert rows[1:] == [[(today - timedelta(days=d)).isoformat(), str(2000 + d), "11", "2"] for d in (3, 2, 1)]
    home = _parse(client.get("/?chart_csv=chart-views"))
    assert [int(r[1]) for r in home[1:]] == [1000 + d + 2000 + d for d in (3, 2, 1)]


def test_chart_csv_serves_the_requesting_institution_only(tenant_a, tenant_b):
    _videos_with_snapshots(tenant_a, n=1, base_views=10)
    foreign = _videos_with_snapshots(tenant_b, n=1, base_views=5000)[0]
    client = tenant_a.client("staff")
    home = _parse(client.get("/?chart_csv=chart-views"))
    assert [int(r[1]) for r in home[1:]] == [13, 12, 11], "only institution A's views are summed"
    url = reverse("dissemination:video_detail", args=[foreign.pk]) + "?chart_csv=snapshot-chart"
    assert client.get(url).status_code == 404
    assert tenant_b.client("partner").get("/?chart_csv=chart-views").status_code in {302, 403}
    assert client.get("/?chart_csv=no-such-chart").status_code == 404


load_app_factories()
PAGE_ROUTES = [r for r in id_routes() if r.kind == "page"]


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=[r.name for r in PAGE_ROUTES])
def test_chart_csv_of_another_institutions_object_is_denied(route, tenant_a, tenant_b):
    """The CSV endpoint is the page itself, so every id-taking page (tests/test_tenancy_routes.py)
    also refuses a foreign object's chart data."""
    target = FACTORIES[route.model](tenant_b)
    url = reverse(route.name, kwargs=route.url_kwargs(target))
    for chart_id in ("snapshot-chart", "histogram", "xy-1", "loss-chart", "campaign-results"):
        response = tenant_a.client("admin").get(url, {"chart_csv": chart_id})
        assert response.status_code in {401, 403, 404, 405}, (url, chart_id, response.status_code)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_every_chart_is_a_table(browser_page_nojs, tenant_a):
    videos = _videos_with_snapshots(tenant_a, n=2)
    analysis = make_finished_analysis(tenant_a)
    browser_page_nojs.login(tenant_a.users["staff"].username, "pw-staff")
    page = browser_page_nojs.page
    for path, chart_id in (("/", "chart-views"),
                           (reverse("dissemination:video_detail", args=[videos[0].pk]), "snapshot-chart"),
                           (reverse("qca:analysis", args=[analysis.pk]), "xy-1")):
        browser_page_nojs.goto(path)
        figure = page.locator(f"#{chart_id}-figure")
        table = figure.locator("table.chart-data")
        if chart_id.startswith("xy-"):
            page.locator("details", has=figure).locator("summary").click()
        assert table.is_visible(), path
        assert table.locator("tbody tr").count() >= 2, path
        assert figure.locator(".main-svg").count() == 0, "no JavaScript, no plot"
        assert not figure.locator(".plot").is_visible(), "the empty plot area is hidden, the table stands in"
        assert figure.get_by_role("link", name=re.compile("Download data \\(CSV\\)")).is_visible()
    browser_page_nojs.goto("/")
    assert page.locator("#chart-views-figure table.chart-data caption").inner_text()
    browser_page_nojs.screenshot("home-staff-no-javascript")
