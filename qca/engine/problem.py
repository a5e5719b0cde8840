"""The truth table prepared for minimisation, with what every ``minimize`` call on it shares:
term memberships and fits (bounded caches), per-set-of-terms reductions for the fits of
models, and the solved charts (:mod:`.minimize` keeps its solutions here).
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from .errors import QCAComputationError
from .fit import (
    Memberships,
    SufficiencyFit,
    TermFit,
    largest_two,
    sufficiency_fit,
    unique_coverages_from,
)
from .terms import ConditionSpace
from .truthtable import TruthTable

if TYPE_CHECKING:
    from .minimize import Solution

# Bound on the term memberships cached per truth table (the fits are always kept). A term
# dropped and needed again is recomputed: identical values, a little more time.
MEMBERSHIP_CACHE_BYTES = 256 * 2**20
# Bound on the cached per-case reductions of sets of terms (3 vectors each, see _models).
REDUCTION_CACHE_BYTES = 64 * 2**20
# A new set of terms starts from a cached reduction among the REDUCTION_SEARCH most recent
# ones; a core is reduced first when more than CORE_MIN_REST terms would be folded in.
REDUCTION_SEARCH = 16
CORE_MIN_REST = 8
# Rows up to which the row ids are kept as shared int objects (Problem.row_id_objects):
# 2^20 rows, ~36 MB; beyond, each list of simplifying assumptions makes its own ints.
ROW_ID_OBJECTS_LIMIT = 2**20


class Problem:
    """The truth table prepared for minimisation.

    Kept on the truth table (see :func:`problem_for`): the term memberships and fits and
    the solved charts are shared by every ``minimize`` call on the same table, so the
    intermediate solution reuses the conservative and parsimonious ones.
    """

    def __init__(self, tt: TruthTable):
        self.tt = tt
        self.space: ConditionSpace = tt.space
        self.positive = tt.codes_with("1")
        self.negative = tt.codes_with("0", "C")
        if len(self.positive) == 0:
            raise QCAComputationError(
                "no truth table row has OUT = 1: nothing to explain (lower incl_cut?)"
            )
        self.memberships = Memberships(tt.dataset, self.space)
        self.y = tt.outcome_membership()
        # a term's fit is small and kept; its membership vector (8 bytes a case) is kept in
        # a cache bounded by bytes, least recently used out first: at n = 10,000 the
        # intermediate charts added ~40 MB each, held as long as the truth table
        self._term_fit_cache: dict[bytes, SufficiencyFit] = {}
        self._membership_cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._membership_bytes = 0
        self.solution_cache: dict[tuple, Solution] = {}
        # per set of terms (by term id): the per-case largest two memberships (bounded, as
        # the memberships) and the overall unique coverages
        self._term_ids: dict[bytes, int] = {}
        self._reduction_cache: OrderedDict[bytes, tuple] = OrderedDict()
        self._reduction_bytes = 0
        self._overall_cache: dict[bytes, dict[int, float]] = {}
        # term ids of a model, in chart order (int64 bytes) -> its term names, term fits and fit
        # (shared lists: read-only)
        self.model_cache: dict[bytes, tuple[list[str], list[TermFit], SufficiencyFit]] = {}
        self._row_id_objects: np.ndarray | None = None
        # (term id, covU as int64 bits) -> the term's solution-level TermFit (see minimize._models)
        self.overall_fit_cache: dict[tuple[int, int], TermFit] = {}

    def term_rows(self, terms: np.ndarray) -> list[np.ndarray]:
        """The cached membership vectors of the terms, not stacked (thousands of terms x
        cases would be copied for nothing: the fits read them row by row)."""
        return [self._membership(term.tobytes(), term) for term in terms]

    def term_fits(self, terms: np.ndarray, rows: list[np.ndarray] | None = None) -> list[SufficiencyFit]:
        """Each term's own fit (independent of the model it is in), cached. ``rows``: the
        terms' membership vectors when the caller has them (a chart's terms can outnumber the
        membership cache: random k = 16's conservative models use ~3,400 terms, and their
        vectors, evicted while they were all gathered, were computed a second time here)."""
        fits = []
        for index, term in enumerate(terms):
            key = term.tobytes()
            fit = self._term_fit_cache.get(key)
            if fit is None:
                vector = rows[index] if rows is not None else self._membership(key, term)
                fit = self._term_fit_cache[key] = sufficiency_fit(vector, self.y)
            fits.append(fit)
        return fits

    def term_ids(self, terms: np.ndarray) -> list[int]:
        """A number for each distinct term of this truth table (keys of the caches below)."""
        ids = self._term_ids
        return [ids.setdefault(term.tobytes(), len(ids)) for term in terms]

    def reduction(self, ids: list[int], vectors: dict[int, np.ndarray], local_ids: list[int]) -> tuple:
        """``largest_two`` of the terms ``ids`` (their membership ``vectors`` by id), with
        the row of the largest as an index into ``local_ids``; cached per set of terms."""
        first, second, top = self._reduction_of(ids, vectors)
        return first, second, self._local(top, local_ids)

    def overall_unique_coverages(self, ids: list[int], vectors: list[np.ndarray], common: list[int]) -> list[float]:
        """Each term's unique coverage in the disjunction of all the terms ``ids`` (R's
        solution-level covU): the reduction of the ``common`` terms (cached) with the others
        folded in, cached per set of terms."""
        key = np.sort(np.asarray(ids, dtype=np.int64)).tobytes()
        by_id = self._overall_cache.get(key)
        if by_id is None:
            by_vector = dict(zip(ids, vectors))
            start = self._reduction_of([ids[r] for r in common], by_vector) if common else None
            in_common = {ids[r] for r in common}
            rest = [i for i in ids if i not in in_common]
            first, second, top = largest_two(by_vector, rest, self.memberships.n_cases, start)
            uniques = unique_coverages_from((first, second, self._local(top, ids)), self.y, len(ids))
            by_id = self._overall_cache[key] = dict(zip(ids, uniques))
        return [by_id[i] for i in ids]

    def _reduction_of(self, ids: list[int], vectors: dict[int, np.ndarray]) -> tuple:
        """``largest_two`` of the terms ``ids``, cached per set of terms.

        A new set is rarely new throughout: the intermediate charts of one truth table share
        most of their common terms (latent k = 16: ~187 per chart, all but a few shared). So
        it starts from the largest recently cached subset of it, and when none covers most of
        it, from the overlap with the recent set it shares most with (reduced once, cached: a
        *core* the next charts start from), and folds in only the other terms. The largest
        and second largest values do not depend on the order the terms are folded in; the
        row of the largest may differ only where two terms tie for it, where the coverage a
        term loses is exactly 0 (see :func:`.fit.largest_two`): every fit is bit for bit the
        same as with the terms reduced in one pass."""
        key = np.sort(np.asarray(ids, dtype=np.int64)).tobytes()
        cache = self._reduction_cache
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found[0]
        wanted = frozenset(ids)
        start, start_members = None, frozenset()
        overlap_members, overlap = frozenset(), 0
        for other in islice(reversed(cache.values()), REDUCTION_SEARCH):
            reduction, members = other
            if len(members) > len(start_members) and members <= wanted:
                start, start_members = reduction, members
            shared = len(members & wanted) if len(members) > overlap else 0
            if overlap < shared < len(wanted):  # a strict part of it (never the set itself)
                overlap_members, overlap = members & wanted, shared
        if (len(wanted) - len(start_members) > CORE_MIN_REST
                and overlap - len(start_members) > len(wanted) // 2):
            start_members = overlap_members
            start = self._reduction_of(sorted(start_members), vectors)
        rest = sorted(wanted - start_members)
        reduction = largest_two(vectors, rest, self.memberships.n_cases, start)
        cache[key] = (reduction, wanted)
        self._reduction_bytes += sum(array.nbytes for array in reduction)
        while self._reduction_bytes > REDUCTION_CACHE_BYTES and len(cache) > 1:
            _, (dropped, _) = cache.popitem(last=False)
            self._reduction_bytes -= sum(array.nbytes for array in dropped)
        return reduction

    @staticmethod
    def _local(top_ids: np.ndarray, local_ids: list[int]) -> np.ndarray:
        """Term ids (as ``largest_two`` of ids gives them) as indices into ``local_ids``."""
        lookup = np.zeros(max(local_ids) + 1, dtype=np.int64)
        lookup[local_ids] = np.arange(len(local_ids))
        return lookup[top_ids]

    def _membership(self, key: bytes, term: np.ndarray) -> np.ndarray:
        cache = self._membership_cache
        membership = cache.get(key)
        if membership is not None:
            cache.move_to_end(key)
            return membership
        membership = cache[key] = self.memberships.of_term(term)
        self._membership_bytes += membership.nbytes
        while self._membership_bytes > MEMBERSHIP_CACHE_BYTES and len(cache) > 1:
            _, dropped = cache.popitem(last=False)
            self._membership_bytes -= dropped.nbytes
        return membership

    def row_id_objects(self) -> np.ndarray | None:
        """Per row code, its row id (code + 1) as an int object made once (an object array):
        the simplifying assumptions of the charts of one truth table list the same ids many
        times over, and indexing this hands out shared objects instead of new ints. None
        above ``ROW_ID_OBJECTS_LIMIT`` rows (the caller then makes the ints)."""
        if self._row_id_objects is None and self.space.n_rows <= ROW_ID_OBJECTS_LIMIT:
            objects = np.empty(self.space.n_rows, dtype=object)
            objects[:] = range(1, self.space.n_rows + 1)
            self._row_id_objects = objects
        return self._row_id_objects

    def not_negative(self) -> np.ndarray:
        all_rows = np.ones(self.space.n_rows, dtype=bool)
        all_rows[self.negative] = False
        return np.flatnonzero(all_rows)


def problem_for(tt: TruthTable) -> Problem:
    """The minimisation problem of ``tt``, built once per truth table and OUT assignment."""
    cache = tt.__dict__.setdefault("_minimize_problems", {})
    key = (tt.codes_with("1").tobytes(), tt.codes_with("0", "C").tobytes())
    problem = cache.get(key)
    if problem is None or problem.tt.dataset is not tt.dataset:
        problem = cache[key] = Problem(tt)
    return problem
