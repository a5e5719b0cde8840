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

from dataclasses import dataclass, field, replace

import numpy as np

from .cover import ChartLimits, ChartSolution, _members, row_dominance, solve_chart
from .errors import QCAComputationError, QCAInputError, QCAWarning
from .fit import Memberships, SufficiencyFit, TermFit, sufficiency_fit, terms_fit
from .implicants import prime_implicants
from .intermediate import EasyCounterfactualFinder, parse_dir_exp
from .terms import ConditionSpace, covers, covers_codes
from .truthtable import TruthTable

SOLUTION_TYPES = ("complex", "parsimonious", "intermediate")


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
            "terms_fit": [t.to_dict() for t in self.terms_fit],
        }


@dataclass
class PIChart:
    PIs: list[str]
    configurations: list[int]
    matrix: list[list[bool]]

    def to_dict(self) -> dict:
        return {"PIs": self.PIs, "configurations": self.configurations, "matrix": self.matrix}


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

    def to_dict(self) -> dict:
        result = {
            "kind": self.kind,
            "name": self.name,
            "models": [m.to_dict() for m in self.models],
            "essential": self.essential,
            "PIchart": self.pi_chart.to_dict(),
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

    def to_dict(self) -> dict:
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
            "solutions": [s.to_dict() for s in self.solutions],
            "contradictory_simplifying_assumptions": self.contradictory_simplifying_assumptions,
            "truth_table": self.truth_table.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _without_name(fit: TermFit) -> dict:
    return {key: value for key, value in fit.to_dict().items() if key != "term"}


class _Problem:
    """The truth table prepared for minimisation.

    Kept on the truth table (see :func:`_problem_for`): the term memberships and fits and
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
        self._term_cache: dict[bytes, tuple[np.ndarray, SufficiencyFit]] = {}
        self.solution_cache: dict[tuple, Solution] = {}

    def term_memberships(self, terms: np.ndarray) -> np.ndarray:
        """Memberships of the cases in each term, cached (models share many terms)."""
        rows = [self._term(term)[0] for term in terms]
        return np.vstack(rows) if rows else np.zeros((0, self.memberships.n_cases))

    def term_fits(self, terms: np.ndarray) -> list[SufficiencyFit]:
        """Each term's own fit (independent of the model it is in), cached."""
        return [self._term(term)[1] for term in terms]

    def _term(self, term: np.ndarray) -> tuple[np.ndarray, SufficiencyFit]:
        key = term.tobytes()
        if key not in self._term_cache:
            membership = self.memberships.of_term(term)
            self._term_cache[key] = (membership, sufficiency_fit(membership, self.y))
        return self._term_cache[key]

    def not_negative(self) -> np.ndarray:
        all_rows = np.ones(self.space.n_rows, dtype=bool)
        all_rows[self.negative] = False
        return np.flatnonzero(all_rows)


def _problem_for(tt: TruthTable) -> _Problem:
    """The minimisation problem of ``tt``, built once per truth table and OUT assignment."""
    cache = tt.__dict__.setdefault("_minimize_problems", {})
    key = (tt.codes_with("1").tobytes(), tt.codes_with("0", "C").tobytes())
    problem = cache.get(key)
    if problem is None or problem.tt.dataset is not tt.dataset:
        problem = cache[key] = _Problem(tt)
    return problem


def _models(
    problem: _Problem, pi_names: list[str], primes: np.ndarray, used: list[int],
    covers: list[tuple[int, ...]],
) -> tuple[list[Model], list[TermFit]]:
    """Every model's fit from one stacked array of the used PIs' memberships (cached per
    term): a model's membership is one max-reduction over its rows, covU one argmax."""
    stacked = problem.term_memberships(primes[used])
    singles = problem.term_fits(primes[used])
    row_of = {pi: r for r, pi in enumerate(used)}
    models = []
    for index, cover in enumerate(covers, start=1):
        rows = [row_of[pi] for pi in cover]
        memberships = stacked[rows]
        names = [pi_names[pi] for pi in cover]
        fits = terms_fit(names, memberships, problem.y, [singles[r] for r in rows])
        models.append(Model(f"M{index}", names, fits, sufficiency_fit(memberships.max(axis=0), problem.y)))
    overall = terms_fit([pi_names[pi] for pi in used], stacked, problem.y, singles)
    return models, overall


def _simplifying_assumptions(
    space: ConditionSpace, primes: np.ndarray, used: list[int], models: list[tuple[int, ...]],
    candidates: np.ndarray,
) -> list[list[int]]:
    """Row ids of the non-positive rows each model covers.

    A PI lies inside the allowed rows, so only the allowed non-positive rows
    (``candidates``) can be simplifying assumptions: one (used PI x candidate) matrix,
    then an OR per model -- no enumeration of the rows inside each term.
    """
    if len(candidates) == 0:
        return [[] for _ in models]
    inside = covers_codes(space, primes[used], candidates)
    row_of = {pi: r for r, pi in enumerate(used)}
    return [
        (candidates[inside[[row_of[pi] for pi in model]].any(axis=0)] + 1).tolist()
        for model in models
    ]


def _solve_chart(
    problem: _Problem, allowed_codes: np.ndarray, row_dom: bool, all_sol: bool, limits: ChartLimits
) -> tuple[np.ndarray, np.ndarray, ChartSolution]:
    """The PI chart (PIs x positive rows), its PIs and its minimal covers."""
    space = problem.space
    primes = prime_implicants(space, allowed_codes, problem.positive)
    if len(primes) == 1 and np.all(primes[0] == -1):
        raise QCAComputationError(
            "all truth table configurations are used: every condition is minimised away"
        )
    chart = covers(primes, space.decode(problem.positive))
    if row_dom and not all_sol:
        keep = row_dominance(chart)
        chart, primes = chart[keep], primes[keep]
    return chart, primes, solve_chart(chart, all_sol=all_sol, limits=limits)


def _solve(
    problem: _Problem,
    kind: str,
    name: str,
    allowed_codes: np.ndarray,
    row_dom: bool,
    all_sol: bool,
    limits: ChartLimits,
) -> Solution:
    """One minimisation, cached on the problem (so on the truth table): identical allowed
    rows give identical solutions -- the conservative and parsimonious solutions reused by
    the intermediate one, and (conservative, parsimonious) pairs that share their easy
    counterfactuals. Always returns a copy the caller may annotate."""
    key = (np.asarray(allowed_codes, dtype=np.int64).tobytes(), row_dom, all_sol, limits)
    if key not in problem.solution_cache:
        problem.solution_cache[key] = _new_solution(problem, allowed_codes, row_dom, all_sol, limits)
    return replace(problem.solution_cache[key], kind=kind, name=name)


def _new_solution(
    problem: _Problem, allowed_codes: np.ndarray, row_dom: bool, all_sol: bool, limits: ChartLimits
) -> Solution:
    space = problem.space
    chart, chart_primes, solved = _solve_chart(problem, allowed_codes, row_dom, all_sol, limits)
    pi_names = [space.to_string(t) for t in chart_primes]
    used = sorted({i for model in solved.models for i in model})
    models, overall = _models(problem, pi_names, chart_primes, used, solved.models)
    essential = [pi_names[i] for i in used if all(i in model for model in solved.models)]
    simplifying = _simplifying_assumptions(
        space, chart_primes, used, solved.models, np.setdiff1d(allowed_codes, problem.positive)
    )
    return Solution(
        kind="",
        name="",
        models=models,
        essential=[] if solved.truncated else essential,
        pi_chart=PIChart(
            PIs=pi_names,
            configurations=[int(c) + 1 for c in problem.positive],
            matrix=chart.tolist(),
        ),
        terms={fit.term: fit for fit in overall},
        simplifying_assumptions=dict(zip((m.name for m in models), simplifying, strict=True)),
        truncated=solved.truncated,
        notes=list(solved.notes),
        model_terms=[chart_primes[list(model)] for model in solved.models],
    )


def _contradictory_assumptions(tt: TruthTable, used: set[int], row_dom: bool, limits: ChartLimits) -> list[int]:
    """Remainders used as simplifying assumptions for the outcome and for its negation."""
    from .truthtable import truth_table

    spec = tt.outcome_spec
    negated_outcome = ("" if spec.negated else "~") + spec.label.lstrip("~")
    try:
        negated_tt = truth_table(
            tt.dataset, negated_outcome, tt.conditions, tt.incl_cut, tt.n_cut, tt.pri_cut
        )
        problem = _Problem(negated_tt)
        allowed = problem.not_negative()
        _, primes, solved = _solve_chart(problem, allowed, row_dom, False, limits)
    except QCAComputationError:
        return []
    # only the simplifying assumptions of the negated solution are needed: no fits
    used_pis = sorted({i for model in solved.models for i in model})
    candidates = np.setdiff1d(allowed, problem.positive)
    per_model = _simplifying_assumptions(problem.space, primes, used_pis, solved.models, candidates)
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
    problem = _problem_for(tt)
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
    problem: _Problem, finder: EasyCounterfactualFinder, conservative: Solution, parsimonious: Solution,
    args: tuple, max_models: int | None, warnings: list[QCAWarning],
) -> list[Solution]:
    """One solution per (conservative model i, parsimonious model j) pair, named CiPj.

    Easy counterfactuals are bitsets over the candidate remainders: each (conservative PI,
    parsimonious PI) pair's simplified term is computed once, a model pair ORs its PI
    pairs' bitsets; pairs with the same easy counterfactuals share one minimisation."""
    pairs = len(conservative.models) * len(parsimonious.models)
    if max_models is not None and pairs > max_models:
        warnings.append(QCAWarning(
            "models_truncated",
            f"{pairs} (conservative, parsimonious) model pairs: only the first {max_models} "
            "intermediate solutions are computed (max_models)"))
    candidates = np.setdiff1d(problem.not_negative(), problem.positive)
    position = {int(code): index for index, code in enumerate(candidates)}
    row_ids = (candidates + 1).tolist()
    c_pis, c_index = _distinct_terms(conservative.model_terms)
    p_pis, p_index = _distinct_terms(parsimonious.model_terms)
    pair_rows = finder.pair_easy_rows(c_pis, p_pis, candidates)
    p_assumptions = []  # per parsimonious model: its simplifying assumptions as a bitset
    for model in parsimonious.models:
        mask = 0
        for row_id in parsimonious.simplifying_assumptions[model.name]:
            mask |= 1 << position[row_id - 1]
        p_assumptions.append(mask)
    by_easy: dict[int, Solution] = {}
    solutions: list[Solution] = []
    for i, c_rows in enumerate(c_index, start=1):
        # for this conservative model: parsimonious PI -> rows its pairs make easy
        per_p: dict[int, int] = {}
        for (c, p), rows in pair_rows.items():
            if c in c_rows:
                per_p[p] = per_p.get(p, 0) | rows
        for j, (p_model, p_rows) in enumerate(zip(parsimonious.models, p_index, strict=True), start=1):
            if max_models is not None and len(solutions) >= max_models:
                return solutions
            easy = 0
            for p in p_rows:
                easy |= per_p.get(p, 0)
            easy &= p_assumptions[j - 1]
            if easy not in by_easy:
                allowed = np.union1d(problem.positive, candidates[_members(easy)])
                by_easy[easy] = _solve(problem, "intermediate", "", allowed, *args)
            result = replace(by_easy[easy], name=f"C{i}P{j}")
            result.easy_counterfactuals = [row_ids[r] for r in _members(easy)]
            result.difficult_counterfactuals = [row_ids[r] for r in _members(p_assumptions[j - 1] & ~easy)]
            result.conservative_model = conservative.models[i - 1].terms
            result.parsimonious_model = p_model.terms
            # the PI chart lists only PIs that cover a positive row (R drops the rest)
            solutions.append(result)
    return solutions


def _distinct_terms(model_terms: list[np.ndarray]) -> tuple[np.ndarray, list[set[int]]]:
    """The distinct terms of all models, and each model's terms as indices into them."""
    k = model_terms[0].shape[1] if model_terms else 0
    stacked = np.concatenate(model_terms) if model_terms else np.zeros((0, k), dtype=np.int64)
    distinct, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.ravel().tolist()
    per_model, start = [], 0
    for terms in model_terms:
        per_model.append(set(inverse[start:start + len(terms)]))
        start += len(terms)
    return distinct, per_model
