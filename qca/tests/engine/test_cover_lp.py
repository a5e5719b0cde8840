"""The covering LP by row and column generation (``cover_lp.covering_lp_dual``) against one
HiGHS call on the whole LP: the same optimum and bound, a dual that is feasible for every
PI, the same output twice. Real scipy throughout; charts are seeded random ones, charts of
subcubes of a hypercube (as parsimonious PI charts are) and hand-made ones."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_array

from qca.engine.cover_lp import covering_lp_dual
from qca.engine.cover_numeric import ragged_sequential_sums

BOUND_SLACK = 1e-6  # cover.DUAL_TOLERANCE: the bound is ceil(sum(y) - this)


def csr_from_sets(sets: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=indptr[1:])
    indices = np.array([p for s in sets for p in sorted(set(s))], dtype=np.int64)
    return indptr, indices


def random_chart(seed: int, width: int, pi_count: int, mean_size: float) -> tuple[np.ndarray, np.ndarray]:
    """PIs of geometric sizes over random configurations; each configuration gets at least
    one PI (as every configuration of a block has a candidate)."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(pi_count):
        size = min(width, int(rng.geometric(1.0 / mean_size)))
        sets.append(rng.choice(width, size=size, replace=False).tolist())
    covered = {p for s in sets for p in s}
    for p in range(width):
        if p not in covered:
            sets[int(rng.integers(pi_count))].append(p)
    return csr_from_sets(sets)


