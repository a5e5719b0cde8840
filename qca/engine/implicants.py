"""Prime implicants.

Given the *allowed* configurations A (positive rows plus the remainders a solution may
use) and the positive rows P, we need every prime implicant of A that covers at least
one row of P: a conjunction all of whose configurations are in A, containing a positive
row, from which no literal can be dropped without leaving A. With A = P this yields the
conservative (complex) solution, with A = "not negative" the parsimonious one, and with
A = P plus the easy counterfactuals the intermediate one.

Algorithm ("ternary cube transform"): index every conjunction by a vector whose entry j
is a level of condition j or L_j for "absent" -- an array of shape (L_0+1, ..., L_k-1+1),
3^k cells for binary data. Whether a conjunction lies inside A is the AND of A over the
levels of each absent condition, computed axis by axis with numpy in O(k * 3^k); whether
it touches P is the same transform with OR. A conjunction inside A is prime when freeing
any one of its literals leaves A, again one vectorised pass per axis. For k = 16 this is
43 million cells, well under a second, with no Python loop over implicants.

Above ``DENSE_LIMIT`` cells (about k > 17) the arrays would not fit comfortably in
memory, and a sparse Quine-McCluskey merge over the allowed rows is used instead
(binary data only). The same merge is used when the allowed rows are few compared with
the cells (conservative and intermediate solutions: observed rows plus a few easy
counterfactuals), where it costs milliseconds instead of a pass over all 3^k cells; both
give the same prime implicants (checked by a property test). The merge's cost follows the
number of implicants, not of rows, so below ``DENSE_LIMIT`` it runs with a budget and hands
over to the cube transform when the allowed rows turn out to hold many implicants.
"""

from __future__ import annotations

import numpy as np

from .errors import QCAComputationError
from .terms import ABSENT, ConditionSpace

DENSE_LIMIT = 3**17
SPARSE_FACTOR = 512  # binary data with fewer allowed rows than cells / SPARSE_FACTOR: merge instead
# The merge's cost grows with the implicants of the allowed rows (3^d for a d-dimensional
# subcube of them), not with their number: when it meets more than cells / SPARSE_BUDGET
# implicants (e.g. the parsimonious solution at k = 16, ~65,000 allowed rows), it gives up
# and the cube transform answers instead (3 s instead of 70 s; same PIs either way).
SPARSE_BUDGET = 512


def _extend(array: np.ndarray, axis: int, combine) -> np.ndarray:
    """Append along ``axis`` one slice that combines all existing slices (the 'absent' level)."""
    reduced = combine.reduce(array, axis=axis, keepdims=True)
    return np.concatenate([array, reduced], axis=axis)


def _dense_prime_implicants(space: ConditionSpace, allowed: np.ndarray, positive: np.ndarray) -> np.ndarray:
    shape = space.levels
    inside = allowed.reshape(shape)
    touches = positive.reshape(shape)
    for axis in range(space.k):
        inside = _extend(inside, axis, np.logical_and)
        touches = _extend(touches, axis, np.logical_or)
    prime = inside & touches
    del touches
    for axis, levels in enumerate(shape):
        prime_view = np.moveaxis(prime, axis, 0)
        freed = np.moveaxis(inside, axis, 0)[levels]
        prime_view[:levels] &= ~freed[None, ...]
    cells = np.flatnonzero(prime)
    digits = np.array(np.unravel_index(cells, tuple(level + 1 for level in shape))).T
    digits = digits.astype(np.int64).reshape(len(cells), space.k)
    digits[digits == np.asarray(shape)[None, :]] = ABSENT
    return digits


