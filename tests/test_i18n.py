"""The UI in English and Simplified Chinese: the language switch sets a cookie that outlives the
session, so a staff member's choice persists; nav and dashboard strings are translated."""

import pytest
from django.conf import settings
from django.utils import timezone

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


def _chinese_client(tenant, role="staff"):
    client = tenant.client(role)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_each_area_main_page_in_simplified_chinese_with_localised_dates(tenant_a):
    from dissemination.models import HarvestKind, HarvestRun
    from qca.tests.factories import make_study

    run = HarvestRun.objects.create(institution=tenant_a.institution, kind=HarvestKind.REFRESH)
    study = make_study(tenant_a)
    chinese, english = _chinese_client(tenant_a), tenant_a.client("staff")
    pages = {
        "/": ["跟踪的视频", "最近动态"],
        "/disseminate/": ["跟踪与本机构非物质文化遗产相关的 YouTube 视频", "最近的采集", "指标刷新"],
        "/learn/": ["模糊集定性比较分析", "研究", "类型规则"],
        "/generate/": ["训练非遗风格模型，把照片变成剪纸文创产品。", "风格域", "新建风格域"],
        "/campaigns/": ["推广活动"],
        "/institution/members/": [],  # staff may not open it; checked below as admin
    }
    for path, texts in pages.items():
        if not texts:
            continue
        body = chinese.get(path).content.decode()
        assert '<html lang="zh-hans">' in body, path
        for text in texts:
            assert text in body, (path, text)
        assert "Skip to content" not in body and "跳到正文" in body, path
    admin_body = _chinese_client(tenant_a, "admin").get("/institution/members/").content.decode()
    assert "添加成员" in admin_body and "管理员" in admin_body  # template string and a model choice label

    # Dates follow the language: ISO in English, 2026年11月28日 in Chinese.
    created = timezone.localtime(run.created_at)
    assert created.strftime("%Y-%m-%d %H:%M") in english.get("/disseminate/").content.decode()
    chinese_date = f"{created.year}年{created.month}月{created.day}日"
    assert chinese_date in chinese.get("/disseminate/").content.decode()
    assert chinese_date in chinese.get("/learn/").content.decode()  # the study's creation date
    assert study.name in chinese.get("/learn/").content.decode()


def test_charts_and_their_csv_follow_the_language(tenant_a):
    from dissemination.tests.factories import make_snapshot, make_video

    video = make_video(tenant_a.institution, youtube_id="zhchart0001", title="剪纸 video")
    make_snapshot(video, captured_on=timezone.localdate(), views=1234, likes=5, comments=1)
    client = _chinese_client(tenant_a)
    body = client.get("/").content.decode()
    assert "本机构视频每日总播放量" in body and "下载数据（CSV）" in body  # the chart's label and link
    assert "\\u4f20\\u64ad\\u8d8b\\u52bf" in body  # its title, 传播趋势…, inside the figure's JSON
    csv_text = client.get("/?chart_csv=chart-views").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "日期,播放量（全部视频，次）"
    assert "1234" in csv_text.splitlines()[1]


def test_forms_and_messages_are_translated(tenant_a):
    client = _chinese_client(tenant_a)
    body = client.get("/disseminate/videos/add/").content.decode()
    assert "视频网址或 ID" in body and "关键词" in body  # form labels (gettext_lazy)
    response = client.post("/disseminate/videos/add/", {"kind": "videos", "videos-references": "\n \n"})
    assert "字段是必填项。" in response.content.decode()  # Django's own catalogue, in the same language

    from dissemination.tests.factories import make_video

    video = make_video(tenant_a.institution, youtube_id="zhmsg000001")
    page = client.post(f"/disseminate/videos/{video.pk}/", {"tracked": "0"}, follow=True).content.decode()
    assert "跟踪设置已更新。" in page  # a flash message (gettext in the view)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_language_switch_persists_in_a_real_browser(browser_page, tenant_a):
    browser_page.login(tenant_a.users["staff"].username, "pw-staff")
    page = browser_page.page
    with page.expect_navigation():  # the select submits its form on change
        page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    browser_page.goto("/learn/")
    assert page.get_by_role("heading", level=1).inner_text() == "学习"
    # Log out and back in: the choice is kept (a year-long cookie), not tied to the session.
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("用户名").fill(tenant_a.users["staff"].username)
    page.get_by_label("密码").fill("pw-staff")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="传播").is_visible()
    browser_page.screenshot("home-staff-zh-hans")
    assert browser_page.console_errors == []


