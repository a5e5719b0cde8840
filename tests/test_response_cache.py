"""The response cache (ichplatform/response_cache.py) against real PostgreSQL and Redis, with real
commits (transactional tests: a bump happens after commit): a second request is a hit with the same
bytes; a write through the institution's services (a coding, a harvest page replayed from recorded
YouTube answers, a campaign edit) makes the next request a miss that shows it; institutions, users
and sessions never share an entry; a partner token limited to campaigns sees only its campaigns;
If-None-Match answers 304 until the data change; pending messages and `no-cache` bypass."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns import services as campaign_services
from campaigns.tests.factories import make_campaign
from dissemination import coding, harvest_runs
from dissemination.models import CodingAssignment, HarvestKind, HarvestStatus, Video
from dissemination.tests.youtube_mock import RecordingHttp, install, ok, video_stats_item
from ichplatform.response_cache import HEADER
from tests.test_dashboard_cache import _catalogue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.RESPONSE_CACHE_ENABLED, reason="the response cache needs a shared cache (Redis)"),
]
PAGES = ["/", "/disseminate/videos/", "/campaigns/"]
API = ["/api/v1/videos/", "/api/v1/snapshots/", "/api/v1/campaigns/", "/api/v1/qca/studies/"]
USER_NAV = b'<span class="user">%s</span>'
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _browser(tenant, role="staff") -> Client:
    """A signed-in member whose browser holds its CSRF cookie (the first page sets it)."""
    client = tenant.client(role)
    first = client.get("/campaigns/")
    assert first[HEADER] == "bypass" and settings.CSRF_COOKIE_NAME in first.cookies  # a Set-Cookie is never stored
    return client


def _same_page(a: bytes, b: bytes) -> bool:
    """Equal but for the CSRF token's mask, which differs on every render."""
    return CSRF_INPUT.sub(b"", a) == CSRF_INPUT.sub(b"", b)


def _fresh(client, path, **headers):
    return client.get(path, HTTP_CACHE_CONTROL="no-cache", **headers)


def test_a_second_request_is_a_hit_with_the_same_content(tenant_a, django_assert_max_num_queries):
    _catalogue(tenant_a, n=3)
    make_campaign(tenant_a)
    browser, partner = _browser(tenant_a), tenant_a.api()
    for client, paths in ((browser, PAGES), (partner, API)):
        for path in paths:
            miss = client.get(path)
            assert (miss.status_code, miss[HEADER]) == (200, "miss"), path
            hit = client.get(path)
            assert (hit.status_code, hit[HEADER]) == (200, "hit"), path
            assert hit.content == miss.content and hit["Content-Type"] == miss["Content-Type"], path
            assert hit["ETag"] == miss["ETag"] and "private" in hit["Cache-Control"], path
            assert _same_page(hit.content, _fresh(client, path).content), path  # and it is what a render gives
    with django_assert_max_num_queries(4):  # session user, membership, audit id (+ token, last use) — no view
        assert browser.get("/")[HEADER] == "hit"


def test_coding_a_video_invalidates_the_dashboard_and_the_video_list(tenant_a):
    videos = _catalogue(tenant_a, n=2)
    coder = tenant_a.users["coder"]
    coding.assign(institution=tenant_a.institution, videos=videos, coders=[coder], actor=tenant_a.users["staff"])
    browser = _browser(tenant_a)
    before = {path: browser.get(path) for path in ("/", "/disseminate/videos/")}
    assert all(browser.get(path)[HEADER] == "hit" for path in before)
    codebook = coding.ensure_codebook(institution=tenant_a.institution)
    values = {v.key: v.level_values[0] if v.levels else 1 for v in coding.codable_variables(codebook)}
    coding.codings_save(assignment=CodingAssignment.objects.get(video=videos[0], coder=coder), values=values,
                        actor=coder)
    for path, old in before.items():
        new = browser.get(path)
        assert new[HEADER] == "miss" and new["ETag"] != old["ETag"], path
        assert _same_page(new.content, _fresh(browser, path).content), path
    assert not _same_page(browser.get("/").content, before["/"].content)  # coding progress moved


