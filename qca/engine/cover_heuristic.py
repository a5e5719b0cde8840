"""A primal heuristic for unicost set cover: weighted local search after RWLS (Gao, Weise
and Li, "An efficient local search heuristic with row weighting for the unicost set
covering problem", EJOR 246, 2015).

Used by ``cover`` to find a small cover of a wide PI-chart block quickly, ideally one of the
LP bound's size (which proves it minimum without an integer program). The search:

* keeps a weight per element (chart configuration), 1 at the start; after every move the
  weights of the still uncovered elements grow by 1, so elements that stay uncovered get
  more and more attractive to cover;
* scores sets (PIs): a set outside the cover scores the weight of the uncovered elements
  it would cover, a set inside scores minus the weight of the elements only it covers;
* whenever the cover is complete it is recorded and the set of highest score is dropped
  (the size goes down by one); otherwise one move is a swap: drop the highest-scoring set
  of the cover (not the one just added: tabu), then pick an uncovered element and add the
  highest-scoring set that covers it among those that configuration checking allows (a
  dropped set may come back only after one of its elements changed state);
* ties go first by ``priority`` when given (``cover`` passes the LP reduced costs: add the
  set of lowest reduced cost, drop the one of highest: the reduced costs of a cover's
  sets sum to at most its size minus the LP optimum, so a cover at the LP bound is made
  almost entirely of sets of reduced cost near 0), then to the set changed
  longest ago (time stamps), as in RWLS, then to the lowest index.

Deterministic: the uncovered element of each move comes from a seeded numpy Generator, and
the run stops after ``max_steps`` moves or at ``target`` (no clock). Scores are kept
incrementally (see ``_State``): a move walks the elements of the two sets it swaps in plain
Python, with one numpy call per element that becomes covered or uncovered (its sets'
scores), one for the weights of the uncovered elements, and a few over the cover to choose
the set to drop; the uncovered elements are kept, not searched for. So a move costs about
ten numpy calls plus Python work in proportion to the two sets' sizes.
"""

from __future__ import annotations

import bisect

import numpy as np

SEED = 20150101  # any fixed seed: the search is deterministic for a given chart
PRIORITY_TOLERANCE = 1e-9  # priorities this close are a tie (LP reduced costs are floats)


def csr_of(chart: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """A boolean (sets x elements) matrix as ``local_search_cover`` takes it: (indptr,
    indices, number of elements), each set's elements ascending."""
    chart = np.asarray(chart, dtype=bool)
    rows, cols = np.nonzero(chart)
    indptr = np.zeros(len(chart) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(chart)), out=indptr[1:])
    return indptr, cols.astype(np.int64), chart.shape[1]