def subcube_chart(seed: int, k: int, observed: int, max_dimension: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Configurations: ``observed`` random vertices of the k-cube; PIs: every subcube of at
    most ``max_dimension`` free conditions holding at least one of them (the others are
    don't-cares, as remainders are in a parsimonious solution)."""
    rng = np.random.default_rng(seed)
    vertices = np.sort(rng.choice(1 << k, size=observed, replace=False))
    position = {int(v): p for p, v in enumerate(vertices)}
    sets = []
    for dimension in range(max_dimension + 1):
        for free in itertools.combinations(range(k), dimension):
            free_mask = sum(1 << f for f in free)
            for base in range(1 << k):
                if base & free_mask:
                    continue
                members = [position[v] for v in (base | sum(1 << f for f, bit in zip(free, bits) if bit)
                                                  for bits in itertools.product((0, 1), repeat=dimension))
                           if v in position]
                if members:
                    sets.append(members)
    indptr, indices = csr_from_sets(sets)
    return indptr, indices, observed


def full_lp(indptr, indices, width) -> tuple[float, int]:
    """One HiGHS call on the whole LP, as ``cover._BlockSearch._lp_bound`` makes it: the
    optimum and the bound of its rescaled dual."""
    pis = csr_array((np.ones(len(indices)), indices, indptr), shape=(len(indptr) - 1, width))
    result = linprog(np.ones(pis.shape[0]), A_ub=-pis.T, b_ub=-np.ones(width), bounds=(0, None), method="highs")
    assert result.status == 0
    dual = np.clip(-result.ineqlin.marginals, 0.0, None)
    heaviest = float((pis @ dual).max())
    if heaviest > 1.0:
        dual /= heaviest
    return float(result.fun), math.ceil(dual.sum() - BOUND_SLACK)


def check(indptr, indices, width, **options) -> tuple[np.ndarray, float]:
    """covering_lp_dual against the full LP: optimum, bound, y >= 0, every PI's sum <= 1
    exactly as cover adds them (left to right: ``ragged_sequential_sums``, Python's sum,
    the CSR mat-vec) and within rounding in numpy's pairwise order."""
    solved = covering_lp_dual(indptr, indices, width, **options)
    assert solved is not None
    y, optimum = solved
    assert y.shape == (width,) and y.dtype == float
    expected_optimum, expected_bound = full_lp(indptr, indices, width)
    assert optimum == pytest.approx(expected_optimum, abs=1e-7)
    assert math.ceil(y.sum() - BOUND_SLACK) == expected_bound
    assert y.sum() == pytest.approx(optimum, abs=1e-6)  # an optimal dual, not just a feasible one
    assert (y >= 0.0).all()
    assert ragged_sequential_sums(indptr, y[indices]).max(initial=0.0) <= 1.0
    assert max((sum(y[indices[a:b]].tolist()) for a, b in itertools.pairwise(indptr)), default=0.0) <= 1.0
    pis = csr_array((np.ones(len(indices)), indices, indptr), shape=(len(indptr) - 1, width))
    assert (pis @ y).max(initial=0.0) <= 1.0
    longest = int(np.diff(indptr).max(initial=1))
    pairwise = max((float(np.sum(y[indices[a:b]])) for a, b in itertools.pairwise(indptr)), default=0.0)
    assert pairwise <= 1.0 + 2 * longest * np.finfo(float).eps
    return y, optimum


@pytest.mark.parametrize("seed", range(12))
def test_random_charts_by_generation_match_the_full_lp(seed):
    rng = np.random.default_rng(100 + seed)
    width = int(rng.integers(80, 400))
    pi_count = int(rng.integers(width // 2, 4 * width))
    indptr, indices = random_chart(seed, width, pi_count, mean_size=float(rng.uniform(2.0, 12.0)))
    # generation forced (these charts are small) and few initial rows: rows join by rounds
    stats: dict = {}
    check(indptr, indices, width, method="generation", initial_rows=int(rng.integers(1, 60)), stats=stats)
    assert stats["method"] == "generation"
    check(indptr, indices, width, method="interior")


@pytest.mark.parametrize("seed", range(4))
def test_random_charts_with_default_settings_match_the_full_lp(seed):
    indptr, indices = random_chart(500 + seed, 60 + 40 * seed, 300, mean_size=4.0)
    stats: dict = {}
    check(indptr, indices, 60 + 40 * seed, stats=stats)
    assert stats["method"] == "simplex"  # small: one HiGHS call, as _lp_bound makes it


def test_a_chart_of_many_candidates_per_configuration_takes_the_generation():
    indptr, indices = random_chart(7, 600, 6_000, mean_size=6.0)
    assert len(indices) >= 40 * 600  # GENERATION_CANDIDATES per configuration
    stats: dict = {}
    check(indptr, indices, 600, stats=stats)
    assert stats["method"] == "generation" and stats["rounds"] > 1
    assert stats["columns"] < 6_000  # the restricted LP left PIs out


def test_a_sparse_wide_chart_takes_the_interior_point():
    indptr, indices = random_chart(8, 3_000, 5_000, mean_size=3.0)
    assert 10_000 < len(indices) < 40 * 3_000
    stats: dict = {}
    check(indptr, indices, 3_000, stats=stats)
    assert stats["method"] == "interior"


@pytest.mark.parametrize(("seed", "k", "observed", "max_dimension"), [
    (1, 7, 60, 2), (2, 8, 120, 3), (3, 8, 200, 2), (4, 9, 150, 3),
])
def test_subcube_charts_match_the_full_lp(seed, k, observed, max_dimension):
    indptr, indices, width = subcube_chart(seed, k, observed, max_dimension)
    for method in ("simplex", "interior", "generation"):
        check(indptr, indices, width, method=method, initial_rows=10)


@pytest.mark.parametrize(("width", "span"), [(7, 3), (100, 7), (301, 10)])
def test_cyclic_charts_have_the_fractional_optimum(width, span):
    # PI i covers i .. i + span - 1 (mod width): every configuration in span PIs, so the
    # optimum is width / span (x = 1 / span everywhere) and the bound its ceiling
    sets = [[(i + j) % width for j in range(span)] for i in range(width)]
    indptr, indices = csr_from_sets(sets)
    y, optimum = check(indptr, indices, width, method="generation", initial_rows=2)
    assert optimum == pytest.approx(width / span, abs=1e-9)
    assert math.ceil(y.sum() - BOUND_SLACK) == math.ceil(width / span - BOUND_SLACK)


def test_fano_plane():
    lines = [[0, 1, 2], [0, 3, 4], [0, 5, 6], [1, 3, 5], [1, 4, 6], [2, 3, 6], [2, 4, 5]]
    indptr, indices = csr_from_sets(lines)
    y, optimum = check(indptr, indices, 7, method="generation", initial_rows=1)
    # every point on 3 lines of 3 points: optimum 7/3 (each line 1/3), bound 3 (the three
    # lines through a point do cover all seven)
    assert optimum == pytest.approx(7 / 3, abs=1e-9)
    assert math.ceil(y.sum() - BOUND_SLACK) == 3


@pytest.mark.parametrize("method", ["simplex", "interior", "generation"])
def test_same_output_twice(method):
    indptr, indices = random_chart(3, 250, 900, mean_size=5.0)
    first = covering_lp_dual(indptr, indices, 250, method=method, initial_rows=20)
    second = covering_lp_dual(indptr, indices, 250, method=method, initial_rows=20)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]


@pytest.mark.parametrize("method", ["simplex", "interior", "generation"])
def test_one_pi_covering_everything(method):
    # plus PIs of one configuration each: the big one alone is the minimum cover
    sets = [list(range(50))] + [[p] for p in range(50)]
    indptr, indices = csr_from_sets(sets)
    y, optimum = check(indptr, indices, 50, method=method, initial_rows=5)
    assert optimum == pytest.approx(1.0, abs=1e-9)
    assert math.ceil(y.sum() - BOUND_SLACK) == 1


@pytest.mark.parametrize("method", ["simplex", "interior", "generation"])
def test_every_pi_covering_one_configuration(method):
    # two PIs per configuration, each covering only it: every configuration needs its own
    sets = [[p] for p in range(40)] + [[p] for p in range(39, -1, -1)]
    indptr, indices = csr_from_sets(sets)
    y, optimum = check(indptr, indices, 40, method=method, initial_rows=3)
    assert optimum == pytest.approx(40.0, abs=1e-9)
    assert np.allclose(y, 1.0)


def test_a_single_configuration():
    indptr, indices = csr_from_sets([[0], [0], [0]])
    y, optimum = check(indptr, indices, 1)
    assert optimum == pytest.approx(1.0) and y.tolist() == [1.0]


def test_no_configurations_is_the_empty_cover():
    # a chart of no configurations (solve_chart answers it before any block; defined here
    # for completeness): nothing to cover, optimum 0, no weights -- with or without PIs
    for indptr in (np.zeros(1, dtype=np.int64), np.zeros(4, dtype=np.int64)):
        y, optimum = covering_lp_dual(indptr, np.zeros(0, dtype=np.int64), 0)
        assert y.shape == (0,) and optimum == 0.0


def test_an_uncovered_configuration_is_rejected():
    indptr, indices = csr_from_sets([[0, 1], [1]])
    with pytest.raises(ValueError, match="every configuration"):
        covering_lp_dual(indptr, indices, 3)  # configuration 2: no PI
    with pytest.raises(ValueError, match="every configuration"):
        covering_lp_dual(indptr, indices, 1)  # index 1 beyond the width
    with pytest.raises(ValueError, match="every configuration"):
        covering_lp_dual(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), 2)  # no PIs
    with pytest.raises(ValueError, match="method"):
        covering_lp_dual(indptr, indices, 2, method="barrier")