def test_a_harvest_page_replayed_from_youtube_invalidates_the_video_api(tenant_a, settings):
    videos = _catalogue(tenant_a, n=3)
    partner = tenant_a.api()
    before = partner.get("/api/v1/videos/")
    assert partner.get("/api/v1/videos/")[HEADER] == "hit"
    settings.YOUTUBE_API_KEY = "test-key"
    settings.YOUTUBE_HTTP_FACTORY = "dissemination.tests.youtube_mock.installed_http"
    install(RecordingHttp([ok({"items": [video_stats_item(v.youtube_id) for v in videos]})]))
    try:
        run = harvest_runs.start_harvest(institution=tenant_a.institution, kind=HarvestKind.REFRESH,
                                         parameters={}, actor=tenant_a.users["staff"], enqueue=False)
        run = harvest_runs.execute(run_id=run.pk) or run
    finally:
        install(None)
    run.refresh_from_db()
    assert run.status == HarvestStatus.SUCCEEDED, run.staff_message
    after = partner.get("/api/v1/videos/")
    assert after[HEADER] == "miss" and after.json() != before.json()
    views = {row["youtube_id"]: row["latest_views"] for row in after.json()["results"]}
    assert views == {v.youtube_id: int(video_stats_item(v.youtube_id)["statistics"]["viewCount"]) for v in videos}


