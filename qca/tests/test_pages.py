"""Every Learn page renders for staff with the data it promises; writes need a writing role."""

import json

import pytest

from qca.models import Analysis, AnalysisStatus, Recommendation
from qca.tests.factories import make_finished_analysis, make_study

pytestmark = pytest.mark.django_db


def test_pages_of_a_finished_analysis(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    client = tenant_a.client("staff")
    study = analysis.study
    pages = {
        "/learn/": study.name,
        f"/learn/studies/{study.pk}/": "Calibration",
        f"/learn/conditions/{study.conditions.first().pk}/": "Suggested anchors",
        f"/learn/studies/{study.pk}/analyses/new/": "Directional expectations",
        f"/learn/analyses/{analysis.pk}/": "configuration-chart",
        f"/learn/analyses/{analysis.pk}/strategy/": "Content strategy",
        f"/learn/analyses/{analysis.pk}/recommend/": "recommend-form",
        f"/learn/analyses/{analysis.pk}/compare/": "What changed",
        "/learn/typology/": "Pan-life",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    body = client.get(f"/learn/analyses/{analysis.pk}/").content.decode()
    assert "vendor/plotly.min.js" in body and "cdn" not in body.lower()
    assert body.count('class="plot"') == 6  # one XY plot per literal of A, B, C
    assert "python -m qca.engine minimize" in body


def test_exports(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    client = tenant_a.client("staff")
    base = f"/learn/analyses/{analysis.pk}/export"
    csv_text = client.get(f"{base}/csv/").content.decode()
    assert csv_text.splitlines()[0] == "Condition,1,2"
    assert "Solution consistency,1.000" in csv_text
    assert "\\begin{tabular}{lcc}" in client.get(f"{base}/latex/").content.decode()
    markdown = client.get(f"{base}/markdown/").content.decode()
    assert markdown.startswith("| Condition | 1 | 2 |")
    document = json.loads(client.get(f"{base}/json/").content)
    assert document["study"]["checksum"] == analysis.study.checksum
    assert {c["term"] for c in document["configurations"]} == {"A*B", "~A*C"}
    data = client.get(f"{base}/data/")
    assert f"study-{analysis.study_id}-analysis-{analysis.pk}-calibrated.csv" in data["Content-Disposition"]
    assert data.content.decode().splitlines()[0] == "case,Y,A,B,C"
    assert client.get(f"{base}/pdf/").status_code == 404


def test_analysis_form_runs_inline_and_redirects_to_the_result(tenant_a):
    study = make_study(tenant_a)
    client = tenant_a.client("staff")
    response = client.post(f"/learn/studies/{study.pk}/analyses/new/", {
        "outcome": "Y", "conditions": ["A", "B", "C"], "incl_cut": 0.8, "n_cut": 1, "pri_cut": 0.5,
        "exp_A": "present", "exp_B": "none", "exp_C": "present"})
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response.url == f"/learn/analyses/{analysis.pk}/"
    assert analysis.status == AnalysisStatus.FINISHED
    assert analysis.dir_exps == {"A": "present", "B": "none", "C": "present"}
    status = client.get(f"/learn/analyses/{analysis.pk}/status/").json()
    assert status["status"] == "finished" and status["progress"] == 100


def test_recommendation_form(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    client = tenant_a.client("staff")
    response = client.post(f"/learn/analyses/{analysis.pk}/recommend/",
                           {"title": "New cut", "code_A": "0", "code_B": "0", "code_C": "0"})
    recommendation = Recommendation.objects.get()
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "C: change from “absent” to “present”" in page and recommendation.nearest.term == "~A*C"


def test_coders_read_but_do_not_write(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    coder = tenant_a.client("coder")
    assert coder.get(f"/learn/analyses/{analysis.pk}/").status_code == 200
    condition = analysis.study.conditions.first()
    assert coder.post(f"/learn/conditions/{condition.pk}/", {"method": "crisp", "threshold": 1,
                                                             "label": "x", "expectation": "none"}).status_code == 403
    assert coder.get(f"/learn/analyses/{analysis.pk}/recommend/").status_code == 403
    assert coder.get("/learn/studies/upload/").status_code == 403


def test_calibration_screen_warns_about_crossover_and_skew(tenant_a):
    from qca import services

    lines = ["case,X,Y"] + [f"c{i},{x},{i % 2}" for i, x in enumerate([1, 2, 3, 5, 5, 6, 7, 8, 9, 10])]
    study = services.study_create_from_upload(institution=tenant_a.institution, actor=None, name="W",
                                              filename="w.csv", content="\n".join(lines).encode())
    condition = study.conditions.get(column="X")
    client = tenant_a.client("staff")
    response = client.post(f"/learn/conditions/{condition.pk}/", {
        "label": "X", "method": "direct", "e": 0, "c": 5, "i": 10, "expectation": "present"})
    assert response.status_code == 302
    page = client.get(f"/learn/conditions/{condition.pk}/").content.decode()
    assert 'data-code="crossover_cases"' in page and "c3, c4" in page
    services.condition_calibrate(condition=condition, actor=None, method="direct", anchors={"e": -10, "c": 1.5, "i": 4})
    page = client.get(f"/learn/conditions/{condition.pk}/").content.decode()
    assert 'data-code="skewed_set"' in page and "90% of cases are above 0.5" in page
