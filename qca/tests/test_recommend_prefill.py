"""A recommendation pre-filled from an existing video: a tracked video's final codes or a campaign's
planned codes, picked within the institution only, on the page and through the API."""

from datetime import date

import pytest

from campaigns.models import Campaign, PlannedVideo
from dissemination import coding
from dissemination.tests.factories import make_channel, make_video
from qca import services
from qca.models import Recommendation
from qca.tests.factories import CROSS_ROWS, upload_table

pytestmark = pytest.mark.django_db
# The cross table (Y = A*B + ~A*C) with codebook keys as column names, so videos' codes map onto it.
CONDITIONS = ["title_information", "innovation", "video_form"]


def _analysis(tenant):
    study = upload_table(tenant, CROSS_ROWS, ",".join(CONDITIONS) + ",Y", name="Keyed cross study")
    analysis = services.analysis_create(study=study, actor=None, outcome="Y", conditions=CONDITIONS)
    return services.analysis_submit(analysis=analysis, actor=None, inline=True)


def _coded_video(tenant, youtube_id="vidPREFILL1", **codes):
    """A tracked video with final codes reconciled by staff (the dissemination coding service)."""
    institution = tenant.institution
    codebook = coding.ensure_codebook(institution=institution)
    video = make_video(institution, youtube_id, title=f"Draft {youtube_id}", channel=make_channel(institution))
    for key, value in codes.items():
        coding.reconcile(video=video, variable=codebook.variables.get(key=key), value=value,
                         actor=tenant.users["staff"])
    return video


def _planned(tenant, codes):
    campaign = Campaign.objects.create(institution=tenant.institution, name="Spring", goal="Reach students",
                                       starts_on=date(2026, 3, 1), ends_on=date(2026, 5, 1))
    return PlannedVideo.objects.create(institution=tenant.institution, campaign=campaign, title="Paper-cut how-to",
                                       codes=codes)


def test_picking_a_video_prefills_its_final_codes_and_links_the_recommendation(tenant_a):
    analysis = _analysis(tenant_a)
    video = _coded_video(tenant_a, title_information=1, innovation=0)  # video_form not coded yet
    client = tenant_a.client("staff")
    url = f"/learn/analyses/{analysis.pk}/recommend/"
    page = client.get(url)
    assert f'value="video:{video.pk}"' in page.content.decode()  # offered in the picker
    page = client.get(url, {"pick": f"video:{video.pk}"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form["code_title_information"].value() == "1" and form["code_innovation"].value() == "0"
    assert form["code_video_form"].value() is None and form["title"].value() == video.title
    assert "Not coded yet — enter: Video form" in page.content.decode()
    response = client.post(url, {"pick": f"video:{video.pk}", "title": video.title, "code_title_information": "1",
                                 "code_innovation": "0", "code_video_form": "0"})
    assert response.status_code == 302, response.context["form"].errors
    recommendation = Recommendation.objects.get()
    assert recommendation.video == video
    assert recommendation.codes == {"title_information": 1.0, "innovation": 0.0, "video_form": 0.0}
    # A*B needs only B (innovation) changed; ~A*C needs two changes: A*B is the nearest
    assert recommendation.nearest.term == "title_information*innovation"
    assert [c["column"] for c in recommendation.changes] == ["innovation"]


def test_picking_a_planned_video_prefills_its_planned_codes(tenant_a):
    analysis = _analysis(tenant_a)
    planned = _planned(tenant_a, {"title_information": 0, "innovation": 1, "video_form": 1, "ignored": "x"})
    page = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/recommend/",
                                        {"pick": f"planned:{planned.pk}"})
    form = page.context["form"]
    assert [form[f"code_{c}"].value() for c in CONDITIONS] == ["0", "1", "1"]
    assert form["pick"].value() == f"planned:{planned.pk}"


def test_another_institutions_video_cannot_be_picked(tenant_a, tenant_b):
    analysis = _analysis(tenant_a)
    foreign_video = _coded_video(tenant_b, "vidFOREIGN1", title_information=1)
    foreign_planned = _planned(tenant_b, {"title_information": 1})
    client = tenant_a.client("staff")
    url = f"/learn/analyses/{analysis.pk}/recommend/"
    assert f"video:{foreign_video.pk}" not in client.get(url).content.decode()
    assert client.get(url, {"pick": f"video:{foreign_video.pk}"}).status_code == 404
    assert client.get(url, {"pick": f"planned:{foreign_planned.pk}"}).status_code == 404
    posted = client.post(url, {"pick": f"video:{foreign_video.pk}", "code_title_information": "1",
                               "code_innovation": "1", "code_video_form": "0"})
    assert posted.status_code == 404 and not Recommendation.objects.exists()
    assert client.get(url, {"pick": "channel:1"}).status_code == 400
    api = tenant_a.api(role="partner", scopes=("read",))
    for body in ({"video_id": foreign_video.pk}, {"planned_video_id": foreign_planned.pk}):
        response = api.post("/api/v1/qca/recommendations/", {"result": analysis.result.pk, **body}, format="json")
        assert response.status_code == 404, body
    assert not Recommendation.objects.exists()


def test_the_api_accepts_a_video_id_instead_of_codes(tenant_a):
    analysis = _analysis(tenant_a)
    video = _coded_video(tenant_a, title_information=0, innovation=0, video_form=1)
    api = tenant_a.api(role="partner", scopes=("read",))
    response = api.post("/api/v1/qca/recommendations/", {"result": analysis.result.pk, "video_id": video.pk},
                        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["codes"] == {"title_information": 0.0, "innovation": 0.0, "video_form": 1.0}
    assert body["title"] == video.title and body["nearest"]["term"] == "~title_information*video_form"
    assert body["membership_before"] == 1.0 and body["changes"] == []
    assert Recommendation.objects.get().video == video
    # explicit codes override the video's; a planned video works the same way
    planned = _planned(tenant_a, {"title_information": 1, "innovation": 1, "video_form": 0})
    response = api.post("/api/v1/qca/recommendations/", {"result": analysis.result.pk, "planned_video_id": planned.pk,
                                                         "codes": {"innovation": 0}}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["codes"] == {"title_information": 1.0, "innovation": 0.0, "video_form": 0.0}
    # a video with a code still missing is a clear 400; neither codes nor a video is a 400 too
    uncoded = _coded_video(tenant_a, "vidUNCODED1", title_information=1)
    missing = api.post("/api/v1/qca/recommendations/", {"result": analysis.result.pk, "video_id": uncoded.pk},
                       format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["details"]["innovation"] == ["Innovation: enter a number"]
    assert api.post("/api/v1/qca/recommendations/", {"result": analysis.result.pk}, format="json").status_code == 400
