"""A real browser: staff sees the dashboard's charts drawn, creates a campaign backed by QCA
evidence, plans a video that gets a recommendation, applies it and links the published video."""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_dashboard_and_campaign_walkthrough(browser_page, tenant_a):
    from campaigns.models import Campaign
    from campaigns.tests.factories import make_evidence
    from dissemination.tests.factories import make_snapshot, make_video

    today = timezone.localdate()
    for i in range(4):
        video = make_video(tenant_a.institution, youtube_id=f"walk{i:07d}")
        for days in (20, 1):
            make_snapshot(video, captured_on=today - timedelta(days=days), views=1000 * (i + 1) * (30 - days),
                          likes=10 * (i + 1), comments=i + 1)
    result = make_evidence(tenant_a)
    browser_page.login(tenant_a.users["staff"].username, "pw-staff")
    page = browser_page.page

    page.locator("#chart-views .main-svg").first.wait_for(state="visible")
    page.locator("#chart-strategies .main-svg").first.wait_for(state="visible")
    assert page.get_by_role("link", name="Download data (CSV): Total views of the institution's videos by day")
    browser_page.screenshot("home-dashboard-staff")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Lantern festival")
    page.get_by_label("Goal").fill("More young viewers abroad")
    page.get_by_label("Starts on").fill(str(today))
    page.get_by_label("Ends on").fill(str(today + timedelta(days=30)))
    page.get_by_label("Content strategy").select_option("pan_life")
    page.get_by_label("QCA evidence: result").select_option(str(result.pk))
    page.get_by_label("QCA evidence: configuration followed").select_option(
        str(result.configurations.get(strategy="pan_life").pk))
    page.get_by_role("button", name="Save").click()
    campaign = Campaign.objects.get(name="Lantern festival")

    page.get_by_role("link", name="Plan a video").click()
    page.get_by_label("Working title").fill("Cutting a lantern")
    page.get_by_label("Title information").select_option("0")
    page.get_by_label("Innovation", exact=True).select_option("1")
    page.get_by_label("Video form").select_option("0")
    page.get_by_role("button", name="Plan and get a recommendation").click()
    assert "title_information*innovation" in page.locator("#recommendation").inner_text()
    page.get_by_role("button", name="Apply these changes to the plan").click()
    assert "revision 2" in page.locator("#recommendation").inner_text()

    page.get_by_label("Published video (YouTube URL or id)").fill("https://youtu.be/walk0000003")
    page.get_by_role("button", name="Link").click()
    assert campaign.planned_videos.get().video.youtube_id == "walk0000003"
    page.goto(browser_page.base_url + f"/campaigns/{campaign.pk}/")
    page.locator("#campaign-results .main-svg").first.wait_for(state="visible")
    browser_page.screenshot("campaign-staff")
    assert browser_page.console_errors == []
