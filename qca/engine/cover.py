"""Solving a prime implicant chart: all minimal covers (R QCA's ``solveChart``).

R's default (``all.sol = FALSE``) returns every cover that uses the minimum number of
prime implicants, ordered lexicographically by PI-chart row index. R enumerates all
combinations of that size; we use an exact search that scales to large charts:

1. column dominance: a configuration whose candidate PIs include all candidates of
   another configuration is covered whenever that one is -- drop it (this keeps the set
   of covers unchanged, unlike row dominance). Kept columns are indexed by their lowest
   PI, so the test is near linear in the chart width, not quadratic;
2. the chart splits into independent blocks (configurations linked by shared PIs, found
   by union-find); the minimum covers of the whole chart are the Cartesian product of
   each block's. A one-configuration block is answered directly (each candidate alone);
3. per block, the minimum number of PIs comes from iterative deepening of the search
   below (blocks of up to ``PROBE_MAX_COLUMNS`` configurations, nearly all of them), or
   from an integer program (scipy's HiGHS ``milp`` on a sparse matrix; R uses lpSolve
   the same way); then a branch and bound over bitsets (Python ints) enumerates every
   cover of that size: branch on the uncovered configuration with the fewest
   candidates, excluding in the i-th branch the PIs of branches 1..i-1 (each cover is
   produced once), pruning with a lower bound that counts uncovered configurations
   with pairwise disjoint candidate sets.

The enumeration is exact. For pathological charts (random data with hundreds of
equivalent covers) it stops after ``max_models`` models or ``MAX_SEARCH_WORK`` steps,
or after ``FIRST_COVER_WORK`` steps without a single cover (the integer program's cover
is then returned), and says so (``truncated``), as R warns that its solutions are "not
guaranteed to be exhaustive" for exceedingly complex charts.

``all_sol=True`` returns every irredundant cover (Petrick's method with absorption), like
R's ``all.sol = TRUE``. ``row_dominance`` drops PIs whose configurations are a strict
subset of another PI's, like R's ``row.dom = TRUE``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .errors import QCAComputationError

DEFAULT_MAX_MODELS = 64  # beyond this, model ambiguity is reported, not listed
MAX_SEARCH_WORK = 300_000  # configurations examined over all search nodes of a block
FIRST_COVER_WORK = 30_000  # work allowed before the first cover is found
MAX_PROBE_WORK = 20_000  # search work spent finding the minimum size before calling milp
PROBE_MAX_COLUMNS = 64  # wider blocks get their minimum size from milp directly


@dataclass
class ChartSolution:
    models: list[tuple[int, ...]]  # PI indices (chart rows), ascending
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


def row_dominance(chart: np.ndarray) -> np.ndarray:
    """Indices of PIs not strictly dominated by another PI."""
    sets = [frozenset(np.flatnonzero(row).tolist()) for row in chart]
    keep = [
        i for i, own in enumerate(sets)
        if not any(len(other) > len(own) and own <= other for other in sets)
    ]
    return np.array(keep, dtype=np.int64)


def _members(mask: int) -> list[int]:
    """Indices of the set bits, ascending. Sparse masks: peel the lowest bit; dense ones:
    scan the binary string (one C-level conversion instead of many big-int operations)."""
    if mask.bit_count() * 16 < mask.bit_length():
        result = []
        while mask:
            low = mask & -mask
            result.append(low.bit_length() - 1)
            mask ^= low
        return result
    return [i for i, bit in enumerate(bin(mask)[:1:-1]) if bit == "1"]


def _column_bitsets(chart: np.ndarray) -> list[int]:
    """Candidate PIs of each configuration (chart column) as a Python-int bitset."""
    packed = np.packbits(chart.T, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _undominated_columns(candidates: list[int], column_pis: list[list[int]]) -> list[int]:
    """Columns (smallest candidate sets first) whose candidates include no kept column's.

    A kept column can only be a subset of ``own`` if its lowest PI is one of own's PIs,
    so kept columns are indexed by their lowest PI: each test looks at a few columns
    instead of all kept ones (the all-pairs test was quadratic in the chart width).
    """
    order = sorted(range(len(candidates)), key=lambda c: candidates[c].bit_count())
    kept: list[int] = []
    by_lowest_pi: dict[int, list[int]] = {}
    for c in order:
        own = candidates[c]
        if not any(
            candidates[k] & own == candidates[k]
            for pi in column_pis[c]
            for k in by_lowest_pi.get(pi, ())
        ):
            kept.append(c)
            by_lowest_pi.setdefault(column_pis[c][0], []).append(c)
    return kept


def _blocks(columns: list[int], column_pis: list[list[int]]) -> list[list[int]]:
    """Independent sub-charts: columns linked (transitively) by shared PIs.

    Union-find over PIs, merging as the columns arrive. A merged block lists the new
    column first, then the merged blocks' columns oldest block first, and blocks end in
    the order they were last touched: that fixes the row order of the integer program
    (which picks the cover returned for a truncated search) and the order of the
    Cartesian product of the blocks' covers, as in earlier releases.
    """
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}  # root PI -> the block's columns
    touched: dict[int, int] = {}  # root PI -> position of the block's last column

    def find(pi: int) -> int:
        root = pi
        while parent[root] != root:
            root = parent[root]
        while parent[pi] != root:  # path compression
            parent[pi], pi = root, parent[pi]
        return root

    for position, c in enumerate(columns):
        pis = column_pis[c]
        roots = {find(pi) for pi in pis if pi in parent}
        merged = [c]
        for root in sorted(roots, key=touched.__getitem__):
            merged += members.pop(root)
            del touched[root]
        new_root = find(pis[0]) if pis[0] in parent else pis[0]
        parent[new_root] = new_root
        for pi in pis:
            parent[find(pi) if pi in parent else pi] = new_root
        members[new_root], touched[new_root] = merged, position
    return [members[root] for root in sorted(members, key=touched.__getitem__)]


class _BlockSearch:
    def __init__(self, columns: list[int], candidates: list[int], pi_masks: dict[int, int]):
        self.columns = columns
        self.candidates = {c: candidates[c] for c in columns}
        self.pi_masks = pi_masks  # PI -> bitmask of the block's columns it covers
        self.col_bit = {c: 1 << position for position, c in enumerate(columns)}
        self.work = 0
        self._best: tuple[int, ...] | None = None

    def _options(self, uncovered: int, excluded: int) -> list[tuple[int, int]]:
        columns = [self.columns[position] for position in _members(uncovered)]
        self.work += len(columns)
        return [((self.candidates[c] & ~excluded).bit_count(), c) for c in columns]

    def _lower_bound(self, options: list[tuple[int, int]], excluded: int) -> int:
        used, bound = 0, 0
        for _, c in sorted(options):
            available = self.candidates[c] & ~excluded
            if not available & used:
                used |= available
                bound += 1
        return bound

    def _search(self, uncovered, excluded, chosen, limit, found, max_found) -> bool:
        # A search that has found no cover after FIRST_COVER_WORK will not finish: give
        # up early (the caller then reports the integer program's cover as truncated).
        if self.work > MAX_SEARCH_WORK or (not found and self.work > FIRST_COVER_WORK):
            return True
        if not uncovered:
            found.append(tuple(sorted(chosen)))
            return len(found) >= max_found
        options = self._options(uncovered, excluded)
        count, column = min(options)
        if count == 0 or len(chosen) + self._lower_bound(options, excluded) > limit:
            return False
        tried = 0
        for pi in _members(self.candidates[column] & ~excluded):
            chosen.append(pi)
            stop = self._search(uncovered & ~self.pi_masks[pi], excluded | tried, chosen, limit, found, max_found)
            chosen.pop()
            if stop:
                return True
            tried |= 1 << pi
        return False

    def minimum_cover(self) -> tuple[int, ...]:
        """One cover of minimum size, from the integer program min sum(x) s.t. Ax >= 1."""
        if self._best is None:
            self._best = self._solve_integer_program()
        return self._best

    def _solve_integer_program(self) -> tuple[int, ...]:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        pis = sorted(self.pi_masks)
        rows, cols = [], []
        for j, pi in enumerate(pis):
            covered = _members(self.pi_masks[pi])
            rows += covered
            cols += [j] * len(covered)
        matrix = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(self.columns), len(pis)))
        result = milp(
            c=np.ones(len(pis)),
            constraints=LinearConstraint(matrix, lb=1, ub=np.inf),
            integrality=np.ones(len(pis)),
            bounds=Bounds(0, 1),
        )
        if not result.success:
            raise QCAComputationError("the prime implicant chart cannot be solved")
        return tuple(pi for pi, x in zip(pis, result.x, strict=True) if x > 0.5)

    def minimum_size(self) -> int:
        """Size of a minimum cover: iterative deepening from the root's lower bound.

        Small blocks (nearly all of them) are settled in a few search nodes; a block the
        probe cannot settle within ``MAX_PROBE_WORK`` goes to the integer program.
        """
        if len(self.columns) > PROBE_MAX_COLUMNS:
            return len(self.minimum_cover())
        everything = (1 << len(self.columns)) - 1
        limit = self._lower_bound(self._options(everything, 0), 0)
        while self.work <= MAX_PROBE_WORK:
            found: list[tuple[int, ...]] = []
            self._search(everything, 0, [], limit, found, 1)
            if found:
                return limit
            limit += 1
        return len(self.minimum_cover())

    def minimum_covers(self, max_found: int) -> tuple[list[tuple[int, ...]], bool]:
        everything = (1 << len(self.columns)) - 1
        if len(self.columns) == 1:  # one configuration: each candidate PI alone
            pis = _members(self.candidates[self.columns[0]])
            return [(pi,) for pi in pis[:max_found]], len(pis) >= max_found
        size = self.minimum_size()
        self.work = 0  # the enumeration gets its full budget, whatever the probe used
        found: list[tuple[int, ...]] = []
        truncated = self._search(everything, 0, [], size, found, max_found)
        if not found:  # only when the probe did not settle the size: milp knows a cover
            found = [tuple(sorted(self.minimum_cover()))]
        return found, truncated


def _minimum_covers(chart: np.ndarray, max_models: int) -> tuple[list[tuple[int, ...]], bool]:
    candidates = _column_bitsets(chart)
    column_pis = [np.flatnonzero(column).tolist() for column in chart.T]
    columns = _undominated_columns(candidates, column_pis)
    per_block, truncated = [], False
    for block in _blocks(columns, column_pis):
        pi_masks = _pi_masks(block, column_pis)
        covers, cut = _BlockSearch(block, candidates, pi_masks).minimum_covers(max_models)
        truncated |= cut
        per_block.append(covers)
    models = []
    for combination in itertools.islice(itertools.product(*per_block), max_models + 1):
        models.append(tuple(sorted(itertools.chain.from_iterable(combination))))
    if len(models) > max_models:
        models, truncated = models[:max_models], True
    return sorted(set(models)), truncated


def _pi_masks(block: list[int], column_pis: list[list[int]]) -> dict[int, int]:
    """PI -> bitset of the block's columns (by position in ``block``) it covers."""
    masks: dict[int, int] = {}
    for position, c in enumerate(block):
        for pi in column_pis[c]:
            masks[pi] = masks.get(pi, 0) | 1 << position
    return dict(sorted(masks.items()))


