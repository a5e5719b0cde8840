"""A real browser: staff logs in and sees the home page with no console errors."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_home(browser_page, tenant_a):
    user = tenant_a.users["staff"]
    browser_page.login(user.username, "pw-staff")
    page = browser_page.page
    assert page.url.rstrip("/") == browser_page.base_url
    assert page.get_by_role("heading", level=1).inner_text() == tenant_a.institution.name
    nav = page.get_by_role("navigation", name="Main")
    for area in ("Disseminate", "Learn", "Generate"):
        assert nav.get_by_role("link", name=area).is_visible()
    assert not nav.get_by_role("link", name="Institution").is_visible(), "staff do not manage members"
    shot = browser_page.screenshot("home-staff")
    assert shot.stat().st_size > 10_000
    assert browser_page.console_errors == []


def test_wrong_password_is_refused(browser_page, tenant_a):
    browser_page.login(tenant_a.users["staff"].username, "wrong")
    assert "/accounts/login/" in browser_page.page.url
    assert browser_page.page.get_by_role("alert").is_visible()
