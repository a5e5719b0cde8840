"""Boolean minimisation of a truth table (R QCA's ``minimize``).

* ``complex`` (conservative): prime implicants of the positive rows only;
* ``parsimonious``: prime implicants of all rows that are not negative (remainders and
  rows below n_cut may be used);
* ``intermediate``: for every pair of conservative model i and parsimonious model j,
  prime implicants of the positive rows plus the easy counterfactuals (see
  :mod:`.intermediate`), named ``CiPj`` as in R.

Each solution lists all minimal models (model ambiguity), the PI chart, the PIs common
to all models (R's "essential"), and the simplifying assumptions (remainders covered).
Contradictory simplifying assumptions -- remainders used both for the outcome and for
its negation -- are flagged when ``check_contradictions`` is on.
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain, pairwise

import numpy as np

from .cover import ChartLimits, ChartSolution, row_dominance, solve_chart
from .errors import QCAComputationError, QCAInputError, QCAWarning
from .fit import (
    SufficiencyFit,
    TermFit,
    model_fits,
    padded_per_model,
    release_scratch,
    term_fit_dicts,
)
from .implicants import prime_implicants, release_word_buffers
from .intermediate import EasyCounterfactualFinder, EasyParts, from_bitset, parse_dir_exp
from .problem import Problem, problem_for
from .terms import ConditionSpace, covers_codes
from .truthtable import TruthTable

SOLUTION_TYPES = ("complex", "parsimonious", "intermediate")
# Intermediate PIs by iterated consensus over the simplified terms (see
# _intermediate_solutions); False minimises the allowed rows instead (same PIs; kept for tests).
INTERMEDIATE_BY_CONSENSUS = True


@dataclass
class Model:
    name: str
    terms: list[str]
    terms_fit: list[TermFit]
    fit: SufficiencyFit

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "terms": self.terms,
            **self.fit.to_dict(),
            "terms_fit": term_fit_dicts(self.terms_fit),
        }


@dataclass
class PIChart:
    PIs: list[str]
    configurations: list[int]
    cells: np.ndarray = field(repr=False)  # PIs x configurations, bool

    @property
    def matrix(self) -> list[list[bool]]:
        """The chart as lists, made when asked for: at k = 16 a conservative chart has
        millions of cells, and most callers never read them."""
        return self.cells.tolist()

    @property
    def covers(self) -> list[list[int]]:
        """Per PI, the configurations (row ids) it covers: the same chart, sparse. At k = 16 a
        parsimonious chart of 36,000 PIs x 600 rows is ~120 MB as JSON booleans, ~1 MB as this."""
        flat, bounds = self._covers_flat
        return [flat[start:end] for start, end in pairwise(bounds)]

    @cached_property
    def _covers_flat(self) -> tuple[list[int], list[int]]:
        """The covers as one list (row-major ``nonzero`` of the chart) and each PI's start in
        it: made once per chart (the intermediate pairs share charts), sliced per call."""
        pis, columns = np.nonzero(self.cells)
        flat = np.asarray(self.configurations, dtype=np.int64)[columns].tolist() if len(columns) else []
        bounds = np.concatenate([[0], np.cumsum(np.bincount(pis, minlength=len(self.cells)))]).tolist()
        return flat, bounds

    def to_dict(self, matrix: bool = True) -> dict:
        chart = {"PIs": self.PIs, "configurations": self.configurations}
        if matrix:
            chart["matrix"] = self.matrix
        else:
            chart["covers"] = self.covers
        return chart


@dataclass
class Solution:
    """One minimisation: a conservative, a parsimonious or one intermediate (CiPj) solution."""

    kind: str
    name: str
    models: list[Model]
    essential: list[str]
    pi_chart: PIChart
    terms: dict[str, TermFit]
    simplifying_assumptions: dict[str, list[int]] = field(default_factory=dict)
    easy_counterfactuals: list[int] | None = None
    difficult_counterfactuals: list[int] | None = None
    conservative_model: list[str] | None = None
    parsimonious_model: list[str] | None = None
    # a bound (max_models, max_work) stopped the enumeration: the models are not exhaustive
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    # engine internals: prime implicants (as arrays) of each model
    model_terms: list[np.ndarray] = field(default_factory=list, repr=False)
    # per model, the non-positive allowed rows it covers as a bitset's little-endian bytes (see
    # _assumption_masks; None where there are none): the intermediate solution's bitsets of the
    # parsimonious models' simplifying assumptions
    assumption_masks: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self, pi_chart_matrix: bool = True) -> dict:
        result = {
            "kind": self.kind,
            "name": self.name,
            "models": [m.to_dict() for m in self.models],
            "essential": self.essential,
            "PIchart": self.pi_chart.to_dict(matrix=pi_chart_matrix),
            "terms": {name: _without_name(fit) for name, fit in self.terms.items()},
            "SA": self.simplifying_assumptions,
            "truncated": self.truncated,
        }
        if self.kind == "intermediate":
            result.update(
                EC=self.easy_counterfactuals,
                DC=self.difficult_counterfactuals,
                c_sol=self.conservative_model,
                p_sol=self.parsimonious_model,
            )
        return result


@dataclass
class MinimizeResult:
    solution_type: str
    outcome: str
    conditions: list[str]
    solutions: list[Solution]
    truth_table: TruthTable
    contradictory_simplifying_assumptions: list[int] | None = None
    warnings: list[QCAWarning] = field(default_factory=list)

    @property
    def models(self) -> list[tuple[str, Model]]:
        """(display name, model) pairs; intermediate models are named CiPj (CiPj-Mk when
        one pair has several models), as R prints them."""
        named = []
        for solution in self.solutions:
            for model in solution.models:
                if self.solution_type != "intermediate":
                    named.append((model.name, model))
                elif len(solution.models) == 1:
                    named.append((solution.name, model))
                else:
                    named.append((f"{solution.name}-{model.name}", model))
        return named

    def to_dict(self, pi_chart_matrix: bool = True) -> dict:
        """JSON-ready. ``pi_chart_matrix=False`` writes each PI chart as ``covers`` (per PI, the
        row ids it covers) instead of the boolean ``matrix``: what the app stores."""
        with _gc_paused():
            return self._to_dict(pi_chart_matrix)

    def _to_dict(self, pi_chart_matrix: bool) -> dict:
        terms: dict[str, dict] = {}
        for solution in self.solutions:
            for name, fit in solution.terms.items():
                terms.setdefault(name, _without_name(fit))
        essential = sorted(
            set.intersection(*(set(s.essential) for s in self.solutions)) if self.solutions else set()
        )
        return {
            "solution": self.solution_type,
            "outcome": self.outcome,
            "conditions": self.conditions,
            "models": [
                {"name": name, "terms": m.terms, **m.fit.to_dict()} for name, m in self.models
            ],
            "terms": terms,
            "essential": essential,
            "solutions": [s.to_dict(pi_chart_matrix) for s in self.solutions],
            "contradictory_simplifying_assumptions": self.contradictory_simplifying_assumptions,
            "truth_table": self.truth_table.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }


@contextmanager
def _gc_paused():
    """The cyclic garbage collector off while a result is written out: a bounded k = 16 result
    is ~600,000 small dicts (no cycles), and the collections their allocation triggers
    re-scanned the growing result (~0.3 of ~0.8 s). Restored as it was, even on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _without_name(fit: TermFit) -> dict:
    return fit.to_dict_without_term()


