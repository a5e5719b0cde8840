"""The covering LP of a PI-chart block, min 1'x s.t. A x >= 1, x >= 0, and an optimal
dual y (max 1'y s.t. A'y <= 1, y >= 0), fast on wide blocks.

``cover._BlockSearch._lp_bound`` needs the LP bound ceil(optimum) and a dual y (the weights
of reduced-cost fixing, of the enumeration's bound and of its branch order). One HiGHS call
on the whole block (``linprog(method="highs")``, which picks the dual simplex) is fine on
small blocks and slow on wide ones. Measured per block of the ``bench/qca_minimize.py``
cells (CPU s, ``bench/qca_lp.py``, 2-core machine under load 3 to 4, so +-20 %):

=========================  =====================  =======  ========  ======  ===========
block                      configurations x PIs   simplex  interior  dual LP generation
=========================  =====================  =======  ========  ======  ===========
random k=16 n=10^4, pars.  3,995 x 29,604 (368k)  4.9      4.2 *    4.5-16  0.79
random k=16 n=2000, pars.  1,539 x 33,487 (394k)  2.3      2.8               0.53
latent k=16 n=10^4, pars.  440 x 33,631 (188k)    0.69     1.3               0.36
random k=14 n=10^4, compl. 3,601 x 5,808 (19k)    4.6      0.37      3.7-4.2 3.4-4.0
random k=12 n=10^4, compl. 1,815 x 2,824 (45k)    1.3      0.30              0.59-0.71
random k=16 n=10^4, compl. 1,738 x 2,643 (4.5k)   0.03     0.04              0.28
=========================  =====================  =======  ========  ======  ===========

(* 3.6 without presolve. "dual LP": max 1'y s.t. A'y <= 1 given to HiGHS directly, simplex
or interior point, with and without presolve: never better than the best of the others.) So there are three ways,
chosen by ``choose_method`` from the chart's shape:

* **simplex** -- small charts (at most ``SMALL_NONZEROS`` cells): the very call of
  ``_lp_bound``, so its dual is bit-identical to the one it keeps today (the bench checks),
  and the listed models of bounded runs stay the same;
* **interior** -- larger charts with few candidate PIs per configuration (fewer than
  ``GENERATION_CANDIDATES`` cells per configuration: complex solutions, whose PIs cover a
  few configurations each): HiGHS's interior point with crossover (the dual is a vertex,
  as the simplex's). Its normal equations A D A' stay sparse when each configuration has
  few candidates, and it takes 25 iterations where the simplex takes 18,000;
* **generation** -- charts with many candidate PIs per configuration (parsimonious
  solutions: remainders make PIs large and many): there A A' is nearly dense (4,000^2 at
  random k = 16) and the interior point is no faster than the simplex, but the optimum is
  carried by few rows and columns -- 452 of 3,995 configurations have y > 0, 443 of 29,604
  PIs x > 0. Row and column generation solves a *restricted* LP over some configurations R
  (rows) and some PIs C (columns):

  - R starts with the ``INITIAL_ROWS`` configurations with the fewest candidates, C with
    each one's ``INITIAL_PIS_PER_ROW`` largest candidates;
  - after each solve, x (on C) must cover every configuration: those it leaves uncovered
    outside R join R (most uncovered first, ``ROWS_PER_ROUND`` at most), each with its
    largest PI, so the restricted LP stays feasible;
  - and y (on R, 0 elsewhere) must leave every PI a reduced cost 1 - (sum of y over its
    configurations) >= 0: one sparse mat-vec over all PIs; the most negative ones outside
    C join C (``PIS_PER_ROUND`` at most).

  When neither finds anything (beyond ``TOLERANCE``), x is feasible for the whole primal
  and y for the whole dual, with equal values: both are optimal, the restricted optimum is
  the whole LP's. Each round adds rows or columns not yet there, so the loop ends
  (``MAX_ROUNDS`` only guards it; then the whole LP goes to the interior point). The
  restricted LPs stay small (random k = 16: 6 to 8 rounds, about 1,100 rows x 1,900
  columns at the end) and HiGHS's interior point without presolve solves them 2 to 3 times
  faster than its simplex (0.1 s against 0.3 s each). scipy's ``linprog`` takes no warm
  start, so each round solves from scratch: hence few, large rounds.

The dual returned is *an* optimal dual; on the interior and generation paths not the one
the simplex would give (the covering LP is degenerate: it has many optimal duals). The
bound is the same; the weights, hence the branch order and which PIs reduced-cost fixing
drops, may differ, and so may which models a bounded run lists first.

The dual comes back clipped at 0 and scaled as ``_lp_bound`` does (see ``_feasible``), so
that every PI's sum, added left to right, is at most 1 exactly. Deterministic: no clock, no
randomness; ties are broken by index (stable sorts, ``lexsort``).
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-9  # a configuration counts as uncovered / a PI as improving beyond this
SMALL_NONZEROS = 10_000  # charts of at most this many cells: HiGHS's default, as _lp_bound
GENERATION_CANDIDATES = 40  # larger charts with at least this many PIs per configuration
# (cells / width) take the row and column generation, the others HiGHS's interior point
INITIAL_ROWS = 300  # configurations (fewest candidates first) of the first restricted LP
INITIAL_PIS_PER_ROW = 3  # their largest candidate PIs
ROWS_PER_ROUND = 500  # uncovered configurations added per round, most uncovered first
PIS_PER_ROUND = 1_000  # improving PIs added per round, most negative reduced cost first
MAX_ROUNDS = 200  # guard: beyond it the whole LP is solved by the interior point
# HiGHS through scipy's public linprog: method and options per use
SIMPLEX = ("highs", {})  # the very call of ``_lp_bound`` (HiGHS picks its dual simplex)
INTERIOR = ("highs-ipm", {})  # interior point, then crossover: a vertex, its dual basic
MASTER = ("highs-ipm", {"presolve": False})  # restricted LPs: presolve costs more than it saves
METHODS = ("simplex", "interior", "generation")


def choose_method(cells: int, width: int) -> str:
    """Which way solves a chart of ``cells`` nonzeros over ``width`` configurations fastest
    (see the module docstring): 'simplex', 'interior' or 'generation'."""
    if cells <= SMALL_NONZEROS:
        return "simplex"
    return "generation" if cells >= GENERATION_CANDIDATES * width else "interior"


def covering_lp_dual(indptr: np.ndarray, indices: np.ndarray, width: int, *,
                     method: str | None = None, initial_rows: int = INITIAL_ROWS,
                     stats: dict | None = None) -> tuple[np.ndarray, float] | None:
    """The covering LP of a chart given by PIs as CSR (PI i covers configurations
    ``indices[indptr[i]:indptr[i + 1]]``, ascending, no repeats; ``width`` configurations).

    Returns ``(y, optimum)``: y, one float per configuration, y >= 0 and every PI's sum of
    y at most 1 -- exactly, added left to right as ``cover`` adds them (see ``_feasible``);
    sum(y) within the solver's tolerance of the optimum, so ``ceil(sum(y) - 1e-6)`` is the
    full LP's bound on the size of a cover; ``optimum``, the LP's optimal value. None where
    HiGHS fails (not seen; the caller keeps its fallback, as for ``linprog``'s status != 0).

    A chart of no configurations has the empty cover: ``(empty, 0.0)``. A configuration
    that no PI covers makes the LP infeasible: ValueError (``solve_chart`` rejects such
    charts before any block is built).

    ``method``: None chooses (``choose_method``); 'simplex', 'interior' or 'generation'
    force one (tests, the bench). ``initial_rows``: see ``INITIAL_ROWS`` (the tests lower
    it so that rows join by rounds on small charts). ``stats``, if given, receives the
    method, the rounds and the last LP's size (rows x columns)."""
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    width = int(width)
    if width == 0:
        return np.zeros(0), 0.0
    candidates = np.bincount(indices, minlength=width)
    if len(candidates) > width or not candidates.all():
        raise ValueError("every configuration needs a PI that covers it (and no index beyond width)")
    method = choose_method(len(indices), width) if method is None else method
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    from scipy.sparse import csr_array

    # PIs x configurations: row i is PI i, so pricing (A'y) is one CSR mat-vec
    pis = csr_array((np.ones(len(indices)), indices, indptr), shape=(len(indptr) - 1, width))
    if method == "generation":
        solved = _generate(pis, indptr, indices, width, candidates, initial_rows, stats)
    else:
        solved = _whole(pis, SIMPLEX if method == "simplex" else INTERIOR, method, stats)
    if solved is None:
        return None
    y, optimum = solved
    return _feasible(pis, indptr, y), optimum


def _solve(sub_pis, how: tuple[str, dict]):
    """HiGHS on min 1'x s.t. M x >= 1, x >= 0, M given as its transpose ``sub_pis``
    (columns x rows, CSR): (x, y, optimum) or None."""
    from scipy.optimize import linprog

    matrix = sub_pis.T  # a CSC view of the CSR transpose: no copy, and what HiGHS takes
    method, options = how
    result = linprog(np.ones(matrix.shape[1]), A_ub=-matrix, b_ub=-np.ones(matrix.shape[0]),
                     bounds=(0, None), method=method, options=dict(options))
    if result.status != 0:
        return None
    return result.x, -np.asarray(result.ineqlin.marginals, dtype=float), float(result.fun)


def _whole(pis, how: tuple[str, dict], method: str, stats: dict | None):
    """One HiGHS call on the whole LP: (y, optimum) or None."""
    solved = _solve(pis, how)
    if stats is not None:
        stats.update(method=method, rounds=1, rows=pis.shape[1], columns=pis.shape[0])
    return None if solved is None else (solved[1], solved[2])


def _generate(pis, indptr, indices, width: int, candidates: np.ndarray, initial_rows: int,
              stats: dict | None):
    """Row and column generation (see the module docstring): (y, optimum) or None."""
    from scipy.sparse import csr_array

    sizes = np.diff(indptr)
    owner = np.repeat(np.arange(len(sizes)), sizes)  # the PI of each cell
    # each configuration's candidates, largest PI first (ties: lower PI first)
    order = np.lexsort((owner, -sizes[owner], indices))
    by_row = indices[order]
    rank = np.arange(len(order)) - np.searchsorted(by_row, np.arange(width))[by_row]
    largest = owner[order][rank == 0]  # per configuration (every one has a candidate)
    ranked_pis, ranked_rows = owner[order][rank < INITIAL_PIS_PER_ROW], by_row[rank < INITIAL_PIS_PER_ROW]

    in_rows = np.zeros(width, dtype=bool)
    in_rows[np.lexsort((np.arange(width), candidates))[:initial_rows]] = True
    in_columns = np.zeros(len(sizes), dtype=bool)
    in_columns[ranked_pis[in_rows[ranked_rows]]] = True
    position = np.empty(width, dtype=np.int64)  # configuration -> row of the restricted LP
    for rounds in range(1, MAX_ROUNDS + 1):
        rows, columns = np.flatnonzero(in_rows), np.flatnonzero(in_columns)
        position[rows] = np.arange(len(rows))
        # the restricted chart: the chosen PIs' cells in the chosen configurations
        sub = pis[columns]
        keep = in_rows[sub.indices]
        kept = np.concatenate([[0], np.cumsum(keep)])[sub.indptr]
        restricted = csr_array((np.ones(int(keep.sum())), position[sub.indices[keep]], kept),
                               shape=(len(columns), len(rows)))
        solved = _solve(restricted, MASTER)
        if solved is None:
            return None
        x_part, y_part, optimum = solved
        y = np.zeros(width)
        y[rows] = np.clip(y_part, 0.0, None)
        # primal side: how much x covers each configuration (uncovered ones join R)
        covered = np.bincount(sub.indices, weights=np.repeat(x_part, np.diff(sub.indptr)), minlength=width)
        covered[in_rows] = np.inf
        uncovered = np.flatnonzero(covered < 1.0 - TOLERANCE)
        # dual side: reduced costs of all PIs (improving ones join C)
        reduced = 1.0 - pis @ y
        reduced[in_columns] = np.inf
        improving = np.flatnonzero(reduced < -TOLERANCE)
        if not len(uncovered) and not len(improving):
            if stats is not None:
                stats.update(method="generation", rounds=rounds, rows=len(rows), columns=len(columns))
            return y, optimum
        new_rows = uncovered[np.argsort(covered[uncovered], kind="stable")[:ROWS_PER_ROUND]]
        in_rows[new_rows] = True
        in_columns[largest[new_rows]] = True  # each new row has a PI: the LP stays feasible
        in_columns[improving[np.argsort(reduced[improving], kind="stable")[:PIS_PER_ROUND]]] = True
    return _whole(pis, INTERIOR, "interior", stats)  # the guard (not seen): the whole LP


def _feasible(pis, indptr, y: np.ndarray) -> np.ndarray:
    """y clipped at 0 and scaled, as ``cover._BlockSearch._lp_bound`` does, by the heaviest
    PI's sum where it exceeds 1 (HiGHS's tolerances: sums of 1 + 1e-9 or so). The CSR
    mat-vec adds each PI's weights left to right in ascending positions from 0.0: the very
    floats of ``cover_numeric.ragged_sequential_sums``, of ``np.bincount`` (the local
    search) and of Python's ``sum``. The division can still leave a sum at 1 + 1 ulp; then
    y is scaled once more with a margin of 2 n eps (n: the longest PI), more than the
    rounding of such a sum in any order of addition, so none exceeds 1. (Other orders, as
    numpy's pairwise ``np.sum``, may otherwise exceed 1 by a few ulp, as with ``_lp_bound``.)"""
    y = np.clip(y, 0.0, None)
    if not len(y) or pis.shape[0] == 0:
        return y
    heaviest = float((pis @ y).max())
    if heaviest > 1.0:
        y /= heaviest
        heaviest = float((pis @ y).max())
        if heaviest > 1.0:
            longest = int(np.diff(indptr).max())
            y *= (1.0 - 2.0 * longest * np.finfo(float).eps) / heaviest
    return y