def test_a_campaign_edit_through_its_page_invalidates_the_list_and_the_api(tenant_a):
    campaign = make_campaign(tenant_a, with_evidence=False)
    browser, partner = _browser(tenant_a), tenant_a.api()
    for client, path in ((browser, "/campaigns/"), (partner, "/api/v1/campaigns/")):
        client.get(path)
        assert client.get(path)[HEADER] == "hit"
    form = {"name": "Lantern festival campaign", "goal": campaign.goal, "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on, "target_regions": "US", "target_languages": "en", "strategy": "pan_life"}
    assert browser.post(reverse("campaigns:edit", kwargs={"campaign_pk": campaign.pk}), form).status_code == 302
    assert browser.get("/campaigns/")[HEADER] == "bypass"  # "Campaign saved." is pending: shown, not cached
    page = browser.get("/campaigns/")
    assert page[HEADER] == "miss" and b"Lantern festival campaign" in page.content
    assert b"Campaign saved." not in page.content
    api = partner.get("/api/v1/campaigns/")
    assert api[HEADER] == "miss" and [c["name"] for c in api.json()["results"]] == ["Lantern festival campaign"]


def test_institutions_users_and_sessions_never_share_an_entry(tenant_a, tenant_b):
    _catalogue(tenant_a, n=2)
    _catalogue(tenant_b, n=1)
    staff_a, admin_a, staff_b = _browser(tenant_a, "staff"), _browser(tenant_a, "admin"), _browser(tenant_b, "staff")
    second_session_a = _browser(tenant_a, "staff")
    for path in PAGES:
        first = staff_a.get(path)
        assert first[HEADER] == "miss" and staff_a.get(path)[HEADER] == "hit"
        for other in (admin_a, staff_b, second_session_a):
            response = other.get(path)
            assert response[HEADER] == "miss" and response["ETag"] != first["ETag"], path
        assert USER_NAV % b"institution-a-admin" in admin_a.get(path).content  # each sees their own navigation
        assert USER_NAV % b"institution-a-staff" in staff_a.get(path).content
    token_a, token_b = tenant_a.api(), tenant_b.api()
    for path in API:
        mine, theirs = token_a.get(path), token_b.get(path)
        assert mine[HEADER] == theirs[HEADER] == "miss" and mine["ETag"] != theirs["ETag"]
    ids_b = {v["id"] for v in token_b.get("/api/v1/videos/").json()["results"]}
    assert token_b.get("/api/v1/videos/")[HEADER] == "hit"
    assert ids_b == set(Video.objects.filter(institution=tenant_b.institution).values_list("pk", flat=True))


def test_a_partner_token_limited_to_campaigns_sees_only_them(tenant_a):
    spring = make_campaign(tenant_a, name="Spring", with_evidence=False)
    autumn = make_campaign(tenant_a, name="Autumn", with_evidence=False)
    unlimited = tenant_a.api()
    assert {c["name"] for c in unlimited.get("/api/v1/campaigns/").json()["results"]} == {"Spring", "Autumn"}
    grant_holder = tenant_a.token(role="partner")
    limited = APIClient()
    limited.credentials(HTTP_AUTHORIZATION=f"Bearer {grant_holder.secret}")
    campaign_services.token_grant_add(campaign=spring, token=grant_holder.token, actor=tenant_a.users["admin"])
    first = limited.get("/api/v1/campaigns/")
    assert first[HEADER] == "miss" and [c["name"] for c in first.json()["results"]] == ["Spring"]
    assert limited.get("/api/v1/campaigns/")[HEADER] == "hit"
    campaign_services.token_grant_add(campaign=autumn, token=grant_holder.token, actor=tenant_a.users["admin"])
    widened = limited.get("/api/v1/campaigns/")
    assert widened[HEADER] == "miss" and {c["name"] for c in widened.json()["results"]} == {"Spring", "Autumn"}


def test_if_none_match_is_304_until_the_data_change(tenant_a):
    make_campaign(tenant_a, name="Spring", with_evidence=False)
    browser, partner = _browser(tenant_a), tenant_a.api()
    tags = {}
    for client, path in ((browser, "/campaigns/"), (partner, "/api/v1/campaigns/")):
        tags[path] = client.get(path)["ETag"]
        again = client.get(path, HTTP_IF_NONE_MATCH=tags[path])
        assert (again.status_code, again[HEADER], again.content) == (304, "revalidated", b"")
        assert client.get(path, HTTP_IF_NONE_MATCH='W/"another"').status_code == 200
        assert client.get(path, HTTP_IF_NONE_MATCH=tags[path], HTTP_CACHE_CONTROL="no-cache").status_code == 200
    make_campaign(tenant_a, name="Autumn", with_evidence=False)
    for client, path in ((browser, "/campaigns/"), (partner, "/api/v1/campaigns/")):
        changed = client.get(path, HTTP_IF_NONE_MATCH=tags[path])
        assert changed.status_code == 200 and changed["ETag"] != tags[path] and b"Autumn" in changed.content


def test_no_cache_from_the_client_renders_afresh_and_stores(tenant_a):
    browser = _browser(tenant_a)
    browser.get("/campaigns/")
    assert browser.get("/campaigns/")[HEADER] == "hit"
    assert _fresh(browser, "/campaigns/")[HEADER] == "miss"
    assert browser.get("/campaigns/")[HEADER] == "hit"


def test_anonymous_and_partner_pages_are_never_served_from_the_cache(tenant_a):
    browser = _browser(tenant_a)
    browser.get("/campaigns/")
    assert browser.get("/campaigns/")[HEADER] == "hit"
    assert Client().get("/campaigns/").status_code == 302  # to the login page
    assert tenant_a.client("partner").get("/campaigns/").status_code == 403


def test_a_token_resolved_from_the_cache_is_refused_at_once_when_revoked_or_its_member_changes(tenant_a):
    """API tokens are resolved from the cache while their institution's data are unchanged
    (accounts/token_cache.py): revoking, a role change and deactivating the user apply at once."""
    from accounts import services as account_services
    from accounts.models import Membership

    partner = tenant_a.users["partner"]
    issued = tenant_a.token(role="partner")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    for _ in range(2):  # the first resolution stores the rows, the second stamps them, the next are served
        assert client.get("/api/v1/qca/studies/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/qca/studies/").status_code == 200
    assert not [q for q in queries.captured_queries if "accounts_apitoken" in q["sql"] or "accounts_membership" in q["sql"]]
    account_services.membership_set(institution=tenant_a.institution, user=partner, role="coder",
                                    actor=tenant_a.users["admin"])
    assert client.get("/api/v1/qca/studies/").status_code == 200  # a coder may read too: resolved afresh
    assert Membership.objects.get(user=partner, institution=tenant_a.institution).role == "coder"
    partner.is_active = False
    partner.save()
    assert client.get("/api/v1/qca/studies/").status_code == 401
    partner.is_active = True
    partner.save()
    assert client.get("/api/v1/qca/studies/").status_code == 200
    account_services.membership_remove(membership=Membership.objects.get(user=partner, institution=tenant_a.institution),
                                       actor=tenant_a.users["admin"])
    assert client.get("/api/v1/qca/studies/").status_code == 403
    account_services.membership_set(institution=tenant_a.institution, user=partner, role="partner",
                                    actor=tenant_a.users["admin"])
    assert client.get("/api/v1/qca/studies/").status_code == 200
    account_services.api_token_revoke(token=issued.token, actor=tenant_a.users["admin"])
    refused = client.get("/api/v1/qca/studies/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"


def test_a_members_role_change_or_removal_applies_to_the_next_page_at_once(tenant_a):
    """The current membership is resolved from the cache too (accounts/membership_cache.py)."""
    from accounts import services as account_services
    from accounts.models import Membership

    _catalogue(tenant_a, n=1)
    browser = _browser(tenant_a)
    for _ in range(3):
        page = browser.get("/")
    assert page[HEADER] == "hit" and b'id="chart-strategies"' in page.content
    staff = tenant_a.users["staff"]
    account_services.membership_set(institution=tenant_a.institution, user=staff, role="coder",
                                    actor=tenant_a.users["admin"])
    as_coder = browser.get("/")
    assert as_coder.status_code == 200 and b'id="chart-strategies"' not in as_coder.content  # no dashboard
    account_services.membership_remove(membership=Membership.objects.get(user=staff, institution=tenant_a.institution),
                                       actor=tenant_a.users["admin"])
    assert browser.get("/").status_code == 403


# -- the early path (ichplatform/response_cache_early.py): hits answered before authentication and the view --
def _warm(client, path, times=3):
    """The first request stores the principal's entry, the second stamps it, the next are served early."""
    for _ in range(times):
        response = client.get(path)
    return response


def _through_the_full_path(client, path, settings):
    """The same request with the early middleware left out (the client's handler rebuilt)."""
    full_path = [m for m in settings.MIDDLEWARE if not m.endswith("EarlyHitMiddleware")]
    with override_settings(MIDDLEWARE=full_path), CaptureQueriesContext(connection) as queries:
        client.handler.load_middleware()
        try:
            response = client.get(path)
        finally:
            client.handler._middleware_chain = None  # rebuilt from the restored settings by the next request
    return response, len(queries)


def test_early_hits_read_no_database_and_match_the_full_path(tenant_a, django_assert_num_queries, settings):
    _catalogue(tenant_a, n=2)
    make_campaign(tenant_a)
    browser, partner = _browser(tenant_a), tenant_a.api()
    for client, paths in ((browser, PAGES), (partner, API)):
        for path in paths:
            _warm(client, path)
            with django_assert_num_queries(0):  # no session user, membership, token or audit query
                early = client.get(path)
            assert (early.status_code, early[HEADER]) == (200, "hit"), path
            assert not hasattr(early.wsgi_request, "user")  # answered above the authentication middleware
            late, queries = _through_the_full_path(client, path, settings)
            assert (late.status_code, late[HEADER]) == (200, "hit") and hasattr(late.wsgi_request, "user"), path
            assert queries > 0 or path in API, path  # the page's session user (the API's token is cached)
            assert early.content == late.content and early["ETag"] == late["ETag"], path
            assert {k: v for k, v in early.items() if k != "Vary"} == {k: v for k, v in late.items() if k != "Vary"}
            assert sorted(early["Vary"].split(", ")) == sorted(late["Vary"].split(", ")), path
            with django_assert_num_queries(0):
                again = client.get(path, HTTP_IF_NONE_MATCH=early["ETag"])
            assert (again.status_code, again[HEADER]) == (304, "revalidated"), path


def test_early_hits_check_the_session_password_and_activity_at_once(tenant_a):
    browser = _browser(tenant_a)
    assert _warm(browser, "/campaigns/")[HEADER] == "hit"
    staff = tenant_a.users["staff"]
    staff.set_password("a new password for this test")
    staff.save()  # the session's auth hash no longer matches: signed out
    assert browser.get("/campaigns/").status_code == 302
    browser = _browser(tenant_a)
    assert _warm(browser, "/campaigns/")[HEADER] == "hit"
    staff.is_active = False
    staff.save()
    assert browser.get("/campaigns/").status_code == 302
    staff.is_active = True
    staff.save()
    browser = _browser(tenant_a)
    assert _warm(browser, "/campaigns/")[HEADER] == "hit"
    browser.logout()
    assert browser.get("/campaigns/").status_code == 302


def test_early_hits_follow_the_sessions_institution(tenant_a, tenant_b):
    from accounts import services as account_services

    make_campaign(tenant_a, name="Only in A", with_evidence=False)
    make_campaign(tenant_b, name="Only in B", with_evidence=False)
    staff = tenant_a.users["staff"]
    account_services.membership_set(institution=tenant_b.institution, user=staff, role="staff",
                                    actor=tenant_b.users["admin"])
    browser = _browser(tenant_a)
    page_a = _warm(browser, "/campaigns/")
    assert page_a[HEADER] == "hit" and b"Only in A" in page_a.content and b"Only in B" not in page_a.content
    assert browser.post(reverse("accounts:switch"), {"institution_id": tenant_b.institution.pk}).status_code == 302
    assert browser.get("/campaigns/")[HEADER] == "bypass"  # "Now working in ..." is pending
    page_b = _warm(browser, "/campaigns/")
    assert page_b[HEADER] == "hit" and b"Only in B" in page_b.content and b"Only in A" not in page_b.content


def test_early_hits_count_against_the_tokens_rate_limit(tenant_a):
    issued = tenant_a.token(role="partner", rate_limit_per_minute=6)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    outcomes = [client.get("/api/v1/qca/studies/")[HEADER] for _ in range(6)]
    assert outcomes[-3:] == ["hit"] * 3
    refused = client.get("/api/v1/qca/studies/")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"


def test_a_browser_session_on_the_api_and_a_session_with_a_token_take_the_full_path(tenant_a, django_assert_max_num_queries):
    browser = _browser(tenant_a)
    _warm(browser, "/api/v1/videos/")
    with django_assert_max_num_queries(4):
        assert browser.get("/api/v1/videos/")[HEADER] == "hit"  # served by the list's decorator
    page_with_a_token = browser.get("/campaigns/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert page_with_a_token.status_code == 200 and page_with_a_token[HEADER] in ("hit", "miss")