class _State:
    """The cover and its scores; ``add``/``drop`` keep every score exact incrementally.

    Per element (read and written one at a time as a move walks a set's ``members``) the
    state is Python lists, as one entry of a list costs a fraction of a numpy call or of a
    numpy scalar: ``weight``, ``count`` (sets of the cover covering it), ``owner_sum`` (the
    sum of those sets' ids: the owner when there is one) and ``uncovered`` (the elements of
    count 0, ascending, kept by ``add`` and ``drop`` rather than found by a scan). Per set
    (updated through an element's ``holders`` and compared over the cover or over an
    element's sets, many at a time) it is numpy arrays: ``score``, ``inside``, ``allowed``
    (configuration checking) and ``stamp`` (the step of its last change)."""

    def __init__(self, set_ptr: np.ndarray, set_elements: np.ndarray, elements: int,
                 priority: np.ndarray | None):
        self.priority = priority
        sets = len(set_ptr) - 1
        flat = set_elements.tolist()
        bounds = set_ptr.tolist()
        self.members = [flat[bounds[s]:bounds[s + 1]] for s in range(sets)]  # set -> its elements
        owners = np.repeat(np.arange(sets, dtype=np.int64), np.diff(set_ptr))
        order = np.argsort(set_elements, kind="stable")  # element by element, sets ascending
        ends = np.cumsum(np.bincount(set_elements, minlength=elements))
        self.holders = np.split(owners[order], ends[:-1])  # element -> its sets
        self.weight = [1] * elements
        self.count = [0] * elements
        self.owner_sum = [0] * elements
        self.uncovered = list(range(elements))
        self.score = np.diff(set_ptr).astype(np.int64)  # nothing covered: gain = |set|
        self.inside = np.zeros(sets, dtype=bool)
        self.allowed = np.ones(sets, dtype=bool)
        self.stamp = np.zeros(sets, dtype=np.int64)
        self.size = 0

    def _shift_sets_of(self, element: int, weight: int) -> None:
        """Every set holding ``element`` gains ``weight`` (negative: loses) and may be added
        again (its neighbourhood changed)."""
        sets = self.holders[element]
        self.score[sets] += weight
        self.allowed[sets] = True

    def add(self, s: int, step: int) -> None:
        count, owner_sum, weight, score = self.count, self.owner_sum, self.weight, self.score
        newly = 0  # the weight of the elements only s covers now
        for element in self.members[s]:
            covering = count[element]
            if covering < 2:  # one test for the usual case, an element covered twice or more
                if covering == 0:
                    self._shift_sets_of(element, -weight[element])
                    newly += weight[element]
                    del self.uncovered[bisect.bisect_left(self.uncovered, element)]
                else:  # the single set that covered it is no longer alone
                    score[owner_sum[element]] += weight[element]
            count[element] = covering + 1
            owner_sum[element] += s
        score[s] = -newly
        self.inside[s], self.stamp[s] = True, step
        self.size += 1

    def drop(self, s: int, step: int) -> None:
        count, owner_sum, weight, score = self.count, self.owner_sum, self.weight, self.score
        lost = 0  # the weight of the elements s alone covered
        for element in self.members[s]:
            covering = count[element] - 1
            count[element] = covering
            owner_sum[element] -= s
            if covering < 2:
                if covering == 0:
                    self._shift_sets_of(element, weight[element])
                    lost += weight[element]
                    bisect.insort(self.uncovered, element)
                else:  # the remaining set covering it is now alone
                    score[owner_sum[element]] -= weight[element]
        score[s] = lost
        self.inside[s], self.allowed[s], self.stamp[s] = False, False, step
        self.size -= 1

    def raise_weights(self) -> None:
        """The weight of every uncovered element grows by 1, and so does the score of each of
        its sets (all outside the cover): one ``add.at`` for all of them, as a set may hold
        several uncovered elements (plain fancy indexing for one element)."""
        for element in self.uncovered:
            self.weight[element] += 1
        if len(self.uncovered) == 1:  # often so; no set holds an element twice
            self.score[self.holders[self.uncovered[0]]] += 1
        else:
            np.add.at(self.score, np.concatenate([self.holders[element] for element in self.uncovered]), 1)

    def cover_but(self, tabu: int) -> np.ndarray:
        """The sets of the cover, ascending, less ``tabu`` (the set added last; -1: none)
        unless it is the only one. Its flag is cleared for one ``nonzero``, which costs less
        than filtering the result."""
        if tabu < 0 or not self.inside[tabu]:
            return self.inside.nonzero()[0]
        self.inside[tabu] = False
        others = self.inside.nonzero()[0]
        self.inside[tabu] = True
        return others if len(others) else np.array([tabu])

    def best_of(self, candidates: np.ndarray, dropping: bool) -> int:
        """Highest score; at a tie the lowest priority (adding) or the highest (dropping),
        then the set changed longest ago, then the lowest id (``candidates`` ascending;
        ``argmax``/``argmin`` take the first extreme, and cost less than ``max``/``min``)."""
        if len(candidates) == 1:  # often so when adding: an element held by one allowed set
            return int(candidates[0])
        scores = self.score[candidates]
        tied = candidates[scores == scores[scores.argmax()]]
        if len(tied) > 1 and self.priority is not None:
            priorities = self.priority[tied]
            if dropping:
                tied = tied[priorities >= priorities[priorities.argmax()] - PRIORITY_TOLERANCE]
            else:
                tied = tied[priorities <= priorities[priorities.argmin()] + PRIORITY_TOLERANCE]
        if len(tied) == 1:
            return int(tied[0])
        return int(tied[self.stamp[tied].argmin()])


