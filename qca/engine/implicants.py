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
43 million cells (~2.9 s as bools); binary data use a bit-packed form of the same
transform (27 conjunctions per 32-bit word, 3^(k-3) words: ~0.04-0.13 s at k = 16), with
no Python loop over implicants. The bool array serves multi-value data (and the tests).

Above ``DENSE_LIMIT`` cells (about k > 17) the arrays would not fit comfortably in
memory, and a sparse Quine-McCluskey merge over the allowed rows is used instead
(binary data only). The same merge is used when the allowed rows are few compared with
the cells (conservative and intermediate solutions: observed rows plus a few easy
counterfactuals), where it costs milliseconds instead of a pass over all 3^k cells; both
give the same prime implicants (checked by a property test). The merge's cost follows the
number of implicants, not of rows, so below ``DENSE_LIMIT`` it runs with a budget and hands
over to the cube transform when the allowed rows turn out to hold many implicants.

When the allowed rows are known as a union of cubes (the intermediate solution: positive
rows plus its simplified terms), their prime implicants can also come from iterated
consensus over the cubes (:func:`cube_prime_implicants`), whose cost follows the number
of prime implicants; it is used above ``CONSENSUS_ABOVE_CELLS``, where it replaces the merge.
"""

from __future__ import annotations

import threading

import numpy as np

from .errors import QCAComputationError
from .terms import ABSENT, ConditionSpace, covers_codes

DENSE_LIMIT = 3**17
SPARSE_FACTOR = 512  # binary data with fewer allowed rows than cells / SPARSE_FACTOR: merge instead
# The merge's cost grows with the implicants of the allowed rows (3^d for a d-dimensional
# subcube of them), not with their number: when it meets more than cells / SPARSE_BUDGET
# implicants (e.g. the parsimonious solution at k = 16, ~65,000 allowed rows), it gives up
# and the cube transform answers instead (3 s instead of 70 s; same PIs either way).
SPARSE_BUDGET = 512
# The bit-packed transform (binary data, k > 3) is ~25x cheaper than the bool one (k = 16:
# ~0.04 s), so the merge must be cheaper still: fewer rows, and a smaller budget (the merge
# costs ~1.4 us per implicant; k = 16 intermediate, 14,000 rows: 0.12 s lost before the
# hand-over with the bool transform's budget).
PACKED_SPARSE_FACTOR = 16 * SPARSE_FACTOR
PACKED_SPARSE_BUDGET = 4 * SPARSE_BUDGET


def _extend(array: np.ndarray, axis: int, combine) -> np.ndarray:
    """Append along ``axis`` one slice that combines all existing slices (the 'absent' level)."""
    reduced = combine.reduce(array, axis=axis, keepdims=True)
    return np.concatenate([array, reduced], axis=axis)


def _dense_prime_implicants(space: ConditionSpace, allowed: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """The cube transform on bool arrays (any levels)."""
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


# Binary data: the cube transform on bit-packed words. The last three conditions' 2^3 rows
# become the 3^3 = 27 cells of one uint32 word (through a 256-entry lookup table), so the
# array over the other k - 3 conditions has 3^(k-3) words: 27x fewer elements than the bool
# array (k = 16: 6 MB per array instead of 43 MB), and AND/OR over those axes and the
# primality test work on whole words; primality inside a word is three shifts.
_PACKED = 3  # conditions per word
_WORD_CELLS = 3**_PACKED


def _word_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each 8-bit pattern of the packed conditions' rows: the word of the conjunctions
    inside it (AND) and of those touching it (OR); bit d0*9 + d1*3 + d2, digit 2 = absent."""
    rows = ((np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1).astype(bool)
    inside = touches = rows.reshape((256,) + (2,) * _PACKED)
    for axis in range(1, _PACKED + 1):
        inside = _extend(inside, axis, np.logical_and)
        touches = _extend(touches, axis, np.logical_or)
    weights = np.left_shift(np.uint64(1), np.arange(_WORD_CELLS, dtype=np.uint64))
    return tuple(
        (cells.reshape(256, _WORD_CELLS) * weights).sum(axis=1).astype(np.uint32) for cells in (inside, touches)
    )


_AND_WORDS, _OR_WORDS = _word_tables()
_DIGITS = np.array(np.unravel_index(np.arange(_WORD_CELLS), (3,) * _PACKED)).T  # bit -> digits
# per packed condition: its weight in the bit index, and the bits where it is absent
_ABSENT_BITS = [
    (3 ** (_PACKED - 1 - t), int(np.sum(np.left_shift(1, np.flatnonzero(_DIGITS[:, t] == 2)))))
    for t in range(_PACKED)
]


def _extend_words(words: np.ndarray, combine, buffers: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(2,)*m array of words -> (3,)*m: index 2 on an axis combines indices 0 and 1.

    The axes are extended last to first, the array viewed as (outer, 2, inner) -> (outer, 3,
    inner): every step is whole contiguous runs of 3^t words (extending axis by axis of the
    (3,)*m array moved runs of 2 or 3 words at a time: k = 16, ~17 ms -> ~1-2 ms). AND and
    OR are associative, commutative and idempotent: any axis order gives the same words.
    (Reusing buffers across calls to save the fresh arrays' page faults was measured: no
    gain at k = 16, and 22 MB more peak memory.) ``buffers``: two flat arrays of at least 3^m
    words the steps write into in turn (the result is a view of one of them): the
    intermediate charts' transforms, each between other allocations, page-faulted their fresh
    arrays in (latent k = 16: ~13 ms a call instead of ~2-3 ms)."""
    m = words.ndim
    current = words.reshape(-1)
    for t in range(m):
        outer, inner = 2 ** (m - 1 - t), 3**t
        if buffers is None:
            target = np.empty(outer * 3 * inner, dtype=words.dtype)
        else:
            target = buffers[t % 2][:outer * 3 * inner]
        source = current.reshape(outer, 2, inner)
        extended = target.reshape(outer, 3, inner)
        extended[:, :2] = source
        combine(source[:, 0], source[:, 1], out=extended[:, 2])
        current = target
    return current.reshape((3,) * m)


def _row_bytes(rows: np.ndarray) -> np.ndarray:
    """A bool array over the rows as bytes: bit i of byte r = row 8r + i."""
    return np.packbits(rows.reshape(-1, 8), axis=1, bitorder="little").ravel()


def _packed_prime_implicants(space: ConditionSpace, allowed: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """The cube transform of :func:`_dense_prime_implicants` for binary data, bit-packed."""
    m = space.k - _PACKED
    buffers = _word_buffers(3**m)
    inside = _extend_words(_AND_WORDS[_row_bytes(allowed)].reshape((2,) * m), np.bitwise_and, buffers[:2])
    prime = np.bitwise_and(_touching_words(positive, m), inside, out=buffers[2][:3**m].reshape(inside.shape))
    # the candidate words' positions: nonzero of a bool view (~4x faster than of uint32 words)
    cells = np.flatnonzero(prime.reshape(-1) != 0)
    if len(cells) * _SPARSE_WORDS < prime.size:
        cells, words = _free_outer_sparse(prime.ravel()[cells], cells, inside.ravel(), m)
        own = inside.ravel()[cells]
    else:
        # a literal on an outer condition is redundant when freeing it stays inside: per axis,
        # the (outer, 3, inner) view, levels 0 and 1 ANDed with NOT inside at level 2
        outside = np.invert(inside).reshape(-1)
        flat = prime.reshape(-1)
        for axis in range(m):
            shape = (3**axis, 3, 3 ** (m - 1 - axis))
            view = flat.reshape(shape)
            np.bitwise_and(view[:, :2], outside.reshape(shape)[:, 2:], out=view[:, :2])
        cells = np.flatnonzero(flat != 0)
        words, own = flat[cells], inside.ravel()[cells]
    for weight, absent_bits in _ABSENT_BITS:  # the same for the packed conditions, by shifts
        freed = own & np.uint32(absent_bits)
        words &= ~((freed >> np.uint32(weight)) | (freed >> np.uint32(2 * weight)))
    alive = np.flatnonzero(words)  # only words with a prime left are expanded into bits
    cells, words = cells[alive], words[alive]
    bits = (words[:, None] >> np.arange(_WORD_CELLS, dtype=np.uint32)[None, :]) & np.uint32(1)
    cell_index, bit_index = np.nonzero(bits)
    digits = np.hstack([
        np.array(np.unravel_index(cells[cell_index], (3,) * m), dtype=np.int64).T.reshape(-1, m),
        _DIGITS[bit_index].astype(np.int64),
    ])
    digits[digits == 2] = ABSENT
    return digits


# below 1/8 of the words holding a candidate, primality is tested on those words only
# (the intermediate solution: ~3 % at k = 16) instead of one pass per axis over all words
_SPARSE_WORDS = 8


def _free_outer_sparse(
    words: np.ndarray, cells: np.ndarray, inside: np.ndarray, m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Clear from ``words`` (at flat ``cells`` of the (3,)*m array) the conjunctions from
    which an outer literal can be freed without leaving ``inside``; returns the cells whose
    word keeps a conjunction, and those words (in cell order).

    A word cleared on one axis stays cleared: after each axis only the words with a bit left
    go on (latent k = 16, intermediate: 52,000 candidate words, ~900 left after the 13 axes,
    a third gone after the first), and each axis's digit is computed for those only."""
    for axis in range(m):
        weight = 3 ** (m - 1 - axis)
        digit = (cells // weight) % 3
        fixed = np.flatnonzero(digit != 2)
        freed = cells[fixed] + (2 - digit[fixed]) * weight
        words[fixed] &= ~inside[freed]
        alive = np.flatnonzero(words)
        if len(alive) < len(words):
            cells, words = cells[alive], words[alive]
    return cells, words


# Per thread, three flat word arrays for the transforms of _packed_prime_implicants, kept for
# the next call of the same size (one entry: 3 x 4 x 3^(k-3) bytes, 19 MB at k = 16) until
# release_word_buffers() (minimize calls it when it returns).
_BUFFERS = threading.local()


def release_word_buffers() -> None:
    """Drop this thread's word arrays (the next packed transform makes new ones)."""
    _BUFFERS.arrays = None


def _word_buffers(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    found = getattr(_BUFFERS, "arrays", None)
    if found is None or len(found[0]) != size:
        found = _BUFFERS.arrays = tuple(np.empty(size, dtype=np.uint32) for _ in range(3))
    return found


# the intermediate solution minimises several allowed sets against one positive set: its
# OR transform is kept (one entry, ~6 MB at k = 16)
_TOUCHING: dict[bytes, np.ndarray] = {}


def _touching_words(positive: np.ndarray, m: int) -> np.ndarray:
    row_bytes = _row_bytes(positive)
    key = row_bytes.tobytes()
    touching = _TOUCHING.get(key)
    if touching is None:
        touching = _extend_words(_OR_WORDS[row_bytes].reshape((2,) * m), np.bitwise_or)
        touching.flags.writeable = False
        _TOUCHING.clear()
        _TOUCHING[key] = touching
    return touching


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


def _sorted_distinct(codes) -> np.ndarray:
    """``np.unique(codes)``; callers mostly hand in sorted distinct codes (``union1d``,
    ``setdiff1d``, ``flatnonzero``), which are returned as they are after one comparison."""
    codes = np.asarray(codes, dtype=np.int64).ravel()
    if codes.size < 2 or bool(np.all(codes[1:] > codes[:-1])):
        return codes
    return np.unique(codes)


def prime_implicants(
    space: ConditionSpace, allowed_codes: np.ndarray, positive_codes: np.ndarray, cubes: np.ndarray | None = None
) -> np.ndarray:
    """Prime implicants of the allowed rows that cover a positive row, in R's sort order.

    ``cubes`` (optional): terms whose rows, together with the positive rows, are exactly the
    allowed rows; the PIs then come from iterated consensus over them
    (:func:`cube_prime_implicants`), with the row-based searches as the fallback."""
    allowed_codes = _sorted_distinct(allowed_codes)
    positive_codes = _sorted_distinct(positive_codes)
    cells = int(np.prod([level + 1 for level in space.levels], dtype=np.float64))
    if cubes is not None and cells > CONSENSUS_ABOVE_CELLS:
        terms = cube_prime_implicants(space, cubes, positive_codes)
        if terms is not None:
            return space.sort_terms(terms)
    packed = not space.multivalue and space.k > _PACKED
    factor, budget = (PACKED_SPARSE_FACTOR, PACKED_SPARSE_BUDGET) if packed else (SPARSE_FACTOR, SPARSE_BUDGET)
    few_rows = not space.multivalue and len(allowed_codes) * factor <= cells
    terms = None
    if cells > DENSE_LIMIT:
        terms = _sparse_prime_implicants(space, allowed_codes, positive_codes)
    elif few_rows:
        terms = _sparse_prime_implicants(space, allowed_codes, positive_codes, budget=cells // budget)
    if terms is None:
        allowed = np.zeros(space.n_rows, dtype=bool)
        allowed[allowed_codes] = True
        positive = np.zeros(space.n_rows, dtype=bool)
        positive[positive_codes] = True
        terms = (_packed_prime_implicants if packed else _dense_prime_implicants)(space, allowed, positive)
    return space.sort_terms(terms)



# -- prime implicants of a union of cubes: iterated consensus -------------------------------
# The intermediate solution's allowed rows are the positive rows plus the rows inside its
# simplified terms (see minimize._intermediate_solutions): a union of cubes given by a few
# hundred terms. Their prime implicants (Blake's canonical form) come from iterated consensus
# and absorption over cubes written as bit masks, one bit per (condition, level) ("positional
# cube notation": condition j occupies levels_j bits; a literal is the set of levels it allows).
# The cost follows the number of implicants met, not the 3^k conjunctions.
# Up to DENSE_LIMIT cells the bit-packed cube transform is faster (k = 16: ~0.07 s against
# ~0.9 s of consensus for the benchmark's ~900 intermediate PIs); beyond it, consensus
# replaces the merge over rows, whose implicants grow with the rows, not with the PIs.
CONSENSUS_ABOVE_CELLS = DENSE_LIMIT
CONSENSUS_CHUNK = 1 << 22  # pairs (or containment tests) per vectorised step
CONSENSUS_LIMIT = 200_000  # cubes; beyond it the caller falls back to the cube transform


class _CubeLayout:
    def __init__(self, space: ConditionSpace):
        levels = np.asarray(space.levels, dtype=np.int64)
        self.levels = levels
        self.offsets = np.concatenate([[0], np.cumsum(levels)[:-1]]).astype(np.int64)
        self.fields = ((np.int64(1) << levels) - 1) << self.offsets
        self.low_bits = np.int64(1) << self.offsets
        self.low = np.int64(np.bitwise_or.reduce(self.low_bits))
        self.binary = bool(np.all(levels == 2))
        self.fits = int(levels.sum()) <= 62

    def from_terms(self, terms: np.ndarray) -> np.ndarray:
        terms = np.asarray(terms, dtype=np.int64).reshape(-1, len(self.levels))
        cubes = np.zeros(len(terms), dtype=np.int64)
        for j in range(len(self.levels)):
            column = terms[:, j]
            literal = np.int64(1) << (self.offsets[j] + np.maximum(column, 0))
            cubes |= np.where(column == ABSENT, self.fields[j], literal)
        return cubes

    def to_terms(self, cubes: np.ndarray) -> np.ndarray:
        """Cubes whose literals are single levels or absent, as terms."""
        terms = np.empty((len(cubes), len(self.levels)), dtype=np.int64)
        for j, (offset, level) in enumerate(zip(self.offsets, self.levels, strict=True)):
            field = (cubes >> offset) & ((np.int64(1) << level) - 1)
            single = np.log2(np.maximum(field, 1)).astype(np.int64)
            terms[:, j] = np.where(field == (np.int64(1) << level) - 1, ABSENT, single)
        return terms

    def empty_fields(self, meet: np.ndarray) -> np.ndarray:
        """Per cube: the lowest bit of each condition whose literal is empty (no level left)."""
        if self.binary:
            return self.low & ~((meet | (meet >> 1)) & self.low)
        empty = np.zeros_like(meet)
        for field, low_bit in zip(self.fields, self.low_bits, strict=True):
            empty |= np.where((meet & field) == 0, low_bit, 0)
        return empty

    def field_of(self, low_bits: np.ndarray) -> np.ndarray:
        if self.binary:
            return low_bits | (low_bits << 1)
        return self.fields[np.searchsorted(self.low_bits, low_bits)]


def _consensus(layout: _CubeLayout, new: np.ndarray, cubes: np.ndarray) -> np.ndarray:
    """The distinct consensus cubes of every (new, cube) pair that conflicts in exactly one
    condition: the meet elsewhere, the join of the two literals on that condition. With
    multi-value literals two overlapping cubes have one consensus per condition too (the
    join there, the meet elsewhere); for binary ones it always lies inside one of the two."""
    found = []
    step = max(1, CONSENSUS_CHUNK // max(1, len(cubes)))
    for start in range(0, len(new), step):
        a = new[start:start + step, None]
        meet = a & cubes[None, :]
        empty = layout.empty_fields(meet)
        one = (empty != 0) & ((empty & (empty - 1)) == 0)
        rows, cols = np.nonzero(one)
        joined = (a[rows, 0] | cubes[cols]) & layout.field_of(empty[rows, cols])
        found.append(np.unique(meet[rows, cols] | joined))
        if not layout.binary:  # multi-value: overlapping cubes too (join on any one condition)
            rows, cols = np.nonzero(empty == 0)
            union = a[rows, 0] | cubes[cols]
            for field in layout.fields:
                found.append(np.unique((meet[rows, cols] & ~field) | (union & field)))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _inside_any(cubes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Per cube: is it contained in one of ``others``?"""
    result = np.zeros(len(cubes), dtype=bool)
    if len(others) == 0:
        return result
    step = max(1, CONSENSUS_CHUNK // len(others))
    complement = ~others
    for start in range(0, len(cubes), step):
        result[start:start + step] = ((cubes[start:start + step, None] & complement[None, :]) == 0).any(axis=1)
    return result


def _maximal(cubes: np.ndarray) -> np.ndarray:
    """The distinct cubes contained in no other one."""
    cubes = np.unique(cubes)
    keep = np.ones(len(cubes), dtype=bool)
    step = max(1, CONSENSUS_CHUNK // max(1, len(cubes)))
    complement = ~cubes
    for start in range(0, len(cubes), step):
        block = cubes[start:start + step, None]
        inside = (block & complement[None, :]) == 0
        inside[np.arange(len(block)), np.arange(start, start + len(block))] = False  # itself
        keep[start:start + step] = ~inside.any(axis=1)
    return cubes[keep]


def _blake(layout: _CubeLayout, cubes: np.ndarray) -> np.ndarray | None:
    """All prime implicants (general literals) of the union of ``cubes``: iterated consensus
    with absorption until every consensus lies inside a kept cube (Quine). None past
    ``CONSENSUS_LIMIT`` cubes."""
    kept = _maximal(cubes)
    new = kept
    while len(new):
        candidates = _consensus(layout, new, kept)
        candidates = _maximal(candidates[~_inside_any(candidates, kept)])
        if len(candidates) == 0:
            break
        kept = np.concatenate([kept[~_inside_any(kept, candidates)], candidates])
        if len(kept) > CONSENSUS_LIMIT:
            return None
        new = candidates
    return kept


def cube_prime_implicants(
    space: ConditionSpace, terms: np.ndarray, positive_codes: np.ndarray, expansion_limit: int = 100_000
) -> np.ndarray | None:
    """Prime implicants covering a positive row, of the rows inside ``terms`` plus the
    positive rows (R's literals: one level or absent). None when the consensus grows past its
    limit (or the layout does not fit 62 bits): the caller then uses the cube transform."""
    layout = _CubeLayout(space)
    if not layout.fits:
        return None
    positive_rows = space.decode(positive_codes)
    primes = _blake(layout, np.concatenate([layout.from_terms(positive_rows), layout.from_terms(terms)]))
    if primes is None:
        return None
    if not layout.binary:
        primes = _single_level_primes(layout, primes, expansion_limit)
        if primes is None:
            return None
    found = layout.to_terms(primes)
    return found[covers_codes(space, found, positive_codes).any(axis=1)]


def _single_level_primes(layout: _CubeLayout, primes: np.ndarray, limit: int) -> np.ndarray | None:
    """Multi-value data: R's terms allow one level or all levels of a condition, so the primes
    among them are the maximal such terms inside some general prime (every implicant lies in
    a prime): each partial literal split into its single levels, then absorption."""
    cubes = primes
    for field, offset, level in zip(layout.fields, layout.offsets, layout.levels, strict=True):
        literal = (cubes & field) >> offset
        full = literal == (np.int64(1) << level) - 1
        pieces = [cubes[full]]
        for v in range(level):
            has = ~full & (((literal >> v) & 1) == 1)
            pieces.append((cubes[has] & ~field) | (np.int64(1) << (offset + v)))
        cubes = np.concatenate(pieces)
        if len(cubes) > limit:
            return None
    return _maximal(cubes)


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