@dataclass(frozen=True)
class _Covers:
    """The minimal covers (models) of one chart as arrays, made once for the fits, the
    simplifying assumptions and the solution: every model's PIs one model after another
    (``pis``; model i is ``pis[bounds[i]:bounds[i + 1]]``), their sorted union ``used``, the
    same PIs as positions in ``used`` (``rows``), and the positions in ``used`` of the PIs
    common to all models (``common``, ascending)."""

    pis: np.ndarray
    bounds: list[int]
    used: list[int]
    rows: np.ndarray
    common: list[int]

    @classmethod
    def of(cls, models: list[tuple[int, ...]]) -> _Covers:
        lengths = [len(model) for model in models]
        pis = np.fromiter(chain.from_iterable(models), dtype=np.int64, count=sum(lengths))
        # np.unique(pis, return_inverse=True) without its sort: PIs are chart row indices
        present = np.zeros(int(pis.max()) + 1 if len(pis) else 0, dtype=bool)
        present[pis] = True
        used = np.flatnonzero(present)
        rows = (np.cumsum(present) - 1)[pis]
        bounds = np.cumsum([0, *lengths]).tolist()
        if not models:
            common = []
        elif _distinct_within(pis, bounds):  # a PI in every model is counted once per model
            common = np.flatnonzero(np.bincount(rows, minlength=len(used)) == len(models)).tolist()
        else:
            shared = set.intersection(*(set(model) for model in models))
            common = [r for r, pi in enumerate(used.tolist()) if pi in shared]
        return cls(pis, bounds, used.tolist(), rows, common)

    @property
    def n_models(self) -> int:
        return len(self.bounds) - 1

    def model_rows(self, models: list[int]) -> tuple[np.ndarray, list[int]]:
        """The rows of the given models, one after another, and each one's count."""
        bounds = self.bounds
        lengths = [bounds[m + 1] - bounds[m] for m in models]
        if len(models) == self.n_models:
            return self.rows, lengths
        return np.concatenate([self.rows[bounds[m]:bounds[m + 1]] for m in models]), lengths


