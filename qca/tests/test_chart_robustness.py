"""The configuration chart's core/peripheral marks, the robustness variants and the engine CLI
command of the results page, each on a small case checked by hand (the reasoning is in the tests)."""

import json
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from qca import services
from qca.analysis import regression_prescreen
from qca.tests.factories import (KNOWN_EXPECTATIONS, make_finished_analysis, upload_known_case,
                                  upload_table)

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(study, conditions, dir_exps, **cuts):
    analysis = services.analysis_create(study=study, actor=None, outcome="Y", conditions=conditions,
                                        dir_exps=dir_exps, **cuts)
    analysis = services.analysis_submit(analysis=analysis, actor=None, inline=True)
    assert analysis.status == "finished", analysis.error
    return analysis


class _ChartCells(HTMLParser):
    """{condition label: [(css classes, Table 6 mark), ...]} of the table with id `table_id`."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.row_label, self.in_row_header = table_id, False, None, False
        self.cells: dict[str, list[tuple[str, str]]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "th" and attrs.get("scope") == "row":
            self.in_row_header = True
        elif self.inside and tag == "td" and "mark" in attrs.get("class", "").split():
            self.cells[self.row_label].append((attrs["class"], attrs["data-mark"]))

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif tag == "th":
            self.in_row_header = False

    def handle_data(self, data):
        if self.in_row_header and data.strip():
            self.row_label = data.strip()
            self.cells[self.row_label] = []


def chart_cells(html: str, table_id: str = "configuration-chart") -> dict:
    parser = _ChartCells(table_id)
    parser.feed(html)
    return {label: cells for label, cells in parser.cells.items() if cells}


# -- configuration chart ------------------------------------------------------------------------
# A, B, C crisp. Observed rows (A B C -> Y): 100, 101, 010 -> 1; 000, 001, 011 -> 0; rows 110 and 111 are
# logical remainders (factories.KNOWN_ROWS). Expectations: A present, B absent, C absent.
#  * complex: 100 and 101 merge on C -> A*~B; 010 stays alone -> ~A*B*~C;
#  * parsimonious: with the remainders, A (100, 101, 110, 111) and B*~C (010, 110) are prime implicants
#    -> A + B*~C; each is a strict subset of the literals of the complex term it contains;
#  * intermediate: A*~B against A drops ~B, which agrees with its expectation, so it stays -> A*~B;
#    ~A*B*~C against B*~C drops ~A, which contradicts "A present", so it goes -> B*~C.
# Core = also in the parsimonious term: configuration A*~B has A core present (large ●) and ~B peripheral
# absent (small ⊗); configuration B*~C has B core present (large ●) and ~C core absent (large ⊗).
# Fit: three cases have Y; A*~B covers two of them (raw 2/3), B*~C one (raw 1/3), the two terms share no
# case (~B against B), so unique = raw; neither covers a case without Y: consistency 1.
def test_the_configuration_charts_core_and_peripheral_marks_on_a_known_case(tenant_a):
    analysis = _run(upload_known_case(tenant_a), ["A", "B", "C"], KNOWN_EXPECTATIONS)
    result = analysis.result
    assert [m["terms"] for m in result.solution("complex")["models"]] == [["A*~B", "~A*B*~C"]]
    assert [m["terms"] for m in result.solution("parsimonious")["models"]] == [["A", "B*~C"]]
    first, second = result.configurations.all()
    assert (first.term, second.term) == ("A*~B", "B*~C")
    assert first.literals == {"A": {"present": True, "core": True}, "B": {"present": False, "core": False}}
    assert second.literals == {"B": {"present": True, "core": True}, "C": {"present": False, "core": True}}
    assert first.raw_coverage == pytest.approx(2 / 3) and first.unique_coverage == pytest.approx(2 / 3)
    assert second.raw_coverage == pytest.approx(1 / 3) and second.unique_coverage == pytest.approx(1 / 3)
    assert first.consistency == second.consistency == 1.0
    assert result.solution_coverage == result.solution_consistency == 1.0

    page = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/").content.decode()
    assert chart_cells(page) == {
        "A": [("mark core present", "●"), ("mark dontcare", "")],
        "B": [("mark peripheral absent", "⊗"), ("mark core present", "●")],
        "C": [("mark dontcare", ""), ("mark core absent", "⊗")],
    }
    markdown = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/export/markdown/").content.decode()
    assert "| A | **●** |  |" in markdown and "| B | ⊗ | **●** |" in markdown and "| C |  | **⊗** |" in markdown


def test_a_negated_core_condition_is_drawn_crossed_not_filled(tenant_a):
    # Y = A*B + ~A*C holds exactly (factories.CROSS_ROWS); every remainder-free row is observed, so the
    # parsimonious solution is the same and every literal is core: ~A in ~A*C is a large ⊗.
    analysis = make_finished_analysis(tenant_a)
    page = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/").content.decode()
    terms = [c.term for c in analysis.result.configurations.all()]
    cells = chart_cells(page)
    column = {term: index for index, term in enumerate(terms)}
    assert cells["A"][column["~A*C"]] == ("mark core absent", "⊗")
    assert cells["A"][column["A*B"]] == ("mark core present", "●")
    assert cells["C"][column["~A*C"]] == ("mark core present", "●")
    assert cells["B"][column["~A*C"]] == ("mark dontcare", "")


# -- robustness -----------------------------------------------------------------------------------
# A, B crisp, no directional expectations. Rows: 11 -> two cases, both Y = 1 (incl 1); 10 -> four
# cases, three with Y = 1 (incl 0.75); 01 -> one case with Y = 1 (incl 1); 00 -> two cases, Y = 0.
# Six cases have Y. At incl 0.8, n 1 the positive rows are 11 and 01: solution B (3 of 6 cases with Y:
# consistency 1, coverage 0.5).
#  * incl 0.85: the same rows -> identical;
#  * incl 0.75: row 10 joins -> A + B covers 10, 11, 01 -> superset; A + B has 6 of its 7 cases with Y;
#    the intersection with B is B itself: consistency 1, coverage 0.5, RF_cov = RF_cons = 1;
#  * n 2: row 01 (one case) is no longer observed enough -> only 11 -> A*B -> subset; the intersection
#    is A*B: coverage 2/6, RF_cov = (2/6) / (3/6) = 2/3 (the paper's frequency-cut-off-2 check).
ROBUSTNESS_ROWS = [(1, 1, 1), (1, 1, 1), (1, 0, 1), (1, 0, 1), (1, 0, 1), (1, 0, 0), (0, 1, 1), (0, 0, 0),
                   (0, 0, 0)]


def test_robustness_verdicts_and_intersection_fit_on_a_known_case(tenant_a):
    study = upload_table(tenant_a, ROBUSTNESS_ROWS, "A,B,Y")
    analysis = _run(study, ["A", "B"], {"A": "none", "B": "none"}, incl_cut=0.8, n_cut=1, pri_cut=0.5)
    robustness = analysis.result.robustness
    assert robustness["original"]["model"] == ["B"]
    assert robustness["original"]["fit"]["inclS"] == 1.0 and robustness["original"]["fit"]["covS"] == 0.5
    variants = {v["label"]: v for v in robustness["variants"]}
    assert list(variants) == ["consistency cut-off raised to 0.85", "consistency cut-off lowered to 0.75",
                              "frequency cut-off 2"]  # crisp columns: no anchors to shift
    raised, lowered, frequency = variants.values()
    assert raised["relation"] == "identical" and raised["model"] == ["B"]
    assert lowered["relation"] == "superset" and sorted(lowered["model"]) == ["A", "B"]
    assert lowered["fit"]["inclS"] == pytest.approx(6 / 7)
    assert lowered["intersection_fit"]["inclS"] == 1.0 and lowered["intersection_fit"]["covS"] == 0.5
    assert lowered["RF_cov"] == 1.0 and lowered["RF_cons"] == 1.0
    assert frequency["relation"] == "subset" and frequency["model"] == ["A*B"]
    assert frequency["intersection_fit"]["covS"] == pytest.approx(2 / 6)
    assert frequency["RF_cov"] == pytest.approx(2 / 3)

    page = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/").content.decode()
    for relation in ("identical", "superset", "subset"):
        assert f'data-relation="{relation}"' in page
    assert "0.667" in page  # RF_cov of the frequency variant


# T crisp, D raw (direct: e 0, c 10, i 20, so the anchors move by 10 % of 20 = 2), Y crisp. The engine's
# logistic calibration (R's default) reaches 0.95 at the inclusion anchor: log-odds (x - c) / (i - c) * ln 19.
# T=1, D=40, Y=1 (x2): row 11; T=1, D=9, Y=1: D's membership 1/(1 + 19^0.1) = 0.427, row 10; T=0, D=-30, Y=0
# (x2): row 00; T=0, D=40, Y=0 (x2): row 01. Rows 11 and 10 are positive: complex = parsimonious =
# intermediate = T.
#  * anchors lower (e -2, c 8, i 18): D=9 now has 1/(1 + 19^-0.1) = 0.573 > 0.5 and moves to row 11; row 10 is a
#    remainder; complex T*D, parsimonious T; expectation D present keeps D -> T*D -> subset; the
#    intersection T*D has consistency 1 and coverage (2 + 0.574) / 3;
#  * anchors higher (e 2, c 12, i 22): D=9 stays in row 10 (1/(1 + 19^0.3) = 0.293) -> identical.
CALIBRATION_ROWS = [(1, 40, 1), (1, 40, 1), (1, 9, 1), (0, -30, 0), (0, -30, 0), (0, 40, 0), (0, 40, 0)]


def _calibration_case(tenant, negate_outcome=False):
    study = upload_table(tenant, CALIBRATION_ROWS, "T,D,Y")
    services.condition_calibrate(condition=study.conditions.get(column="D"), actor=None, method="direct",
                                 anchors={"e": 0, "c": 10, "i": 20})
    return _run(study, ["T", "D"], {"T": "present", "D": "present"}, negate_outcome=negate_outcome)


def test_calibration_variants_shift_the_anchors_of_directly_calibrated_columns(tenant_a):
    robustness = _calibration_case(tenant_a).result.robustness
    assert robustness["original"]["model"] == ["T"]
    variants = {v["label"]: v for v in robustness["variants"]}
    lower, higher = variants["anchors 10% of their range lower (D)"], variants["anchors 10% of their range higher (D)"]
    assert lower["anchors"] == {"D": {"e": -2.0, "c": 8.0, "i": 18.0}}
    assert higher["anchors"] == {"D": {"e": 2.0, "c": 12.0, "i": 22.0}}
    assert lower["settings"]["recalibrated"] is True
    assert lower["relation"] == "subset" and lower["model"] == ["T*D"]
    moved = 1 / (1 + 19 ** -0.1)
    assert lower["intersection_fit"]["inclS"] == pytest.approx(1.0, abs=1e-4)
    assert lower["intersection_fit"]["covS"] == pytest.approx((2 + moved) / 3, abs=1e-4)
    assert higher["relation"] == "identical" and higher["model"] == ["T"]


# -- the engine CLI command shown on the results page ---------------------------------------------
@pytest.mark.parametrize("negate_outcome", [False, True])
def test_the_cli_command_on_the_results_page_reproduces_the_stored_result(tenant_a, tmp_path, negate_outcome):
    # fuzzy memberships (D), so the exported CSV matters; the negated outcome is passed as --outcome '~Y'
    analysis = _calibration_case(tenant_a, negate_outcome)
    client = tenant_a.client("staff")
    page = client.get(f"/learn/analyses/{analysis.pk}/").content.decode()
    command = shlex.split(analysis.result.cli_command)
    assert analysis.result.cli_command in page.replace("&#x27;", "'")
    assert command[:4] == ["python", "-m", "qca.engine", "minimize"]
    export = client.get(f"/learn/analyses/{analysis.pk}/export/data/")
    assert f'filename="{command[4]}"' in export["Content-Disposition"]
    (tmp_path / command[4]).write_bytes(export.content)

    completed = subprocess.run([sys.executable, *command[1:]], cwd=tmp_path, capture_output=True, text=True,
                               env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    assert completed.returncode == 0, completed.stderr
    reproduced = json.loads(completed.stdout)
    stored = analysis.result.solution("intermediate")
    assert [(m["name"], m["terms"]) for m in reproduced["models"]] == [(m["name"], m["terms"]) for m in stored["models"]]
    for mine, theirs in zip(reproduced["models"], stored["models"], strict=True):
        for key in ("inclS", "PRI", "covS"):
            assert mine[key] == pytest.approx(theirs[key], abs=1e-6)
    assert reproduced["truth_table"]["rows"] == analysis.result.truth_table["rows"]
    assert reproduced["outcome"] == analysis.result.solution("intermediate")["outcome"]
    assert analysis.result.robustness["original"]["model"] == stored["models"][0]["terms"]  # same polarity


# -- regression pre-screen (a helper, not QCA) -----------------------------------------------------
def test_the_study_page_shows_the_ols_prescreen_as_a_helper(tenant_a):
    study = upload_table(tenant_a, ROBUSTNESS_ROWS, "A,B,Y")
    page = tenant_a.client("staff").get(f"/learn/studies/{study.pk}/").content.decode()
    assert "Regression pre-screen" in page and "not QCA" in page and 'id="prescreen-table"' in page
    prescreen = regression_prescreen(study)
    # independent least squares: Y on a constant, A and B; with two predictors VIF = 1 / (1 - r(A, B)^2)
    a, b, y = (np.array([row[j] for row in ROBUSTNESS_ROWS], dtype=float) for j in range(3))
    design = np.column_stack([np.ones_like(a), a, b])
    expected, *_ = np.linalg.lstsq(design, y, rcond=None)
    assert [c["name"] for c in prescreen["coefficients"]] == ["const", "A", "B"]
    assert [c["estimate"] for c in prescreen["coefficients"]] == pytest.approx(expected.tolist())
    vif = 1 / (1 - np.corrcoef(a, b)[0, 1] ** 2)
    assert [c["vif"] for c in prescreen["coefficients"][1:]] == pytest.approx([vif, vif])
    residuals = y - design @ expected
    assert prescreen["r_squared"] == pytest.approx(1 - residuals @ residuals / ((y - y.mean()) @ (y - y.mean())))
    assert f"{prescreen['coefficients'][1]['estimate']:.3f}" in page

    tiny = upload_table(tenant_a, ROBUSTNESS_ROWS[:3], "A,B,Y", name="Tiny")
    page = tenant_a.client("staff").get(f"/learn/studies/{tiny.pk}/").content.decode()
    assert "No pre-screen: 3 cases are too few for 2 predictors" in page


# -- model ambiguity --------------------------------------------------------------------------------
# Every row of A, B, C is observed once; Y = 1 in rows 000, 001, 010, 101, 110, 111 (the cyclic textbook
# case). The six prime implicants ~A*~B, ~A*~C, ~B*C, B*~C, A*C, A*B each cover two positive rows, and
# two covers of three terms exist: M1 = ~A*~B + A*C + B*~C and M2 = ~A*~C + A*B + ~B*C. With no remainders
# parsimonious = complex (P1 = M1, P2 = M2), and with no expectations each pair CiPj gives both covers:
# eight intermediate models. A model's core marks come from its own parsimonious model: C1P1-M1 and
# C2P1-M1 (M1 terms, P1) have every literal core and share a chart; M1's terms under P2 have none (no term
# of P2 is contained in them); likewise for M2. Four distinct charts.
CYCLIC_ROWS = [(m >> 2 & 1, m >> 1 & 1, m & 1, int(m in {0, 1, 2, 5, 6, 7})) for m in range(8)]


def test_model_ambiguity_shows_every_distinct_chart(tenant_a):
    study = upload_table(tenant_a, CYCLIC_ROWS, "A,B,C,Y")
    analysis = _run(study, ["A", "B", "C"], {"A": "none", "B": "none", "C": "none"})
    chart = analysis.result.configuration_chart
    assert chart["n_models"] == 8 and chart["model"] == "C1P1-M1" and chart["same_as"] == ["C2P1-M1"]
    assert [c["term"] for c in chart["configurations"]] == ["~A*~B", "A*C", "B*~C"]
    assert all(cell["strength"] in ("core", None) for c in chart["configurations"] for cell in c["cells"])
    alternatives = {alt["model"]: alt for alt in chart["alternatives"]}
    assert set(alternatives) == {"C1P1-M2", "C1P2-M1", "C1P2-M2"}
    marks = {name: {cell["strength"] for c in alt["configurations"] for cell in c["cells"]} - {None}
             for name, alt in alternatives.items()}
    assert marks == {"C1P1-M2": {"peripheral"}, "C1P2-M1": {"peripheral"}, "C1P2-M2": {"core"}}
    assert [c["term"] for c in alternatives["C1P2-M2"]["configurations"]] == ["~A*~C", "A*B", "~B*C"]
    page = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/").content.decode()
    assert 'id="chart-ambiguity"' in page and "8 models of the intermediate solution" in page
    assert page.count('<table class="config-chart"') == 4
