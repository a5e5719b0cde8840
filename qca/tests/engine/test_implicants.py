"""The prime-implicant searches agree with each other: the bool cube transform (the
reference), its bit-packed form, the iterated consensus over the intermediate solution's
simplified terms, and -- at the level of ``minimize().to_dict()`` -- the old path (the
intermediate solution's allowed rows by the bool transform) and the new one."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qca.engine import Dataset, minimize, truth_table
from qca.engine.errors import QCAComputationError
from qca.engine.implicants import (
    _dense_prime_implicants,
    _packed_prime_implicants,
    cube_prime_implicants,
    rows_of_terms,
)
from qca.engine.terms import ABSENT, ConditionSpace

implicants = sys.modules["qca.engine.implicants"]
minimize_module = sys.modules["qca.engine.minimize"]


def _masks(space: ConditionSpace, allowed: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    allowed_mask = np.zeros(space.n_rows, dtype=bool)
    allowed_mask[allowed] = True
    positive_mask = np.zeros(space.n_rows, dtype=bool)
    positive_mask[positive] = True
    return allowed_mask, positive_mask


@st.composite
def binary_rows(draw, min_k=4, max_k=9):
    k = draw(st.integers(min_k, max_k))
    space = ConditionSpace(tuple(f"C{j}" for j in range(k)), (2,) * k)
    density = draw(st.sampled_from([0.05, 0.3, 0.7, 0.95, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    allowed = np.flatnonzero(rng.random(space.n_rows) < density)
    if len(allowed) == 0:
        allowed = np.array([int(rng.integers(space.n_rows))])
    positive = allowed[rng.random(len(allowed)) < draw(st.sampled_from([0.02, 0.3, 1.0]))]
    if len(positive) == 0:
        positive = allowed[:1]
    return space, allowed, positive


@pytest.mark.parametrize("sparse_words", [0, 10**9], ids=["primality-on-candidate-words", "primality-per-axis"])
@settings(max_examples=60, deadline=None)
@given(binary_rows())
def test_packed_cube_transform_matches_the_bool_transform(sparse_words, case):
    space, allowed, positive = case
    allowed_mask, positive_mask = _masks(space, allowed, positive)
    reference = space.sort_terms(_dense_prime_implicants(space, allowed_mask, positive_mask))
    saved = implicants._SPARSE_WORDS
    implicants._SPARSE_WORDS = sparse_words
    try:
        packed = space.sort_terms(_packed_prime_implicants(space, allowed_mask, positive_mask))
    finally:
        implicants._SPARSE_WORDS = saved
    assert len(reference) > 0
    assert np.array_equal(reference, packed)


@st.composite
def union_of_cubes(draw):
    """Positive rows plus the rows of some terms (the intermediate solution's allowed rows);
    rows outside are negative (0 or contradictions), rows of the terms that are not positive
    are remainders or don't-care rows. Binary or multi-value."""
    k = draw(st.integers(1, 6))
    multivalue = draw(st.booleans())
    levels = tuple(draw(st.integers(2, 4)) if multivalue else 2 for _ in range(k))
    space = ConditionSpace(tuple(f"C{j}" for j in range(k)), levels)
    term = st.tuples(*(st.one_of(st.just(ABSENT), st.integers(0, level - 1)) for level in levels))
    terms = np.array(draw(st.lists(term, max_size=6)), dtype=np.int64).reshape(-1, k)
    positive = np.array(sorted(draw(st.sets(st.integers(0, space.n_rows - 1), min_size=1, max_size=8))),
                        dtype=np.int64)
    return space, terms, positive


@settings(max_examples=300, deadline=None)
@given(union_of_cubes())
def test_consensus_over_cubes_matches_the_cube_transform(case):
    space, terms, positive = case
    allowed = np.union1d(positive, rows_of_terms(space, terms))
    reference = space.sort_terms(_dense_prime_implicants(space, *_masks(space, allowed, positive)))
    found = cube_prime_implicants(space, terms, positive)
    assert found is not None
    assert np.array_equal(reference, space.sort_terms(found))


def test_consensus_gives_up_past_its_limit():
    # the caller then minimises the rows; a consensus that stopped early is never used
    space = ConditionSpace(tuple(f"C{j}" for j in range(6)), (2,) * 6)
    positive = np.arange(0, 64, 3)
    terms = np.array([[0, ABSENT, 1, ABSENT, ABSENT, 0], [ABSENT, 1, ABSENT, 0, 1, ABSENT]])
    saved = implicants.CONSENSUS_LIMIT
    implicants.CONSENSUS_LIMIT = 3
    try:
        assert cube_prime_implicants(space, terms, positive) is None
    finally:
        implicants.CONSENSUS_LIMIT = saved


@st.composite
def analyses(draw):
    """Random crisp, fuzzy or multi-value data with directional expectations, a frequency
    cut (rows below it are don't-care) and sometimes two consistency cuts (contradictions)."""
    k = draw(st.integers(2, 5))
    n = draw(st.integers(6, 30))
    kind = draw(st.sampled_from(["fuzzy", "crisp", "multivalue"]))
    levels = [draw(st.integers(2, 3)) if kind == "multivalue" else 2 for _ in range(k)]
    if kind == "multivalue":
        levels[0] = 3  # at least one multi-value condition
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind == "fuzzy":
        x = rng.choice([0.0, 0.1, 0.3, 0.7, 0.9, 1.0], size=(n, k))
    else:
        x = np.column_stack([rng.integers(0, level, size=n) for level in levels]).astype(float)
        x[0] = np.array(levels) - 1  # every level occurs, so the data have the levels drawn
    y = rng.choice([0.0, 0.2, 0.6, 0.8, 1.0], size=n) if kind == "fuzzy" else rng.integers(0, 2, size=n).astype(float)
    names = [f"C{j}" for j in range(k)]
    expectations = []
    for j, level in enumerate(levels):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            expectations.append("-")
        elif level > 2:
            expectations.append(f"{names[j]}[{draw(st.integers(1, level - 1))}]")
        else:
            expectations.append(names[j] if choice == 1 else f"~{names[j]}")
    if k >= 3 and all(level == 2 for level in levels) and draw(st.booleans()):
        expectations.append(f"~{names[0]}*{names[1]}")  # a conjunctural expectation
    incl_cut = draw(st.sampled_from([0.8, 1.0, [0.8, 0.5]]))
    n_cut = draw(st.sampled_from([1, 1, 2]))
    return Dataset([*names, "Y"], np.column_stack([x, y])), names, ", ".join(expectations), incl_cut, n_cut


def _intermediate(data, names, dir_exp, incl_cut, n_cut) -> str | None:
    tt = truth_table(data, "Y", names, incl_cut, n_cut)  # a fresh table: nothing cached
    try:
        result = minimize(tt, "intermediate", dir_exp=dir_exp, max_models=16)
    except QCAComputationError:
        return None
    return json.dumps(result.to_dict(), sort_keys=True, allow_nan=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analyses())
def test_intermediate_solutions_by_consensus_equal_the_old_path(case):
    # old: every allowed set by the bool cube transform; new: consensus over the simplified
    # terms (forced here at any number of conditions) -- the whole result must be identical
    saved = (minimize_module.INTERMEDIATE_BY_CONSENSUS, implicants.CONSENSUS_ABOVE_CELLS,
             implicants._packed_prime_implicants)
    try:
        minimize_module.INTERMEDIATE_BY_CONSENSUS = False
        implicants._packed_prime_implicants = _dense_prime_implicants
        old = _intermediate(*case)
        minimize_module.INTERMEDIATE_BY_CONSENSUS, implicants.CONSENSUS_ABOVE_CELLS = True, 0
        implicants._packed_prime_implicants = saved[2]
        new = _intermediate(*case)
    finally:
        (minimize_module.INTERMEDIATE_BY_CONSENSUS, implicants.CONSENSUS_ABOVE_CELLS,
         implicants._packed_prime_implicants) = saved
    assert old == new
