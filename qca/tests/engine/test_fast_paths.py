"""The session-5 shortcuts outside chart solving give exactly what the plain computations
give: PI names by chunk lookup, the bit-packed cube transform by contiguous runs (also
from two threads at once), distinct terms by integer codes, the easy counterfactuals of model
pairs from split PI pairs, the bitset conversions, and term fits from handed-in vectors."""

from __future__ import annotations

import sys
import threading

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qca.engine import truth_table
from qca.engine.errors import QCAComputationError
from qca.engine.implicants import _dense_prime_implicants, _extend_words, _packed_prime_implicants
from qca.engine.terms import ABSENT, ConditionSpace
from qca.tests.engine.test_implicants import _masks, analyses, binary_rows

minimize_module = sys.modules["qca.engine.minimize"]
implicants_module = sys.modules["qca.engine.implicants"]
intermediate_module = sys.modules["qca.engine.intermediate"]


@st.composite
def spaces_and_terms(draw):
    k = draw(st.integers(1, 22))
    levels = tuple(draw(st.sampled_from([2, 2, 2, 3, 4])) for _ in range(k))
    space = ConditionSpace(tuple(f"N{j}x" for j in range(k)), levels)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = draw(st.integers(0, 40))
    terms = np.column_stack([rng.integers(-1, level, size=count) for level in levels]).reshape(count, k)
    if count and draw(st.booleans()):
        terms[0] = ABSENT  # the empty conjunction, "1"
    return space, terms


@settings(max_examples=200, deadline=None)
@given(spaces_and_terms())
def test_pi_names_by_lookup_equal_the_joined_literals(case):
    space, terms = case
    assert space.to_strings(terms) == [space.to_string(term) for term in terms]


def _extend_words_per_axis(words: np.ndarray, combine) -> np.ndarray:
    """The transform as it was: extend the (3,)*m array axis by axis, in place."""
    m = words.ndim
    out = np.empty((3,) * m, dtype=words.dtype)
    out[(slice(0, 2),) * m] = words
    for axis in range(m):
        before, after = (slice(None),) * axis, (slice(0, 2),) * (m - axis - 1) + (Ellipsis,)
        combine(out[before + (0,) + after], out[before + (1,) + after], out=out[before + (2,) + after])
    return out


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 9), st.integers(0, 2**32 - 1), st.sampled_from(["and", "or"]))
def test_extend_words_equals_the_per_axis_transform(m, seed, kind):
    rng = np.random.default_rng(seed)
    combine = np.bitwise_and if kind == "and" else np.bitwise_or
    words = rng.integers(0, 2**32, size=(2,) * m, dtype=np.uint32)
    got = _extend_words(words, combine)
    assert got.shape == (3,) * m
    assert np.array_equal(got, _extend_words_per_axis(words, combine))


@settings(max_examples=20, deadline=None)
@given(st.lists(binary_rows(min_k=4, max_k=8), min_size=2, max_size=4))
def test_packed_transform_from_two_threads_equals_the_bool_transform(cases):
    """Concurrent transforms (numpy releases the GIL) share no state but the kept OR
    transform, which is read-only."""
    expected = [space.sort_terms(_dense_prime_implicants(space, *_masks(space, a, p))) for space, a, p in cases]
    results: dict[tuple[int, int], np.ndarray] = {}

    def work(thread: int) -> None:
        for repeat in range(5):
            for index, (space, allowed, positive) in enumerate(cases):
                got = space.sort_terms(_packed_prime_implicants(space, *_masks(space, allowed, positive)))
                results.setdefault((thread, index), got)
                assert np.array_equal(got, results[thread, index])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 * len(cases)
    for (_, index), got in results.items():
        assert np.array_equal(got, expected[index])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 40), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_distinct_terms_by_codes_equal_the_row_wise_unique(k, levels, seed):
    rng = np.random.default_rng(seed)
    model_terms = [rng.integers(-1, levels, size=(int(rng.integers(0, 12)), k)) for _ in range(int(rng.integers(1, 6)))]
    model_terms[0] = np.concatenate([model_terms[0], model_terms[0][:2]])  # repeated terms
    distinct, per_model = minimize_module._distinct_terms(model_terms)
    stacked = np.concatenate(model_terms)
    reference, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.ravel().tolist()
    assert np.array_equal(distinct, reference) and distinct.dtype == reference.dtype
    start = 0
    for terms, indices in zip(model_terms, per_model, strict=True):
        assert indices == set(inverse[start:start + len(terms)])
        start += len(terms)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_easy_rows_of_model_pairs_equal_the_or_over_their_pi_pairs(seed):
    rng = np.random.default_rng(seed)
    n_c, n_p, bits = int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 200))
    pair_rows = {
        (c, p): int(rng.integers(0, 2**min(bits, 62))) << int(rng.integers(0, bits))
        for c in range(n_c) for p in range(n_p) if rng.random() < 0.6
    }
    # models share PIs more often than not, as in real charts
    c_shared = {c for c in range(n_c) if rng.random() < 0.5}
    p_shared = {p for p in range(n_p) if rng.random() < 0.5}
    c_index = [c_shared | {c for c in range(n_c) if rng.random() < 0.4} for _ in range(int(rng.integers(1, 5)))]
    p_index = [p_shared | {p for p in range(n_p) if rng.random() < 0.4} for _ in range(int(rng.integers(1, 5)))]
    parts = intermediate_module.EasyParts(pair_rows, c_index, p_index)
    for i, c_rows in enumerate(c_index):
        for j, p_rows in enumerate(p_index):
            expected = 0
            for (c, p), rows in pair_rows.items():
                if c in c_rows and p in p_rows:
                    expected |= rows
            assert parts.rows(i, j) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300), st.integers(0, 2**32 - 1))
def test_bitset_conversions_equal_the_shifts(size, seed):
    rng = np.random.default_rng(seed)
    positions = np.flatnonzero(rng.random(size) < rng.random())
    mask = 0
    for position in positions.tolist():
        mask |= 1 << position
    assert intermediate_module.to_bitset(positions, size) == mask
    assert np.flatnonzero(intermediate_module.from_bitset(mask, size)).tolist() == positions.tolist()


@settings(max_examples=40, deadline=None)
@given(analyses(), st.integers(0, 2**32 - 1))
def test_term_fits_from_handed_in_vectors_equal_the_cached_path(case, seed):
    data, names, _, incl_cut, n_cut = case
    tt = truth_table(data, "Y", names, incl_cut, n_cut)
    try:
        problem = minimize_module.problem_for(tt)
    except QCAComputationError:  # no positive row: nothing to fit
        return
    terms = np.random.default_rng(seed).integers(-1, 2, size=(8, len(names)))
    vectors = [problem.memberships.of_term(term) for term in terms]
    order = np.random.default_rng(seed).permutation(len(terms))  # vectors must follow their terms
    handed = problem.term_fits(terms[order], [vectors[i] for i in order])
    problem._term_fit_cache.clear()
    cached = problem.term_fits(terms[order])
    assert [repr((f.inclS, f.PRI, f.covS)) for f in handed] == [repr((f.inclS, f.PRI, f.covS)) for f in cached]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=40), st.booleans())
def test_sorted_distinct_codes_equal_unique(codes, presorted):
    if presorted:
        codes = sorted(set(codes))
    expected = np.unique(np.asarray(codes, dtype=np.int64))
    got = implicants_module._sorted_distinct(np.asarray(codes, dtype=np.int64))
    assert np.array_equal(got, expected) and got.dtype == expected.dtype
