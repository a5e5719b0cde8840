"""The models of a chart handled as arrays give what the plain per-model computations give:
the covers' layout (used PIs, PIs common to all models), the fits from one flat array of
rows through reused scratch buffers, the simplifying assumptions by bit-packed rows, and the
easy / difficult counterfactual lists of the intermediate solutions."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from qca.engine import Dataset, minimize, truth_table
from qca.engine.fit import (
    disjunction_fits,
    largest_two,
    model_fits,
    release_scratch,
    sufficiency_fit,
    unique_coverages,
)
from qca.engine.problem import problem_for
from qca.engine.terms import ConditionSpace, covers_codes
from qca.tests.engine.test_chart_and_fit_paths import _same

minimize_module = sys.modules["qca.engine.minimize"]
fit_module = sys.modules["qca.engine.fit"]


def _random_models(rng: np.random.Generator, pis: int, count: int, core: int) -> list[tuple[int, ...]]:
    """Models as ascending distinct PI indices, sharing a core of PIs (as covers of one chart do)."""
    shared = set(rng.choice(pis, size=core, replace=False).tolist())
    models = []
    for _ in range(count):
        own = set(rng.choice(pis, size=int(rng.integers(1, 6)), replace=False).tolist())
        models.append(tuple(sorted(shared | own)))
    return models


@pytest.mark.parametrize("seed", range(12))
def test_the_covers_layout_equals_the_set_computation(seed):
    rng = np.random.default_rng(seed)
    models = _random_models(rng, int(rng.integers(5, 60)), int(rng.integers(1, 30)), int(rng.integers(0, 5)))
    covers = minimize_module._Covers.of(models)
    used = sorted({pi for model in models for pi in model})
    common = set.intersection(*(set(model) for model in models))
    assert covers.used == used
    assert [used[r] for r in covers.common] == sorted(common)
    for m, model in enumerate(models):
        assert [used[r] for r in covers.rows[covers.bounds[m]:covers.bounds[m + 1]].tolist()] == list(model)
        assert covers.pis[covers.bounds[m]:covers.bounds[m + 1]].tolist() == list(model)


def test_the_covers_layout_of_models_with_a_repeated_pi_falls_back_to_sets():
    # a PI twice in one model must not count as being in two models
    models = [(1, 1, 4), (2, 4), (1, 4, 7)]
    covers = minimize_module._Covers.of(models)
    assert [covers.used[r] for r in covers.common] == [4]
    assert minimize_module._Covers.of([]).common == []


def _plain_fits(memberships: np.ndarray, y: np.ndarray, models: list[list[int]]):
    for rows in models:
        direct = sufficiency_fit(memberships[rows].max(axis=0), y)
        uniques = unique_coverages(memberships[rows], y) if len(rows) > 1 else [math.nan]
        yield direct, uniques


@pytest.mark.parametrize("seed", range(8))
def test_model_fits_through_reused_scratch_buffers_equal_the_per_model_computation(seed):
    # several calls of different sizes in a row: each finds the buffers of the one before
    # (larger or smaller) and must not see their contents
    rng = np.random.default_rng(seed)
    release_scratch()
    for cases, terms, count in ((300, 40, 30), (50, 12, 5), (500, 60, 40), (80, 20, 64)):
        memberships = rng.choice([0.0, 0.1, 0.4, 0.6, 0.9, 1.0], size=(terms, cases))
        y = rng.random(cases).round(2)
        models = [list(model) for model in _random_models(rng, terms, count, int(rng.integers(0, 8)))]
        common = sorted(set.intersection(*(set(rows) for rows in models)))
        flat = np.concatenate([np.asarray(rows, dtype=np.int64) for rows in models])
        fits, uniques = model_fits(list(memberships), y, flat, [len(rows) for rows in models],
                                   (common, largest_two(memberships, common, cases)))
        at = 0
        for rows, fit, (direct, expected) in zip(models, fits, _plain_fits(memberships, y, models), strict=True):
            assert all(_same(getattr(fit, k), getattr(direct, k)) for k in ("inclS", "PRI", "covS"))
            assert all(_same(a, b) for a, b in zip(uniques[at:at + len(rows)].tolist(), expected, strict=True))
            at += len(rows)
    release_scratch()
    assert fit_module._SCRATCH.buffers is None


def test_models_with_the_same_sums_share_one_fit_object():
    rng = np.random.default_rng(3)
    memberships = rng.random((6, 50))
    y = rng.random(50)
    # models 0 and 1 have the same disjunction (term 5 lies under term 4 everywhere)
    memberships[5] = memberships[4] * 0.5
    models = [[0, 1, 4], [0, 1, 4, 5], [0, 1, 2]]
    got = disjunction_fits(list(memberships), y, models)
    assert got[0][0] is got[1][0]
    for (fit, _), (direct, _) in zip(got, _plain_fits(memberships, y, models), strict=True):
        assert all(_same(getattr(fit, k), getattr(direct, k)) for k in ("inclS", "PRI", "covS"))


@pytest.mark.parametrize("seed", range(10))
def test_simplifying_assumptions_by_packed_rows_equal_the_plain_or(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(4, 9))
    space = ConditionSpace([f"C{j}" for j in range(k)], [2] * k)
    primes = rng.integers(-1, 2, size=(int(rng.integers(8, 40)), k))
    models = _random_models(rng, len(primes), int(rng.integers(1, 20)), int(rng.integers(0, 4)))
    candidates = np.sort(rng.choice(space.n_rows, size=int(rng.integers(1, space.n_rows)), replace=False))
    covers = minimize_module._Covers.of(models)
    _, got = minimize_module._simplifying_assumptions(space, primes, covers, candidates)
    objects = np.empty(space.n_rows, dtype=object)
    objects[:] = range(1, space.n_rows + 1)
    _, shared = minimize_module._simplifying_assumptions(space, primes, covers, candidates, objects)
    for model, rows, rows_objects in zip(models, got, shared, strict=True):
        inside = covers_codes(space, primes[list(model)], candidates).any(axis=0)
        assert rows == rows_objects == (candidates[inside] + 1).tolist()


def test_easy_and_difficult_counterfactuals_split_each_parsimonious_models_assumptions():
    rng = np.random.default_rng(5)
    values = rng.choice([0.05, 0.3, 0.7, 0.95], size=(60, 7))
    names = [f"C{j}" for j in range(6)]
    tt = truth_table(Dataset([*names, "Y"], values), "Y", names, 0.7)
    parsimonious = minimize(tt, "parsimonious", check_contradictions=False).solutions[0]
    result = minimize(tt, "intermediate", dir_exp=",".join(names), check_contradictions=False)
    assert result.solutions
    for solution in result.solutions:
        j = int(solution.name.split("P")[1])
        assumed = parsimonious.simplifying_assumptions[f"M{j}"]
        easy, difficult = solution.easy_counterfactuals, solution.difficult_counterfactuals
        assert easy == sorted(easy) and difficult == sorted(difficult)
        assert not set(easy) & set(difficult)
        assert sorted(easy + difficult) == assumed
        assert all(type(row) is int for row in easy + difficult)


def test_the_kept_assumption_masks_are_the_bitsets_of_the_assumption_lists():
    from qca.engine.intermediate import to_bitset

    rng = np.random.default_rng(5)  # the data above: a parsimonious solution with assumptions
    values = rng.choice([0.05, 0.3, 0.7, 0.95], size=(60, 7))
    names = [f"C{j}" for j in range(6)]
    tt = truth_table(Dataset([*names, "Y"], values), "Y", names, 0.7)
    solution = minimize(tt, "parsimonious", check_contradictions=False).solutions[0]
    problem = problem_for(tt)
    candidates = np.setdiff1d(problem.not_negative(), problem.positive)  # remainders included
    assert solution.assumption_masks is not None and len(solution.assumption_masks) == len(solution.models)
    assert any(solution.simplifying_assumptions.values())
    for model, mask in zip(solution.models, solution.assumption_masks, strict=True):
        rows = np.asarray(solution.simplifying_assumptions[model.name], dtype=np.int64) - 1
        assert int.from_bytes(mask.tobytes(), "little") == to_bitset(np.searchsorted(candidates, rows), len(candidates))
