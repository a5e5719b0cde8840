"""The demo, walked through end to end as each role: Debian's chromium (Playwright) against the
live server, a real Celery worker process, and the configured database (PostgreSQL in CI).

One test, because seeding the demo (every app's seeder, the style model run on the CPU) is most of
the cost; each role's part is a function and leaves screenshots `<role>-<step>.png` (see conftest).

(a) staff: the dashboard, every chart drawn (an SVG in each plot, no console error);
(b) coder: codes a video with the keyboard only (log in, reach the video, code, save);
(c) staff: runs a QCA analysis of the demo study on the worker and reads the recommended strategy;
(d) staff: creates a campaign on that evidence, plans a video that gets a recommendation, has a
    creative product made for it with the default style model (worker: stylise, then render) that
    lands on the campaign, and links a published, tracked video;
(e) partner: the API token opens the API but no page.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]

WORKER_TIMEOUT_MS = 180_000  # the CI machine has 2 cores; the worker shares them with the browser


def test_demo_walkthrough_as_each_role(demo, e2e_worker, browser_page, shot, monkeypatch, tmp_path):
    staff_sees_every_chart(browser_page, shot)
    coder_codes_with_the_keyboard(browser_page, shot, demo)
    result = staff_runs_an_analysis_on_the_worker(browser_page, shot, demo, monkeypatch)
    staff_runs_a_campaign(browser_page, shot, demo, result, tmp_path)
    partner_token_opens_no_page(browser_page, shot, demo)
    assert browser_page.console_errors == []


def _log_out(browser_page):
    browser_page.page.context.clear_cookies()


# -- (a) ------------------------------------------------------------------------------------------
def staff_sees_every_chart(browser_page, shot):
    browser_page.login("demo-staff", "heritage-staff")
    page = browser_page.page
    plots = page.locator(".plot[data-src]")
    assert plots.count() >= 2, "the dashboard shows its charts"
    page.wait_for_function("() => [...document.querySelectorAll('.plot[data-src]')]"
                           ".every(plot => plot.querySelector('svg.main-svg'))", timeout=30_000)
    for index in range(plots.count()):
        plot = plots.nth(index)
        assert plot.locator("svg.main-svg").first.bounding_box()["height"] > 100, plot.get_attribute("id")
        assert plot.locator(".gtitle").count() == 1, f"{plot.get_attribute('id')} has a title"
    shot("staff", "dashboard")
    assert browser_page.console_errors == []


# -- (b) ------------------------------------------------------------------------------------------
def _tab_to(page, predicate_js: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached the element ({predicate_js})")


def _focus_is_visible(page) -> bool:
    return page.evaluate("""() => { const el = document.activeElement, style = getComputedStyle(el);
        return el.matches(':focus-visible') && (style.outlineStyle !== 'none' || style.boxShadow !== 'none'); }""")


def coder_codes_with_the_keyboard(browser_page, shot, institution):
    from dissemination import coding
    from dissemination.models import Coding, CodingAssignment

    _log_out(browser_page)
    page = browser_page.page
    browser_page.goto("/accounts/login/")
    assert page.evaluate("document.activeElement.name") == "username", "the login form starts in the username"
    page.keyboard.type("demo-coder")
    page.keyboard.press("Tab")
    page.keyboard.type("heritage-coder")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    browser_page.goto("/disseminate/coding/")
    _tab_to(page, "el.textContent.trim() === 'Continue coding'")
    assert _focus_is_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assignment = CodingAssignment.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert assignment.coder.username == "demo-coder" and assignment.completed_at is None
    variables = [v.key for v in coding.codable_variables(coding.ensure_codebook(institution=institution))]

    # Tab into the current variable's levels: it stays current, the focus is visible, Space picks a
    # level and Enter moves on (it must not submit through the first button, "previous").
    current = page.locator("fieldset.variable.current")
    first_open = current.get_attribute("data-key")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "radio" and _focus_is_visible(page)
    assert page.locator("fieldset.variable.current").get_attribute("data-key") == first_open
    page.keyboard.press("Space")
    chosen = page.locator(f"fieldset[data-key={first_open}] input:checked").get_attribute("value")
    page.keyboard.press("Enter")
    assert page.url.endswith(f"/disseminate/coding/{assignment.pk}/"), "Enter did not leave the video"
    # The rest with the shortcuts: a digit codes the current variable and moves to the next one.
    for _ in variables:
        current = page.locator("fieldset.variable.current")
        if current.locator("input:checked").count():
            page.keyboard.press("j")
        else:
            page.keyboard.press(current.locator("input[type=radio]").first.get_attribute("value"))
    assert page.locator("fieldset.variable:not(:has(input:checked))").count() == 0, "every variable is coded"
    shot("coder", "coding-screen")
    with page.expect_navigation():
        page.keyboard.press("s")  # save and stay
    assert "this video is coded" in page.content()
    shot("coder", "saved")
    assignment.refresh_from_db()
    assert assignment.completed_at is not None
    saved = dict(Coding.objects.filter(video=assignment.video, coder=assignment.coder)
                 .values_list("variable__key", "value"))
    assert set(saved) == set(variables) and saved[first_open] == float(chosen)
    assert browser_page.console_errors == []


# -- (c) ------------------------------------------------------------------------------------------
def staff_runs_an_analysis_on_the_worker(browser_page, shot, institution, monkeypatch):
    from qca import selectors as qca_selectors
    from qca import services as qca_services
    from qca.demo import DEMO_STUDY
    from qca.models import Analysis, AnalysisStatus, Study

    # The demo study is small enough to run inside the request; a study above this size goes to the
    # analysis queue. Lower the size so this one takes the queued path, as a big study would.
    monkeypatch.setattr(qca_services, "INLINE_MAX_CASES", 0)
    study = Study.objects.get(institution=institution, name=DEMO_STUDY)
    seeded = qca_selectors.finished_analyses(institution=institution).get(study=study)
    _log_out(browser_page)
    browser_page.login("demo-staff", "heritage-staff")
    page = browser_page.page
    browser_page.goto(f"/learn/studies/{study.pk}/analyses/new/")
    page.get_by_label("Name").fill("Walkthrough analysis")
    for column in seeded.conditions:
        page.locator(f"input[name=conditions][value={column}]").check()
    page.get_by_role("button", name="Run analysis").click()
    page.wait_for_url("**/learn/analyses/*/")
    analysis = Analysis.objects.get(name="Walkthrough analysis")
    assert analysis.status in (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING, AnalysisStatus.FINISHED)
    # The progress page polls the status and reloads when the worker has finished.
    page.locator("#configuration-chart").wait_for(timeout=WORKER_TIMEOUT_MS)
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.FINISHED and analysis.task_id, "the worker ran it"
    shot("staff", "qca-result")
    page.get_by_role("link", name="Strategy", exact=True).click()
    recommended = page.locator(".kpi").first.inner_text()
    expected = qca_selectors.strategy_summary(seeded.result)["supported"]
    assert expected is not None and recommended == str(expected["label"]), \
        "the worker's analysis recommends what the seeded one of the same study does"
    assert "supports this strategy" in page.get_by_role("status").inner_text()
    shot("staff", "qca-strategy")
    return analysis.result


# -- (d) ------------------------------------------------------------------------------------------
def _photo(tmp_path):
    from PIL import Image
    from skimage import data

    path = tmp_path / "lantern-workshop.png"
    Image.fromarray(data.chelsea()).save(path)
    return path


def staff_runs_a_campaign(browser_page, shot, institution, result, tmp_path):
    from campaigns.models import Campaign
    from campaigns.selectors import default_style_model
    from dissemination.models import Video
    from generation.models import JobStatus

    page = browser_page.page
    today = timezone.localdate()
    configuration = max(result.configurations.filter(strategy="pan_life"), key=lambda c: c.raw_coverage or 0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Lantern festival abroad")
    page.get_by_label("Goal").fill("Young viewers abroad watch how a lantern is cut.")
    page.get_by_label("Starts on").fill(str(today))
    page.get_by_label("Ends on").fill(str(today + timedelta(days=45)))
    page.get_by_label("Target regions").fill("GB, MY")
    page.get_by_label("Content strategy").select_option("pan_life")
    page.get_by_label("QCA evidence: result").select_option(str(result.pk))
    page.get_by_label("QCA evidence: configuration followed").select_option(str(configuration.pk))
    page.get_by_role("button", name="Save").click()
    campaign = Campaign.objects.get(institution=institution, name="Lantern festival abroad")
    assert campaign.evidence_configuration_id == configuration.pk

    page.get_by_role("link", name="Plan a video").click()
    page.get_by_label("Working title").fill("Cutting a lantern in ten minutes")
    # The lowest value everywhere: far from any pan-life configuration, so the advice has changes.
    for field in page.locator("form select[name^=code_]").all():
        field.select_option(index=0)
    for field in page.locator("form input[name^=code_]").all():
        field.fill("0")
    page.get_by_role("button", name="Plan and get a recommendation").click()
    recommendation = page.locator("#recommendation")
    assert "Nearest configuration" in recommendation.inner_text()
    assert recommendation.locator("#changes li").count() >= 1, "the plan needs changes to follow the strategy"
    planned = campaign.planned_videos.get()
    assert planned.recommendation is not None and planned.recommendation.result_id == result.pk
    shot("staff", "planned-video")

    # Staff accept the advice: the plan takes the recommended codes as its next revision.
    page.get_by_role("button", name="Apply these changes to the plan").click()
    assert "revision 2" in page.locator("#recommendation").inner_text()
    planned.refresh_from_db()
    assert planned.revision == 2
    assert recommendation.locator("#changes li").count() == 0, "the applied plan needs no further changes"

    # A creative product for the planned video, made with the institution's default style model.
    page.get_by_role("link", name="Make a creative product for this video").click()
    model = default_style_model(institution=institution)
    assert page.get_by_label("Style model").input_value() == str(model.pk)
    assert page.get_by_label("For the planned video").input_value() == str(planned.pk)
    page.get_by_label("Photo to stylise").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("Product").select_option("poster")
    page.get_by_label("Size of the stylised image").select_option("256")  # the CPU of CI is small
    shot("staff", "product-form")
    page.get_by_role("button", name="Stylise and make the product").click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/#product-requests")
    # The campaign page refreshes itself while the product is being made.
    page.locator("#product-requests tr[data-stage=attached]").wait_for(timeout=WORKER_TIMEOUT_MS)
    request = campaign.product_requests.select_related("job", "product").get()
    assert request.job.style_model_id == model.pk and request.job.status == JobStatus.DONE
    assert request.product.kind == "poster" and request.product.status == JobStatus.DONE
    assert request.product.options["title"] == planned.title and request.planned_video_id == planned.pk
    assert list(campaign.products.all()) == [request.product]
    assert "Print-ready poster" in page.locator("#campaign-products").inner_text()
    shot("staff", "campaign-product")

    # Published: link a tracked demo video no planned video of this campaign has yet.
    video = Video.objects.filter(institution=institution, tracked=True).order_by("-published_at").first()
    page.get_by_role("link", name=planned.title).click()
    page.get_by_label("Published video (YouTube URL or id)").fill(f"https://www.youtube.com/watch?v={video.youtube_id}")
    page.get_by_role("button", name="Link").click()
    planned.refresh_from_db()
    assert planned.video_id == video.pk
    page.get_by_role("link", name=campaign.name).first.click()
    page.locator("#campaign-results .main-svg").first.wait_for(state="visible")
    assert video.youtube_id in page.locator("#planned-videos").inner_text()
    shot("staff", "campaign")
    assert browser_page.console_errors == []


# -- (e) ------------------------------------------------------------------------------------------
# Public by design: signing in, the language switch, the health probes, static files.
PUBLIC_PATHS = ("/accounts/login/", "/accounts/logout/", "/admin/login/", "/admin/logout/", "/i18n/", "/healthz",
                "/readyz", "/static/", "/media/")
# A refusal: the login (a redirect to it), 401/403, or 405 for a GET of an action that takes only POST.
REFUSED = (401, 403, 405)


def _page_urls(institution) -> tuple[list[str], list[str]]:
    """Every page route (not /api/), split into pages and public ones: those without parameters, and
    each id route with an object of the demo institution (tests/routes.py knows the model behind it)."""
    from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

    from tests.routes import id_routes

    urls = set()

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}:{entry.namespace}".strip(":") if entry.namespace
                     else namespace)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groupindex:
                try:
                    urls.add(reverse(f"{namespace}:{entry.name}" if namespace else entry.name))
                except NoReverseMatch:
                    pass

    walk(get_resolver().url_patterns)
    for route in id_routes():
        model = route.model
        if route.kind == "api" or model is None or not hasattr(model, "institution_id"):
            continue
        obj = model.objects.filter(institution=institution).first()
        if obj is None:
            continue
        try:
            urls.add(reverse(route.name, kwargs=route.url_kwargs(obj)))
        except NoReverseMatch:
            pass
    pages = sorted(u for u in urls if not u.startswith("/api/"))
    return [u for u in pages if not u.startswith(PUBLIC_PATHS)], [u for u in pages if u.startswith(PUBLIC_PATHS)]


def partner_token_opens_no_page(browser_page, shot, institution):
    from accounts import services
    from accounts.models import Role

    partner = institution.memberships.get(role=Role.PARTNER, user__username="demo-partner").user
    admin = institution.memberships.filter(role=Role.ADMIN).first().user
    token = services.api_token_create(institution=institution, user=partner, name="walkthrough token",
                                      scopes=["read", "generate"], actor=admin)
    _log_out(browser_page)
    context = browser_page.page.context
    context.set_extra_http_headers({"Authorization": f"Bearer {token.secret}"})
    api = context.request.get(browser_page.base_url + "/api/v1/campaigns/")
    assert api.status == 200 and "Lantern festival abroad" in api.text(), "the token itself is valid"

    urls, public = _page_urls(institution)
    assert len(urls) > 40 and "/campaigns/" in urls and "/" in urls and "/admin/" in urls
    opened = {}
    for url in urls:
        response = context.request.get(browser_page.base_url + url, max_redirects=0)
        location = response.headers.get("location", "")
        if not (response.status in REFUSED or (response.status == 302 and "/login/" in location)):
            opened[url] = response.status
    assert opened == {}, f"pages that answered a bearer token with something else than the login: {opened}"
    # The public ones (the login pages, the probes) answer it without a server error.
    failing = {url: status for url in public
               if (status := context.request.get(browser_page.base_url + url, max_redirects=0).status) >= 500}
    assert failing == {}, failing
    browser_page.goto("/campaigns/")
    assert "/accounts/login/" in browser_page.page.url
    assert browser_page.page.get_by_label("Password").is_visible()
    shot("partner", "token-on-a-page")