def _sparse_prime_implicants(
    space: ConditionSpace, allowed_codes: np.ndarray, positive_codes: np.ndarray, budget: int | None = None
) -> np.ndarray | None:
    """Quine-McCluskey over bit codes: merge implicants differing in one fixed bit.
    Returns None when more than ``budget`` implicants were met (the caller then uses the
    cube transform)."""
    if space.multivalue:
        raise QCAComputationError(
            f"{space.k} multi-value conditions exceed the engine's limit for prime implicants"
        )
    k = space.k
    full = (1 << k) - 1
    free = np.zeros(len(allowed_codes), dtype=np.int64)  # bit set = condition absent
    value = np.asarray(allowed_codes, dtype=np.int64)
    primes_free, primes_value = [], []
    met = 0
    while len(value):
        met += len(value)
        if budget is not None and met > budget:
            return None
        keys = free << k | value
        order = np.argsort(keys)
        keys_sorted = keys[order]
        merged = np.zeros(len(value), dtype=bool)
        next_free, next_value = [], []
        for j in range(k):
            bit = np.int64(1) << (k - 1 - j)
            low = ((free & bit) == 0) & ((value & bit) == 0)
            partner = (free[low] << k) | (value[low] | bit)
            pos = np.searchsorted(keys_sorted, partner)
            pos = np.minimum(pos, len(keys_sorted) - 1)
            found = keys_sorted[pos] == partner
            idx_low = np.flatnonzero(low)[found]
            merged[idx_low] = True
            merged[order[pos[found]]] = True
            next_free.append(free[idx_low] | bit)
            next_value.append(value[idx_low])
        primes_free.append(free[~merged])
        primes_value.append(value[~merged])
        if not next_free:
            break
        stacked = np.unique(np.concatenate(next_free) << k | np.concatenate(next_value))
        free, value = stacked >> k, stacked & full
    free = np.concatenate(primes_free)
    value = np.concatenate(primes_value)
    terms = np.full((len(free), k), ABSENT, dtype=np.int64)
    for j in range(k):
        bit = 1 << (k - 1 - j)
        fixed = (free & bit) == 0
        terms[fixed, j] = (value[fixed] & bit) > 0
    positive_rows = space.decode(positive_codes)
    from .terms import covers

    keep = covers(terms, positive_rows).any(axis=1)
    return terms[keep]


def prime_implicants(space: ConditionSpace, allowed_codes: np.ndarray, positive_codes: np.ndarray) -> np.ndarray:
    """Prime implicants of the allowed rows that cover a positive row, in R's sort order."""
    allowed_codes = np.unique(np.asarray(allowed_codes, dtype=np.int64))
    positive_codes = np.unique(np.asarray(positive_codes, dtype=np.int64))
    cells = int(np.prod([level + 1 for level in space.levels], dtype=np.float64))
    few_rows = not space.multivalue and len(allowed_codes) * SPARSE_FACTOR <= cells
    terms = None
    if cells > DENSE_LIMIT:
        terms = _sparse_prime_implicants(space, allowed_codes, positive_codes)
    elif few_rows:
        terms = _sparse_prime_implicants(space, allowed_codes, positive_codes, budget=cells // SPARSE_BUDGET)
    if terms is None:
        allowed = np.zeros(space.n_rows, dtype=bool)
        allowed[allowed_codes] = True
        positive = np.zeros(space.n_rows, dtype=bool)
        positive[positive_codes] = True
        terms = _dense_prime_implicants(space, allowed, positive)
    return space.sort_terms(terms)


def rows_of_terms(space: ConditionSpace, terms: np.ndarray) -> np.ndarray:
    """Sorted codes of every configuration contained in any of the terms."""
    if len(terms) == 0:
        return np.zeros(0, dtype=np.int64)
    levels = np.asarray(space.levels, dtype=np.int64)
    radix = space.radix
    collected = []
    for term in terms:
        codes = np.zeros(1, dtype=np.int64)
        for j in range(space.k):
            options = np.arange(levels[j]) if term[j] == ABSENT else np.array([term[j]])
            codes = (codes[:, None] + options[None, :] * radix[j]).ravel()
        collected.append(codes)
    return np.unique(np.concatenate(collected))
