"""Set memberships of terms and the parameters of fit (R QCA's ``pof``).

Sufficiency (X -> Y):  inclS = sum(min(X,Y)) / sum(X)
                       PRI   = (sum(min(X,Y)) - sum(min(X,Y,1-Y))) / (sum(X) - sum(min(X,Y,1-Y)))
                       covS  = sum(min(X,Y)) / sum(Y)
Necessity  (Y -> X):   inclN = sum(min(X,Y)) / sum(Y)
                       covN  = sum(min(X,Y)) / sum(X)
                       RoN   = sum(1-X) / sum(1-min(X,Y))
Unique coverage of a term in a model: covS(model) - covS(model without the term).
A 0/0 ratio is NaN (``None`` in JSON), as in R.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import QCAInputError
from .io import Dataset
from .terms import ABSENT, ConditionSpace


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0:
        return math.nan
    return float(numerator / denominator)


def json_number(value: float) -> float | None:
    """NaN and infinities are not JSON; R prints them as NA."""
    return None if value is None or not math.isfinite(value) else float(value)


class Memberships:
    """Literal memberships of the cases in each level of each condition."""

    def __init__(self, dataset: Dataset, space: ConditionSpace):
        self.space = space
        self.literals: list[np.ndarray] = []
        for name, levels in zip(space.names, space.levels, strict=True):
            x = dataset.column(name)
            if levels == 2 and dataset.kind(name) != "multivalue":
                self.literals.append(np.vstack([1.0 - x, x]))
            else:
                self.literals.append(np.vstack([(x == v).astype(float) for v in range(levels)]))
        self.n_cases = dataset.n_cases

    def of_term(self, term: np.ndarray) -> np.ndarray:
        result = np.ones(self.n_cases)
        for j, level in enumerate(term):
            if level != ABSENT:
                np.minimum(result, self.literals[j][int(level)], out=result)
        return result

    def of_terms(self, terms: np.ndarray) -> np.ndarray:
        if len(terms) == 0:
            return np.zeros((0, self.n_cases))
        return np.vstack([self.of_term(t) for t in terms])


_OUTCOME = re.compile(r"^(~?)\s*([^\[\]~]+?)\s*(?:\[([0-9,\s]+)\])?$")


@dataclass(frozen=True)
class Outcome:
    """The set to be explained: a column, optionally negated or restricted to levels."""

    column: str
    negated: bool
    levels: tuple[int, ...] | None
    label: str

    def membership(self, dataset: Dataset) -> np.ndarray:
        y = dataset.column(self.column)
        if self.levels is not None:
            y = np.isin(y, self.levels).astype(float)
        elif dataset.kind(self.column) == "multivalue":
            raise QCAInputError(
                f"outcome {self.column!r} is multi-value: name the level(s), e.g. "
                f"{self.column}[1]"
            )
        return 1.0 - y if self.negated else y


def parse_outcome(spec: str, dataset: Dataset, negate: bool = False) -> Outcome:
    match = _OUTCOME.match(spec.strip())
    if not match:
        raise QCAInputError(f"cannot read the outcome {spec!r}")
    tilde, name, levels = match.groups()
    dataset.index_of(name)  # raises for unknown columns
    negated = bool(tilde) != bool(negate)
    level_tuple = tuple(int(v) for v in levels.split(",")) if levels else None
    label = ("~" if negated else "") + name + (f"[{levels.replace(' ', '')}]" if levels else "")
    return Outcome(name, negated, level_tuple, label)


@dataclass(frozen=True)
class SufficiencyFit:
    inclS: float
    PRI: float
    covS: float

    def to_dict(self) -> dict:
        return {k: json_number(v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class NecessityFit:
    inclN: float
    RoN: float
    covN: float

    def to_dict(self) -> dict:
        return {k: json_number(v) for k, v in vars(self).items()}


def sufficiency_fit(x: np.ndarray, y: np.ndarray) -> SufficiencyFit:
    both = np.minimum(x, y)
    sum_both = both.sum()
    sum_both_not_y = np.minimum(both, 1.0 - y).sum()
    return SufficiencyFit(
        inclS=_ratio(sum_both, x.sum()),
        PRI=_ratio(sum_both - sum_both_not_y, x.sum() - sum_both_not_y),
        covS=_ratio(sum_both, y.sum()),
    )


def necessity_fit(x: np.ndarray, y: np.ndarray) -> NecessityFit:
    both = np.minimum(x, y)
    return NecessityFit(
        inclN=_ratio(both.sum(), y.sum()),
        RoN=_ratio((1.0 - x).sum(), (1.0 - both).sum()),
        covN=_ratio(both.sum(), x.sum()),
    )


def coverage(x: np.ndarray, y: np.ndarray) -> float:
    return _ratio(np.minimum(x, y).sum(), y.sum())


@dataclass(frozen=True)
class TermFit:
    term: str
    inclS: float
    PRI: float
    covS: float
    covU: float

    def to_dict(self) -> dict:
        return {"term": self.term, **{k: json_number(getattr(self, k)) for k in ("inclS", "PRI", "covS", "covU")}}


def terms_fit(
    names: list[str],
    memberships: np.ndarray,
    y: np.ndarray,
    single_fits: list[SufficiencyFit] | None = None,
) -> list[TermFit]:
    """Fit of each term; covU relative to the disjunction of all the given terms.

    ``single_fits`` may pass each term's own (model-independent) fit when the caller
    caches it. A single term has no unique coverage (R prints ``-``): covU is NaN.
    """
    count = len(names)
    if count == 0:
        return []
    if single_fits is None:
        single_fits = [sufficiency_fit(row, y) for row in memberships]
    uniques = unique_coverages(memberships, y) if count > 1 else [math.nan]
    return [
        TermFit(name, fit.inclS, fit.PRI, fit.covS, unique)
        for name, fit, unique in zip(names, single_fits, uniques, strict=True)
    ]


def unique_coverages(memberships: np.ndarray, y: np.ndarray) -> list[float]:
    """covS(all terms) - covS(all terms but i), for each term i (at least two terms).

    The disjunction without term i is the per-case maximum of the others: the overall
    maximum unless term i attains it, then the second largest value. So term i's unique
    coverage is the coverage lost in the cases where it is the (first) maximum: one
    argmax, one masked max and one bincount -- O(terms x cases), no sort, no loop.
    """
    cases = np.arange(memberships.shape[1])
    top = memberships.argmax(axis=0)
    first = memberships[top, cases]
    masked = memberships.copy()
    masked[top, cases] = -np.inf
    second = masked.max(axis=0)
    lost = np.minimum(first, y) - np.minimum(second, y)
    sum_y = y.sum()
    if sum_y == 0:
        return [math.nan] * len(memberships)
    return (np.bincount(top, weights=lost, minlength=len(memberships)) / sum_y).tolist()
