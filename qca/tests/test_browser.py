"""A real browser runs an analysis from the form and sees the configuration chart (Table 6 marks),
the robustness panel and the plots."""

import pytest

from qca.tests.factories import KNOWN_EXPECTATIONS, upload_known_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_runs_an_analysis_and_sees_the_chart(browser_page, tenant_a):
    study = upload_known_case(tenant_a)  # intermediate A*~B + B*~C; parsimonious A + B*~C
    page = browser_page.page
    browser_page.login(tenant_a.users["staff"].username, "pw-staff")
    browser_page.goto(f"/learn/studies/{study.pk}/analyses/new/")
    for name, expectation in KNOWN_EXPECTATIONS.items():
        page.locator(f"input[name=conditions][value={name}]").check()
        page.get_by_label(f"Expectation: {name}").select_option(expectation)
    page.get_by_role("button", name="Run analysis").click()
    page.wait_for_load_state("networkidle")
    chart = page.locator("#configuration-chart")
    assert chart.is_visible()
    assert chart.locator("th[scope=row]").first.inner_text() == "A"
    assert "A*~B + B*~C" in page.locator("#solution-intermediate").inner_text()
    # ~B of A*~B: a small crossed circle (peripheral); ~C of B*~C: a large one (core); never a filled circle
    peripheral_absent, core_absent = chart.locator("td.mark.peripheral.absent"), chart.locator("td.mark.core.absent")
    assert peripheral_absent.count() == 1 and core_absent.count() == 1
    for cell in (peripheral_absent, core_absent):
        assert cell.get_attribute("data-mark") == "⊗" and cell.locator("svg path").count() == 1
    small, large = peripheral_absent.locator("svg").bounding_box(), core_absent.locator("svg").bounding_box()
    assert large["width"] > 1.5 * small["width"] > 0
    assert chart.locator("td.mark.core.present svg circle").count() == 2
    assert page.locator("#robustness-table tbody tr").count() == 3
    page.get_by_text("XY plots").click()
    page.locator(".plot .main-svg").first.wait_for(state="visible")
    assert page.locator(".plot .main-svg").count() >= 6
    page.locator("#truth-table th", has_text="incl").click()  # sortable
    assert page.locator("#truth-table th[aria-sort=ascending]").count() == 1
    browser_page.screenshot("qca-result")
    assert browser_page.console_errors == []
