"""Accessibility smoke: axe-core (from the npm registry, tests/js, installed by `make test`) runs
in the same Chromium on the main pages as staff. Every page must have a main landmark, labelled
form fields and sufficient colour contrast (WCAG 2 AA)."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["landmark-one-main", "label", "select-name", "color-contrast", "button-name", "link-name",
         "document-title", "html-has-lang", "th-has-data-cells", "image-alt"]


def _pages(tenant):
    from campaigns.tests.factories import make_campaign, make_planned
    from dissemination.tests.factories import make_snapshot, make_video

    video = make_video(tenant.institution, youtube_id="a11yvideo01")
    make_snapshot(video)
    campaign = make_campaign(tenant)
    planned = make_planned(campaign, tenant)
    analysis = campaign.evidence_result.analysis
    return ["/", "/disseminate/", "/disseminate/videos/", f"/disseminate/videos/{video.pk}/",
            "/disseminate/videos/add/", "/disseminate/harvests/", "/disseminate/coding/", "/disseminate/codebook/",
            "/learn/", f"/learn/analyses/{analysis.pk}/", f"/learn/analyses/{analysis.pk}/recommend/", "/generate/",
            "/campaigns/", "/campaigns/new/", f"/campaigns/{campaign.pk}/", f"/campaigns/videos/{planned.pk}/",
            f"/campaigns/{campaign.pk}/products/new/"]


def test_main_pages_pass_axe_as_staff(browser_page, tenant_a):
    assert AXE.exists(), "axe-core is missing: run `make js-tools` (npm ci --prefix tests/js)"
    pages = _pages(tenant_a)
    browser_page.login(tenant_a.users["staff"].username, "pw-staff")
    page = browser_page.page
    problems = []
    for path in pages:
        response = browser_page.goto(path)
        assert response.status == 200, (path, response.status)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""rules => axe.run(document, {runOnly: {type: 'rule', values: rules},
                                                         resultTypes: ['violations']})""", RULES)
        for violation in result["violations"]:
            targets = [" ".join(node["target"]) for node in violation["nodes"]][:5]
            problems.append(f"{path}: {violation['id']} ({violation['help']}) at {targets}")
        assert page.locator("main").count() == 1, path
    assert problems == [], "\n".join(problems)
    assert browser_page.console_errors == []


def test_the_check_catches_what_it_looks_for(browser_page, db):
    """The same harness on a deliberately bad page: no main, an unlabelled field, grey on white."""
    assert AXE.exists(), "axe-core is missing: run `make js-tools` (npm ci --prefix tests/js)"
    page = browser_page.page
    page.set_content('<html lang="en"><title>bad</title><body><div><input type="text">'
                     '<p style="color:#bbb;background:#fff">faint text</p></div></body></html>')
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", RULES)
    assert {v["id"] for v in result["violations"]} >= {"landmark-one-main", "label", "color-contrast"}
