"""The work shared across the intermediate charts of one truth table changes no result:
reductions started from a cached subset or core of terms, the per-row-id int objects of the
simplifying assumptions, the sorted-set shortcuts, and the prime implicants' pruned primality
test with reused word arrays -- each compared with the plain computation it replaces."""

from __future__ import annotations

import json
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qca.engine import minimize, truth_table
from qca.engine.errors import QCAComputationError
from qca.engine.fit import largest_two
from qca.engine.implicants import (
    _dense_prime_implicants,
    _packed_prime_implicants,
    release_word_buffers,
)
from qca.tests.engine.test_implicants import _masks, analyses, binary_rows

minimize_module = sys.modules["qca.engine.minimize"]
problem_module = sys.modules["qca.engine.problem"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=40), st.lists(st.integers(0, 60), max_size=40))
def test_sorted_difference_is_setdiff1d(first, second):
    codes = np.unique(np.asarray(first, dtype=np.int64))
    remove = np.unique(np.asarray(second, dtype=np.int64))
    for a in (codes, np.asarray(first, dtype=np.int64)):  # sorted distinct, and anything else
        got = minimize_module._sorted_difference(a, remove)
        expected = np.setdiff1d(a, remove)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)


class _Stub:
    """The part of a Problem that ``_reduction_of`` uses."""

    _reduction_of = problem_module.Problem._reduction_of

    def __init__(self, cases: int):
        self.memberships = type("M", (), {"n_cases": cases})()
        self._reduction_cache = problem_module.OrderedDict()
        self._reduction_bytes = 0


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**32 - 1), st.booleans())
def test_reductions_from_cached_subsets_and_cores_equal_one_pass(cases, seed, grid):
    rng = np.random.default_rng(seed)
    terms = 40
    memberships = rng.choice([0.0, 0.5, 1.0], size=(terms, cases)) if grid else rng.random((terms, cases))
    vectors = dict(enumerate(memberships))
    stub = _Stub(cases)
    base = set(rng.choice(terms, size=25, replace=False).tolist())
    for _ in range(30):  # sets that share most of their terms, as the intermediate charts do
        ids = set(rng.choice(sorted(base), size=int(rng.integers(15, 26)), replace=False).tolist())
        ids |= set(rng.choice(terms, size=int(rng.integers(0, 6))).tolist())
        ids = sorted(ids)
        first, second, top = stub._reduction_of(list(rng.permutation(ids).tolist()), vectors)
        plain = largest_two(memberships, ids, cases)
        assert np.array_equal(first, plain[0]) and np.array_equal(second, plain[1])
        # the row of the largest may differ only where two terms tie for it
        assert np.array_equal(memberships[top, np.arange(cases)], first)
        assert set(top.tolist()) <= set(ids)
        assert np.all((top == plain[2]) | (first == second))


def _results(case):
    data, names, dir_exp, incl_cut, n_cut = case
    tt = truth_table(data, "Y", names, incl_cut, n_cut)  # a fresh table: nothing cached
    try:
        return json.dumps([
            minimize(tt, kind, dir_exp=dir_exp if kind == "intermediate" else None, max_models=16).to_dict()
            for kind in ("complex", "parsimonious", "intermediate")
        ], sort_keys=True, allow_nan=True)
    except QCAComputationError:
        return None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analyses())
def test_no_sharing_gives_the_same_results(case):
    shared = _results(case)
    saved = (problem_module.REDUCTION_SEARCH, problem_module.ROW_ID_OBJECTS_LIMIT)
    try:
        problem_module.REDUCTION_SEARCH = 0  # every reduction in one pass
        problem_module.ROW_ID_OBJECTS_LIMIT = 0  # new ints in every list
        plain = _results(case)
    finally:
        problem_module.REDUCTION_SEARCH, problem_module.ROW_ID_OBJECTS_LIMIT = saved
    assert shared == plain


@settings(max_examples=150, deadline=None)
@given(binary_rows(), st.sampled_from([1, 8, 10**9]))
def test_packed_transform_with_reused_arrays_equals_the_bool_transform(case, sparse_words):
    space, allowed, positive = case
    from qca.engine import implicants

    saved = implicants._SPARSE_WORDS
    implicants._SPARSE_WORDS = sparse_words  # the pruned sparse test, and the per-axis passes
    try:
        expected = space.sort_terms(_dense_prime_implicants(space, *_masks(space, allowed, positive)))
        for _ in range(2):  # the second call writes into the first call's arrays
            got = space.sort_terms(_packed_prime_implicants(space, *_masks(space, allowed, positive)))
            assert np.array_equal(got, expected)
    finally:
        implicants._SPARSE_WORDS = saved
        release_word_buffers()
