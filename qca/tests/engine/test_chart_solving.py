"""Chart solving by arrays (``cover_numeric``) against the definitions it replaces: the size
chart keeps the minimum cover size, weight sums are Python's sums bit for bit, and the
array-built masks and matrices are the loop-built ones."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_array, csr_array

from qca.engine import cover
from qca.engine.cover_numeric import packed_masks, sequential_weight_sums, size_chart
from qca.tests.engine.chart_helpers import one_block_search


def _chart(seed: int, configurations: int, pis: int, density: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chart = rng.random((pis, configurations)) < density
    if pis > 3:  # some duplicate and some dominated PIs, as parsimonious charts have
        chart[pis // 2] = chart[0]
        chart[pis // 3] = chart[1] & (rng.random(configurations) < 0.5)
    uncovered = np.flatnonzero(~chart.any(axis=0))
    chart[rng.integers(0, pis, size=len(uncovered)), uncovered] = True  # coverable
    return chart


def _minimum_size(chart: np.ndarray) -> int:
    """The optimum of min |x| s.t. every configuration is covered, by HiGHS on the full chart."""
    result = milp(np.ones(len(chart)), constraints=LinearConstraint(chart.T.astype(float), lb=1, ub=np.inf),
                  integrality=np.ones(len(chart)), bounds=Bounds(0, 1))
    assert result.status == 0
    return round(result.fun)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 70), st.sampled_from([0.05, 0.15, 0.4]))
def test_the_size_chart_keeps_the_minimum_cover_size_and_drops_exactly_the_dominated_pis(
    seed, configurations, pis, density,
):
    chart = _chart(seed, configurations, pis, density)
    kept = size_chart(np.packbits(chart, axis=1, bitorder="little")).tolist()
    sets = [frozenset(np.flatnonzero(row).tolist()) for row in chart]
    expected = [
        i for i, own in enumerate(sets)
        if own not in sets[:i] and not any(own < other for other in sets)
    ]
    assert kept == expected
    assert _minimum_size(chart[kept]) == _minimum_size(chart)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 300), st.integers(1, 40))
def test_weight_sums_are_pythons_left_to_right_sums_bit_for_bit(seed, width, count):
    rng = np.random.default_rng(seed)
    # LP duals are often simple fractions whose float sums depend on the order of addition
    choices = [float(Fraction(1, d)) for d in (1, 2, 3, 6, 7, 9)] + [0.0, 1e-17, 0.1, 0.7]
    weights = [choices[i] if i < len(choices) else rng.random() for i in rng.integers(0, 14, width)]
    masks = [int(rng.integers(0, 2, width) @ (1 << np.arange(width, dtype=object))) for _ in range(count)]
    uncovered = int(rng.integers(0, 2, width) @ (1 << np.arange(width, dtype=object))) or 1
    positions = np.array(cover._members(uncovered), dtype=np.intp)
    sums = sequential_weight_sums(packed_masks(masks, width), np.array(weights), positions).tolist()
    assert sums == [sum(weights[p] for p in cover._members(mask & uncovered)) for mask in masks]
    search = one_block_search(np.ones((1, width), dtype=bool))
    search.weights = weights
    assert search._reduced_costs_above(0.25) == [1.0 - sum(weights) > 0.25 + cover.DUAL_TOLERANCE]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 120), st.integers(2, 90), st.sampled_from([0.03, 0.08, 0.2]))
def test_array_built_masks_bitsets_and_matrix_equal_the_loop_built_ones(seed, configurations, pis, density):
    chart = _chart(seed, configurations, pis, density)
    assert cover._column_bitsets(chart) == [
        int.from_bytes(row.tobytes(), "little") for row in np.packbits(chart.T, axis=1, bitorder="little")]
    column_pis = cover._column_lists(chart)
    block = list(range(configurations))[::-1]  # positions need not follow the chart's order
    assert cover._pi_masks(block, column_pis, chart) == cover._pi_masks(block, column_pis)
    search = cover._BlockSearch(block, cover._column_bitsets(chart), cover._pi_masks(block, column_pis), None)
    every_other = sorted(search.pi_masks)[::2]
    for chosen in (None, every_other, every_other[::-1]):
        pis_used, matrix = search._sparse_matrix(chosen)
        rows, cols = [], []
        for j, pi in enumerate(pis_used):
            covered = cover._members(search.pi_masks[pi])
            rows += covered
            cols += [j] * len(covered)
        # HiGHS takes the matrix as CSC: the same arrays as the loop-built one's conversion
        loop_built = csc_array(csr_array((np.ones(len(rows)), (rows, cols)), shape=matrix.shape))
        assert matrix.format == "csc"
        for attribute in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(matrix, attribute), getattr(loop_built, attribute))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(65, 100), st.integers(40, 160), st.sampled_from([0.03, 0.06]))
def test_the_integer_program_on_the_size_chart_returns_a_minimum_cover_of_the_block(
    seed, configurations, pis, density,
):
    chart = _chart(seed, configurations, pis, density)
    best = one_block_search(chart)._solve_integer_program()
    assert chart[list(best)].any(axis=0).all()
    assert len(best) == _minimum_size(chart)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(65, 100), st.integers(60, 160))
def test_every_model_a_bounded_run_lists_is_a_minimum_cover(seed, configurations, pis):
    chart = _chart(seed, configurations, pis, 0.04)
    solved = cover.solve_chart(chart, limits=cover.ChartLimits(max_models=8, max_work=3_000))
    size = _minimum_size(chart)
    assert solved.models and len(set(solved.models)) == len(solved.models)
    for model in solved.models:
        assert chart[list(model)].any(axis=0).all() and len(model) == size
    assert solved.models == cover.solve_chart(chart, limits=cover.ChartLimits(max_models=8, max_work=3_000)).models


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 300), st.integers(1, 60), st.sampled_from([0.02, 0.1, 0.5]))
def test_packed_rows_as_csr_are_the_charts_rows(seed, width, count, density):
    from qca.engine.cover_heuristic import csr_of
    from qca.engine.cover_numeric import packed_csr

    chart = np.random.default_rng(seed).random((count, width)) < density
    indptr, indices, columns = packed_csr(np.packbits(chart, axis=1, bitorder="little"), width)
    assert columns == width
    assert [indices[indptr[i]:indptr[i + 1]].tolist() for i in range(count)] == [
        np.flatnonzero(row).tolist() for row in chart]
    expected = csr_of(chart)
    assert np.array_equal(indptr, expected[0]) and np.array_equal(indices, expected[1])
