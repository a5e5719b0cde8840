"""Analysis of necessity: single literals, and necessary disjunctions (SUIN).

``necessity`` reports, for every condition and its negation (every level of a
multi-value condition), inclN, RoN and covN, plus the sufficiency parameters.

``superset_necessity`` follows R QCA's ``superSubset(relation = "necessity")``: it
visits conjunctions and disjunctions of 1, 2, ... conditions (each condition at each of
its levels, i.e. present or absent). A conjunction is reported when inclN >= incl_cut and
covN >= cov_cut. Otherwise the disjunction of the same literals is tested and reported
unless it contains an expression already found at a lower complexity (which would make
it trivially necessary). From complexity 4 on, the search stops at the first complexity
that adds nothing (R's rule); ``depth`` caps the complexity and ``max_expressions`` the
number of expressions evaluated (the search space is prod(levels + 1), 3^k for binary
data), so that the search stays bounded; a warning says when a bound cut it short.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from .errors import QCAInputError, QCAWarning
from .fit import Memberships, json_number, necessity_fit, parse_outcome, sufficiency_fit
from .io import Dataset, parse_name_list
from .terms import ABSENT, ConditionSpace
from .truthtable import TOLERANCE, input_warnings, validate_conditions

DEFAULT_MAX_EXPRESSIONS = 2_000_000


@dataclass
class NecessityRow:
    expression: str
    inclN: float
    RoN: float
    covN: float
    inclS: float | None = None
    PRI: float | None = None
    covS: float | None = None

    def to_dict(self) -> dict:
        return {"expression": self.expression, **{
            k: json_number(getattr(self, k)) for k in ("inclN", "RoN", "covN", "inclS", "PRI", "covS")
            if getattr(self, k) is not None or k in ("inclN", "RoN", "covN")
        }}


@dataclass
class NecessityResult:
    outcome: str
    conditions: list[str]
    rows: list[NecessityRow]
    warnings: list[QCAWarning] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "conditions": self.conditions,
            "settings": self.settings,
            "rows": [r.to_dict() for r in self.rows],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _prepare(dataset: Dataset, outcome: str, conditions, negate_outcome: bool):
    conditions = parse_name_list(conditions)
    target = parse_outcome(outcome, dataset, negate_outcome)
    validate_conditions(dataset, target, conditions)
    space = ConditionSpace(tuple(conditions), tuple(dataset.levels(c) for c in conditions))
    return conditions, target, space, target.membership(dataset), Memberships(dataset, space)


def necessity(
    dataset: Dataset, outcome: str, conditions, negate_outcome: bool = False
) -> NecessityResult:
    """inclN, RoN and covN (and inclS, PRI, covS) of every literal."""
    conditions, target, space, y, memberships = _prepare(dataset, outcome, conditions, negate_outcome)
    rows = []
    for j, name in enumerate(conditions):
        if dataset.kind(name) == "multivalue":
            literals = [(f"{name}[{v}]", v) for v in range(space.levels[j])]
        else:
            literals = [(name, 1), (f"~{name}", 0)]
        for label, level in literals:
            x = memberships.literals[j][level]
            nec = necessity_fit(x, y)
            suf = sufficiency_fit(x, y)
            rows.append(NecessityRow(label, nec.inclN, nec.RoN, nec.covN, suf.inclS, suf.PRI, suf.covS))
    return NecessityResult(target.label, conditions, rows, input_warnings(dataset, conditions))


def superset_necessity(
    dataset: Dataset,
    outcome: str,
    conditions,
    incl_cut: float = 1.0,
    cov_cut: float = 0.0,
    ron_cut: float = 0.0,
    depth: int | None = None,
    max_expressions: int = DEFAULT_MAX_EXPRESSIONS,
    negate_outcome: bool = False,
) -> NecessityResult:
    """Necessary conjunctions and disjunctions, like R's ``superSubset``."""
    if not 0 < incl_cut <= 1:
        raise QCAInputError(f"incl_cut {incl_cut} is outside (0, 1]")
    conditions, target, space, y, memberships = _prepare(dataset, outcome, conditions, negate_outcome)
    depth = space.k if depth is None else max(1, min(int(depth), space.k))
    incl_bound = incl_cut - TOLERANCE
    cov_bound = cov_cut - TOLERANCE if cov_cut > 0 else cov_cut
    sum_y = y.sum()
    conjunctions: list[tuple[np.ndarray, NecessityRow]] = []
    disjunctions: list[tuple[np.ndarray, NecessityRow]] = []
    warnings = input_warnings(dataset, conditions)
    evaluated = 0
    stopped_early = False
    found_at_previous_size = False

    def fits(x):
        both = np.minimum(x, y[None, :]).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            incl = np.where(sum_y > 0, both / sum_y, 0.0)
            cov = np.where(x.sum(axis=1) > 0, both / x.sum(axis=1), 0.0)
        return incl, cov

    for size in range(1, depth + 1):
        if size > 3 and (conjunctions or disjunctions) and not found_at_previous_size:
            break
        found_at_previous_size = False
        earlier = [t for t, _ in conjunctions] + [t for t, _ in disjunctions]
        for combo in itertools.combinations(range(space.k), size):
            assignments = np.array(list(itertools.product(*(range(space.levels[j]) for j in combo))))
            evaluated += len(assignments)
            if evaluated > max_expressions:
                stopped_early = True
                break
            lows = np.ones((len(assignments), dataset.n_cases))
            highs = np.zeros((len(assignments), dataset.n_cases))
            for position, j in enumerate(combo):
                literal = memberships.literals[j][assignments[:, position]]
                np.minimum(lows, literal, out=lows)
                np.maximum(highs, literal, out=highs)
            conj_incl, conj_cov = fits(lows)
            disj_incl, disj_cov = fits(highs)
            for a, levels in enumerate(assignments):
                term = np.full(space.k, ABSENT, dtype=np.int64)
                term[list(combo)] = levels
                if conj_incl[a] >= incl_bound and conj_cov[a] >= cov_bound:
                    fit = necessity_fit(lows[a], y)
                    conjunctions.append((term, NecessityRow(space.to_string(term), fit.inclN, fit.RoN, fit.covN)))
                    found_at_previous_size = True
                elif disj_incl[a] >= incl_bound and disj_cov[a] >= cov_bound:
                    if any(np.all(term[e != ABSENT] == e[e != ABSENT]) for e in earlier):
                        continue
                    fit = necessity_fit(highs[a], y)
                    label = " + ".join(space.literal(j, int(term[j])) for j in combo)
                    disjunctions.append((term, NecessityRow(label, fit.inclN, fit.RoN, fit.covN)))
                    found_at_previous_size = True
        if stopped_early:
            warnings.append(
                QCAWarning(
                    "search_bounded",
                    f"the search stopped after {max_expressions} expressions (complexity {size}); "
                    "raise max_expressions or lower depth",
                )
            )
            break
    rows = [row for _, row in conjunctions + disjunctions if not (row.RoN < ron_cut)]
    settings = {"incl_cut": incl_cut, "cov_cut": cov_cut, "ron_cut": ron_cut, "depth": depth,
                "max_expressions": max_expressions, "expressions_evaluated": min(evaluated, max_expressions)}
    if math.isnan(sum_y) or sum_y == 0:
        warnings.append(QCAWarning("empty_outcome", "the outcome has zero total membership"))
    return NecessityResult(target.label, conditions, rows, warnings, settings)
