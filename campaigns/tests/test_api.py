"""The campaigns API: partners see the campaigns they are part of; grants limit a token."""

import pytest

from campaigns import services
from campaigns.models import Campaign, PlannedVideo

from .factories import make_campaign, make_evidence, make_planned

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _api_for(tenant, issued):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    return client


def test_token_without_grants_sees_all_campaigns_of_its_institution_only(tenant_a, tenant_b):
    mine = {make_campaign(tenant_a, with_evidence=False, strategy="undecided", name=n).pk for n in ("one", "two")}
    make_campaign(tenant_b, with_evidence=False, strategy="undecided")
    assert _ids(tenant_a.api().get("/api/v1/campaigns/")) == mine


def test_token_with_grants_is_limited_to_them(tenant_a):
    granted = make_campaign(tenant_a, name="granted")
    other = make_campaign(tenant_a, name="other", result=granted.evidence_result)
    granted_plan, other_plan = make_planned(granted, tenant_a), make_planned(other, tenant_a)
    issued = tenant_a.token()
    services.token_grant_add(campaign=granted, token=issued.token, actor=tenant_a.users["admin"])
    client = _api_for(tenant_a, issued)

    assert _ids(client.get("/api/v1/campaigns/")) == {granted.pk}
    assert client.get(f"/api/v1/campaigns/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/campaigns/{other.pk}/results/").status_code == 404
    assert _ids(client.get("/api/v1/campaigns/planned-videos/")) == {granted_plan.pk}
    assert client.get(f"/api/v1/campaigns/planned-videos/{other_plan.pk}/").status_code == 404
    detail = client.get(f"/api/v1/campaigns/planned-videos/{granted_plan.pk}/").json()
    assert detail["recommendation"]["strategy"] == granted_plan.recommendation.strategy
    # Another token of the same partner, without grants, still sees everything.
    assert _ids(tenant_a.api().get("/api/v1/campaigns/")) == {granted.pk, other.pk}


def test_partner_cannot_write_and_staff_plans_through_the_api(tenant_a):
    result = make_evidence(tenant_a)
    configuration = result.configurations.get(strategy="pan_knowledge")
    body = {"name": "Autumn", "goal": "Teach the craft's symbols", "starts_on": "2026-09-01",
            "ends_on": "2026-10-31", "target_regions": ["cn"], "strategy": "pan_knowledge",
            "evidence_result": result.pk, "evidence_configuration": configuration.pk}
    assert tenant_a.api(scopes=("read", "write")).post("/api/v1/campaigns/", body, format="json").status_code == 403
    staff = tenant_a.api(role="staff", scopes=("read", "write"))
    created = staff.post("/api/v1/campaigns/", body, format="json")
    assert created.status_code == 201, created.content
    campaign = Campaign.objects.get(pk=created.json()["id"])
    assert campaign.target_regions == ["CN"] and campaign.evidence_configuration == configuration

    planned = staff.post("/api/v1/campaigns/planned-videos/", {
        "campaign": campaign.pk, "title": "Symbols of the zodiac",
        "codes": {"title_information": 0, "innovation": 0, "video_form": 0}}, format="json")
    assert planned.status_code == 201, planned.content
    advice = planned.json()["recommendation"]
    assert advice["nearest"]["term"] == "~title_information*~innovation*video_form"
    assert [c["column"] for c in advice["changes"]] == ["video_form"]

    revised = staff.patch(f"/api/v1/campaigns/planned-videos/{planned.json()['id']}/",
                          {"codes": {"title_information": 0, "innovation": 0, "video_form": 1},
                           "published": "https://youtu.be/abcdefghijk"}, format="json")
    assert revised.status_code == 200, revised.content
    assert revised.json()["revision"] == 2 and revised.json()["recommendation"]["changes"] == []
    assert revised.json()["published_youtube_id"] == "abcdefghijk"

    bad = staff.patch(f"/api/v1/campaigns/{campaign.pk}/", {"ends_on": "2026-01-01"}, format="json")
    assert bad.status_code == 400 and "ends_on" in bad.json()["error"]["details"]
    assert staff.post("/api/v1/campaigns/planned-videos/", {"campaign": campaign.pk, "title": "t",
                                                            "codes": {"innovation": 1}},
                      format="json").status_code == 400
    assert PlannedVideo.objects.filter(campaign=campaign).count() == 1


def test_results_endpoint_reports_prediction(tenant_a):
    campaign = make_campaign(tenant_a)
    make_planned(campaign, tenant_a)
    body = tenant_a.api().get(f"/api/v1/campaigns/{campaign.pk}/results/?as_of=2026-02-01").json()
    assert body["as_of"] == "2026-02-01"
    assert body["predicted_consistency"] == campaign.evidence_configuration.consistency
    assert len(body["rows"]) == 1 and body["rows"][0]["effect"] is None
    assert tenant_a.api().get(f"/api/v1/campaigns/{campaign.pk}/results/?as_of=soon").status_code == 400
