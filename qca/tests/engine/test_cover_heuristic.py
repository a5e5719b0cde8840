"""The weighted local search for set cover (``cover_heuristic``) and the bounded policy of
``cover`` around it: the search's incremental state (counts, owners, uncovered elements,
scores) equals its definition after any sequence of adds, drops and weight raises, and its
choice follows the stated tie rule; valid, deterministic covers that reach the optimum on
small charts; a bounded run that never calls the integer program when the local search
meets the LP bound; proven sizes are the minimum, unproven ones say so with the LP bound; a
known cover leads the enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from qca.engine import cover
from qca.engine.cover_heuristic import PRIORITY_TOLERANCE, _State, csr_of, local_search_cover
from qca.tests.engine.chart_helpers import one_block_search


def _chart(seed: int, pis: int, configurations: int, density: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chart = rng.random((pis, configurations)) < density
    chart[rng.integers(0, pis, size=configurations), np.arange(configurations)] = True  # coverable
    return chart


def _is_cover(chart: np.ndarray, rows) -> bool:
    return bool(chart[list(rows)].any(axis=0).all())


def _brute_force_minimum(chart: np.ndarray) -> int:
    for size in range(1, len(chart) + 1):
        if any(_is_cover(chart, rows) for rows in itertools.combinations(range(len(chart)), size)):
            return size
    raise AssertionError("not coverable")


def _integer_program_minimum(chart: np.ndarray) -> int:
    result = scipy.optimize.milp(
        np.ones(len(chart)), integrality=np.ones(len(chart)), bounds=scipy.optimize.Bounds(0, 1),
        constraints=scipy.optimize.LinearConstraint(chart.T.astype(float), lb=1, ub=np.inf))
    assert result.status == 0
    return round(result.fun)


def _ring(n: int) -> np.ndarray:
    """n configurations in a ring, each PI covering two neighbours, plus one PI covering
    configurations 0, 2, 4 (the greedy cover takes it first and needs n/2 + 1 PIs)."""
    chart = np.zeros((n + 1, n), dtype=bool)
    for i in range(n):
        chart[i, [i, (i + 1) % n]] = True
    chart[n, [0, 2, 4]] = True
    return chart


@pytest.fixture
def milp_calls(monkeypatch):
    """Counts calls of HiGHS ``milp`` (the real one runs)."""
    calls = []
    real = scipy.optimize.milp

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", counted)
    return calls


def _fresh_state(chart: np.ndarray, priority=None) -> _State:
    indptr, indices, width = csr_of(chart)
    return _State(indptr, indices, width, None if priority is None else np.asarray(priority, dtype=float))


def _assert_state_is_exact(chart: np.ndarray, state: _State) -> None:
    """Every incrementally kept figure equals its definition, recomputed from the cover."""
    inside = np.flatnonzero(state.inside)
    counts = chart[inside].sum(axis=0)
    weights = np.array(state.weight)
    assert state.count == counts.tolist() and state.size == len(inside)
    assert state.uncovered == np.flatnonzero(counts == 0).tolist()
    for element in np.flatnonzero(counts == 1).tolist():  # the owner of a once-covered element
        assert state.owner_sum[element] == int(inside[chart[inside, element]][0])
    for s in range(len(chart)):
        if state.inside[s]:  # minus what only it covers
            assert state.score[s] == -int(weights[chart[s] & (counts == 1)].sum())
        else:  # what it would newly cover
            assert state.score[s] == int(weights[chart[s] & (counts == 0)].sum())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 12), st.integers(1, 15), st.sampled_from([0.1, 0.3, 0.6]),
       st.lists(st.integers(0, 2), min_size=1, max_size=40))
def test_the_incremental_state_equals_its_definition_after_any_moves(seed, pis, configurations, density, moves):
    chart = _chart(seed, pis, configurations, density)
    state = _fresh_state(chart)
    rng = np.random.default_rng(seed)
    for step, move in enumerate(moves, start=1):
        inside, outside = np.flatnonzero(state.inside), np.flatnonzero(~state.inside)
        if move == 0 and len(outside):
            state.add(int(rng.choice(outside)), step)
        elif move == 1 and len(inside):
            state.drop(int(rng.choice(inside)), step)
        elif state.uncovered:
            state.raise_weights()
        _assert_state_is_exact(chart, state)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 12), st.booleans(), st.booleans(),
       st.lists(st.integers(0, 3), min_size=2, max_size=12))
def test_the_choice_of_a_set_follows_score_then_priority_then_age_then_id(seed, pis, dropping, with_priority, scores):
    rng = np.random.default_rng(seed)
    state = _fresh_state(np.ones((pis, 1), dtype=bool))
    state.score = rng.choice(scores, size=pis).astype(np.int64)  # few distinct values: many ties
    state.stamp = rng.integers(0, 3, size=pis)
    # priorities on a coarse grid plus noise below the tolerance: ties within it
    state.priority = (rng.integers(0, 3, size=pis) + rng.random(pis) * PRIORITY_TOLERANCE / 2) if with_priority else None
    candidates = np.flatnonzero(rng.random(pis) < 0.7)
    if len(candidates) == 0:
        candidates = np.array([0])
    top = max(state.score[c] for c in candidates)
    tied = [int(c) for c in candidates if state.score[c] == top]
    if state.priority is not None and len(tied) > 1:
        ranks = [state.priority[c] for c in tied]
        if dropping:
            tied = [c for c, p in zip(tied, ranks) if p >= max(ranks) - PRIORITY_TOLERANCE]
        else:
            tied = [c for c, p in zip(tied, ranks) if p <= min(ranks) + PRIORITY_TOLERANCE]
    expected = min(tied, key=lambda c: (state.stamp[c], c))
    assert state.best_of(candidates, dropping) == expected


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 60), st.integers(5, 60), st.sampled_from([0.05, 0.15]))
def test_the_search_is_the_same_on_a_dense_chart_and_its_csr_form(seed, pis, configurations, density):
    chart = _chart(seed, pis, configurations, density)
    priority = np.random.default_rng(seed).random(pis)
    found = local_search_cover(chart, 1, 500, priority=priority)
    assert _is_cover(chart, found)
    assert local_search_cover(csr_of(chart), 1, 500, priority=priority) == found


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 10), st.integers(1, 25), st.sampled_from([0.1, 0.25, 0.5]))
def test_the_local_search_returns_a_deterministic_cover_of_the_brute_force_minimum_size(
    seed, pis, configurations, density,
):
    chart = _chart(seed, pis, configurations, density)
    found = local_search_cover(chart, 1, 2_000)
    assert found == sorted(set(found)) and _is_cover(chart, found)
    assert len(found) == _brute_force_minimum(chart)
    assert local_search_cover(chart, 1, 2_000) == found


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(30, 120), st.integers(40, 100), st.sampled_from([0.03, 0.06, 0.1]))
def test_on_wider_charts_the_local_search_reaches_the_integer_programs_optimum(seed, pis, configurations, density):
    chart = _chart(seed, pis, configurations, density)
    optimum = _integer_program_minimum(chart)
    found = local_search_cover(chart, optimum, 5_000)
    assert _is_cover(chart, found) and len(found) == optimum
    priority = np.random.default_rng(seed).random(pis)  # tie-breaks change the path, not validity
    again = local_search_cover(chart, optimum, 5_000, priority=priority)
    assert _is_cover(chart, again) and len(again) >= optimum
    assert local_search_cover(chart, optimum, 5_000, priority=priority) == again


def test_a_starting_cover_and_the_step_budget_are_respected():
    chart = _ring(66)
    start = list(range(66))  # every pair: a cover of 66 PIs
    assert len(local_search_cover(chart, 33, 0, initial=start)) == 33  # redundant PIs dropped
    assert len(local_search_cover(chart, 33, 2_000, initial=start)) == 33
    with pytest.raises(ValueError):
        local_search_cover(chart, 33, 10, initial=[0, 1])


def test_a_bounded_run_where_the_local_search_meets_the_lp_bound_calls_no_integer_program(milp_calls):
    chart = _ring(66)
    search = one_block_search(chart, max_work=300_000)
    assert search.minimum_size() == 33 and not search.unproven
    assert len(search._greedy_cover()) == 34  # the greedy cover alone does not prove it
    solved = cover.solve_chart(chart, limits=cover.ChartLimits(max_models=64, max_work=300_000))
    assert not milp_calls
    assert not solved.truncated and len(solved.models) == 2  # the two perfect matchings
    assert all(_is_cover(chart, model) and len(model) == 33 for model in solved.models)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.integers(70, 140), st.integers(66, 110))
def test_bounded_runs_list_minimum_covers_when_proven_and_say_unproven_with_the_lp_bound(seed, pis, configurations):
    chart = _chart(seed, pis, configurations, 0.05)
    optimum = _integer_program_minimum(chart)
    limits = cover.ChartLimits(max_models=8, max_work=20_000)
    solved = cover.solve_chart(chart, limits=limits)
    assert solved.models and len(set(solved.models)) == len(solved.models)
    assert all(_is_cover(chart, model) for model in solved.models)
    unproven = [note for note in solved.notes if "not proven minimal" in note]
    if unproven:
        assert all(len(model) >= optimum for model in solved.models)
        assert "LP lower bound" in unproven[0]
    else:
        assert all(len(model) == optimum for model in solved.models)
    assert cover.solve_chart(chart, limits=limits).models == solved.models


@pytest.mark.parametrize("seed, pis, configurations", [(0, 110, 90), (3, 150, 120)])
def test_a_chart_the_bounded_integer_program_may_not_take_is_listed_unproven_with_its_lp_bound(
    seed, pis, configurations, milp_calls, monkeypatch,
):
    chart = _chart(seed, pis, configurations, 0.04)  # LP bound below the optimum
    monkeypatch.setattr(cover, "IP_MAX_NONZEROS", 0)  # the integer program never fits
    solved = cover.solve_chart(chart, limits=cover.ChartLimits(max_models=4, max_work=3_000))
    assert not milp_calls
    optimum = _integer_program_minimum(chart)
    assert solved.truncated and all(_is_cover(chart, model) for model in solved.models)
    note = next(note for note in solved.notes if "not proven minimal" in note)
    gap = int(note.split("up to ")[1].split(" PIs more")[0])
    size = len(solved.models[0])
    assert gap >= 1 and size - gap <= optimum <= size  # the LP bound is a true lower bound
    assert cover.solve_chart(chart, limits=cover.ChartLimits(max_models=4, max_work=3_000)).models == solved.models


def test_the_enumeration_lists_the_known_cover_first_however_small_its_budget():
    chart = _ring(66)
    search = one_block_search(chart, max_work=66 * 40)  # about one descent's worth of steps
    size = search.minimum_size()
    known = search.minimum_cover()
    covers, _ = search.minimum_covers(1, size)
    assert covers == [known]
