"""The cover search's two ways of reading a node's branching configuration and disjoint
bound (``cover_counts``: recounted at every node, or carried down the recursion) and its
two ways of ordering branches (tuples for few candidates, arrays for many) visit the same
nodes: the same covers in the same order and the same work. Seeded random charts, with and
without the LP dual that orders and cuts branches."""

from __future__ import annotations

import numpy as np
import pytest

from qca.engine import cover, cover_counts
from qca.tests.engine.chart_helpers import one_block_search

ALWAYS_CARRY, NEVER_CARRY = 0, 10**9  # cover_counts.CARRIED_COUNTS_WIDTH_SHARE
ALWAYS_TUPLES, ALWAYS_ARRAYS = 10**9, -1  # cover.FEW_BRANCHES


def random_chart(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pis, width = int(rng.integers(3, 40)), int(rng.integers(2, 90))
    chart = rng.random((pis, width)) < rng.choice([0.05, 0.1, 0.25])
    chart[rng.integers(0, pis, width), np.arange(width)] = True  # every configuration has a PI
    return chart


def enumerate_covers(chart: np.ndarray, *, dual: bool, max_found: int | None, max_work: int | None):
    search = one_block_search(chart, max_work)
    if dual:
        search._lp_bound()
    size = search.minimum_size()
    found, cut = search.minimum_covers(max_found, size)
    return found, cut, search.work, search.exhausted


@pytest.mark.parametrize("dual", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_every_strategy_lists_the_same_covers_with_the_same_work(monkeypatch, seed, dual):
    chart = random_chart(seed)
    bounds = [(None, None), (5, 400)][seed % 2]
    outcomes = []
    for share in (ALWAYS_CARRY, NEVER_CARRY):
        for few in (ALWAYS_TUPLES, ALWAYS_ARRAYS):
            monkeypatch.setattr(cover_counts, "CARRIED_COUNTS_WIDTH_SHARE", share)
            monkeypatch.setattr(cover, "FEW_BRANCHES", few)
            outcomes.append(enumerate_covers(chart, dual=dual, max_found=bounds[0], max_work=bounds[1]))
    assert outcomes[0][0], "a chart with a candidate for every configuration has a cover"
    assert all(outcome == outcomes[0] for outcome in outcomes[1:])


@pytest.mark.parametrize("seed", range(10))
def test_carried_counts_are_restored_when_the_search_returns(seed):
    chart = random_chart(seed)
    search = one_block_search(chart)
    everything = (1 << chart.shape[1]) - 1
    counts = cover_counts.CarriedCounts(search, [m.bit_count() for m in search.candidates], everything, 0)
    before = (list(counts.counts), list(counts.buckets))
    found: list[tuple[int, ...]] = []
    search._search(everything, 0, [], search.minimum_size(), found, None, None, counts=counts)
    assert found
    assert (counts.counts, counts.buckets) == before
    # and each count is the configuration's candidates (nothing excluded at the root)
    assert counts.counts == [m.bit_count() for m in search.candidates]


@pytest.mark.parametrize("seed", range(10))
def test_one_branch_weight_sum_is_the_array_sum_bit_for_bit(seed):
    """``_weight_sum`` (tuples path) against ``_weight_sums`` (arrays path): the same float,
    the sign of a zero included (LP duals are often exactly 0)."""
    chart = random_chart(seed)
    search = one_block_search(chart)
    search._lp_bound()
    rng = np.random.default_rng(seed)
    width = chart.shape[1]
    pis = list(search.pi_masks)
    for _ in range(20):
        uncovered = int(sum(1 << p for p in range(width) if rng.random() < 0.6)) or 1
        arrays = search._weight_sums(np.array(pis, dtype=np.int64), uncovered)
        one_by_one = np.array([search._weight_sum(pi, uncovered) for pi in pis])
        assert one_by_one.tobytes() == arrays.tobytes()
