"""The array forms of chart preparation (``cover_chart._packed_columns``/``_column_csr``,
``cover_numeric.undominated_columns`` and ``ragged_sequential_sums``) against their
plain-Python references: the same lists and bit-identical sums, on random charts."""

from __future__ import annotations

import numpy as np
import pytest

from qca.engine import cover
from qca.engine.cover_chart import (
    _column_bitsets,
    _column_csr,
    _column_lists,
    _packed_columns,
    _undominated_columns,
)
from qca.engine.cover_numeric import (
    chart_nonzero,
    packed_csr,
    ragged_sequential_sums,
    undominated_columns,
)

SHAPES = [(1, 1), (7, 3), (8, 5), (9, 1), (17, 40), (300, 77), (64, 9), (5, 200), (20, 500), (2, 50)]


def _random_chart(rng: np.random.Generator, shape: tuple[int, int], density: float) -> np.ndarray:
    chart = rng.random(shape) < density
    chart[rng.integers(0, shape[0], shape[1]), np.arange(shape[1])] = True  # every column coverable
    return chart


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("density", [0.1, 0.5, 1.0])
def test_column_bitsets_and_lists_match_the_chart(shape, density):
    chart = _random_chart(np.random.default_rng(shape[0] * 1000 + shape[1]), shape, density)
    expected = [sum(1 << int(pi) for pi in np.flatnonzero(column)) for column in chart.T]
    assert _column_bitsets(chart) == expected
    assert _column_bitsets(np.asfortranarray(chart)) == expected
    assert _column_bitsets(chart, _packed_columns(chart)) == expected
    assert _column_lists(chart, _column_csr(chart)) == [np.flatnonzero(column).tolist() for column in chart.T]


@pytest.mark.parametrize("shape", SHAPES + [(0, 5), (5, 0), (3, 3), (1000, 37)])
@pytest.mark.parametrize("density", [0.0, 0.003, 0.1, 1.0])
def test_chart_nonzero_is_numpys_nonzero(shape, density):
    """The word-at-a-time scan gives numpy's arrays, whatever the shape (including a tail of
    fewer than 8 cells) and memory order."""
    chart = np.random.default_rng(shape[0] * 7 + shape[1]).random(shape) < density
    for layout in (chart, np.asfortranarray(chart)):
        rows, cols = chart_nonzero(layout)
        expected_rows, expected_cols = np.nonzero(chart)
        assert np.array_equal(rows, expected_rows) and np.array_equal(cols, expected_cols)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("density", [0.1, 0.4, 0.8, 1.0])
def test_undominated_columns_match_the_reference(shape, density):
    chart = _random_chart(np.random.default_rng(7 + shape[0] * 31 + shape[1]), shape, density)
    candidates = _column_bitsets(chart)
    reference = _undominated_columns(candidates, _column_lists(chart))
    arrays = undominated_columns(*_column_csr(chart), shape[0], candidates)
    assert arrays is None or arrays == reference
    # no kept column's candidates include another kept column's, every dropped one's do
    kept = set(reference)
    for c in range(shape[1]):
        subsets = [k for k in kept if k != c and candidates[k] & candidates[c] == candidates[k]]
        assert bool(subsets) == (c not in kept)


def test_undominated_columns_array_form_runs_where_pairs_are_few():
    """Many PIs, few per column: the array form answers (not the fallback) and agrees."""
    rng = np.random.default_rng(5)
    chart = _random_chart(rng, (3000, 400), 0.002)
    candidates = _column_bitsets(chart)
    arrays = undominated_columns(*_column_csr(chart), 3000, candidates)
    assert arrays is not None
    assert arrays == _undominated_columns(candidates, _column_lists(chart))


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (100, 70), (2000, 90), (50, 2), (30, 400)])
def test_ragged_sums_are_bit_identical_to_python_sum(shape):
    rng = np.random.default_rng(shape[0] + shape[1])
    chart = rng.random(shape) < rng.random()
    weights = rng.random(shape[1]) * rng.random(shape[1]) / 3
    indptr, indices, _ = packed_csr(np.packbits(chart, axis=1, bitorder="little"), shape[1])
    sums = ragged_sequential_sums(indptr, weights[indices])
    expected = np.array([sum(weights[j] for j in np.flatnonzero(row)) for row in chart])
    assert sums.tobytes() == expected.tobytes()


def test_solve_chart_unchanged_on_a_chart_with_dominated_and_duplicate_columns():
    """Duplicate and superset columns leave the minimal covers unchanged."""
    rng = np.random.default_rng(11)
    chart = _random_chart(rng, (12, 10), 0.3)
    widened = np.concatenate([chart, chart[:, :4], chart[:, :3] | chart[:, 3:6]], axis=1)
    assert cover.solve_chart(widened).models == cover.solve_chart(chart).models