def _distinct_within(values: np.ndarray, bounds: list[int]) -> bool:
    """Whether each slice ``values[bounds[i]:bounds[i + 1]]`` is strictly ascending."""
    ascending = np.diff(values) > 0
    ascending[np.asarray(bounds[1:-1], dtype=np.int64) - 1] = True  # model boundaries
    return bool(ascending.all())


def _models(
    problem: Problem, pi_names: list[str], primes: np.ndarray, covers: _Covers,
) -> tuple[list[Model], list[TermFit]]:
    """Every model's fit from the used PIs' memberships (cached per term); the models'
    shared terms are reduced once (``model_fits``), and that reduction is cached per
    set of terms, as is the chart's overall unique coverages: the intermediate charts of
    one truth table share most of their terms."""
    used = covers.used
    used_terms = primes[used]
    stacked = problem.term_rows(used_terms)
    singles = problem.term_fits(used_terms, stacked)
    ids = problem.term_ids(used_terms)
    flat, bounds, common = covers.rows, covers.bounds, covers.common
    base = None
    if common:
        base = (common, problem.reduction([ids[r] for r in common], dict(zip(ids, stacked)), ids))
    # a model's fit and terms depend only on its set of terms, and intermediate charts repeat
    # models (latent k = 16: 1,536 models, 768 distinct): each is fitted once per truth table
    flat_ids = np.asarray(ids, dtype=np.int64)[flat]
    keys = [flat_ids[a:b].tobytes() for a, b in pairwise(bounds)]
    known = problem.model_cache
    new = [m for m, key in enumerate(keys) if key not in known]
    if new:
        rows_new, lengths_new = covers.model_rows(new)
        fitted, uniques_new = model_fits(stacked, problem.y, rows_new, lengths_new, base)
        # the models' (term, covU) pairs, each distinct pair one TermFit (models share terms and
        # mostly their covU): found by one sort of (row, covU bits) over all new models' terms
        bits = uniques_new.view(np.int64)
        order = np.lexsort((bits, rows_new))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (rows_new[order[1:]] != rows_new[order[:-1]]) | (bits[order[1:]] != bits[order[:-1]])
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.cumsum(first) - 1
        representatives = order[first]
        term_fits = np.empty(len(representatives), dtype=object)
        for slot, (r, unique) in enumerate(zip(rows_new[representatives].tolist(),
                                              uniques_new[representatives].tolist(), strict=True)):
            single = singles[r]
            term_fits[slot] = TermFit(pi_names[used[r]], single.inclS, single.PRI, single.covS, unique)
        names = np.empty(len(used), dtype=object)
        names[:] = [pi_names[pi] for pi in used]
        term_names = names[rows_new].tolist()
        term_fit_list = term_fits[inverse].tolist()
        at = 0
        for m, fit, length in zip(new, fitted, lengths_new, strict=True):
            known[keys[m]] = (term_names[at:at + length], term_fit_list[at:at + length], fit)
            at += length
    models = []
    for index, key in enumerate(keys, start=1):
        names, fits, fit = known[key]
        models.append(Model(f"M{index}", names, fits, fit))
    if len(used) > 1:
        uniques = problem.overall_unique_coverages(ids, stacked, common)
    else:
        uniques = [math.nan] * len(used)
    # a term's solution-level fit recurs across the charts of one truth table (same term, same
    # covU): one TermFit per (term, covU bits), kept on the problem (read-only, as all fits)
    shared = problem.overall_fit_cache
    overall = []
    for pi, term_id, single, unique, unique_bits in zip(
            used, ids, singles, uniques, np.asarray(uniques, dtype=np.float64).view(np.int64).tolist(),
            strict=True):
        fit = shared.get((term_id, unique_bits))
        if fit is None:
            fit = shared[term_id, unique_bits] = TermFit(pi_names[pi], single.inclS, single.PRI, single.covS,
                                                         unique)
        overall.append(fit)
    return models, overall