def test_the_committed_catalogue_is_complete_and_compiled():
    """django.mo is committed (running needs no gettext); it must match django.po, and every
    entry of django.po must have a translation (`make messages` regenerates both)."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
    po = (folder / "django.po").read_text(encoding="utf-8")
    compiled = gettext.GNUTranslations((folder / "django.mo").open("rb"))

    def unquote(block: str) -> str:
        return "".join(bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                       for s in re.findall(r'"((?:[^"\\]|\\.)*)"', block))

    entries = [e for e in po.split("\n\n") if "msgid " in e and not e.lstrip().startswith("#~")]
    checked = 0
    for entry in entries[1:]:  # the first is the header
        assert "#, fuzzy" not in entry, entry
        context = re.search(r'^msgctxt (.+?)(?=^msgid )', entry, flags=re.S | re.M)
        msgid = unquote(re.search(r'^msgid (.+?)(?=^msgid_plural |^msgstr)', entry, flags=re.S | re.M).group(1))
        msgstr = unquote(re.search(r'^msgstr(?:\[0\])? (.+)', entry, flags=re.S | re.M).group(1).split("\nmsgstr[")[0])
        assert msgstr, f"untranslated: {msgid!r}"
        if "msgid_plural" in entry:
            plural = unquote(re.search(r'^msgid_plural (.+?)(?=^msgstr)', entry, flags=re.S | re.M).group(1))
            assert compiled.ngettext(msgid, plural, 1) == msgstr, msgid
        elif context:
            assert compiled.pgettext(unquote(context.group(1)), msgid) == msgstr, msgid
        else:
            assert compiled.gettext(msgid) == msgstr, f"django.mo is stale for {msgid!r}: run make messages"
        checked += 1
    assert checked > 700


def test_numbers_and_dates_are_localised_in_templates():
    from datetime import date

    from django.template import Context, Template
    from django.utils import translation

    template = Template('{{ n|floatformat:"0g" }} · {{ x|floatformat:"2g" }} · {{ d|date:"SHORT_DATE_FORMAT" }}')
    context = Context({"n": 1234567, "x": 0.5, "d": date(2026, 11, 28)})
    with translation.override("en"):
        assert template.render(context) == "1,234,567 · 0.50 · 2026-11-28"
    with translation.override("zh-hans"):
        assert template.render(context) == "1,234,567 · 0.50 · 2026年11月28日"


def test_every_page_renders_in_simplified_chinese(tenant_a):
    """Every page route (with an object of the member's institution where it takes an id) renders
    in Chinese: a translation that lost a placeholder would fail here, not in production."""
    from django.urls import get_resolver, reverse

    from tests.factories import FACTORIES, load_app_factories
    from tests.routes import _walk, id_routes

    load_app_factories()
    client = _chinese_client(tenant_a, "admin")
    urls = []
    for pattern, name, entry in _walk(get_resolver().url_patterns):
        if not name or entry.pattern.regex.groupindex or pattern.startswith(("api/", "admin/", "i18n/")):
            continue
        if name in ("logout", "accounts:switch") or pattern.endswith((".csv", "export/")):
            continue
        urls.append(reverse(name))
    from django.core.exceptions import ValidationError

    from conftest import Tenant

    pages = [(client, url) for url in urls]
    made = {}  # model -> (object, client); a factory that clashes with an earlier object gets its own institution
    for route in id_routes():
        if route.kind != "page" or any(word in route.name for word in ("file", "download", "sample")):
            continue  # files, not pages (and the factories' files do not exist)
        if route.model not in made:
            try:
                made[route.model] = (FACTORIES[route.model](tenant_a), client)
            except ValidationError:
                other = Tenant(f"I18n {route.model.__name__}")
                made[route.model] = (FACTORIES[route.model](other), _chinese_client(other, "admin"))
        obj, owner = made[route.model]
        pages.append((owner, reverse(route.name, kwargs=route.url_kwargs(obj))))
    rendered = 0
    for page_client, url in pages:
        response = page_client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert '<html lang="zh-hans">' in response.content.decode(), url
            rendered += 1
    assert rendered >= 30, rendered


def test_campaign_form_validation_and_flash_message_in_simplified_chinese(tenant_a):
    """The Campaigns app's Python strings (form labels and help texts, model choice labels, service
    validation messages, flash messages) follow the language like the templates do."""
    from campaigns.models import Campaign
    from campaigns.tests.factories import make_evidence

    result = make_evidence(tenant_a)
    configuration = result.configurations.get(strategy="pan_life")
    client = _chinese_client(tenant_a)
    form = client.get("/campaigns/new/").content.decode()
    for text in ("开始日期", "目标地区", "ISO 地区代码，以逗号分隔", "内容策略", "泛生活内容，灵活传播", "尚未决定",
                 "QCA 证据：所遵循的组态"):
        assert text in form, text
    assert "Starts on" not in form and "Not decided yet" not in form

    data = {"name": "元宵灯会", "goal": "提高海外播放量", "starts_on": "2026-02-28", "ends_on": "2026-02-01",
            "target_regions": "US", "target_languages": "en", "strategy": "pan_life",
            "evidence_result": result.pk, "evidence_configuration": configuration.pk}
    refused = client.post("/campaigns/new/", data).content.decode()
    assert "推广活动的结束日期不能早于开始日期。" in refused  # a service's ValidationError (gettext)

    page = client.post("/campaigns/new/", {**data, "starts_on": "2026-02-01", "ends_on": "2026-02-28"},
                       follow=True).content.decode()
    campaign = Campaign.objects.get(institution=tenant_a.institution, name="元宵灯会")
    assert page.count("推广活动已创建。接下来请计划其视频。") == 1 and "Campaign created" not in page
    assert "计划视频" in client.get(f"/campaigns/{campaign.pk}/videos/new/").content.decode()
