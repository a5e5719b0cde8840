"""Solving a prime implicant chart: all minimal covers (R QCA's ``solveChart``).

R's default (``all.sol = FALSE``, ``max.comb = 0``) returns *every* cover that uses the
minimum number of prime implicants, ordered lexicographically by PI-chart row index,
searching "to the maximum possible extent". We return the same set with an exact search
that scales to large charts:

1. column dominance: a configuration whose candidate PIs include all candidates of
   another configuration is covered whenever that one is -- drop it (this keeps the set
   of covers unchanged, unlike row dominance). Each column is tested only against the
   later columns holding its rarest PI, by array operations
   (``cover_numeric.undominated_columns``), or where that makes too many pairs against
   the kept columns indexed by their lowest PI: the same list, near linear in the width;
2. essential PIs: a configuration with a single candidate forces that PI into every
   cover; the configurations it covers leave the chart (also exact);
3. the rest splits into independent blocks (configurations linked by shared PIs, found
   by union-find); the minimum covers of the whole chart are the essential PIs plus the
   Cartesian product of each block's. A one-configuration block is answered directly;
4. per block, the minimum number of PIs: iterative deepening of the search below for
   small blocks; for wide ones the LP relaxation (a lower bound L), a greedy cover and a
   weighted local search (:mod:`.cover_heuristic`, RWLS-style, a fixed step budget) that
   stops at a cover of L PIs -- proven minimum, no integer program. Otherwise short
   searches at L .. its size - 1, then an integer program (scipy's HiGHS ``milp`` on the
   size chart; R uses lpSolve the same way): always in an unbounded run (exact, as R),
   in a bounded run only on small charts (``_integer_program_fits``); where it may not
   run, the local search's cover stands and the solution says that its size is not
   proven minimal, with the LP bound (see ``minimum_size``);
5. a branch and bound over bitsets (Python ints) enumerates every cover of that size:
   branch on the uncovered configuration with the fewest candidates, excluding in the
   i-th branch the PIs of branches 1..i-1 (each cover is produced once), pruning with
   two lower bounds (uncovered configurations with pairwise disjoint candidates, and
   uncovered configurations / the most any PI covers) and, in wide blocks, the LP dual.
   A known cover's PIs lead every branching, so a bounded enumeration lists it first.

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

from .cover_chart import (  # noqa: F401  (re-exported: minimize and the tests reach them through cover)
    _blocks,
    _column_bitsets,
    _column_csr,
    _column_lists,
    _irredundant_covers,
    _member_array,
    _members,
    _packed_columns,
    _undominated_columns,
    row_dominance,
)
from .cover_counts import counts_for
from .cover_heuristic import local_search_at_lp_bound, local_search_cover
from .cover_lp import covering_lp_dual
from .cover_numeric import (
    block_pi_masks,
    chart_nonzero,
    packed_csr,
    packed_masks,
    ragged_sequential_sums,
    sequential_weight_sums,
    size_chart,
    undominated_columns,
)
from .errors import QCAComputationError

MAX_PROBE_WORK = 20_000  # search work spent finding the minimum size of a small block
DUAL_TOLERANCE = 1e-6  # slack on LP dual bounds (floating point)
PROBE_MAX_COLUMNS = 64  # wider blocks get their minimum size from LP bound, greedy cover, milp
LP_REUSE_CELLS = 2_000_000  # reduced charts larger than this reuse the parent's LP dual
# bounded runs run the integer program only on blocks of at most this width whose size chart
# has at most IP_MAX_NONZEROS cells: HiGHS's root work (presolve, cuts, sub-MIP heuristics)
# and the cost of a node are not bounded by its node limit, only small programs finish fast
IP_MAX_COLUMNS = 1_000
IP_MAX_NONZEROS = 20_000
HEURISTIC_STEP_WORK = 20  # search steps one local-search move counts for (bounded runs)
HEURISTIC_STEPS = 15_000  # local-search moves of an unbounded run (then the integer program)
HEURISTIC_STEPS_BEFORE_IP = 500  # at most, where the integer program is small (it decides fast)
# a block whose size stays unproven enumerates its covers of that size with max_work / this:
# they are not known to be minimal, so listing more of them tells little (random k = 16,
# n = 10,000: 3.6 of 4.4 CPU-s of enumeration went to such blocks)
UNPROVEN_ENUMERATION_SHARE = 10


@dataclass(frozen=True)
class ChartLimits:
    """Explicit bounds on the enumeration of minimal covers; ``None`` means unbounded, which
    is R's default (``max.comb = 0``: search to the maximum possible extent).

    ``max_models``: models listed per chart (and per Cartesian product of its blocks);
    ``max_work``: search steps (configurations examined) per block (a tenth of it for a
    block whose size stays unproven: ``UNPROVEN_ENUMERATION_SHARE``); it also sets the budget
    of every other phase of a wide block (local-search moves, the probes, the integer
    program's node limit, which runs at all only on small charts) so that the run is
    bounded. Hitting either marks the solution ``truncated``."""

    max_models: int | None = None
    max_work: int | None = None


@dataclass
class ChartSolution:
    models: list[tuple[int, ...]]  # PI indices (chart rows), ascending
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


FEW_BRANCHES = 32  # _branches: at most this many candidates are sorted as tuples, more by arrays


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
        self.unproven = False  # the size of the known cover is not proven minimum
        self.lower_bound: int | None = None  # the LP bound, for the note on an unproven size
        self._best: tuple[int, ...] | None = None
        # the known cover's PIs, which the enumeration tries first (a set: a big-int bit test
        # per branch cost O(PIs) each, seconds on charts of 20,000 PIs)
        self._preferred: frozenset[int] = frozenset()
        self.probe_complete = False  # the last ``_probe_at`` search ran to its end
        self._size_rows: list[int] | None = None  # rows of the size chart (``_size_chart_rows``)
        self._ip_cells: int | None = None  # nonzeros of the size chart
        # LP dual weights per position (wide blocks): a feasible dual of the covering LP, so
        # any set of uncovered configurations needs at least the sum of their weights in PIs
        self.weights: list[float] | None = None
        self._pi_list = list(pi_masks)  # PIs in mask order; row of each in the packed matrix
        self._pi_row = {pi: row for row, pi in enumerate(self._pi_list)}
        self._packed: np.ndarray | None = None
        self._weights_source: list[float] | None = None  # the list _weights_array was made from
        self._weights_array: np.ndarray | None = None
        # every PI's dual weight (the sums of ``_reduced_costs_above``) for ``_full_sums_source``
        self._full_sums_source: list[float] | None = None
        self._full_sums: np.ndarray | None = None
        self._csr: tuple[np.ndarray, np.ndarray, int] | None = None
        self._pi_rows_array: np.ndarray | None = None  # ``_pi_rows``
        self._flags_source: frozenset[int] | None = None  # the ``_preferred`` that ``_flags`` marks
        self._flags: np.ndarray | None = None

    def _packed_rows(self) -> np.ndarray:
        """The PIs' position bitsets as a bit-packed matrix (rows in ``pi_masks`` order)."""
        if self._packed is None:
            self._packed = packed_masks(list(self.pi_masks.values()), len(self.columns))
        return self._packed

    def _weight_sums(self, pis: list[int] | np.ndarray, uncovered: int) -> np.ndarray:
        """Per PI, the dual weight of its uncovered positions: the same floats as
        ``sum(weights[p] for p in _members(uncovered & pi_masks[pi]))``, array at a time."""
        if self._weights_source is not self.weights:  # weights are replaced, never mutated
            self._weights_source, self._weights_array = self.weights, np.array(self.weights, dtype=float)
        rows = self._packed_rows()
        if len(pis) != len(rows):
            rows = rows[self._pi_rows()[pis]]
        positions = np.array(_members(uncovered), dtype=np.intp)
        return sequential_weight_sums(rows, self._weights_array, positions)

    def _pi_rows(self) -> np.ndarray:
        """Each PI's row in the packed matrix (``_pi_row`` as an array indexed by PI), built
        once: looking thousands of branches up in the dict cost more than their sums."""
        if self._pi_rows_array is None:
            rows = np.full(max(self._pi_list) + 1, -1, dtype=np.intp)
            rows[self._pi_list] = np.arange(len(self._pi_list))
            self._pi_rows_array = rows
        return self._pi_rows_array

    def _preferred_flags(self, pis: np.ndarray) -> np.ndarray:
        """Which of ``pis`` are ``_preferred``, from a flag per PI made once per known cover."""
        if self._flags_source is not self._preferred:
            flags = np.zeros(max(max(self._pi_list), max(self._preferred)) + 1, dtype=bool)
            flags[sorted(self._preferred)] = True
            self._flags_source, self._flags = self._preferred, flags
        return self._flags[pis]

    def _reduced_costs_above(self, gap: float) -> list[bool]:
        """Per PI (``pi_masks`` order): is 1 - its dual weight > ``gap`` (+ tolerance), so it
        is in no cover whose size exceeds the LP bound by at most ``gap``?"""
        if self._full_sums_source is not self.weights:  # weights are replaced, never mutated
            indptr, indices, _ = self._pi_csr()
            self._full_sums = ragged_sequential_sums(indptr, np.asarray(self.weights)[indices])
            self._full_sums_source = self.weights
        return ((1.0 - self._full_sums) > gap + DUAL_TOLERANCE).tolist()

    def _pi_csr(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The packed rows as CSR (``pi_masks`` order), computed once."""
        if self._csr is None:
            self._csr = packed_csr(self._packed_rows(), len(self.columns))
        return self._csr

    def _options(self, uncovered: int, excluded: int) -> list[tuple[int, int]]:
        options = self._allowed_counts(uncovered, excluded)
        self.work += len(options)
        return options

    def _allowed_counts(self, uncovered: int, excluded: int) -> list[tuple[int, int]]:
        """(allowed candidates, position) per uncovered position, positions ascending."""
        allowed, candidates = ~excluded, self.candidates  # once per node, not per position
        return [((candidates[p] & allowed).bit_count(), p) for p in _members(uncovered)]

    def _lower_bound(self, options: list[tuple[int, int]], excluded: int, cap: int | None = None) -> int:
        """Uncovered positions with pairwise disjoint allowed candidates (greedy, fewest
        candidates first): no cover has fewer PIs. Stops once it exceeds ``cap``."""
        used, bound = 0, 0
        allowed, candidates = ~excluded, self.candidates
        for _, p in sorted(options):
            available = candidates[p] & allowed
            if not available & used:
                used |= available
                bound += 1
                if cap is not None and bound > cap:
                    break
        return bound

    def _search(self, uncovered, excluded, chosen, limit, found, max_found, work_limit, weight=0.0,
                counts=None) -> bool:
        """Depth-first search for covers of at most ``limit`` PIs; True means stop.

        ``weight``: the LP dual weight of the uncovered configurations, a lower bound on the
        PIs still needed (whatever PIs are excluded). ``counts``: the allowed candidates per
        uncovered position, carried down from the root call (:func:`.cover_counts.counts_for`)."""
        if work_limit is not None and self.work > work_limit:
            self.exhausted = True
            return True
        if not uncovered:
            found.append(tuple(sorted(chosen)))
            return max_found is not None and len(found) >= max_found
        remaining = limit - len(chosen)
        width = uncovered.bit_count()
        # each PI covers at most max_cover configurations; the dual bound
        if width > remaining * self.max_cover or weight - DUAL_TOLERANCE > remaining:
            return False
        if counts is None:
            counts = counts_for(self, uncovered, excluded)
        self.work += width  # the configurations examined (``_options``' step count)
        position = counts.branch_position(uncovered, excluded, remaining)
        if position is None:
            return False
        tried, pending, applied = 0, [], []  # PIs excluded from the next branch on; their positions
        leading, passed_over, rest = self._branches(position, uncovered, excluded, weight, remaining)
        for group in (leading, rest):
            for child_weight, pi in group:
                if pending:  # counted out only when a branch follows (the last one's never are)
                    applied += counts.exclude(pending, uncovered)
                    pending = []
                chosen.append(pi)
                stop = self._search(uncovered & ~self.pi_masks[pi], excluded | tried, chosen, limit,
                                    found, max_found, work_limit, child_weight, counts)
                chosen.pop()
                if stop:
                    return True
                tried |= 1 << pi
                pending.append(pi)
            for pi in passed_over:  # excluded from the branches after them
                tried |= 1 << pi
                pending.append(pi)
            passed_over = []
        counts.restore(applied)
        return False

    def _branches(self, position: int, uncovered: int, excluded: int, weight: float, remaining: int):
        """The branches at ``position`` in the order they are tried, as (dual bound after the
        choice, PI): ascending bound, then PI (the LP's favourites lead to covers sooner); the
        known cover's PIs first where there is one (``_preferred``). A branch whose bound
        exceeds ``remaining - 1`` cannot lead to a cover and is not tried; its PI is only
        excluded from the branches after it, so those after the last tried one are dropped
        unseen (the bounds ascend). Returns (leading, passed_over, rest): the preferred
        branches to try, the preferred PIs passed over (excluded from ``rest`` on), the other
        branches to try -- without a known cover, all branches to try and two empty lists.
        Sorted and cut by arrays where there are many candidates: a node of a wide chart has
        thousands, nearly all past the bound (random k = 16, n = 200: 3.8 million tuples
        sorted for nothing); a few are sorted as tuples (numpy's calls cost ~20 us a node)."""
        available = self.candidates[position] & ~excluded
        if available.bit_count() > FEW_BRANCHES:
            return self._array_branches(_member_array(available), uncovered, weight, remaining)
        pis = _members(available)
        if self.weights is None:
            branches = [(weight, pi) for pi in pis]
        else:
            branches = sorted((weight - self._weight_sum(pi, uncovered), pi) for pi in pis)
        viable = [bound - DUAL_TOLERANCE <= remaining - 1 for bound, _ in branches]
        if not self._preferred:
            return [branch for branch, ok in zip(branches, viable) if ok], [], []
        preferred = self._preferred
        return ([branch for branch, ok in zip(branches, viable) if ok and branch[1] in preferred],
                [branch[1] for branch, ok in zip(branches, viable) if not ok and branch[1] in preferred],
                [branch for branch, ok in zip(branches, viable) if ok and branch[1] not in preferred])

    def _array_branches(self, pis: np.ndarray, uncovered: int, weight: float, remaining: int):
        """``_branches`` by arrays (the same lists)."""
        if self.weights is None:
            bounds = np.full(len(pis), weight)
        else:
            bounds = weight - self._weight_sums(pis, uncovered)
        order = np.lexsort((pis, bounds))
        pis, bounds = pis[order], bounds[order]
        viable = bounds - DUAL_TOLERANCE <= remaining - 1
        if not self._preferred:
            return list(zip(bounds[viable].tolist(), pis[viable].tolist())), [], []
        preferred = self._preferred_flags(pis)
        leading, rest = preferred & viable, ~preferred & viable
        return (list(zip(bounds[leading].tolist(), pis[leading].tolist())),
                pis[preferred & ~viable].tolist(),
                list(zip(bounds[rest].tolist(), pis[rest].tolist())))

    def _weight_sum(self, pi: int, uncovered: int) -> float:
        """One PI's entry of ``_weight_sums``, the same float: its uncovered positions'
        weights added left to right, from -0.0 where it holds them all (-0.0 + w is w), else
        from 0.0 (the array sum adds a 0.0 for each position it lacks: the zero's sign too)."""
        mask = self.pi_masks[pi] & uncovered
        total = -0.0 if mask == uncovered else 0.0
        weights = self.weights
        for p in _members(mask):
            total += weights[p]
        return total

    # -- the minimum size ---------------------------------------------------------------
    def _sparse_matrix(self, pis: list[int] | None = None):
        """(positions x PIs) covering matrix over ``pis`` (default: all, ascending), in CSC
        form straight from the PIs' CSR rows: each PI's positions ascending, the canonical
        arrays HiGHS would otherwise get by converting (no dense unpacking of the block)."""
        from scipy.sparse import csc_array

        indptr, indices, width = self._pi_csr()
        pis = sorted(self.pi_masks) if pis is None else pis
        if pis != self._pi_list:
            rows = np.array([self._pi_row[pi] for pi in pis], dtype=np.int64)
            lengths = indptr[rows + 1] - indptr[rows]
            starts = np.repeat(indptr[rows] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
            indices = indices[starts + np.arange(int(lengths.sum()))]
            indptr = np.concatenate([[0], np.cumsum(lengths)])
        matrix = csc_array((np.ones(len(indices)), indices, indptr), shape=(width, len(pis)))
        return pis, matrix

    def _lp_bound(self) -> int:
        """Ceiling of the LP relaxation (no cover is smaller); keeps its dual as ``weights``
        (:func:`.cover_lp.covering_lp_dual`). Blocks wider than ``IP_MAX_COLUMNS`` take the
        fastest way for their shape (HiGHS's interior point, or row and column generation:
        random k = 16, n = 10,000's parsimonious block 4.9 -> 0.9 CPU-s), the others HiGHS's
        default simplex. Both give the same bound but not the same dual (the LP has many
        optimal ones), and the dual steers the local search and the enumeration: narrower
        blocks, whose size the integer program may decide, keep the simplex's dual and so
        the models they listed before (on latent k = 16 another dual made the enumeration
        of 64 models take 154,240 steps instead of 10,159)."""
        indptr, indices, width = self._pi_csr()
        solved = covering_lp_dual(indptr, indices, width,
                                  method=None if len(self.columns) > IP_MAX_COLUMNS else "simplex")
        if solved is None:
            return 1
        dual, _ = solved
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
        """A cover of ``size`` PIs by a short search, or None; ``probe_complete`` says
        whether the search ran to its end (then None proves that no such cover exists).

        Only PIs that reduced-cost fixing leaves for covers of ``size`` PIs take part, and
        the dual weights prune and order the branches; the search stops after
        ``MAX_PROBE_WORK`` steps, at most ``max_work`` (deterministic: no clock). Finding one at the LP bound
        proves ``size`` minimal without the integer program."""
        weights = self.weights
        gap = size - sum(weights)
        excluded = 0
        for pi, drop in zip(self._pi_list, self._reduced_costs_above(gap), strict=True):
            if drop:
                excluded |= 1 << pi
        everything = (1 << len(self.columns)) - 1
        found: list[tuple[int, ...]] = []
        self.work = 0
        work = MAX_PROBE_WORK if self.max_work is None else min(MAX_PROBE_WORK, self.max_work)
        self._search(everything, excluded, [], size, found, 1, work, sum(weights))
        self.probe_complete = not self.exhausted
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

    def _size_chart_rows(self) -> list[int]:
        """Rows (``pi_masks`` order) of the block's size chart, computed once."""
        if self._size_rows is None:
            self._size_rows = size_chart(self._packed_rows()).tolist()
        return self._size_rows

    def _solve_integer_program(self) -> tuple[int, ...]:
        """HiGHS ``milp`` on the block's *size chart* (:func:`.cover_numeric.size_chart`: no
        duplicate or strictly dominated PIs): same minimum size, and its optimal cover is a
        minimum cover of the block. HiGHS's presolve would drop the same PIs, but slower
        (latent k = 16: 33,631 -> 6,500 PIs, ~2 s of its presolve against ~0.3 s here)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        pis, matrix = self._sparse_matrix([self._pi_list[row] for row in self._size_chart_rows()])
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

    def _local_search(self, lower: int, upper: int, steps: int) -> tuple[int, tuple[int, ...]]:
        """The local search for a cover of ``lower`` PIs (the LP bound; see
        :func:`.cover_heuristic.local_search_at_lp_bound`, which may raise it, at most to
        ``upper``): on the size chart where the integer program may use it
        (``IP_MAX_COLUMNS``), else on all the block's PIs (the size chart of a chart of
        thousands of configurations costs seconds: random k = 16, n = 10,000, 29,604 PIs x
        3,995 configurations, 3 s). Returns the bound and the cover (empty if none was
        looked for)."""
        packed = self._packed_rows()
        if len(self.columns) <= IP_MAX_COLUMNS:
            rows = np.array(self._size_chart_rows(), dtype=np.intp)
            chart = packed_csr(packed[rows], len(self.columns))
        else:
            rows = np.arange(len(self._pi_list))
            chart = self._pi_csr()
        if self.weights is None:
            chosen = local_search_cover(chart, lower, steps)
            return lower, tuple(sorted(self._pi_list[rows[i]] for i in chosen))
        lower, chosen = local_search_at_lp_bound(chart, self.weights, lower, upper, steps, DUAL_TOLERANCE)
        return lower, tuple(sorted(self._pi_list[rows[i]] for i in chosen))

    def _integer_program_fits(self) -> bool:
        """May a bounded run call the integer program? Only on a block of at most
        ``IP_MAX_COLUMNS`` configurations whose size chart has at most ``IP_MAX_NONZEROS``
        cells: there HiGHS finishes within its node limit in well under a second; on larger
        charts its root work alone ran for minutes (random k = 12, n = 10,000: 2,790 PIs x
        1,815 configurations). Deterministic: it depends on the chart only."""
        if len(self.columns) > IP_MAX_COLUMNS:
            return False
        if self._ip_cells is None:
            rows = self._size_chart_rows()
            self._ip_cells = int(np.unpackbits(self._packed_rows()[rows], axis=1, count=len(self.columns)).sum())
        return self._ip_cells <= IP_MAX_NONZEROS

    def _close_gap(self, lower: int, best: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        """Bounded searches (``MAX_PROBE_WORK`` steps each) for covers of ``lower`` ..
        ``len(best) - 1`` PIs, with reduced-cost fixing and the dual bound. A search that
        ends without a cover and without hitting its bound proves that size impossible
        (the lower bound rises); one that finds a cover improves ``best``. Returns the
        (possibly raised) lower bound and the best cover."""
        size = lower
        while size < len(best):
            probe = self._probe_at(size)
            if probe is not None:
                return lower, probe
            if not self.probe_complete:
                break
            lower = size = size + 1
        return lower, best

    def minimum_size(self) -> int:
        """Size of a minimum cover.

        Small blocks (nearly all of them): iterative deepening from the root's lower bound.
        Wide blocks: the LP relaxation bound L, the greedy cover, the weighted local search
        (stops at a cover of L PIs: proven minimum), bounded searches at L .. its size - 1.
        If a gap remains, an unbounded run (``max_work`` None) runs the integer program to
        the end (exact, as R); a bounded one runs it only where it is known to finish
        (``_integer_program_fits``), otherwise it keeps the best cover, flagged
        ``unproven`` with the LP bound as ``lower_bound``.
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
            self.lower_bound = limit  # no cover below it: the note's bound if the IP stops early
            return len(self.minimum_cover())
        lower = self._lp_bound()
        best = self._greedy_cover()
        if len(best) > lower:
            steps = HEURISTIC_STEPS if self.max_work is None else self.max_work // HEURISTIC_STEP_WORK
            if self._integer_program_fits():
                steps = min(steps, HEURISTIC_STEPS_BEFORE_IP)
            lower, found = self._local_search(lower, len(best), steps)
            best = found if found and len(found) < len(best) else best
        if len(best) > lower and self.weights is not None:
            lower, best = self._close_gap(lower, best)
        if len(best) <= lower:
            self._best = best
            return len(best)
        if self.max_work is None or self._integer_program_fits():
            exact = self.minimum_cover()  # the integer program (node-limited when bounded)
            if not self.unproven:
                return len(exact)
            self.lower_bound = lower  # the node limit stopped it: keep the smaller cover
            if len(best) < len(exact):
                self._best = best
            return len(self._best)
        self.unproven, self.lower_bound = True, lower
        self._best = best
        return len(best)

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
        if self._best is not None and self.weights is not None:
            # a known cover of this size: its PIs lead every branching, so the first descent
            # lists it and the next ones explore its neighbourhood (bounded runs list covers,
            # not nothing, and a complete enumeration lists the same set in any order)
            self._preferred = frozenset(self._best)
        found: list[tuple[int, ...]] = []
        weight = sum(self.weights) if self.weights is not None else 0.0
        work = self.max_work
        if self.unproven and work is not None:
            work = max(1, work // UNPROVEN_ENUMERATION_SHARE)
        stopped = self._search(everything, 0, [], size, found, max_found, work, weight)
        if not found:  # the work bound stopped the search before a cover: the known one
            found = [tuple(sorted(self.minimum_cover()))]
        return found, stopped or self.unproven


def _minimum_covers(
    chart: np.ndarray, limits: ChartLimits, known_cover: tuple[int, ...] | None = None,
    known_weights: list[float] | None = None,
) -> tuple[list[tuple[int, ...]], list[str], int]:
    """All minimum covers (as sorted PI tuples), notes on any bound that was hit, and the
    gap: how many PIs the listed models may have beyond a minimum model (the sum over the
    blocks whose size is unproven of listed size - LP bound; 0 when every size is proven).

    ``known_cover``: a cover of the whole chart already proven minimum (the parent's, after
    reduced-cost fixing kept all its PIs). Blocks share no PI and every PI of a minimum
    cover covers some block configuration, so the cover's PIs inside each block are a
    minimum cover of that block: its size is known and the integer program is not re-run.

    ``known_weights``: the parent's LP dual, one weight per configuration (chart column).
    Restricted to a block's configurations it stays a feasible dual (each PI's sum can only
    fall), so a block of more than ``LP_REUSE_CELLS`` (PIs x configurations) takes it
    instead of solving its LP again: exact for reduced-cost fixing and the enumeration's
    bound, just not as tight as a fresh LP."""
    nonzero = chart_nonzero(chart)  # (PI, configuration) cells, read once from the dense chart
    csr = _column_csr(chart, nonzero)
    candidates = _column_bitsets(chart, _packed_columns(chart, csr))
    column_pis = _column_lists(chart, csr)
    columns = undominated_columns(*csr, chart.shape[0], candidates)
    if columns is None:  # the array form would make too many pairs: the same list, by index
        columns = _undominated_columns(candidates, column_pis)
    forced_mask = 0
    for c in columns:  # essential PIs: the only candidate of a configuration
        if candidates[c].bit_count() == 1:
            forced_mask |= candidates[c]
    forced = tuple(_members(forced_mask))
    rest = [c for c in columns if not candidates[c] & forced_mask]
    per_block, notes = [], []
    exhausted = models_cut = False
    gap = 0  # PIs the listed models may have beyond a minimum one (unproven blocks)
    for block in _blocks(rest, column_pis):
        search = _BlockSearch(block, candidates, _pi_masks(block, column_pis, chart, nonzero), limits.max_work)
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
            sub_models, sub_notes, sub_gap = _minimum_covers(sub_chart, limits, sub_known, search.weights)
            per_block.append([tuple(kept[i] for i in model) for model in sub_models])
            gap += sub_gap
            notes += [note for note in sub_notes if note not in notes]
            continue
        covers, cut = search.minimum_covers(limits.max_models, size)
        # an unproven block's enumeration is cut short by design; its own note says so
        exhausted |= search.exhausted and not search.unproven
        if search.unproven:
            gap += size - (search.lower_bound if search.lower_bound is not None else 1)
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
    return sorted(set(models)), notes, gap


def _pi_masks(block: list[int], column_pis: list[list[int]], chart: np.ndarray | None = None,
              nonzero: tuple[np.ndarray, np.ndarray] | None = None) -> dict[int, int]:
    """PI -> bitset of the block's columns (by position in ``block``) it covers; from the
    chart's cells (``nonzero``, computed if not given) by array operations for wide blocks
    (the same dict)."""
    if chart is not None and len(block) > PROBE_MAX_COLUMNS:
        return block_pi_masks(chart_nonzero(chart) if nonzero is None else nonzero, chart.shape[1], block)
    masks: dict[int, int] = {}
    for position, c in enumerate(block):
        for pi in column_pis[c]:
            masks[pi] = masks.get(pi, 0) | 1 << position
    return dict(sorted(masks.items()))


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
        models, notes, gap = _minimum_covers(chart, limits)
        if gap:
            notes.append(f"the cover search stopped before proving the model size minimal: the models may "
                         f"have up to {gap} PIs more than a minimum model (by the LP lower bound), "
                         "the model size is not proven minimal")
    models = sorted(models, key=lambda m: (len(m), m))
    return ChartSolution(models, bool(notes), notes)