def _simplifying_assumptions(
    space: ConditionSpace, primes: np.ndarray, covers: _Covers, candidates: np.ndarray,
    row_id_objects: np.ndarray | None = None,
) -> tuple[np.ndarray | None, list[list[int]]]:
    """Row ids of the non-positive rows each model covers, and the same as the packed
    masks of :func:`_assumption_masks` (None where there are no models or no candidates).

    ``row_id_objects`` (optional, see :meth:`.Problem.row_id_objects`): per row code, its row
    id as one shared int object; the lists then hold those objects instead of new ints
    (latent k = 16: 910 lists of ~13,000 ids over the intermediate charts, whose 12 million
    new ints took ~1 s and ~340 MB).
    """
    if len(candidates) == 0 or covers.n_models == 0:
        return None, [[] for _ in range(covers.n_models)]
    masks = _assumption_masks(space, primes, covers, candidates)
    return masks, _assumption_lists(masks, candidates, row_id_objects)


def _assumption_masks(space: ConditionSpace, primes: np.ndarray, covers: _Covers, candidates: np.ndarray) -> np.ndarray:
    """Per model, the candidates its PIs cover, as bits packed little-endian (a row's bytes
    are the bitset :func:`.intermediate.to_bitset` makes; at least one model, one candidate).

    A PI lies inside the allowed rows, so only the allowed non-positive rows
    (``candidates``) can be simplifying assumptions: the PIs common to all models are tested
    against them and ORed once, each model's other PIs (few) as packed rows ORed onto that,
    all models at once -- no enumeration of the rows inside each term."""
    used = np.asarray(covers.used, dtype=np.int64)
    in_common = np.zeros(len(used), dtype=bool)
    in_common[covers.common] = True
    shared = np.packbits(covers_codes(space, primes[used[in_common]], candidates).any(axis=0), bitorder="little")
    # each model's own PIs (not common) as rows of a packed (own PI x candidate) matrix; models
    # are padded with an all-zero row
    own_pis = np.flatnonzero(~in_common)
    packed = np.zeros((len(own_pis) + 1, len(shared)), dtype=np.uint8)
    packed[:-1] = np.packbits(covers_codes(space, primes[used[own_pis]], candidates), axis=1, bitorder="little")
    own_of = np.full(len(used), len(own_pis), dtype=np.int64)
    own_of[own_pis] = np.arange(len(own_pis))
    n_models = covers.n_models
    model_of = np.repeat(np.arange(n_models), np.diff(covers.bounds))
    own_cell = ~in_common[covers.rows]
    padded = padded_per_model(own_of[covers.rows[own_cell]], model_of[own_cell], n_models, len(own_pis))
    masks = np.empty((n_models, len(shared)), dtype=np.uint8)
    masks[:] = shared
    for position in range(padded.shape[1]):
        masks |= packed[padded[:, position]]
    return masks


