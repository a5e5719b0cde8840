"""Solving a prime implicant chart: all minimal covers (R QCA's ``solveChart``).

R's default (``all.sol = FALSE``) returns every cover that uses the minimum number of
prime implicants, ordered lexicographically by PI-chart row index. R enumerates all
combinations of that size; we use an exact search that scales to large charts:

1. column dominance: a configuration whose candidate PIs include all candidates of
   another configuration is covered whenever that one is -- drop it (this keeps the set
   of covers unchanged, unlike row dominance);
2. the chart splits into independent blocks (configurations linked by shared PIs); the
   minimum covers of the whole chart are the Cartesian product of each block's;
3. per block, the minimum number of PIs comes from an integer program (scipy's HiGHS
   ``milp``; R uses lpSolve the same way), then a branch and bound over bitsets (Python
   ints) enumerates every cover of that size: branch on the uncovered configuration with
   the fewest candidates, excluding in the i-th branch the PIs of branches 1..i-1 (each
   cover is produced once), pruning with a lower bound that counts uncovered
   configurations with pairwise disjoint candidate sets.

The enumeration is exact. For pathological charts (random data with hundreds of
equivalent covers) it stops after ``max_models`` models or ``MAX_SEARCH_WORK`` steps and says so (``truncated``), as R warns that its solutions are "not guaranteed to
be exhaustive" for exceedingly complex charts.

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


def _bits(indices) -> int:
    value = 0
    for i in indices:
        value |= 1 << int(i)
    return value


def _members(mask: int) -> list[int]:
    result = []
    while mask:
        low = mask & -mask
        result.append(low.bit_length() - 1)
        mask ^= low
    return result


def _undominated_columns(candidates: list[int]) -> list[int]:
    order = sorted(range(len(candidates)), key=lambda c: candidates[c].bit_count())
    kept: list[int] = []
    for c in order:
        own = candidates[c]
        if not any(candidates[k] & own == candidates[k] for k in kept):
            kept.append(c)
    return kept


def _blocks(columns: list[int], candidates: list[int]) -> list[list[int]]:
    blocks: list[tuple[int, list[int]]] = []  # (union of PI bits, columns)
    for c in columns:
        pis = candidates[c]
        merged_pis, merged_cols = pis, [c]
        rest = []
        for block_pis, block_cols in blocks:
            if block_pis & merged_pis:
                merged_pis |= block_pis
                merged_cols += block_cols
            else:
                rest.append((block_pis, block_cols))
        blocks = rest + [(merged_pis, merged_cols)]
    return [cols for _, cols in blocks]


class _BlockSearch:
    def __init__(self, columns: list[int], candidates: list[int], pi_masks: dict[int, int]):
        self.columns = columns
        self.candidates = {c: candidates[c] for c in columns}
        self.pi_masks = pi_masks  # PI -> bitmask of the block's columns it covers
        self.col_bit = {c: 1 << position for position, c in enumerate(columns)}
        self.work = 0

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
        if self.work > MAX_SEARCH_WORK:
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
        from scipy.optimize import Bounds, LinearConstraint, milp

        pis = sorted(self.pi_masks)
        matrix = np.zeros((len(self.columns), len(pis)))
        for j, pi in enumerate(pis):
            for position in _members(self.pi_masks[pi]):
                matrix[position, j] = 1
        result = milp(
            c=np.ones(len(pis)),
            constraints=LinearConstraint(matrix, lb=1, ub=np.inf),
            integrality=np.ones(len(pis)),
            bounds=Bounds(0, 1),
        )
        if not result.success:
            raise QCAComputationError("the prime implicant chart cannot be solved")
        return tuple(pi for pi, x in zip(pis, result.x, strict=True) if x > 0.5)

    def minimum_covers(self, max_found: int) -> tuple[list[tuple[int, ...]], bool]:
        everything = (1 << len(self.columns)) - 1
        best = self.minimum_cover()
        found: list[tuple[int, ...]] = []
        truncated = self._search(everything, 0, [], len(best), found, max_found)
        if not found:
            found = [tuple(sorted(best))]
        return found, truncated


def _minimum_covers(chart: np.ndarray, max_models: int) -> tuple[list[tuple[int, ...]], bool]:
    _n_pis, n_cols = chart.shape
    candidates = [_bits(np.flatnonzero(chart[:, c])) for c in range(n_cols)]
    columns = _undominated_columns(candidates)
    per_block, truncated = [], False
    for block in _blocks(columns, candidates):
        position = {c: p for p, c in enumerate(block)}
        pi_masks = {}
        for pi in _members(_bits([]) | _union(candidates[c] for c in block)):
            pi_masks[pi] = _bits(position[c] for c in block if candidates[c] >> pi & 1)
        covers, cut = _BlockSearch(block, candidates, pi_masks).minimum_covers(max_models)
        truncated |= cut
        per_block.append(covers)
    models = []
    for combination in itertools.islice(itertools.product(*per_block), max_models + 1):
        models.append(tuple(sorted(itertools.chain.from_iterable(combination))))
    if len(models) > max_models:
        models, truncated = models[:max_models], True
    return sorted(set(models)), truncated


def _union(masks) -> int:
    total = 0
    for mask in masks:
        total |= mask
    return total


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
