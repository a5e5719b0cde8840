"""The faster chart-solving and fit paths give exactly what the plain computations give."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qca.engine import Dataset, cover, minimize, truth_table
from qca.engine.fit import disjunction_fits, sufficiency_fit, unique_coverages
from qca.engine.terms import covers_codes
from qca.tests.engine.chart_helpers import one_block_search


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@st.composite
def models_over_terms(draw):
    """Term memberships (ties likely), an outcome, and models sharing a core of terms."""
    terms = draw(st.integers(1, 12))
    cases = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    grid = draw(st.booleans())
    memberships = rng.choice([0.0, 0.2, 0.5, 0.8, 1.0], size=(terms, cases)) if grid else rng.random((terms, cases))
    y = rng.choice([0.0, 0.3, 1.0], size=cases) if draw(st.booleans()) else rng.random(cases)
    if draw(st.integers(0, 9)) == 0:
        y = np.zeros(cases)
    core = set(rng.choice(terms, size=int(rng.integers(0, terms + 1)), replace=False).tolist())
    models = []
    for _ in range(draw(st.integers(1, 8))):
        own = set(rng.choice(terms, size=int(rng.integers(0, min(terms, 5) + 1)), replace=False).tolist())
        models.append(sorted(core | own) or [0])
    return memberships, y, models, draw(st.sampled_from([1, 3, 1 << 20]))


@settings(max_examples=150, deadline=None)
@given(models_over_terms())
def test_disjunction_fits_equal_the_per_model_computation_bit_for_bit(case):
    memberships, y, models, chunk_models = case
    import qca.engine.fit as fit_module

    saved = fit_module.DISJUNCTION_CHUNK
    fit_module.DISJUNCTION_CHUNK = chunk_models * memberships.shape[1]  # batches of 1, 3, all models
    try:
        got = disjunction_fits(list(memberships), y, models)
    finally:
        fit_module.DISJUNCTION_CHUNK = saved
    assert len(got) == len(models)
    for rows, (fit, uniques) in zip(models, got, strict=True):
        direct = sufficiency_fit(memberships[rows].max(axis=0), y)
        assert all(_same(getattr(fit, k), getattr(direct, k)) for k in ("inclS", "PRI", "covS"))
        expected = unique_coverages(memberships[rows], y) if len(rows) > 1 else [math.nan]
        assert len(uniques) == len(rows)
        assert all(_same(a, b) for a, b in zip(uniques, expected, strict=True))
        if len(rows) > 1 and y.sum() > 0:
            # and the definition: covS(model) - covS(model without the term)
            total = np.minimum(memberships[rows].max(axis=0), y).sum()
            for i, unique in enumerate(uniques):
                without = np.minimum(np.delete(memberships[rows], i, axis=0).max(axis=0), y).sum()
                assert abs(unique - (total - without) / y.sum()) < 1e-12


def _plain_greedy(search: cover._BlockSearch) -> tuple[int, ...]:
    uncovered, chosen = (1 << len(search.columns)) - 1, []
    while uncovered:
        pi = max(search.pi_masks, key=lambda q: (search.pi_masks[q] & uncovered).bit_count())
        chosen.append(pi)
        uncovered &= ~search.pi_masks[pi]
    return tuple(sorted(chosen))


def _wide_chart(seed: int, configurations: int, pis: int, density: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chart = rng.random((pis, configurations)) < density
    chart[rng.integers(0, pis, size=configurations), np.arange(configurations)] = True  # coverable
    return chart


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 90), st.integers(2, 60), st.sampled_from([0.03, 0.08, 0.2]))
def test_lazy_greedy_cover_and_column_lists_match_the_plain_ones(seed, configurations, pis, density):
    chart = _wide_chart(seed, configurations, pis, density)
    assert cover._column_lists(chart) == [np.flatnonzero(column).tolist() for column in chart.T]
    search = one_block_search(chart)
    assert search._greedy_cover() == _plain_greedy(search)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(65, 90), st.integers(40, 100), st.sampled_from([0.03, 0.05]))
def test_wide_block_minimum_size_is_the_integer_programs(seed, configurations, pis, density):
    # greedy at the LP bound, the bounded probe at the LP bound, or the integer program:
    # whichever settles it, the size is the optimum and the cover it keeps is a cover
    chart = _wide_chart(seed, configurations, pis, density)
    search = one_block_search(chart)
    size = search.minimum_size()
    best = search.minimum_cover()
    assert len(best) == size
    covered = 0
    for pi in best:
        covered |= search.pi_masks[pi]
    assert covered == (1 << configurations) - 1
    assert size == len(one_block_search(chart)._solve_integer_program())


def test_the_probe_finds_a_cover_at_the_lp_bound_when_the_greedy_cover_misses_it():
    # a ring of 66 configurations, each PI covering two neighbours, plus one PI covering
    # the configurations 0, 2, 4: the greedy cover takes that PI first and needs 34 PIs,
    # the LP bound is 33 and the probe finds the 33 pairs (0,1), (2,3), ...
    n = 66
    chart = np.zeros((n + 1, n), dtype=bool)
    for i in range(n):
        chart[i, [i, (i + 1) % n]] = True
    chart[n, [0, 2, 4]] = True
    search = one_block_search(chart)
    search._lp_bound()
    assert len(search._greedy_cover()) == 34
    probe = search._probe_at(33)
    assert probe is not None and len(probe) == 33
    assert search.minimum_size() == 33
    assert len(cover.solve_chart(chart).models) == 2  # the two perfect matchings of the ring


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000), st.integers(66, 90), st.integers(50, 100))
def test_reusing_the_parents_lp_dual_keeps_every_minimum_cover(seed, configurations, pis):
    chart = _wide_chart(seed, configurations, pis, 0.03)
    limits = cover.ChartLimits(max_work=200_000)  # keeps the rare chart with huge ambiguity short
    fresh = cover.solve_chart(chart, limits=limits)
    saved = cover.LP_REUSE_CELLS
    cover.LP_REUSE_CELLS = 0  # every reduced chart takes the parent's dual
    try:
        reused = cover.solve_chart(chart, limits=limits)
    finally:
        cover.LP_REUSE_CELLS = saved
    assume(not fresh.truncated)
    assert not reused.truncated
    assert reused.models == fresh.models


def test_simplifying_assumptions_and_the_lazy_chart_matrix():
    rng = np.random.default_rng(11)
    values = rng.choice([0.05, 0.2, 0.8, 0.95], size=(40, 6))
    names = [f"C{j}" for j in range(5)]
    tt = truth_table(Dataset([*names, "Y"], values), "Y", names, 0.75)
    result = minimize(tt, "parsimonious", check_contradictions=False)
    space = tt.space
    remainders = np.setdiff1d(np.arange(space.n_rows), np.concatenate([tt.codes_with("1"), tt.codes_with("0", "C")]))
    solution = result.solutions[0]
    for model, terms in zip(solution.models, solution.model_terms, strict=True):
        inside = covers_codes(space, terms, remainders).any(axis=0)
        assert solution.simplifying_assumptions[model.name] == (remainders[inside] + 1).tolist()
    chart = solution.pi_chart
    assert chart.matrix == chart.cells.tolist() == chart.to_dict()["matrix"]
    assert len(chart.matrix) == len(chart.PIs) and all(len(row) == len(chart.configurations) for row in chart.matrix)
    # the sparse form the app stores says the same: per PI, the row ids its matrix row marks
    sparse = result.to_dict(pi_chart_matrix=False)["solutions"][0]["PIchart"]
    assert "matrix" not in sparse and sparse["PIs"] == chart.PIs
    assert sparse["covers"] == [[c for c, hit in zip(chart.configurations, row, strict=True) if hit]
                                for row in chart.matrix]


def test_a_bounded_run_skips_the_integer_program_on_a_too_wide_block_and_says_so(monkeypatch):
    # a block wider than a bounded run lets the integer program take (here forced to any
    # width): the local search's cover stands, flagged "not proven minimal", never silent
    chart = _wide_chart(7, 80, 90, 0.05)
    exact = len(one_block_search(chart)._solve_integer_program())
    monkeypatch.setattr(cover, "IP_MAX_COLUMNS", 0)
    monkeypatch.setattr(cover, "HEURISTIC_STEP_WORK", 10**9)  # a zero-move local search: its greedy start stands
    solved = cover.solve_chart(chart, limits=cover.ChartLimits(max_models=8, max_work=100))
    assert solved.truncated and any("not proven minimal" in note for note in solved.notes)
    for model in solved.models:
        assert chart[list(model)].any(axis=0).all()  # every model is a cover
        assert len(model) > exact  # larger than the minimum, and so flagged