def _assumption_lists(masks: np.ndarray, candidates: np.ndarray, row_id_objects: np.ndarray | None) -> list[list[int]]:
    """The row ids of each packed mask of :func:`_assumption_masks`. Models differ in few PIs,
    so many share their assumptions (at k = 16, 64 models had 12 distinct lists): each
    distinct list is made once and shared (treat them as read-only)."""
    row_ids = candidates + 1 if row_id_objects is None else row_id_objects[candidates]
    by_mask: dict[bytes, list[int]] = {}
    result = []
    for mask in masks:
        key = mask.tobytes()
        rows = by_mask.get(key)
        if rows is None:
            inside = np.unpackbits(mask, count=len(candidates), bitorder="little").view(bool)
            rows = by_mask[key] = row_ids[inside].tolist()
        result.append(rows)
    return result


def _solve_chart(
    problem: Problem, allowed_codes: np.ndarray, row_dom: bool, all_sol: bool, limits: ChartLimits,
    cubes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, ChartSolution]:
    """The PI chart (PIs x positive rows), its PIs and its minimal covers. ``cubes``: terms
    whose rows, with the positive rows, are exactly the allowed rows (see
    :func:`.implicants.prime_implicants`)."""
    space = problem.space
    primes = prime_implicants(space, allowed_codes, problem.positive, cubes=cubes)
    if len(primes) == 1 and np.all(primes[0] == -1):
        raise QCAComputationError(
            "all truth table configurations are used: every condition is minimised away"
        )
    chart = covers_codes(space, primes, problem.positive)
    if row_dom and not all_sol:
        keep = row_dominance(chart)
        chart, primes = chart[keep], primes[keep]
    return chart, primes, solve_chart(chart, all_sol=all_sol, limits=limits)


def _solve(
    problem: Problem,
    kind: str,
    name: str,
    allowed_codes: np.ndarray,
    row_dom: bool,
    all_sol: bool,
    limits: ChartLimits,
    cubes: np.ndarray | None = None,
) -> Solution:
    """One minimisation, cached on the problem (so on the truth table): identical allowed
    rows give identical solutions -- the conservative and parsimonious solutions reused by
    the intermediate one, and (conservative, parsimonious) pairs that share their easy
    counterfactuals. Always returns a copy the caller may annotate."""
    key = (np.asarray(allowed_codes, dtype=np.int64).tobytes(), row_dom, all_sol, limits)
    if key not in problem.solution_cache:
        problem.solution_cache[key] = _new_solution(problem, allowed_codes, row_dom, all_sol, limits, cubes)
    return replace(problem.solution_cache[key], kind=kind, name=name)


def _new_solution(
    problem: Problem, allowed_codes: np.ndarray, row_dom: bool, all_sol: bool, limits: ChartLimits,
    cubes: np.ndarray | None = None,
) -> Solution:
    space = problem.space
    chart, chart_primes, solved = _solve_chart(problem, allowed_codes, row_dom, all_sol, limits, cubes)
    pi_names = space.to_strings(chart_primes)
    covers = _Covers.of(solved.models)
    models, overall = _models(problem, pi_names, chart_primes, covers)
    essential = [pi_names[covers.used[r]] for r in covers.common]
    masks, simplifying = _simplifying_assumptions(
        space, chart_primes, covers, _sorted_difference(allowed_codes, problem.positive), problem.row_id_objects(),
    )
    return Solution(
        kind="",
        name="",
        models=models,
        essential=[] if solved.truncated else essential,
        pi_chart=PIChart(
            PIs=pi_names,
            configurations=(np.asarray(problem.positive, dtype=np.int64) + 1).tolist(),
            cells=chart,
        ),
        terms={fit.term: fit for fit in overall},
        simplifying_assumptions=dict(zip((m.name for m in models), simplifying, strict=True)),
        truncated=solved.truncated,
        notes=list(solved.notes),
        model_terms=np.split(chart_primes[covers.pis], covers.bounds[1:-1]) if solved.models else [],
        assumption_masks=masks,
    )


