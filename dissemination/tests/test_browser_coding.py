"""The coding screen driven by the keyboard only, in a real browser."""

import pytest

from dissemination import coding, services
from dissemination.models import Coding, CodingAssignment

from .factories import make_video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coder_codes_two_videos_with_the_keyboard(browser_page, tenant_a):
    first = make_video(tenant_a.institution, "vidAAAAAAA1", title="Paper-cut dragon, amazing!",
                       embed_width=405, embed_height=720, default_audio_language="zh-Hans")
    second = make_video(tenant_a.institution, "vidBBBBBBB2", title="Quiet scissors")
    for video in (first, second):
        video.suggested_codes = services.suggestions_for(video)
        video.save()
    coder = tenant_a.users["coder"]
    coding.assign(institution=tenant_a.institution, videos=[first, second], coders=[coder], actor=coder)
    a1, a2 = CodingAssignment.objects.order_by("pk")
    keys = [v.key for v in coding.codable_variables(coding.ensure_codebook(institution=tenant_a.institution))]

    browser_page.login(coder.username, "pw-coder")
    browser_page.goto(f"/disseminate/coding/{a1.pk}/")
    page = browser_page.page
    assert page.locator("fieldset.variable.current").get_attribute("data-key") == keys[0]
    assert "1 of 2" in page.locator("h1").inner_text()
    page.keyboard.press("a")  # accept the three suggestions (title, form, language)
    assert page.locator('input[name="v_title_information"][value="1"]').is_checked()
    assert page.locator('input[name="v_video_form"][value="1"]').is_checked()
    for _ in keys:  # code every variable: 1 where nothing is chosen yet, else just move on
        current = page.locator("fieldset.variable.current")
        if current.locator("input:checked").count():
            page.keyboard.press("j")
        else:
            page.keyboard.press("1")
    browser_page.screenshot("coding-screen-keyboard")
    with page.expect_navigation():
        page.keyboard.press("n")
    assert page.url.endswith(f"/disseminate/coding/{a2.pk}/")
    assert "2 of 2" in page.locator("h1").inner_text() and "1 of 2 coded" in page.content()
    page.keyboard.press("0")  # first variable of the second video
    page.keyboard.press("k")
    with page.expect_navigation():
        page.keyboard.press("p")
    assert page.url.endswith(f"/disseminate/coding/{a1.pk}/")
    a1.refresh_from_db()
    assert a1.completed_at is not None
    saved = dict(Coding.objects.filter(video=first, coder=coder).values_list("variable__key", "value"))
    assert set(saved) == set(keys) and saved["title_information"] == 1 and saved["video_language"] == 0
    assert Coding.objects.get(video=second, coder=coder, variable__key=keys[0]).value == 0
    assert "Keyboard" in page.content() and browser_page.console_errors == []
