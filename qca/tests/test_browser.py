"""A real browser runs an analysis from the form and sees the configuration chart and the plots."""

import pytest

from qca.tests.factories import make_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_runs_an_analysis_and_sees_the_chart(browser_page, tenant_a):
    study = make_study(tenant_a)
    page = browser_page.page
    browser_page.login(tenant_a.users["staff"].username, "pw-staff")
    browser_page.goto(f"/learn/studies/{study.pk}/analyses/new/")
    for name in ("A", "B", "C"):
        page.locator(f"input[name=conditions][value={name}]").check()
    page.get_by_label("Expectation: A").select_option("present")
    page.get_by_role("button", name="Run analysis").click()
    page.wait_for_load_state("networkidle")
    chart = page.locator("#configuration-chart")
    assert chart.is_visible()
    assert chart.locator("th[scope=row]").first.inner_text() == "A"
    assert "A*B" in page.locator("#solution-intermediate").inner_text()
    page.get_by_text("XY plots").click()
    page.locator(".plot .main-svg").first.wait_for(state="visible")
    assert page.locator(".plot .main-svg").count() >= 6
    page.locator("#truth-table th", has_text="incl").click()  # sortable
    assert page.locator("#truth-table th[aria-sort=ascending]").count() == 1
    browser_page.screenshot("qca-result")
    assert browser_page.console_errors == []
