"""The UI in English and Simplified Chinese: the language switch sets a cookie that outlives the
session, so a staff member's choice persists; nav and dashboard strings are translated."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_staff_switches_to_simplified_chinese_and_it_persists(tenant_a):
    client = tenant_a.client("staff")
    english = client.get("/").content.decode()
    assert 'id="language-select"' in english and "Videos tracked" in english and '<html lang="en">' in english

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans" and int(cookie["max-age"]) >= 300 * 24 * 3600

    chinese = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in chinese
    for text in ("首页", "传播", "学习", "生成", "推广活动", "跟踪的视频", "传播趋势"):
        assert text in chinese, text
    assert "推广活动" in client.get("/campaigns/").content.decode()

    # A new session of the same browser (the language cookie is kept) still gets Chinese.
    del client.cookies[settings.SESSION_COOKIE_NAME]
    client.force_login(tenant_a.users["staff"])
    assert "跟踪的视频" in client.get("/").content.decode()
