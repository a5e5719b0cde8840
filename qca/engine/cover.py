"""Solving a prime implicant chart: all minimal covers (R QCA's ``solveChart``).

R's default (``all.sol = FALSE``, ``max.comb = 0``) returns *every* cover that uses the
minimum number of prime implicants, ordered lexicographically by PI-chart row index,
searching "to the maximum possible extent". We return the same set with an exact search
that scales to large charts:

1. column dominance: a configuration whose candidate PIs include all candidates of
   another configuration is covered whenever that one is -- drop it (this keeps the set
   of covers unchanged, unlike row dominance). Kept columns are indexed by their lowest
   PI, so the test is near linear in the chart width, not quadratic;
2. essential PIs: a configuration with a single candidate forces that PI into every
   cover; the configurations it covers leave the chart (also exact);
3. the rest splits into independent blocks (configurations linked by shared PIs, found
   by union-find); the minimum covers of the whole chart are the essential PIs plus the
   Cartesian product of each block's. A one-configuration block is answered directly;
4. per block, the minimum number of PIs: iterative deepening of the search below for
   small blocks; for wide ones the LP relaxation (a lower bound) and a greedy cover (an
   upper bound) usually meet, else a short search for a cover at the LP bound, otherwise
   an integer program decides (scipy's HiGHS ``milp`` on a sparse matrix; R uses lpSolve
   the same way) -- in a bounded run only for blocks it can finish (see ``minimum_size``);
5. a branch and bound over bitsets (Python ints) enumerates every cover of that size:
   branch on the uncovered configuration with the fewest candidates, excluding in the
   i-th branch the PIs of branches 1..i-1 (each cover is produced once), pruning with
   two lower bounds (uncovered configurations with pairwise disjoint candidates, and
   uncovered configurations / the most any PI covers).

Bounds are explicit options (``ChartLimits``) and off by default, as in R: ``max_models``
stops after that many models, ``max_work`` after that many search steps (R's
``max.comb``); either makes the solution ``truncated`` with a note saying which bound
was hit, as R warns that its solutions are "not guaranteed to be exhaustive".

``all_sol=True`` returns every irredundant cover (Petrick's method with absorption), like
R's ``all.sol = TRUE``. ``row_dominance`` drops PIs whose configurations are a strict
subset of another PI's, like R's ``row.dom = TRUE``.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field

import numpy as np

from .cover_numeric import block_pi_masks, packed_masks, sequential_weight_sums, size_chart
from .errors import QCAComputationError

MAX_PROBE_WORK = 20_000  # search work spent finding the minimum size of a small block
DUAL_TOLERANCE = 1e-6  # slack on LP dual bounds (floating point)
PROBE_MAX_COLUMNS = 64  # wider blocks get their minimum size from LP bound, greedy cover, milp
LP_REUSE_CELLS = 2_000_000  # reduced charts larger than this reuse the parent's LP dual
IP_MIN_COLUMNS = 1_000  # bounded runs always try the integer program up to this block width


@dataclass(frozen=True)
class ChartLimits:
    """Explicit bounds on the enumeration of minimal covers; ``None`` means unbounded, which
    is R's default (``max.comb = 0``: search to the maximum possible extent).

    ``max_models``: models listed per chart (and per Cartesian product of its blocks);
    ``max_work``: search steps (configurations examined) per block, also the node limit of
    the integer program. Hitting either marks the solution ``truncated``."""

    max_models: int | None = None
    max_work: int | None = None


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
    scan the binary string (one C-level conversion instead of many big-int operations), or,
    above ~160 bits, unpack its bytes with numpy (3-5x faster on charts of hundreds of rows
    and on the remainder bitsets of the intermediate solution)."""
    length = mask.bit_length()
    if mask.bit_count() * 16 < length:
        result = []
        while mask:
            low = mask & -mask
            result.append(low.bit_length() - 1)
            mask ^= low
        return result
    if length > 160:
        packed = np.frombuffer(mask.to_bytes((length + 7) // 8, "little"), dtype=np.uint8)
        return np.flatnonzero(np.unpackbits(packed, bitorder="little")).tolist()
    return [i for i, bit in enumerate(bin(mask)[:1:-1]) if bit == "1"]


def _column_lists(chart: np.ndarray) -> list[list[int]]:
    """Candidate PIs of each configuration (chart column), ascending: one ``nonzero`` over
    the chart, a stable sort by column and cuts at the column boundaries (not one call per
    column)."""
    pis, columns = np.nonzero(chart)
    flat = pis[np.argsort(columns, kind="stable")].tolist()
    ends = np.cumsum(np.bincount(columns, minlength=chart.shape[1])).tolist()
    return [flat[start:end] for start, end in zip([0, *ends], ends)]


def _column_bitsets(chart: np.ndarray) -> list[int]:
    """Candidate PIs of each configuration (chart column) as a Python-int bitset."""
    # transposing into a contiguous array first: packing the strided transpose is ~5x slower
    packed = np.packbits(np.ascontiguousarray(chart.T), axis=1, bitorder="little")
    raw, width = packed.tobytes(), packed.shape[1]
    return [int.from_bytes(raw[start:start + width], "little") for start in range(0, len(raw), width)]


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
    """Minimum covers of one block; columns are addressed by their position in the block."""

    def __init__(self, columns: list[int], candidates: list[int], pi_masks: dict[int, int],
                 max_work: int | None):
        self.columns = columns
        self.candidates = [candidates[c] for c in columns]  # PI bitset per position
        self.pi_masks = pi_masks  # PI -> bitmask of the block's positions it covers
        self.max_cover = max(mask.bit_count() for mask in pi_masks.values())
        self.max_work = max_work
        self.work = 0
        self.exhausted = False  # max_work was hit
        self.unproven = False  # the integer program stopped at its node limit
        self._best: tuple[int, ...] | None = None
        # LP dual weights per position (wide blocks): a feasible dual of the covering LP, so
        # any set of uncovered configurations needs at least the sum of their weights in PIs
        self.weights: list[float] | None = None
        self._pi_list = list(pi_masks)  # PIs in mask order; row of each in the packed matrix
        self._pi_row = {pi: row for row, pi in enumerate(self._pi_list)}
        self._packed: np.ndarray | None = None
        self._weights_source: list[float] | None = None  # the list _weights_array was made from
        self._weights_array: np.ndarray | None = None

    def _packed_rows(self) -> np.ndarray:
        """The PIs' position bitsets as a bit-packed matrix (rows in ``pi_masks`` order)."""
        if self._packed is None:
            self._packed = packed_masks(list(self.pi_masks.values()), len(self.columns))
        return self._packed

    def _weight_sums(self, pis: list[int], uncovered: int) -> np.ndarray:
        """Per PI, the dual weight of its uncovered positions: the same floats as
        ``sum(weights[p] for p in _members(uncovered & pi_masks[pi]))``, array at a time."""
        if self._weights_source is not self.weights:  # weights are replaced, never mutated
            self._weights_source, self._weights_array = self.weights, np.array(self.weights, dtype=float)
        rows = self._packed_rows()
        if len(pis) != len(rows):
            rows = rows[[self._pi_row[pi] for pi in pis]]
        positions = np.array(_members(uncovered), dtype=np.intp)
        return sequential_weight_sums(rows, self._weights_array, positions)

    def _reduced_costs_above(self, gap: float) -> list[bool]:
        """Per PI (``pi_masks`` order): is 1 - its dual weight > ``gap`` (+ tolerance), so it
        is in no cover whose size exceeds the LP bound by at most ``gap``?"""
        sums = self._weight_sums(self._pi_list, (1 << len(self.columns)) - 1)
        return ((1.0 - sums) > gap + DUAL_TOLERANCE).tolist()

    def _options(self, uncovered: int, excluded: int) -> list[tuple[int, int]]:
        positions = _members(uncovered)
        self.work += len(positions)
        allowed, candidates = ~excluded, self.candidates  # once per node, not per position
        return [((candidates[p] & allowed).bit_count(), p) for p in positions]

    def _lower_bound(self, options: list[tuple[int, int]], excluded: int) -> int:
        used, bound = 0, 0
        allowed, candidates = ~excluded, self.candidates
        for _, p in sorted(options):
            available = candidates[p] & allowed
            if not available & used:
                used |= available
                bound += 1
        return bound

    def _search(self, uncovered, excluded, chosen, limit, found, max_found, work_limit, weight=0.0) -> bool:
        """Depth-first search for covers of at most ``limit`` PIs; True means stop.

        ``weight``: the LP dual weight of the uncovered configurations, a lower bound on the
        PIs still needed (whatever PIs are excluded)."""
        if work_limit is not None and self.work > work_limit:
            self.exhausted = True
            return True
        if not uncovered:
            found.append(tuple(sorted(chosen)))
            return max_found is not None and len(found) >= max_found
        remaining = limit - len(chosen)
        # each PI covers at most max_cover configurations; the dual bound
        if uncovered.bit_count() > remaining * self.max_cover or weight - DUAL_TOLERANCE > remaining:
            return False
        options = self._options(uncovered, excluded)
        count, position = min(options)
        if count == 0 or self._lower_bound(options, excluded) > remaining:
            return False
        tried = 0
        branches = [(weight, pi) for pi in _members(self.candidates[position] & ~excluded)]
        if self.weights is not None:
            # the dual bound after each choice; branches that exceed the limit are skipped,
            # the others are tried best first (the LP's favourites lead to covers sooner)
            pis = [pi for _, pi in branches]
            covered = self._weight_sums(pis, uncovered).tolist()
            branches = sorted((weight - part, pi) for part, pi in zip(covered, pis, strict=True))
        for child_weight, pi in branches:
            if child_weight - DUAL_TOLERANCE > remaining - 1:
                tried |= 1 << pi
                continue
            chosen.append(pi)
            stop = self._search(uncovered & ~self.pi_masks[pi], excluded | tried, chosen, limit,
                                found, max_found, work_limit, child_weight)
            chosen.pop()
            if stop:
                return True
            tried |= 1 << pi
        return False

    # -- the minimum size ---------------------------------------------------------------
    def _sparse_matrix(self, pis: list[int] | None = None):
        """(positions x PIs) covering matrix over ``pis`` (default: all, ascending)."""
        from scipy.sparse import csr_array

        pis = sorted(self.pi_masks) if pis is None else pis
        packed = self._packed_rows()
        if pis != self._pi_list:
            packed = packed[[self._pi_row[pi] for pi in pis]]
        bits = np.unpackbits(packed, axis=1, count=len(self.columns), bitorder="little")
        # row-major nonzero: PI by PI, positions ascending -- the (row, column) pairs in the
        # order the per-PI loop made them, so HiGHS gets the very same matrix
        cols, rows = np.nonzero(bits)
        matrix = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(self.columns), len(pis)))
        return pis, matrix

    def _lp_bound(self) -> int:
        """Ceiling of the LP relaxation (no cover is smaller); keeps its dual as ``weights``."""
        from scipy.optimize import linprog

        _, matrix = self._sparse_matrix()
        result = linprog(np.ones(matrix.shape[1]), A_ub=-matrix, b_ub=-np.ones(matrix.shape[0]),
                         bounds=(0, None), method="highs")
        if result.status != 0:
            return 1
        dual = np.clip(-np.asarray(result.ineqlin.marginals, dtype=float), 0.0, None)
        # rescale so that every PI's weight is at most 1 exactly (solver tolerances): the
        # dual stays feasible, so its sums remain valid lower bounds
        heaviest = float((matrix.T @ dual).max()) if matrix.shape[1] else 1.0
        if heaviest > 1.0:
            dual /= heaviest
        self.weights = dual.tolist()
        return int(np.ceil(dual.sum() - DUAL_TOLERANCE))

    def _greedy_cover(self) -> tuple[int, ...]:
        """A cover by repeatedly taking the PI that covers most uncovered configurations
        (the lowest such PI at a tie). Lazy: a PI's count only falls as the cover grows, so
        a heap of possibly stale counts is re-checked only at its top -- the same choices
        as recounting every PI at every step."""
        import heapq

        uncovered, chosen = (1 << len(self.columns)) - 1, []
        heap = [(-mask.bit_count(), pi) for pi, mask in self.pi_masks.items()]
        heapq.heapify(heap)
        while uncovered:
            stale, pi = heapq.heappop(heap)
            count = (self.pi_masks[pi] & uncovered).bit_count()
            if count < -stale:  # its count fell: back in at the right place
                if count:
                    heapq.heappush(heap, (-count, pi))
                continue
            chosen.append(pi)
            uncovered &= ~self.pi_masks[pi]
        return tuple(sorted(chosen))

    def _probe_at(self, size: int) -> tuple[int, ...] | None:
        """A cover of ``size`` PIs (the LP bound) by a short search, or None.

        Only PIs that reduced-cost fixing leaves for covers of ``size`` PIs take part, and
        the dual weights prune and order the branches; the search stops after
        ``MAX_PROBE_WORK`` steps (deterministic: no clock). Finding one proves ``size``
        minimal without the integer program."""
        weights = self.weights
        gap = size - sum(weights)
        excluded = 0
        for pi, drop in zip(self._pi_list, self._reduced_costs_above(gap), strict=True):
            if drop:
                excluded |= 1 << pi
        everything = (1 << len(self.columns)) - 1
        found: list[tuple[int, ...]] = []
        self.work = 0
        self._search(everything, excluded, [], size, found, 1, MAX_PROBE_WORK, sum(weights))
        self.work, self.exhausted = 0, False
        return found[0] if found else None

    @property
    def has_cover(self) -> bool:
        """A minimum cover is already known (no integer program needed to get one)."""
        return self._best is not None

    def adopt_cover(self, cover: tuple[int, ...]) -> int:
        """Take a cover proven minimum elsewhere; wide blocks still get the LP dual (for
        reduced-cost fixing and the enumeration's bound). Returns its size."""
        self._best = tuple(sorted(cover))
        if len(self.columns) > PROBE_MAX_COLUMNS and self.weights is None:
            self._lp_bound()
        return len(self._best)

    def minimum_cover(self) -> tuple[int, ...]:
        """One cover of minimum size, from the integer program min sum(x) s.t. Ax >= 1."""
        if self._best is None:
            self._best = self._solve_integer_program()
        return self._best

    def _solve_integer_program(self) -> tuple[int, ...]:
        """HiGHS ``milp`` on the block's *size chart* (:func:`.cover_numeric.size_chart`: no
        duplicate or strictly dominated PIs): same minimum size, and its optimal cover is a
        minimum cover of the block. HiGHS's presolve would drop the same PIs, but slower
        (latent k = 16: 33,631 -> 6,500 PIs, ~2 s of its presolve against ~0.3 s here)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        kept = size_chart(self._packed_rows()).tolist()
        pis, matrix = self._sparse_matrix([self._pi_list[row] for row in kept])
        options = {} if self.max_work is None else {"node_limit": max(1, self.max_work // 100)}
        result = milp(
            c=np.ones(len(pis)),
            constraints=LinearConstraint(matrix, lb=1, ub=np.inf),
            integrality=np.ones(len(pis)),
            bounds=Bounds(0, 1),
            options=options,
        )
        if result.x is None:
            if result.status == 1:  # node limit before any cover: fall back to greedy
                self.unproven = True
                return self._greedy_cover()
            raise QCAComputationError("the prime implicant chart cannot be solved")
        cover = tuple(pi for pi, x in zip(pis, result.x, strict=True) if x > 0.5)
        if result.status != 0:
            bound = getattr(result, "mip_dual_bound", None)
            self.unproven = bound is None or not np.isfinite(bound) or np.ceil(bound - 1e-6) < len(cover)
        return cover

    def minimum_size(self) -> int:
        """Size of a minimum cover.

        Small blocks (nearly all of them): iterative deepening from the root's lower bound.
        Wide blocks: the LP relaxation bound and a greedy cover usually meet; if not, a short
        search at the bound, then the integer program.
        """
        everything = (1 << len(self.columns)) - 1
        if len(self.columns) <= PROBE_MAX_COLUMNS:
            limit = self._lower_bound(self._options(everything, 0), 0)
            while self.work <= MAX_PROBE_WORK:
                found: list[tuple[int, ...]] = []
                self._search(everything, 0, [], limit, found, 1, MAX_PROBE_WORK)
                if found:
                    return limit
                if self.exhausted:
                    break
                limit += 1
            self.exhausted = False
            return len(self.minimum_cover())
        lower = self._lp_bound()
        greedy = self._greedy_cover()
        if len(greedy) <= lower:
            self._best = greedy
            return len(greedy)
        probe = self._probe_at(lower) if self.weights is not None else None
        if probe is not None:
            self._best = probe
            return lower
        if self.max_work is not None and len(self.columns) > max(IP_MIN_COLUMNS, self.max_work // 100):
            # bounded, and wider than the integer program's node limit: HiGHS does not
            # finish such a chart in minutes (thousands of configurations and PIs, each
            # node an LP of that size), so the greedy cover stands, flagged as unproven
            self.unproven = True
            self._best = self._without_redundant(greedy)
            return len(self._best)
        return len(self.minimum_cover())

    def _without_redundant(self, chosen: tuple[int, ...]) -> tuple[int, ...]:
        """The cover without PIs whose configurations the others cover (tested from the
        highest PI down; deterministic)."""
        kept = list(chosen)
        for pi in reversed(chosen):
            others = 0
            for other in kept:
                if other != pi:
                    others |= self.pi_masks[other]
            if others == (1 << len(self.columns)) - 1:
                kept.remove(pi)
        return tuple(sorted(kept))

    def reduced_chart(self, size: int) -> tuple[list[int], np.ndarray] | None:
        """Reduced-cost fixing (exact): for any cover x and the LP dual y,
        |x| >= sum(y) + sum over chosen PIs of (1 - y(PI's configurations)), so a PI whose
        reduced cost exceeds ``size - sum(y)`` is in no cover of ``size`` PIs. Returns the
        block's chart without those PIs (rows: kept PIs, columns: block positions), or None
        when nothing can be dropped."""
        if self.weights is None:
            return None
        gap = size - sum(self.weights)
        kept = [pi for pi, drop in zip(self._pi_list, self._reduced_costs_above(gap), strict=True) if not drop]
        if len(kept) == len(self.pi_masks):
            return None
        chart = np.zeros((len(kept), len(self.columns)), dtype=bool)
        for row, pi in enumerate(kept):
            chart[row, _members(self.pi_masks[pi])] = True
        return kept, chart

    def minimum_covers(self, max_found: int | None, size: int | None = None) -> tuple[list[tuple[int, ...]], bool]:
        everything = (1 << len(self.columns)) - 1
        if len(self.columns) == 1:  # one configuration: each candidate PI alone
            pis = _members(self.candidates[0])
            if max_found is not None and len(pis) > max_found:
                return [(pi,) for pi in pis[:max_found]], True
            return [(pi,) for pi in pis], False
        size = self.minimum_size() if size is None else size
        # the search recurses once per chosen PI (Python 3.11 inlines these calls: no C stack)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), size + 1000))
        self.work = 0  # the enumeration gets its full budget, whatever the probe used
        self.exhausted = False
        found: list[tuple[int, ...]] = []
        weight = sum(self.weights) if self.weights is not None else 0.0
        stopped = self._search(everything, 0, [], size, found, max_found, self.max_work, weight)
        if not found:  # the work bound stopped the search before a cover: the known one
            found = [tuple(sorted(self.minimum_cover()))]
        return found, stopped or self.unproven


def _minimum_covers(
    chart: np.ndarray, limits: ChartLimits, known_cover: tuple[int, ...] | None = None,
    known_weights: list[float] | None = None,
) -> tuple[list[tuple[int, ...]], list[str]]:
    """All minimum covers (as sorted PI tuples) and notes on any bound that was hit.

    ``known_cover``: a cover of the whole chart already proven minimum (the parent's, after
    reduced-cost fixing kept all its PIs). Blocks share no PI and every PI of a minimum
    cover covers some block configuration, so the cover's PIs inside each block are a
    minimum cover of that block: its size is known and the integer program is not re-run.

    ``known_weights``: the parent's LP dual, one weight per configuration (chart column).
    Restricted to a block's configurations it stays a feasible dual (each PI's sum can only
    fall), so a block of more than ``LP_REUSE_CELLS`` (PIs x configurations) takes it
    instead of solving its LP again: exact for reduced-cost fixing and the enumeration's
    bound, just not as tight as a fresh LP."""
    candidates = _column_bitsets(chart)
    column_pis = _column_lists(chart)
    columns = _undominated_columns(candidates, column_pis)
    forced_mask = 0
    for c in columns:  # essential PIs: the only candidate of a configuration
        if candidates[c].bit_count() == 1:
            forced_mask |= candidates[c]
    forced = tuple(_members(forced_mask))
    rest = [c for c in columns if not candidates[c] & forced_mask]
    per_block, notes = [], []
    exhausted = unproven = models_cut = False
    for block in _blocks(rest, column_pis):
        search = _BlockSearch(block, candidates, _pi_masks(block, column_pis, chart), limits.max_work)
        if known_cover is not None and len(block) > 1:
            if known_weights is not None and len(block) * len(search.pi_masks) > LP_REUSE_CELLS:
                search.weights = [known_weights[c] for c in block]
            size = search.adopt_cover(tuple(pi for pi in known_cover if pi in search.pi_masks))
        else:
            size = search.minimum_size() if len(block) > 1 else 1
        reduced = search.reduced_chart(size) if not search.unproven else None
        if reduced is not None:  # fewer PIs: solve the smaller chart (new essentials, blocks)
            kept, sub_chart = reduced
            row_of = {pi: row for row, pi in enumerate(kept)}
            best = search.minimum_cover() if search.has_cover else None
            sub_known = tuple(row_of[pi] for pi in best) if best is not None else None
            sub_models, sub_notes = _minimum_covers(sub_chart, limits, sub_known, search.weights)
            per_block.append([tuple(kept[i] for i in model) for model in sub_models])
            notes += [note for note in sub_notes if note not in notes]
            continue
        covers, cut = search.minimum_covers(limits.max_models, size)
        exhausted |= search.exhausted
        unproven |= search.unproven
        models_cut |= cut and not search.exhausted and not search.unproven
        per_block.append(covers)
    combinations = itertools.product(*per_block)
    if limits.max_models is not None:
        combinations = itertools.islice(combinations, limits.max_models + 1)
    models = [tuple(sorted(forced + tuple(itertools.chain.from_iterable(c)))) for c in combinations]
    if limits.max_models is not None and len(models) > limits.max_models:
        models, models_cut = models[: limits.max_models], True
    if models_cut and not any(note.startswith("model enumeration") for note in notes):
        notes.append(f"model enumeration stopped after max_models = {limits.max_models} models")
    if exhausted and not any(note.startswith("the search") for note in notes):
        notes.append(f"the search for covers stopped after max_work = {limits.max_work} steps")
    if unproven and not any(note.startswith("the integer") for note in notes):
        notes.append("the integer program stopped at its node limit: the model size is not proven minimal")
    return sorted(set(models)), notes


def _pi_masks(block: list[int], column_pis: list[list[int]], chart: np.ndarray | None = None) -> dict[int, int]:
    """PI -> bitset of the block's columns (by position in ``block``) it covers; from the
    chart's columns by array operations for wide blocks (the same dict)."""
    if chart is not None and len(block) > PROBE_MAX_COLUMNS:
        return block_pi_masks(chart, block)
    masks: dict[int, int] = {}
    for position, c in enumerate(block):
        for pi in column_pis[c]:
            masks[pi] = masks.get(pi, 0) | 1 << position
    return dict(sorted(masks.items()))


def _irredundant_covers(chart: np.ndarray, max_models: int | None) -> tuple[list[tuple[int, ...]], list[str]]:
    covers: set[frozenset[int]] = {frozenset()}
    for column in range(chart.shape[1]):
        options = set(np.flatnonzero(chart[:, column]).tolist())
        expanded = {c if c & options else c | {o} for c in covers for o in options}
        covers = set()
        for candidate in sorted(expanded, key=len):
            if not any(kept <= candidate for kept in covers):
                covers.add(candidate)
    models = sorted((tuple(sorted(c)) for c in covers), key=lambda m: (len(m), m))
    if max_models is not None and len(models) > max_models:
        return models[:max_models], [f"model enumeration stopped after max_models = {max_models} models"]
    return models, []


def solve_chart(chart: np.ndarray, all_sol: bool = False, limits: ChartLimits | None = None) -> ChartSolution:
    """All minimal covers of a (PIs x configurations) boolean chart."""
    limits = limits or ChartLimits()
    chart = np.asarray(chart, dtype=bool)
    if chart.shape[1] == 0:
        return ChartSolution([()])
    if not chart.any(axis=0).all():
        raise QCAComputationError("some configurations are covered by no prime implicant")
    if all_sol:
        models, notes = _irredundant_covers(chart, limits.max_models)
    else:
        models, notes = _minimum_covers(chart, limits)
    models = sorted(models, key=lambda m: (len(m), m))
    return ChartSolution(models, bool(notes), notes)
