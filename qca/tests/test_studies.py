"""Studies from uploads: every input error names its row, column and reason, and nothing is
half-imported; a valid table becomes a frozen study with default calibrations."""

import io

import pytest
from openpyxl import Workbook

from qca import services
from qca.models import Condition, Study
from qca.sources import StudyDataError, table_from_upload
from qca.tests.factories import cross_csv, make_study

pytestmark = pytest.mark.django_db


def _problems(content: bytes, filename="t.csv") -> list[str]:
    with pytest.raises(StudyDataError) as caught:
        table_from_upload(filename, content)
    return caught.value.problems


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"case,A,Y\nc1,1,0\n", "at least two cases"),
    (b"case,A,A,Y\nc1,1,1,0\nc2,0,0,1\n", "row 1, column 3: the name 'A' repeats column 2"),
    (b"case,,Y\nc1,1,0\nc2,0,1\n", "row 1, column 2: the column has no name"),
    (b"case,A*B,Y\nc1,1,0\nc2,0,1\n", "QCA notation"),
    (b"case,A,Y\nc1,1,0\nc2,abc,1\n", "row 3, column 'A': 'abc' is not a number"),
    (b"case,A,Y\nc1,1,0\nc2,,1\n", "row 3, column 'A': the value is missing"),
    (b"case,A,Y\nc1,1,0\nc1,0,1\n", "row 3, column 'case': case 'c1' repeats row 2"),
    (b"case,A,Y\nc1,1,0\n,0,1\n", "row 3, column 'case': the case id is empty"),
    (b"case,A,Y\nc1,1,0,7\nc2,0,1\n", "row 2: 4 fields but the header has 3"),
    (b"case,A,Y\nc1,inf,0\nc2,0,1\n", "not a finite number"),
    (b"case,label\nc1,x\nc2,y\n", "no value columns"),
    (b"case,A,Y\nc1,1,1\nc2,1,1\n", "every column is constant"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
])
def test_every_upload_error_names_row_column_and_reason(content, expected):
    problems = _problems(content)
    assert any(expected in p for p in problems), problems


def test_all_problems_are_reported_at_once():
    problems = _problems(b"case,A,B,Y\nc1,x,1,0\nc2,0,,1\nc3,1,0,?\n")
    assert problems == ["row 2, column 'A': 'x' is not a number",
                        "row 3, column 'B': the value is missing (fsQCA needs a value for every case)",
                        "row 4, column 'Y': '?' is not a number"]


def test_wrong_extension_and_damaged_xlsx_are_refused():
    assert "upload a .csv or .xlsx file" in _problems(b"A,Y\n1,0\n0,1\n", "t.pdf")[0]
    assert "cannot be read" in _problems(b"not a zip", "t.xlsx")[0]


def test_xlsx_upload_reads_the_first_sheet():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["case", "label", "A", "Y"])
    sheet.append(["v1", "First video", 1, 0.8])
    sheet.append(["v2", "Second video", 0, 0.1])
    sheet.append(["v3", "Third video", None, 0.4])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert _problems(buffer.getvalue(), "t.xlsx") == [
        "row 4, column 'A': the value is missing (fsQCA needs a value for every case)"]
    sheet["C4"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = table_from_upload("t.xlsx", buffer.getvalue())
    assert [c["id"] for c in table.cases] == ["v1", "v2", "v3"]
    assert table.cases[0]["label"] == "First video"
    assert table.rows == [[1.0, 0.8], [0.0, 0.1], [1.0, 0.4]]


def test_a_bad_upload_creates_nothing(tenant_a):
    with pytest.raises(StudyDataError):
        services.study_create_from_upload(institution=tenant_a.institution, actor=tenant_a.users["staff"],
                                          name="bad", filename="t.csv", content=b"case,A,Y\nc1,1,0\nc2,x,1\n")
    assert not Study.objects.exists() and not Condition.objects.exists()


def test_study_freezes_data_with_checksum_and_default_calibrations(tenant_a):
    study = make_study(tenant_a)
    assert study.n_cases == 10 and study.column_names == ["A", "B", "C", "Y"]
    assert study.checksum == services.data_checksum(study.data)
    assert study.outcome_column == "Y"
    crisp = {c.column: (c.method, c.anchors) for c in study.conditions.all()}
    assert crisp == {name: ("crisp", {"threshold": 1.0}) for name in "ABCY"}


def test_upload_page_shows_problems_and_keeps_nothing(tenant_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = tenant_a.client("staff")
    bad = SimpleUploadedFile("t.csv", b"case,A,Y\nc1,1,0\nc2,zz,1\n", content_type="text/csv")
    response = client.post("/learn/studies/upload/", {"name": "S", "file": bad})
    assert response.status_code == 200
    assert "row 3, column &#x27;A&#x27;: &#x27;zz&#x27; is not a number" in response.content.decode()
    assert not Study.objects.exists()
    good = SimpleUploadedFile("t.csv", cross_csv(), content_type="text/csv")
    response = client.post("/learn/studies/upload/", {"name": "S", "file": good})
    study = Study.objects.get()
    assert response.status_code == 302 and response.url == f"/learn/studies/{study.pk}/"
    assert study.institution == tenant_a.institution and study.created_by == tenant_a.users["staff"]