def _sorted_difference(codes: np.ndarray, remove: np.ndarray) -> np.ndarray:
    """``np.setdiff1d(codes, remove)`` for sorted distinct ``codes`` and sorted ``remove``
    (what callers hand in), by one binary search; other input goes to ``np.setdiff1d``."""
    codes, remove = np.asarray(codes), np.asarray(remove)
    if codes.ndim != 1 or remove.ndim != 1 or not (np.all(codes[1:] > codes[:-1]) and np.all(remove[1:] >= remove[:-1])):
        return np.setdiff1d(codes, remove)
    if len(remove) == 0 or len(codes) == 0:
        return codes.copy()
    at = np.minimum(np.searchsorted(remove, codes), len(remove) - 1)
    return codes[remove[at] != codes]


def _contradictory_assumptions(tt: TruthTable, used: set[int], row_dom: bool, limits: ChartLimits) -> list[int]:
    """Remainders used as simplifying assumptions for the outcome and for its negation."""
    from .truthtable import truth_table

    spec = tt.outcome_spec
    negated_outcome = ("" if spec.negated else "~") + spec.label.lstrip("~")
    try:
        negated_tt = truth_table(
            tt.dataset, negated_outcome, tt.conditions, tt.incl_cut, tt.n_cut, tt.pri_cut
        )
        problem = Problem(negated_tt)
        allowed = problem.not_negative()
        _, primes, solved = _solve_chart(problem, allowed, row_dom, False, limits)
    except QCAComputationError:
        return []
    # only the simplifying assumptions of the negated solution are needed: no fits
    candidates = np.setdiff1d(allowed, problem.positive)
    _, per_model = _simplifying_assumptions(problem.space, primes, _Covers.of(solved.models), candidates)
    other = {row for rows in per_model for row in rows}
    return sorted(used & other)


def minimize(
    tt: TruthTable,
    solution: str = "complex",
    dir_exp: str | list[str] | None = None,
    row_dom: bool = False,
    all_sol: bool = False,
    max_models: int | None = None,
    check_contradictions: bool = True,
    max_work: int | None = None,
) -> MinimizeResult:
    """Minimise a truth table. ``solution`` is ``complex``, ``parsimonious`` or
    ``intermediate`` (which needs ``dir_exp``, e.g. ``"A, ~B, C[1,2], ~D*E"``).

    Like R (``max.comb = 0``), every minimal model is listed by default. ``max_models``
    (models per solution, and intermediate (conservative, parsimonious) pairs) and
    ``max_work`` (search steps per chart block) are explicit bounds for pathological
    charts; a solution they cut is ``truncated`` and a ``models_truncated`` warning says
    which bound was hit."""
    if solution == "conservative":
        solution = "complex"
    if solution not in SOLUTION_TYPES:
        raise QCAInputError(f"solution must be one of {', '.join(SOLUTION_TYPES)}, got {solution!r}")
    if solution != "intermediate" and dir_exp:
        raise QCAInputError("directional expectations apply to the intermediate solution only")
    for label, bound in (("max_models", max_models), ("max_work", max_work)):
        if bound is not None and bound < 1:
            raise QCAInputError(f"{label} must be a positive number or None (unbounded), got {bound}")
    try:
        return _minimize(tt, solution, dir_exp, row_dom, all_sol, max_models, check_contradictions, max_work)
    finally:
        release_word_buffers()  # the prime implicant transforms' work arrays (~19 MB at k = 16)
        release_scratch()  # the model fits' work arrays


