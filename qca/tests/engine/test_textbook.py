"""Hand-checkable cases with known solutions, and the API around the core."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qca.engine import (
    Dataset,
    QCAInputError,
    configuration_chart,
    minimize,
    necessity,
    ols_prescreen,
    robustness,
    suggest_anchors,
    truth_table,
)


def crisp(rows: list[str], names="ABCY") -> Dataset:
    values = np.array([[int(ch) for ch in row] for row in rows], dtype=float)
    return Dataset(list(names), values, [f"c{i}" for i in range(len(rows))])


def test_classic_three_condition_example():
    # Y = A*B + ~A*C observed on 6 of 8 configurations; remainders 000 (id 1) and 101 (id 6).
    data = crisp(["1111", "1101", "0111", "0011", "1000", "0100"])
    tt = truth_table(data, "Y", "A,B,C")
    assert [(r.id, r.OUT) for r in tt.rows] == [(2, "1"), (3, "0"), (4, "1"), (5, "0"), (7, "1"), (8, "1")]
    complex_ = minimize(tt, "complex")
    assert [set(m.terms) for m in complex_.solutions[0].models] == [{"A*B", "~A*C"}]
    pars = minimize(tt, "parsimonious", check_contradictions=False)
    # prime implicants C, A*B, ~A*~B; C and A*B cover the four positive rows
    assert set(pars.solutions[0].pi_chart.PIs) == {"C", "A*B", "~A*~B"}
    assert [set(m.terms) for m in pars.solutions[0].models] == [{"A*B", "C"}]
    assert pars.solutions[0].simplifying_assumptions == {"M1": [6]}
    # a crisp model with perfect consistency and full coverage
    fit = pars.solutions[0].models[0].fit
    assert (fit.inclS, fit.covS) == (1.0, 1.0)


def test_model_ambiguity_is_reported_as_all_minimal_models():
    # the cyclic chart of the classic function m(0,1,2,5,6,7): two minimal covers
    rows = ["000", "001", "010", "101", "110", "111"]
    negatives = ["011", "100"]
    data = crisp([r + "1" for r in rows] + [r + "0" for r in negatives])
    result = minimize(truth_table(data, "Y", "A,B,C"), "complex")
    models = {frozenset(m.terms) for m in result.solutions[0].models}
    assert models == {frozenset({"~A*~B", "B*~C", "A*C"}), frozenset({"~A*~C", "~B*C", "A*B"})}
    assert result.solutions[0].essential == []


def test_negation_symmetry_of_fit():
    rng = np.random.default_rng(3)
    x = rng.random((30, 3))
    data = Dataset(["A", "B", "C", "Y"], np.column_stack([x, rng.random(30)]))
    positive = truth_table(data, "Y", "A,B,C", 0.6)
    negative = truth_table(data, "~Y", "A,B,C", 0.6)
    for p, n in zip(positive.rows, negative.rows, strict=True):
        assert p.id == n.id and p.n == n.n
        # incl(X -> ~Y) = 1 - incl(X -> Y) + sum(max(0, X + Y - 1) - ...) in general; for the
        # row memberships the identity sum(min(X,Y)) + sum(min(X,1-Y)) >= sum(X) holds
        assert p.incl + n.incl >= 1 - 1e-12


def test_necessity_of_a_superset_is_perfect():
    data = Dataset.from_columns({"A": [1, 1, 1, 0], "Y": [1, 1, 0, 0]})
    row = {r.expression: r for r in necessity(data, "Y", ["A"]).rows}["A"]
    assert row.inclN == 1.0 and row.covN == pytest.approx(2 / 3)
    assert row.RoN == pytest.approx(1 / 2)


def test_crossover_case_is_warned_and_placed_in_no_row():
    data = Dataset(["A", "B", "Y"], [[0.5, 0.9, 0.8], [0.9, 0.9, 0.9], [0.1, 0.2, 0.1]], ["x", "y", "z"])
    tt = truth_table(data, "Y", "A,B", 0.8)
    assert any(w.code == "crossover_cases" and "x" in w.message for w in tt.warnings)
    assert all("x" not in r.cases for r in tt.rows)
    assert {r.id: r.n for r in tt.rows}[2] == 0


@pytest.mark.parametrize(
    ("columns", "kwargs", "message"),
    [
        ({"A": [0.2, 1.4], "Y": [0.1, 0.2]}, {}, "outside [0, 1]"),
        ({"A": [0.2, float("nan")], "Y": [0.1, 0.2]}, {}, "missing values: 'A' in 2 (row 2)"),
        ({"A": [0.2, 0.4], "Y": [0.1, 0.2]}, {"conditions": "A,Q"}, "unknown column 'Q'"),
        ({"A": [0.2, 0.4], "Y": [0.1, 0.2]}, {"conditions": "A,Y"}, "also listed among the conditions"),
        ({"A": [0.2, 0.4], "Y": [0.1, 0.2]}, {"incl_cut": 1.5}, "incl_cut 1.5 is outside (0, 1]"),
        ({"A": [0.2, 0.4], "Y": [0.1, 0.2]}, {"incl_cut": 0}, "outside (0, 1]"),
        ({"A": [0.2, 0.4], "Y": [0.1, 0.2]}, {"conditions": "A,A"}, "listed twice"),
    ],
)
def test_bad_input_gets_a_clear_error(columns, kwargs, message):
    options = {"conditions": "A", **kwargs}
    with pytest.raises(QCAInputError) as error:
        truth_table(Dataset.from_columns(columns), "Y", **options)
    assert message in str(error.value)


def test_duplicate_columns_and_limited_diversity_and_constant_condition():
    with pytest.raises(QCAInputError, match="duplicate column names: A"):
        Dataset(["A", "A"], [[0.1, 0.2]])
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.random((10, 6)), np.full(10, 0.7), rng.random(10)])
    data = Dataset([*"ABCDEF", "K", "Y"], values)
    tt = truth_table(data, "Y", "A,B,C,D,E,F,K", 0.8)
    codes = {w.code for w in tt.warnings}
    assert {"constant_condition", "limited_diversity"} <= codes
    remainder_note = next(w.message for w in tt.warnings if w.code == "limited_diversity")
    assert f"{128 - len(tt.rows)} logical remainders" in remainder_note


def test_results_are_json_safe_and_chart_marks_core_conditions():
    data = Dataset.from_csv(
        "case,A,B,C,Y\n" + "\n".join(
            f"c{i},{a},{b},{c},{y}" for i, (a, b, c, y) in enumerate(
                [(0.9, 0.8, 0.2, 0.9), (0.8, 0.9, 0.9, 0.8), (0.2, 0.1, 0.9, 0.1), (0.1, 0.3, 0.2, 0.2),
                 (0.7, 0.2, 0.8, 0.3), (0.3, 0.8, 0.7, 0.4)])), is_text=True)
    tt = truth_table(data, "Y", "A,B,C", 0.8)
    result = minimize(tt, "intermediate", dir_exp="A,B,C")
    json.dumps(result.to_dict(), allow_nan=False)
    chart = configuration_chart(result).to_dict()
    # intermediate A*B + B*C from the parsimonious B: B is core, A and C peripheral
    assert [c["term"] for c in chart["configurations"]] == ["A*B", "B*C"]
    cells = {c["condition"]: c for c in chart["configurations"][0]["cells"]}
    assert (cells["B"]["strength"], cells["B"]["symbol"]) == ("core", "●")
    assert (cells["A"]["strength"], cells["A"]["status"]) == ("peripheral", "present")
    assert cells["C"]["status"] is None
    assert math.isclose(chart["solution_coverage"], result.models[0][1].fit.covS)


def test_robustness_regression_and_anchor_helpers():
    rng = np.random.default_rng(5)
    x = rng.beta(0.6, 0.6, (60, 3))
    y = np.clip(np.minimum(x[:, 0], x[:, 1]) + rng.normal(0, 0.05, 60), 0, 1)
    data = Dataset(["A", "B", "C", "Y"], np.column_stack([x, y]))
    report = robustness(data, "Y", "A,B,C", incl_cut=0.8, solution="parsimonious")
    assert [v.relation in {"identical", "subset", "superset", "overlap", "disjoint", "no_solution"}
            for v in report.variants] == [True] * 3
    json.dumps(report.to_dict(), allow_nan=False)
    ols = ols_prescreen(data, "Y", "A,B,C")
    assert [c.name for c in ols.coefficients] == ["const", "A", "B", "C"]
    assert ols.coefficients[1].p_value < 0.05 and ols.coefficients[1].vif is not None
    anchors = suggest_anchors(x[:, 0])
    assert anchors.e < anchors.c < anchors.i


def test_chart_core_marks_come_from_each_intermediate_pairs_own_parsimonious_model():
    # The cyclic chart m(0,1,2,5,6,7), every row observed: no remainders, so parsimonious =
    # complex with two models, P1 = ~A*~B + B*~C + A*C and P2 = ~A*~C + ~B*C + A*B, and every
    # pair CiPj has the same (empty) easy counterfactuals: the pairs share one minimisation
    # and its Model objects. C1P2-M1 has P1's terms, but its core marks must come from P2,
    # none of whose terms is contained in them: every literal is peripheral.
    rows = ["000", "001", "010", "101", "110", "111"]
    data = crisp([r + "1" for r in rows] + [r + "0" for r in ("011", "100")])
    result = minimize(truth_table(data, "Y", "A,B,C"), "intermediate", dir_exp="-,-,-")
    names = [name for name, _ in result.models]
    assert names == [f"C{i}P{j}-M{m}" for i in (1, 2) for j in (1, 2) for m in (1, 2)]
    assert result.solutions[0].models[0] is result.solutions[1].models[0]  # shared, as described

    def strengths(name):
        chart = configuration_chart(result, name).to_dict()
        return {frozenset(c["term"] for c in chart["configurations"]):
                {cell["strength"] for c in chart["configurations"] for cell in c["cells"]} - {None}}

    p1_terms = frozenset({"~A*~B", "B*~C", "A*C"})
    p2_terms = frozenset({"~A*~C", "~B*C", "A*B"})
    assert strengths("C1P1-M1") == {p1_terms: {"core"}}
    assert strengths("C1P2-M1") == {p1_terms: {"peripheral"}}
    assert strengths("C1P2-M2") == {p2_terms: {"core"}}
    assert strengths("C2P1-M2") == {p2_terms: {"peripheral"}}


def test_bounds_on_model_enumeration_are_explicit_and_reported():
    # The cyclic chart has two minimal models. By default (as R's max.comb = 0) both are listed
    # and nothing is truncated; an explicit bound that cuts the enumeration is reported in the
    # solution (truncated) and as a models_truncated warning naming the bound.
    rows = ["000", "001", "010", "101", "110", "111"]
    tt = truth_table(crisp([r + "1" for r in rows] + [r + "0" for r in ("011", "100")]), "Y", "A,B,C")
    full = minimize(tt, "complex")
    assert len(full.models) == 2 and not full.solutions[0].truncated
    assert not [w for w in full.warnings if w.code == "models_truncated"]
    for bounds, named in (({"max_models": 1}, "max_models = 1"), ({"max_work": 1}, "max_work = 1")):
        cut = minimize(tt, "complex", **bounds)
        assert cut.solutions[0].truncated and cut.to_dict()["solutions"][0]["truncated"] is True
        assert len(cut.models) == 1 and {frozenset(cut.models[0][1].terms)} <= {
            frozenset(m.terms) for _, m in full.models}
        assert any(w.code == "models_truncated" and named in w.message for w in cut.warnings)
    with pytest.raises(QCAInputError, match="max_models"):
        minimize(tt, "complex", max_models=0)


def test_contradictory_simplifying_assumptions_are_the_remainders_both_outcomes_assume():
    # rows ABC (row id = 1 + ABC in binary): 110, 111, 011 -> Y; 000, 001, 010 -> ~Y;
    # remainders 100 (id 5) and 101 (id 6). Y: A + B*C, A assumes 100 and 101.
    # ~Y: ~B + ~A*~C, ~B assumes the same two rows: both are contradictory.
    rows = ["1101", "1111", "0111", "0000", "0010", "0100"]
    tt = truth_table(crisp(rows), "Y", "A,B,C", 1.0)
    result = minimize(tt, "parsimonious")
    assert [m.terms for m in result.solutions[0].models] == [["A", "B*C"]]
    assert result.solutions[0].simplifying_assumptions == {"M1": [5, 6]}
    assert result.contradictory_simplifying_assumptions == [5, 6]
    assert minimize(tt, "parsimonious", check_contradictions=False).contradictory_simplifying_assumptions is None
    # without 011 -> Y, ~Y is ~A alone (assumes 011 only): no contradiction
    tt = truth_table(crisp([row for row in rows if row != "0111"]), "Y", "A,B,C", 1.0)
    assert minimize(tt, "parsimonious").contradictory_simplifying_assumptions == []
