"""Reproduce every output of R QCA 3.25 stored in ../shared/qca-reference."""

from __future__ import annotations

import re

import numpy as np
import pytest

from qca.engine import minimize, truth_table
from qca.engine.calibrate import (
    calibrate_crisp,
    calibrate_direct,
    calibrate_indirect,
    calibrate_tfr,
)
from qca.engine.necessity import necessity, superset_necessity

from .conftest import REFERENCE_DATASETS, assert_close, load_data, load_reference


def _analyses():
    for name in REFERENCE_DATASETS:
        for analysis in load_reference(name)["analyses"]:
            yield pytest.param(name, analysis, id=f"{name}-{analysis['id']}")


def _minimisations():
    for name in REFERENCE_DATASETS:
        for analysis in load_reference(name)["analyses"]:
            for key, expected in analysis["minimize"].items():
                yield pytest.param(name, analysis, key, expected, id=f"{name}-{analysis['id']}-{key}")


def _tt(name: str, analysis: dict):
    spec = analysis["truthTable"]
    return truth_table(
        load_data(name), spec["outcome"], spec["conditions"], spec["incl.cut"], spec["n.cut"], spec["pri.cut"]
    )


@pytest.mark.parametrize(("name", "analysis"), list(_analyses()))
def test_truth_table(name, analysis):
    expected = analysis["truthTable"]
    tt = _tt(name, analysis)
    summary = tt.to_dict()
    for key in ("n_observed", "n_positive", "n_negative", "n_contradiction", "n_below_ncut", "n_remainders"):
        assert summary[key] == expected[key], key
    assert [r.id for r in tt.rows] == [r["id"] for r in expected["rows"]]
    for mine, ref in zip(tt.rows, expected["rows"], strict=True):
        assert mine.values == ref["values"]
        assert (mine.OUT, mine.n, mine.cases) == (ref["OUT"], ref["n"], ref["cases"]), ref["id"]
        assert_close(mine.incl, ref["incl"], f"row {ref['id']} incl")
        assert_close(mine.PRI, ref["PRI"], f"row {ref['id']} PRI")
    remainders = sorted(set(range(1, summary["n_rows_total"] + 1)) - {r.id for r in tt.rows})
    assert remainders == expected["remainder_ids"]


def _check_solution(mine, expected, what, check_order=False):
    assert {frozenset(m.terms) for m in mine.models} == {frozenset(m["terms"]) for m in expected["models"]}, what
    assert set(mine.essential) == set(expected["essential"]), what
    chart = expected["PIchart"]
    assert mine.pi_chart.configurations == chart["configurations"], what
    assert set(mine.pi_chart.PIs) == set(chart["PIs"]), what
    mine_rows = dict(zip(mine.pi_chart.PIs, mine.pi_chart.matrix, strict=True))
    for pi, row in zip(chart["PIs"], chart["matrix"], strict=True):
        assert mine_rows[pi] == row, f"{what}: chart row {pi}"
    if check_order:  # R sorts CCubes PIs; QMC-based charts keep the algorithm's order
        assert mine.pi_chart.PIs == chart["PIs"], f"{what}: PI order (admisc::sortExpressions)"
    for ref_model in expected["models"]:
        model = next(m for m in mine.models if set(m.terms) == set(ref_model["terms"]))
        for key in ("inclS", "PRI", "covS"):
            assert_close(getattr(model.fit, key), ref_model["solution_fit"][key], f"{what} {model.name} {key}")
        fits = {t.term: t for t in model.terms_fit}
        for ref_term in ref_model["terms_fit"]:
            for key in ("inclS", "PRI", "covS", "covU"):
                assert_close(getattr(fits[ref_term["term"]], key), ref_term[key], f"{what} {ref_term['term']} {key}")
        if "SA" in expected:
            assert mine.simplifying_assumptions[model.name] == sorted(expected["SA"][ref_model["name"]]), what