def _minimize(
    tt: TruthTable, solution: str, dir_exp: str | list[str] | None, row_dom: bool, all_sol: bool,
    max_models: int | None, check_contradictions: bool, max_work: int | None,
) -> MinimizeResult:
    problem = problem_for(tt)
    warnings = list(tt.warnings)
    args = (row_dom, all_sol, ChartLimits(max_models, max_work))

    if solution == "complex":
        solutions = [_solve(problem, "complex", "C", problem.positive, *args)]
    else:
        parsimonious = _solve(problem, "parsimonious", "P", problem.not_negative(), *args)
        solutions = [parsimonious]
        if solution == "intermediate":
            if dir_exp is None or (isinstance(dir_exp, str) and not dir_exp.strip()):
                raise QCAInputError("the intermediate solution needs directional expectations (dir_exp)")
            finder = EasyCounterfactualFinder(problem.space, parse_dir_exp(dir_exp, problem.space))
            conservative = _solve(problem, "complex", "C", problem.positive, *args)
            solutions = _intermediate_solutions(problem, finder, conservative, parsimonious, args, max_models,
                                                warnings)

    for s in solutions:
        if s.truncated:
            warnings.append(QCAWarning("models_truncated", f"{s.name}: " + "; ".join(s.notes)))
    csa = None
    if check_contradictions and solution != "complex":
        if solution == "intermediate":
            used = set().union(*(s.easy_counterfactuals or [] for s in solutions))
        else:
            used = set().union(*(rows for s in solutions for rows in s.simplifying_assumptions.values()))
        csa = _contradictory_assumptions(tt, used, row_dom, args[2])
        if csa:
            warnings.append(
                QCAWarning(
                    "contradictory_simplifying_assumptions",
                    f"{len(csa)} remainders are used for both the outcome and its negation: "
                    + ", ".join(map(str, csa[:20])),
                )
            )
    return MinimizeResult(solution, tt.outcome, tt.conditions, solutions, tt, csa, warnings)


