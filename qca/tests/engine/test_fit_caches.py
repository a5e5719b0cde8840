"""The fit shortcuts of session 4 give exactly what the plain computations give: fits over
the active cases only with a handed-in shared reduction, reductions folded in another term
order, the per-truth-table caches of reductions, overall covU and model fits (cold, warm
and evicting), and the faster serialisation (chart covers, paused garbage collector)."""

from __future__ import annotations

import gc
import json
import math
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qca.engine import minimize, truth_table
from qca.engine.errors import QCAComputationError
from qca.engine.fit import (
    disjunction_fits,
    largest_two,
    sufficiency_fit,
    unique_coverages,
    unique_coverages_from,
)
from qca.tests.engine.test_chart_and_fit_paths import _same, models_over_terms
from qca.tests.engine.test_implicants import analyses

minimize_module = sys.modules["qca.engine.minimize"]
problem_module = sys.modules["qca.engine.problem"]


@settings(max_examples=150, deadline=None)
@given(models_over_terms(), st.integers(0, 2**32 - 1))
def test_disjunction_fits_with_a_handed_in_base_equal_the_per_model_computation(case, seed):
    memberships, y, models, _ = case
    rng = np.random.default_rng(seed)
    common = sorted(set.intersection(*(set(rows) for rows in models)))
    # any subset of the shared terms may be the base, reduced in any order
    base_rows = sorted(rng.choice(common, size=int(rng.integers(0, len(common) + 1)), replace=False).tolist()) \
        if common else []
    order = rng.permutation(base_rows).tolist()
    got = disjunction_fits(list(memberships), y, models, (base_rows, largest_two(memberships, order, len(y))))
    for rows, (fit, uniques) in zip(models, got, strict=True):
        direct = sufficiency_fit(memberships[rows].max(axis=0), y)
        assert all(_same(getattr(fit, k), getattr(direct, k)) for k in ("inclS", "PRI", "covS"))
        expected = unique_coverages(memberships[rows], y) if len(rows) > 1 else [math.nan]
        assert all(_same(a, b) for a, b in zip(uniques, expected, strict=True))


@settings(max_examples=100, deadline=None)
@given(models_over_terms(), st.integers(0, 2**32 - 1))
def test_unique_coverages_from_a_folded_reduction_in_any_order(case, seed):
    memberships, y, _, _ = case
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(memberships)).tolist()
    split = int(rng.integers(0, len(order) + 1))
    start = largest_two(memberships, order[:split], len(y))
    folded = largest_two(memberships, order[split:], len(y), start)
    expected = unique_coverages(memberships, y)
    got = unique_coverages_from(folded, y, len(memberships))
    assert all(_same(a, b) for a, b in zip(got, expected, strict=True))


def _results(data, names, dir_exp, incl_cut, n_cut):
    tt = truth_table(data, "Y", names, incl_cut, n_cut)  # a fresh table: nothing cached
    try:
        return [
            minimize(tt, kind, dir_exp=dir_exp if kind == "intermediate" else None, max_models=16)
            for kind in ("complex", "parsimonious", "intermediate")
        ]
    except QCAComputationError:
        return None


def _plain_covers(chart) -> list[list[int]]:
    configurations = np.asarray(chart.configurations)
    return [configurations[np.flatnonzero(row)].tolist() for row in chart.cells]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analyses(), st.booleans())
def test_fit_caches_and_serialisation_change_no_result(case, matrix):
    results = _results(*case)
    if results is None:
        return
    default = json.dumps([r.to_dict(matrix) for r in results], sort_keys=True, allow_nan=True)
    assert gc.isenabled()  # the pause while writing out is lifted
    # written out again (warm covers and fit dicts): the same
    assert json.dumps([r.to_dict(matrix) for r in results], sort_keys=True, allow_nan=True) == default
    for result in results:
        for solution in result.solutions:
            assert solution.pi_chart.covers == _plain_covers(solution.pi_chart)
    # warm caches: the intermediate solution again on the same table, after the others
    tt = results[0].truth_table
    again = minimize(tt, "intermediate", dir_exp=case[2], max_models=16)
    assert json.dumps(again.to_dict(matrix), sort_keys=True, allow_nan=True) == json.dumps(
        results[2].to_dict(matrix), sort_keys=True, allow_nan=True)
    # a reduction cache that evicts on every set of terms
    saved = problem_module.REDUCTION_CACHE_BYTES
    try:
        problem_module.REDUCTION_CACHE_BYTES = 1
        evicting = _results(*case)
        for result in evicting:
            problem = next(iter(result.truth_table._minimize_problems.values()))
            assert len(problem._reduction_cache) <= 1
    finally:
        problem_module.REDUCTION_CACHE_BYTES = saved
    assert json.dumps([r.to_dict(matrix) for r in evicting], sort_keys=True, allow_nan=True) == default


def test_gc_pause_keeps_the_collector_state():
    pause = minimize_module._gc_paused
    gc.disable()
    try:
        with pause():
            assert not gc.isenabled()
        assert not gc.isenabled()  # was off: stays off
    finally:
        gc.enable()
    with pause():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with pause():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