@pytest.mark.parametrize(("name", "analysis", "key", "expected"), list(_minimisations()))
def test_minimize(name, analysis, key, expected):
    tt = _tt(name, analysis)
    call = expected["call"]
    options = {"row_dom": "row.dom = TRUE" in call, "all_sol": "all.sol = TRUE" in call,
               "check_contradictions": False}
    if key.startswith("intermediate"):
        dir_exp = re.search(r"dir\.exp = '([^']*)'", call).group(1)
        result = minimize(tt, "intermediate", dir_exp=dir_exp, **options)
        assert [s.name for s in result.solutions] == [i["id"] for i in expected["intermediate"]]
        for mine, ref in zip(result.solutions, expected["intermediate"], strict=True):
            assert set(mine.conservative_model) == set(ref["c.sol"])
            assert set(mine.parsimonious_model) == set(ref["p.sol"])
            assert mine.easy_counterfactuals == sorted(ref["EC"])
            assert mine.difficult_counterfactuals == sorted(ref["DC"])
            _check_solution(mine, ref, f"{key} {ref['id']}")
    else:
        kind = "complex" if key == "conservative" else "parsimonious"
        result = minimize(tt, kind, **options)
        _check_solution(result.solutions[0], expected, key, check_order=kind == "parsimonious")
        names = [m.name for m in result.solutions[0].models]
        assert names == [m["name"] for m in expected["models"]]
        if kind == "parsimonious":
            for mine, ref in zip(result.solutions[0].models, expected["models"], strict=True):
                assert mine.terms == ref["terms"], "model order: R's lexicographic PI-chart order"


@pytest.mark.parametrize("name", REFERENCE_DATASETS)
def test_necessity(name):
    reference = load_reference(name)
    data = load_data(name)
    for block in reference["necessity"]:
        rows = {r.expression: r for r in necessity(data, block["outcome"], reference["conditions"]).rows}
        for ref in block["literal_necessity"]:
            for key in ("inclN", "RoN", "covN"):
                assert_close(getattr(rows[ref["literal"]], key), ref[key], f"{ref['literal']} {key}")
        for ref in block["literal_sufficiency"]:
            for key in ("inclS", "PRI", "covS"):
                assert_close(getattr(rows[ref["literal"]], key), ref[key], f"{ref['literal']} {key}")


@pytest.mark.parametrize("name", REFERENCE_DATASETS)
def test_superset_necessity(name):
    reference = load_reference(name)
    data = load_data(name)
    for block in reference["necessity"]:
        call = block["superSubset_necessity"]["call"]
        incl = float(re.search(r"incl\.cut = ([0-9.]+)", call).group(1))
        cov = float(re.search(r"cov\.cut = ([0-9.]+)", call).group(1))
        result = superset_necessity(data, block["outcome"], reference["conditions"], incl_cut=incl, cov_cut=cov)
        rows = {r.expression: r for r in result.rows}
        expected = {r["expression"]: r for r in block["superSubset_necessity"]["rows"]}
        assert set(rows) == set(expected)
        for expression, ref in expected.items():
            for key in ("inclN", "RoN", "covN"):
                assert_close(getattr(rows[expression], key), ref[key], f"{expression} {key}")


def _calibration_examples():
    for example in load_reference("calibration")["examples"]:
        yield pytest.param(example, id=example["id"])


@pytest.mark.parametrize("example", list(_calibration_examples()))
def test_calibration(example):
    call, x = example["call"], example["input"]
    expected = np.array(example["output"], dtype=float)
    anchors = re.search(r"thresholds = '([^']*)'", call)
    options = {}
    for key in ("idm", "below", "above"):
        found = re.search(key + r" = ([0-9.]+)", call)
        if found:
            options[key] = float(found.group(1))
    options["logistic"] = "logistic = FALSE" not in call
    options["ecdf"] = "ecdf = TRUE" in call
    if "type = 'crisp'" in call:
        thresholds = re.search(r"thresholds = (c\([^)]*\)|[0-9.]+)", call).group(1)
        result = calibrate_crisp(x, [float(v) for v in thresholds.strip("c()").split(",")])
        if call.startswith("1 -"):
            result = 1 - result
    elif "method = 'indirect'" in call:
        result = calibrate_indirect(x, [float(v) for v in anchors.group(1).split(",")])
    elif "method = 'TFR'" in call:
        result = calibrate_tfr(x)
    else:
        named = {
            part.split("=")[0].strip(): float(part.split("=")[1]) for part in anchors.group(1).split(",")
        }
        result = calibrate_direct(x, named, **options)
    assert np.allclose(result, expected, rtol=0, atol=1e-9)
