"""Truth tables (R QCA's ``truthTable``).

Each case is assigned to the row where all its memberships exceed 0.5 (a fuzzy value of
exactly 0.5 counts as 0, and such a case is listed in no row). For every observed row,
``incl`` and ``PRI`` are computed from the membership of *all* cases in that row:
``min`` over the conditions of ``x`` or ``1 - x``.

Performance: the row memberships of n cases in R observed rows cost O(R * n * k) when
computed naively. We split the conditions in a prefix and a suffix half, compute the
memberships of every distinct prefix (and suffix) pattern once, level by level along a
trie, and obtain each row's membership with a single ``minimum`` of its prefix and suffix
vectors: O(R * n) plus O(2^(k/2) * n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import QCAInputError, QCAWarning
from .fit import Memberships, Outcome, json_number, parse_outcome
from .io import Dataset, parse_name_list
from .terms import ConditionSpace

# admisc::agteb: "a >= b" allowing for floating point noise.
TOLERANCE = math.sqrt(np.finfo(float).eps)
CHUNK_ELEMENTS = 4_000_000  # rows x cases processed at once (32 MB of float64)


def at_least(a, b):
    return np.asarray(a) >= b - TOLERANCE


@dataclass
class TruthTableRow:
    id: int
    values: dict[str, int]
    OUT: str
    n: int
    incl: float
    PRI: float
    cases: list[str]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "values": self.values,
            "OUT": self.OUT,
            "n": self.n,
            "incl": json_number(self.incl),
            "PRI": json_number(self.PRI),
            "cases": self.cases,
        }


@dataclass
class TruthTable:
    """A truth table; ``rows`` lists the observed configurations in row-id order."""

    outcome: str
    conditions: list[str]
    levels: list[int]
    incl_cut: list[float]
    n_cut: int
    pri_cut: float
    rows: list[TruthTableRow]
    warnings: list[QCAWarning] = field(default_factory=list)
    # Engine internals used by the minimiser (not serialised).
    dataset: Dataset | None = field(default=None, repr=False)
    outcome_spec: Outcome | None = field(default=None, repr=False)

    @property
    def space(self) -> ConditionSpace:
        return ConditionSpace(tuple(self.conditions), tuple(self.levels))

    def codes_with(self, *outs: str) -> np.ndarray:
        return np.array([r.id - 1 for r in self.rows if r.OUT in outs], dtype=np.int64)

    @property
    def n_remainders(self) -> int:
        return self.space.n_rows - len(self.rows)

    def outcome_membership(self) -> np.ndarray:
        return self.outcome_spec.membership(self.dataset)

    def to_dict(self) -> dict:
        outs = [r.OUT for r in self.rows]
        return {
            "outcome": self.outcome,
            "conditions": self.conditions,
            "noflevels": self.levels,
            "incl_cut": self.incl_cut,
            "n_cut": self.n_cut,
            "pri_cut": self.pri_cut,
            "n_rows_total": self.space.n_rows,
            "n_observed": len(self.rows),
            "n_positive": outs.count("1"),
            "n_negative": outs.count("0"),
            "n_contradiction": outs.count("C"),
            "n_below_ncut": outs.count("?"),
            "n_remainders": self.n_remainders,
            "rows": [r.to_dict() for r in self.rows],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def validate_conditions(dataset: Dataset, outcome: Outcome, conditions: list[str]) -> None:
    if not conditions:
        raise QCAInputError("no conditions given")
    seen: set[str] = set()
    repeated = sorted({c for c in conditions if c in seen or seen.add(c)})
    if repeated:
        raise QCAInputError(f"conditions listed twice: {', '.join(repeated)}")
    for name in conditions:
        dataset.index_of(name)
    if outcome.column in conditions:
        raise QCAInputError(f"the outcome {outcome.column!r} is also listed among the conditions")


def _check_cuts(incl_cut: list[float], n_cut: int, pri_cut: float) -> None:
    if not 1 <= len(incl_cut) <= 2:
        raise QCAInputError("incl_cut takes one value, or two for contradictions (ic1, ic0)")
    for value in incl_cut:
        if not 0 < value <= 1:
            raise QCAInputError(f"incl_cut {value} is outside (0, 1]")
    if len(incl_cut) == 2 and incl_cut[1] > incl_cut[0]:
        raise QCAInputError("the second incl_cut (for contradictions) must not exceed the first")
    if n_cut < 1 or int(n_cut) != n_cut:
        raise QCAInputError(f"n_cut must be a positive integer, got {n_cut}")
    if not 0 <= pri_cut <= 1:
        raise QCAInputError(f"pri_cut {pri_cut} is outside [0, 1]")


def input_warnings(dataset: Dataset, conditions: list[str], n_observed: int | None = None) -> list[QCAWarning]:
    warnings = []
    for name in conditions:
        if np.ptp(dataset.column(name)) == 0:
            warnings.append(QCAWarning("constant_condition", f"condition {name!r} is constant"))
    space_rows = math.prod(dataset.levels(c) for c in conditions)
    if space_rows > 2 * dataset.n_cases and len(conditions) > 3:
        remainders = space_rows - (n_observed or 0)
        warnings.append(
            QCAWarning(
                "limited_diversity",
                f"{len(conditions)} conditions span {space_rows} configurations but there are "
                f"only {dataset.n_cases} cases: {remainders} logical remainders",
            )
        )
    return warnings


def case_rows(dataset: Dataset, space: ConditionSpace) -> tuple[np.ndarray, np.ndarray]:
    """Row code of each case and whether the case sits exactly on a 0.5 crossover."""
    config = np.empty((dataset.n_cases, space.k), dtype=np.int64)
    on_crossover = np.zeros(dataset.n_cases, dtype=bool)
    for j, name in enumerate(space.names):
        x = dataset.column(name)
        if dataset.kind(name) == "fuzzy":
            config[:, j] = x > 0.5
            on_crossover |= np.abs(x - 0.5) <= TOLERANCE
        else:
            config[:, j] = x.astype(np.int64)
    return space.encode(config), on_crossover


def _pattern_memberships(memberships: Memberships, conds: list[int], patterns: np.ndarray) -> np.ndarray:
    """Memberships (patterns x cases) of the conjunctions fixing ``conds`` to ``patterns``.

    Built along a trie: each distinct prefix is computed once from its parent.
    """
    n = memberships.n_cases
    if not conds:
        return np.ones((len(patterns), n))
    parent_index = np.zeros(len(patterns), dtype=np.int64)
    parent_values = np.ones((1, n))
    for depth, j in enumerate(conds):
        prefixes, inverse = np.unique(patterns[:, : depth + 1], axis=0, return_inverse=True)
        inverse = inverse.ravel()
        # parent of each new prefix = its first member's previous parent
        first = np.zeros(len(prefixes), dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(patterns))[::-1]
        values = np.minimum(
            parent_values[parent_index[first]], memberships.literals[j][prefixes[:, depth]]
        )
        parent_values, parent_index = values, inverse
    return parent_values[parent_index] if len(patterns) else np.ones((0, n))


def row_statistics(memberships: Memberships, rows: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """sum(X), sum(min(X,Y)), sum(min(X,Y,1-Y)) for each row configuration."""
    k = rows.shape[1]
    split = (k + 1) // 2
    prefix_patterns, prefix_index = np.unique(rows[:, :split], axis=0, return_inverse=True)
    suffix_patterns, suffix_index = np.unique(rows[:, split:], axis=0, return_inverse=True)
    prefix = _pattern_memberships(memberships, list(range(split)), prefix_patterns)
    suffix = _pattern_memberships(memberships, list(range(split, k)), suffix_patterns)
    prefix_index, suffix_index = prefix_index.ravel(), suffix_index.ravel()
    y_not_y = np.minimum(y, 1.0 - y)
    sum_x = np.empty(len(rows))
    sum_xy = np.empty(len(rows))
    sum_xy_not_y = np.empty(len(rows))
    step = max(1, CHUNK_ELEMENTS // max(1, memberships.n_cases))
    for start in range(0, len(rows), step):
        stop = min(start + step, len(rows))
        x = np.minimum(prefix[prefix_index[start:stop]], suffix[suffix_index[start:stop]])
        sum_x[start:stop] = x.sum(axis=1)
        sum_xy_not_y[start:stop] = np.minimum(x, y_not_y).sum(axis=1)
        np.minimum(x, y, out=x)
        sum_xy[start:stop] = x.sum(axis=1)
    return sum_x, sum_xy, sum_xy_not_y


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1), np.nan)


def truth_table(
    dataset: Dataset,
    outcome: str,
    conditions: list[str] | str,
    incl_cut: float | list[float] = 1.0,
    n_cut: int = 1,
    pri_cut: float = 0.0,
    negate_outcome: bool = False,
) -> TruthTable:
    """Build the truth table of ``outcome`` (``"Y"``, ``"~Y"``, ``"Y[1]"``) on ``conditions``.

    ``incl_cut`` is one value (ic1) or two (ic1, ic0): OUT is ``1`` when incl >= ic1 and
    PRI >= pri_cut, ``C`` when ic0 <= incl < ic1, ``0`` otherwise, ``?`` when n < n_cut.
    """
    conditions = parse_name_list(conditions)
    cuts = [float(v) for v in (incl_cut if isinstance(incl_cut, (list, tuple)) else [incl_cut])]
    _check_cuts(cuts, n_cut, pri_cut)
    target = parse_outcome(outcome, dataset, negate_outcome)
    validate_conditions(dataset, target, conditions)
    space = ConditionSpace(tuple(conditions), tuple(dataset.levels(c) for c in conditions))
    if space.k > 30:
        raise QCAInputError(f"{space.k} conditions are too many for a truth table")
    y = target.membership(dataset)
    memberships = Memberships(dataset, space)

    codes, on_crossover = case_rows(dataset, space)
    observed = np.unique(codes)
    configurations = space.decode(observed)
    sum_x, sum_xy, sum_xy_not_y = row_statistics(memberships, configurations, y)
    incl = _divide(sum_xy, sum_x)
    pri = _divide(sum_xy - sum_xy_not_y, sum_x - sum_xy_not_y)
    counted = codes[~on_crossover]
    n_in_row = np.searchsorted(np.sort(counted), observed, side="right") - np.searchsorted(
        np.sort(counted), observed, side="left"
    )

    ic1 = cuts[0]
    ic0 = cuts[1] if len(cuts) > 1 else 1.0  # R's default: no contradictions
    rows = []
    members_of = {}
    for case, code in enumerate(codes):
        if not on_crossover[case]:
            members_of.setdefault(int(code), []).append(dataset.case_names[case])
    for i, code in enumerate(observed):
        if n_in_row[i] < n_cut:
            out = "?"
        else:
            out = "1" if (at_least(incl[i], ic1) and at_least(pri[i], pri_cut)) else "0"
            if incl[i] < ic1 and at_least(incl[i], ic0):  # R overwrites with C afterwards
                out = "C"
        rows.append(
            TruthTableRow(
                id=int(code) + 1,
                values={name: int(v) for name, v in zip(conditions, configurations[i], strict=True)},
                OUT=out,
                n=int(n_in_row[i]),
                incl=float(incl[i]),
                PRI=float(pri[i]),
                cases=members_of.get(int(code), []),
            )
        )

    warnings = input_warnings(dataset, conditions, len(observed))
    if on_crossover.any():
        names = [dataset.case_names[i] for i in np.flatnonzero(on_crossover)]
        warnings.append(
            QCAWarning(
                "crossover_cases",
                "cases with a membership of exactly 0.5 belong to no truth table row: "
                + ", ".join(names),
            )
        )
    return TruthTable(
        outcome=target.label,
        conditions=conditions,
        levels=list(space.levels),
        incl_cut=cuts,
        n_cut=int(n_cut),
        pri_cut=float(pri_cut),
        rows=rows,
        warnings=warnings,
        dataset=dataset,
        outcome_spec=target,
    )