def local_search_cover(chart: np.ndarray | tuple[np.ndarray, np.ndarray, int], target: int, max_steps: int,
                       priority: np.ndarray | None = None, initial: list[int] | tuple[int, ...] | None = None,
                       seed: int = SEED) -> list[int]:
    """A cover of the boolean (sets x elements) ``chart``, or of its :func:`csr_of` form
    (every element must be coverable): row indices, ascending. Stops at a cover of ``target`` sets (e.g. the LP bound: none can
    be smaller) or after ``max_steps`` swap moves, returning the smallest cover seen.

    ``priority``: per set, the tie-break after the score (lower is added first, higher
    dropped first). ``initial``: a cover to start from; without it, the greedy cover by
    score (most elements first, ties as above)."""
    set_ptr, set_elements, elements = chart if isinstance(chart, tuple) else csr_of(chart)
    if np.bincount(set_elements, minlength=elements).min(initial=1) == 0:
        raise ValueError("some elements are in no set")
    state = _State(set_ptr, set_elements, elements, None if priority is None else np.asarray(priority, dtype=float))
    uncovered = state.uncovered  # kept up to date by add and drop
    rng = np.random.default_rng(seed)
    if initial is None:
        while uncovered:
            state.add(state.best_of(np.flatnonzero(~state.inside), False), 0)
    else:
        for s in initial:
            state.add(int(s), 0)
        if uncovered:
            raise ValueError("the initial sets do not cover the chart")
    best: list[int] = np.flatnonzero(state.inside).tolist()
    tabu, step = -1, 0
    draws = rng.random(max(1, min(max_steps, 1 << 16))).tolist()
    while True:
        if not uncovered:  # a cover: record it, then look for one a set smaller
            if state.size < len(best):
                best = np.flatnonzero(state.inside).tolist()
            if state.size <= max(target, 1):
                break
            state.drop(state.best_of(np.flatnonzero(state.inside), True), step)
            continue
        if step >= max_steps:
            break
        step += 1
        state.drop(state.best_of(state.cover_but(tabu), True), step)
        element = uncovered[int(draws[step % len(draws)] * len(uncovered))]
        holders = state.holders[element]
        choosable = holders[state.allowed[holders]]
        tabu = state.best_of(choosable if len(choosable) else holders, False)
        state.add(tabu, step)
        if uncovered:
            state.raise_weights()
    return best


def local_search_at_lp_bound(chart: tuple[np.ndarray, np.ndarray, int], weights: list[float], lower: int,
                             upper: int, max_steps: int, tolerance: float) -> tuple[int, list[int]]:
    """:func:`local_search_cover` for a cover of ``lower`` sets (the LP bound) over the sets
    that reduced-cost fixing leaves for a cover of that size, the reduced costs as tie-breaks.

    ``weights``: the LP dual, one per element. A set whose reduced cost (1 - the dual weight
    of its elements) exceeds ``lower`` - LP is in no cover of ``lower`` sets; if the sets
    left cannot cover every element, no such cover exists and the bound rises until they
    can (at most to ``upper``, the size of a known cover, whose sets are then all left: at
    ``upper`` the known cover stands and no search runs). Reduced costs by one pass over the
    nonzeros, compared with ``tolerance``. Returns the bound and the cover's sets (row
    indices of ``chart``; empty when none was looked for)."""
    indptr, indices, width = chart
    lengths = np.diff(indptr)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    reduced = 1.0 - np.bincount(owner, weights=np.asarray(weights)[indices], minlength=len(lengths))
    total = sum(weights)
    while True:
        mask = reduced <= lower - total + tolerance
        if np.bincount(indices[np.repeat(mask, lengths)], minlength=width).all():
            break
        lower += 1
        if lower >= upper:  # floating-point safety: the known cover stands
            return upper, []
    kept = np.flatnonzero(mask)
    sub_ptr = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(lengths[mask], out=sub_ptr[1:])
    sub_chart = (sub_ptr, indices[np.repeat(mask, lengths)], width)
    chosen = local_search_cover(sub_chart, lower, max_steps, priority=reduced[mask])
    return lower, sorted(int(kept[i]) for i in chosen)
