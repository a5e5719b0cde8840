"""Shared fixtures: two institutions (A and B) with one member per role each, and
helpers to log in and to issue API tokens."""

import os
from pathlib import Path

import pytest

# Django is imported inside the fixtures so that the pure packages (qca.engine,
# generation.gan) can be tested with `-p no:django` from this same tree.

ARTIFACTS = Path(os.environ.get("ICH_TEST_ARTIFACTS", Path(__file__).resolve().parent / "test-artifacts"))


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Tenant:
    """An institution with one user per role, created through the services."""

    def __init__(self, name: str):
        from django.contrib.auth import get_user_model

        from accounts import services
        from accounts.models import Role

        User = get_user_model()
        slug = name.lower().replace(" ", "-")
        self.users = {role: User.objects.create_user(f"{slug}-{role}", password="pw-" + role, is_staff=True)
                      for role in Role.values}
        self.institution = services.institution_create(name=name, creator=self.users[Role.ADMIN])
        for role, user in self.users.items():
            if role != Role.ADMIN:
                services.membership_set(institution=self.institution, user=user, role=role,
                                        actor=self.users[Role.ADMIN])

    def client(self, role: str = "staff"):
        from django.test import Client

        client = Client()
        client.force_login(self.users[role])
        return client

    def token(self, *, role: str = "partner", scopes=("read",), **kwargs):
        from accounts import services

        return services.api_token_create(institution=self.institution, user=self.users[role], name=f"{role} token",
                                         scopes=list(scopes), actor=self.users["admin"], **kwargs)

    def api(self, *, role: str = "partner", scopes=("read",), **kwargs):
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token(role=role, scopes=scopes, **kwargs).secret}")
        return client


@pytest.fixture
def tenant_a(db) -> Tenant:
    return Tenant("Institution A")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return Tenant("Institution B")


@pytest.fixture(autouse=True)
def _isolated_cache(request):
    # Throttle counters live in the cache; each test starts from zero.
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    # PBKDF2 at Django's production cost takes ~0.3 s per user; tests create many.
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield


CHROMIUM = os.environ.get("ICH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


class BrowserPage:
    """A Playwright page in Debian's chromium that records console errors."""

    def __init__(self, page, base_url: str, artifacts: Path):
        self.page, self.base_url, self.artifacts = page, base_url, artifacts
        self.console_errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str):
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state("networkidle")

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def browser_page(live_server, artifacts_dir):
    """Chromium driven by Playwright against the live test server (browser downloads fail here,
    so the executable is Debian's)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield BrowserPage(context.new_page(), live_server.url, artifacts_dir)
        finally:
            context.close()
            browser.close()


@pytest.fixture
def browser_page_nojs(live_server, artifacts_dir):
    """The same Chromium with JavaScript turned off: pages must still show their data (charts
    degrade to tables)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
        try:
            yield BrowserPage(context.new_page(), live_server.url, artifacts_dir)
        finally:
            context.close()
            browser.close()


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's embedded broker file (named after the process)."""
    try:
        from django.conf import settings

        url = settings.CELERY_BROKER_URL
    except Exception:
        return
    if url.startswith("sqla+sqlite:///") and "-test-" in url:
        Path(url.split("sqlite:///", 1)[1]).unlink(missing_ok=True)
