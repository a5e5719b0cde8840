"""The Learn API: partners read and ask for recommendations; staff create studies and analyses."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qca.models import Analysis, Recommendation, Study
from qca.tests.factories import cross_csv, make_finished_analysis

pytestmark = pytest.mark.django_db


def test_partner_reads_results_and_gets_a_recommendation(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    api = tenant_a.api(role="partner", scopes=("read",))
    studies = api.get("/api/v1/qca/studies/").json()
    assert [s["checksum"] for s in studies["results"]] == [analysis.study.checksum]
    result = api.get(f"/api/v1/qca/results/{analysis.result.pk}/").json()
    assert sorted(c["term"] for c in result["configurations"]) == ["A*B", "~A*C"]
    response = api.post("/api/v1/qca/recommendations/",
                        {"result": analysis.result.pk, "codes": {"A": 0, "B": 1, "C": 0}}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["nearest"]["term"] == "~A*C" and body["membership_after"] > 0.5
    assert [c["column"] for c in body["changes"]] == ["C"]
    assert api.post("/api/v1/qca/studies/", {"name": "x", "as_of": "2026-01-01"}, format="json").status_code == 403


def test_partner_cannot_use_another_institutions_result(tenant_a, tenant_b):
    analysis = make_finished_analysis(tenant_b)
    api = tenant_a.api(role="partner", scopes=("read",))
    response = api.post("/api/v1/qca/recommendations/", {"result": analysis.result.pk, "codes": {"A": 1}},
                        format="json")
    assert response.status_code == 404 and not Recommendation.objects.exists()


def test_staff_create_a_study_and_an_analysis(tenant_a):
    api = tenant_a.api(role="staff", scopes=("read", "write"))
    bad = api.post("/api/v1/qca/studies/", {"name": "S", "file": SimpleUploadedFile("t.csv", b"case,A,Y\nc1,1,0\nc2,q,1\n")},
                   format="multipart")
    assert bad.status_code == 400
    assert bad.json()["error"]["details"]["non_field_errors"] == ["row 3, column 'A': 'q' is not a number"]
    good = api.post("/api/v1/qca/studies/", {"name": "S", "file": SimpleUploadedFile("t.csv", cross_csv())},
                    format="multipart")
    assert good.status_code == 201 and Study.objects.count() == 1
    response = api.post("/api/v1/qca/analyses/", {"study": good.json()["id"], "outcome": "Y",
                                                  "conditions": ["A", "B", "C"],
                                                  "dir_exps": {"A": "present"}}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "finished" and Analysis.objects.get().result is not None
    invalid = api.post("/api/v1/qca/analyses/", {"study": good.json()["id"], "outcome": "Y", "conditions": ["Q"]},
                       format="json")
    assert invalid.status_code == 400 and "conditions" in invalid.json()["error"]["details"]