def _intermediate_solutions(
    problem: Problem, finder: EasyCounterfactualFinder, conservative: Solution, parsimonious: Solution,
    args: tuple, max_models: int | None, warnings: list[QCAWarning],
) -> list[Solution]:
    """One solution per (conservative model i, parsimonious model j) pair, named CiPj.

    Easy counterfactuals are bitsets over the candidate remainders: each (conservative PI,
    parsimonious PI) pair's simplified term is computed once, a model pair ORs its PI
    pairs' bitsets; pairs with the same easy counterfactuals share one minimisation.

    Each simplified term S lies inside its parsimonious PI P (S keeps P's literals), so S's
    rows are positive rows or candidates, and its candidates are simplifying assumptions of
    every model with P: the allowed rows of CiPj (positive rows plus easy counterfactuals)
    are exactly the positive rows plus the rows of CiPj's simplified terms, a union of cubes
    handed to :func:`.implicants.prime_implicants`, which finds their prime implicants by
    iterated consensus where that beats the cube transform (above 3^17 cells;
    ``INTERMEDIATE_BY_CONSENSUS``). The masking by the simplifying assumptions is checked to
    change nothing; where it would, only the rows are handed over."""
    pairs = len(conservative.models) * len(parsimonious.models)
    if max_models is not None and pairs > max_models:
        warnings.append(QCAWarning(
            "models_truncated",
            f"{pairs} (conservative, parsimonious) model pairs: only the first {max_models} "
            "intermediate solutions are computed (max_models)"))
    candidates = np.setdiff1d(problem.not_negative(), problem.positive)
    # one int object per row id, shared by every EC / DC list (tolist() per list made new ones:
    # ~60 MB more at latent k = 16)
    row_ids = np.empty(len(candidates), dtype=object)
    row_ids[:] = (candidates + 1).tolist()
    c_pis, c_index = _distinct_terms(conservative.model_terms)
    p_pis, p_index = _distinct_terms(parsimonious.model_terms)
    pairs, simplified = finder.pair_simplified_terms(c_pis, p_pis)
    pair_rows = finder.easy_rows(pairs, simplified, candidates)
    easy_parts = EasyParts(pair_rows, c_index, p_index)
    # per parsimonious model: its simplifying assumptions as a bitset over these candidates,
    # which are the parsimonious chart's: its packed masks are the bitsets' bytes (None where
    # there are no candidates, so every bitset is empty)
    masks = parsimonious.assumption_masks
    if masks is not None:
        p_assumptions = [int.from_bytes(mask.tobytes(), "little") for mask in masks]
    else:
        p_assumptions = [0] * len(parsimonious.models)
    by_easy: dict[int, Solution] = {}
    solutions: list[Solution] = []
    row_lists: dict[int, list[int]] = {}  # pairs share their EC / DC bitsets: one list each (read-only)

    def _row_list(mask: int) -> list[int]:
        rows = row_lists.get(mask)
        if rows is None:
            rows = row_lists[mask] = row_ids[from_bitset(mask, len(candidates))].tolist()
        return rows

    for i, c_rows in enumerate(c_index, start=1):
        for j, (p_model, p_rows) in enumerate(zip(parsimonious.models, p_index, strict=True), start=1):
            if max_models is not None and len(solutions) >= max_models:
                return solutions
            inside_terms = easy_parts.rows(i - 1, j - 1)
            easy = inside_terms & p_assumptions[j - 1]
            if easy not in by_easy:
                # positive rows and candidates are sorted, distinct and disjoint: their union is
                # the sorted concatenation (np.union1d's result; its hashing unique cost ~5 ms)
                allowed = np.sort(np.concatenate([problem.positive, candidates[from_bitset(easy, len(candidates))]]))
                cubes = None
                if INTERMEDIATE_BY_CONSENSUS and easy == inside_terms:
                    # the simplified terms of this model pair's (c, p) PI pairs, in pair order
                    chosen = np.isin(pairs[:, 0], list(c_rows)) & np.isin(pairs[:, 1], list(p_rows)) \
                        if pair_rows else np.zeros(len(pairs), dtype=bool)
                    cubes = simplified[np.flatnonzero(chosen)]
                by_easy[easy] = _solve(problem, "intermediate", "", allowed, *args, cubes=cubes)
            result = replace(by_easy[easy], name=f"C{i}P{j}")
            result.easy_counterfactuals = _row_list(easy)
            result.difficult_counterfactuals = _row_list(p_assumptions[j - 1] & ~easy)
            result.conservative_model = conservative.models[i - 1].terms
            result.parsimonious_model = p_model.terms
            # the PI chart lists only PIs that cover a positive row (R drops the rest)
            solutions.append(result)
    return solutions


def _distinct_terms(model_terms: list[np.ndarray]) -> tuple[np.ndarray, list[set[int]]]:
    """The distinct terms of all models, and each model's terms as indices into them."""
    k = model_terms[0].shape[1] if model_terms else 0
    stacked = np.concatenate(model_terms) if model_terms else np.zeros((0, k), dtype=np.int64)
    codes = _lexicographic_codes(stacked)
    if codes is None:
        distinct, inverse = np.unique(stacked, axis=0, return_inverse=True)
    else:  # the same distinct rows in the same order, by one integer sort (no row-wise sort)
        _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        distinct = stacked[first]
    inverse = inverse.ravel().tolist()
    per_model, start = [], 0
    for terms in model_terms:
        per_model.append(set(inverse[start:start + len(terms)]))
        start += len(terms)
    return distinct, per_model


def _lexicographic_codes(terms: np.ndarray) -> np.ndarray | None:
    """One integer per term, ordered as the terms are lexicographically (``np.unique(terms,
    axis=0)``'s order; entries from ABSENT = -1 up): the digits entry + 1 in base
    max + 2. None when the codes could pass 62 bits."""
    if terms.size == 0:
        return None
    base = int(terms.max()) + 2
    if int(terms.min()) < -1 or terms.shape[1] * np.log2(base) >= 62:
        return None
    weights = base ** np.arange(terms.shape[1] - 1, -1, -1, dtype=np.int64)
    return (terms.astype(np.int64) + 1) @ weights
