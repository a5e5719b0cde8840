"""Campaign pages: staff create a campaign, plan a video that gets a recommendation, revise it
and link the published video; coders read; partners have no pages; queries stay bounded."""

from datetime import date, timedelta

import pytest

from campaigns.models import Campaign, CampaignTokenGrant
from dissemination.tests.factories import make_snapshot, make_video

from .factories import make_campaign, make_evidence, make_planned

pytestmark = pytest.mark.django_db


def test_staff_creates_a_campaign_and_plans_a_video(tenant_a):
    result = make_evidence(tenant_a)
    configuration = result.configurations.get(strategy="pan_life")
    client = tenant_a.client("staff")
    assert client.get("/campaigns/new/").status_code == 200
    response = client.post("/campaigns/new/", {
        "name": "Lantern festival", "goal": "More views abroad", "starts_on": "2026-02-01", "ends_on": "2026-02-28",
        "target_regions": "US, gb", "target_languages": "en", "strategy": "pan_life",
        "evidence_result": result.pk, "evidence_configuration": configuration.pk})
    campaign = Campaign.objects.get(name="Lantern festival")
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.pk}/"

    form = client.get(f"/campaigns/{campaign.pk}/videos/new/")
    assert b'for="id_code_innovation"' in form.content
    response = client.post(f"/campaigns/{campaign.pk}/videos/new/", {
        "title": "Cutting a lantern", "code_title_information": "0", "code_innovation": "1",
        "code_video_form": "0"})
    assert response.status_code == 302
    page = client.get(response.url)
    body = page.content.decode()
    assert "Nearest configuration" in body and "title_information*innovation" in body
    assert "Apply these changes to the plan" in body

    planned = campaign.planned_videos.get()
    client.post(f"/campaigns/videos/{planned.pk}/", {"action": "apply"})
    planned.refresh_from_db()
    assert planned.revision == 2 and planned.codes["title_information"] == 1

    video = make_video(tenant_a.institution, youtube_id="lantern0001")
    client.post(f"/campaigns/videos/{planned.pk}/link/", {"youtube": "lantern0001"})
    planned.refresh_from_db()
    assert planned.video == video


def test_invalid_campaign_form_shows_the_reason(tenant_a):
    response = tenant_a.client("staff").post("/campaigns/new/", {
        "name": "Backwards", "goal": "g", "starts_on": "2026-03-01", "ends_on": "2026-02-01", "strategy": "undecided"})
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    assert not Campaign.objects.filter(name="Backwards").exists()


@pytest.mark.parametrize("role,index,new", [("admin", 200, 200), ("staff", 200, 200), ("coder", 200, 403),
                                            ("partner", 403, 403)])
def test_roles(tenant_a, role, index, new):
    client = tenant_a.client(role)
    assert client.get("/campaigns/").status_code == index
    assert client.get("/campaigns/new/").status_code == new


def test_admin_limits_a_token_to_the_campaign(tenant_a):
    campaign = make_campaign(tenant_a, with_evidence=False, strategy="undecided")
    token = tenant_a.token().token
    client = tenant_a.client("admin")
    client.post(f"/campaigns/{campaign.pk}/grants/", {"token": token.pk})
    grant = CampaignTokenGrant.objects.get(token=token, campaign=campaign)
    assert str(token) in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert tenant_a.client("staff").post(f"/campaigns/{campaign.pk}/grants/", {"token": token.pk}).status_code == 403
    client.post(f"/campaigns/grants/{grant.pk}/remove/")
    assert not CampaignTokenGrant.objects.filter(pk=grant.pk).exists()


def test_campaign_page_compares_results_within_the_query_budget(tenant_a, django_assert_max_num_queries):
    campaign = make_campaign(tenant_a)
    today = date.today()
    for n in range(6):
        video = make_video(tenant_a.institution, youtube_id=f"base{n:07d}")
        make_snapshot(video, captured_on=today - timedelta(days=1), views=1000 * 4 ** n, likes=10 * 3 ** n,
                      comments=n + 1)
        planned = make_planned(campaign, tenant_a, title=f"Plan {n}")
        if n % 2:
            planned.video = video
            planned.published_youtube_id = video.youtube_id
            planned.save()
    client = tenant_a.client("staff")
    with django_assert_max_num_queries(20):
        response = client.get(f"/campaigns/{campaign.pk}/")
    body = response.content.decode()
    assert 'id="campaign-results"' in body and "Download data (CSV)" in body and "<noscript>" in body
    assert "vendor/plotly.min.js" in body and "cdn" not in body.lower()
    csv = client.get(f"/campaigns/{campaign.pk}/results.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("planned video,youtube id,effect")
    assert len(csv.splitlines()) == 7
    with django_assert_max_num_queries(20):
        assert client.get("/campaigns/").status_code == 200