def _irredundant_covers(chart: np.ndarray, max_models: int) -> tuple[list[tuple[int, ...]], bool]:
    covers: set[frozenset[int]] = {frozenset()}
    for column in range(chart.shape[1]):
        options = set(np.flatnonzero(chart[:, column]).tolist())
        expanded = {c if c & options else c | {o} for c in covers for o in options}
        covers = set()
        for candidate in sorted(expanded, key=len):
            if not any(kept <= candidate for kept in covers):
                covers.add(candidate)
    models = sorted((tuple(sorted(c)) for c in covers), key=lambda m: (len(m), m))
    return models[:max_models], len(models) > max_models


def solve_chart(chart: np.ndarray, all_sol: bool = False, max_models: int = DEFAULT_MAX_MODELS) -> ChartSolution:
    """All minimal covers of a (PIs x configurations) boolean chart."""
    chart = np.asarray(chart, dtype=bool)
    if chart.shape[1] == 0:
        return ChartSolution([()])
    if not chart.any(axis=0).all():
        raise QCAComputationError("some configurations are covered by no prime implicant")
    if all_sol:
        models, truncated = _irredundant_covers(chart, max_models)
    else:
        models, truncated = _minimum_covers(chart, max_models)
    models = sorted(models, key=lambda m: (len(m), m))
    notes = [f"model enumeration stopped after {max_models} models"] if truncated else []
    return ChartSolution(models, truncated, notes)
