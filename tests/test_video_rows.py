"""The video list's rows kept per state of the institution's data (dissemination/video_rows.py),
against real PostgreSQL and Redis with real commits: rows from the cache make the same page as rows
rendered afresh; a harvest page shows at once; languages and institutions keep their own rows."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache

from dissemination import video_rows
from dissemination.models import Video
from tests.test_dashboard_cache import _catalogue, _harvest_page

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.RESPONSE_CACHE_ENABLED, reason="needs a shared cache (Redis)"),
]
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
LIST = "/disseminate/videos/"


def _page(client, path=LIST, **headers):
    response = client.get(path, HTTP_CACHE_CONTROL="no-cache", **headers)  # rendered, never a stored page
    assert response.status_code == 200
    return CSRF_INPUT.sub(b"", response.content)


def _row_keys() -> list[str]:
    return [k.decode() for k in cache._cache.get_client().keys(cache.make_key("video-row:*"))]


def test_rows_from_the_cache_make_the_page_rendered_afresh(tenant_a):
    _catalogue(tenant_a, n=4)
    Video.objects.filter(pk=Video.objects.filter(institution=tenant_a.institution).first().pk).update(
        tracked=False, latest_likes=None)  # the other badges and labels
    browser = tenant_a.client("staff")
    cache.delete_many([k.removeprefix(cache.make_key("")) for k in _row_keys()])
    first = _page(browser)
    assert len(_row_keys()) == 4
    assert _page(browser) == first  # every row from the cache
    assert _page(browser, f"{LIST}?status=tracked").count(b"<tr>") == first.count(b"<tr>") - 1  # shared rows
    assert b"not tracked" in first and b"hidden" in first


def test_a_harvest_page_shows_in_the_rows_at_once(tenant_a):
    videos = _catalogue(tenant_a, n=3)
    browser = tenant_a.client("staff")
    before = _page(browser)
    _harvest_page(tenant_a, videos[:1], views=123_456_789)
    after = _page(browser)
    assert b"123,456,789" in after and b"123,456,789" not in before


def test_languages_and_institutions_keep_their_own_rows(tenant_a, tenant_b):
    _catalogue(tenant_a, n=2)
    _catalogue(tenant_b, n=2)
    staff_a, staff_b = tenant_a.client("staff"), tenant_b.client("staff")
    english = _page(staff_a)
    chinese = _page(staff_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "跟踪".encode() in chinese and b"tracked" in english and english != chinese
    titles_a = set(Video.objects.filter(institution=tenant_a.institution).values_list("youtube_id", flat=True))
    page_b = _page(staff_b).decode()
    assert not any(youtube_id in page_b for youtube_id in titles_a)


def test_a_write_in_the_same_transaction_is_rendered_not_cached(tenant_a):
    from django.db import transaction
    from django.test import RequestFactory

    videos = _catalogue(tenant_a, n=1)
    request = RequestFactory().get(LIST)
    request.institution = tenant_a.institution
    with transaction.atomic():
        Video.objects.filter(pk=videos[0].pk).update(title="Renamed inside the transaction")
        version = video_rows.version_before_reading(request)
        rows = video_rows.rendered(request=request, videos=list(Video.objects.filter(pk=videos[0].pk)),
                                   version=version)
    assert version is None and "Renamed inside the transaction" in rows[0]


def test_the_lists_total_is_kept_per_filters_and_follows_a_new_video(tenant_a):
    from dissemination.tests.factories import make_video

    _catalogue(tenant_a, n=3)
    browser = tenant_a.client("staff")
    assert b"3 videos." in _page(browser) and b"3 videos." in _page(browser)
    assert b"0 videos." in _page(browser, f"{LIST}?min_views=999999999999")
    make_video(tenant_a.institution, youtube_id="vidCOUNTED1")
    assert b"4 videos." in _page(browser)
