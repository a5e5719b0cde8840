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

from functools import cached_property

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
    return _fit_from_sums(x.sum(), both.sum(), np.minimum(both, 1.0 - y).sum(), y.sum())


def _fit_from_sums(sum_x, sum_both, sum_both_not_y, sum_y) -> SufficiencyFit:
    return SufficiencyFit(
        inclS=_ratio(sum_both, sum_x),
        PRI=_ratio(sum_both - sum_both_not_y, sum_x - sum_both_not_y),
        covS=_ratio(sum_both, sum_y),
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

    @cached_property
    def _json(self) -> dict:
        return {"term": self.term, **{k: json_number(getattr(self, k)) for k in ("inclS", "PRI", "covS", "covU")}}

    def to_dict(self) -> dict:
        # One TermFit serves many models (a bounded k = 16 run writes ~600,000 of them): convert its
        # numbers once, hand out copies so no caller can change another's.
        return dict(self._json)


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


DISJUNCTION_CHUNK = 1 << 20  # array elements per (models x cases) batch (memory bound)


def _largest_two(memberships, rows, n_cases: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case over the given rows: the largest value, the second largest (the largest of
    the other rows) and the first row that has the largest -- ``argmax`` over axis 0 and a
    masked ``max``, but one pass of whole-row operations (a strided argmax over thousands of
    rows is ~30 ns per value; the rows need not be stacked)."""
    first = np.full(n_cases, -np.inf)
    second = np.full(n_cases, -np.inf)
    top = np.zeros(n_cases, dtype=np.int64)
    for r in rows:
        values = memberships[r]
        larger = values > first
        np.maximum(second, np.where(larger, first, values), out=second)
        np.maximum(first, values, out=first)
        np.copyto(top, r, where=larger)
    return first, second, top


def disjunction_fits(
    memberships, y: np.ndarray, models: list[list[int]]
) -> list[tuple[SufficiencyFit, list[float]]]:
    """For each model (row indices into ``memberships``, a 2-D array or a list of
    vectors): the fit of the disjunction and each term's unique coverage -- the values of
    ``sufficiency_fit(rows.max(0), y)`` and ``unique_coverages(rows, y)`` (NaN for a
    one-term model), bit for bit, for many models at once.

    Models of one chart share most terms (the essential PIs, every block with a single
    cover). The shared rows are reduced once to their per-case largest value, second
    largest value and row of the largest; a batch of models then merges only its own
    rows, one row position at a time over all models of the batch. A term loses coverage
    only where it is the strict maximum, the loss is min(largest, y) - min(second, y)
    (zero at a tie), and one ``bincount`` per batch sums it per (model, term) in case
    order, as ``unique_coverages`` does; the sums of the fit are row sums of the batch
    (numpy sums a contiguous row exactly as a vector).
    """
    if not models:
        return []
    n_rows, n_cases = len(memberships), len(y)
    common = sorted(set.intersection(*(set(rows) for rows in models)))
    first, second, top = _largest_two(memberships, common, n_cases)
    in_common = set(common)
    extras = [[r for r in rows if r not in in_common] for rows in models]
    width = max(len(rows) for rows in extras)
    batch = max(1, DISJUNCTION_CHUNK // n_cases)
    sum_y = y.sum()
    not_y = 1.0 - y
    no_term = np.full(n_cases, -np.inf)
    results: list[tuple[SufficiencyFit, list[float]]] = []
    for start in range(0, len(models), batch):
        chunk = extras[start:start + batch]
        count = len(chunk)
        ids = np.full((count, width), -1, dtype=np.int64)
        for m, rows in enumerate(chunk):
            ids[m, :len(rows)] = rows
        own_first = np.full((count, n_cases), -np.inf)
        own_second = np.full((count, n_cases), -np.inf)
        own_top = np.zeros((count, n_cases), dtype=np.int64)
        for position in range(width):
            values = np.stack([memberships[r] if r >= 0 else no_term for r in ids[:, position].tolist()])
            larger = values > own_first
            np.maximum(own_second, np.where(larger, own_first, values), out=own_second)
            np.maximum(own_first, values, out=own_first)
            np.copyto(own_top, ids[:, position, None], where=larger)
        won = own_first > np.maximum(first, own_second)  # an own row is the strict maximum
        largest = np.maximum(first, own_first)
        runner_up = np.where(won, np.maximum(first, own_second), np.maximum(second, own_first))
        winner = np.where(won, own_top, top)
        lost = np.minimum(largest, y) - np.minimum(runner_up, y)
        bins = np.bincount(
            (winner + n_rows * np.arange(count)[:, None]).ravel(), weights=lost.ravel(),
            minlength=count * n_rows,
        ).reshape(count, n_rows)
        both = np.minimum(largest, y)
        sums_x, sums_both = largest.sum(axis=1), both.sum(axis=1)
        sums_both_not_y = np.minimum(both, not_y).sum(axis=1)
        for m, rows in enumerate(models[start:start + count]):
            fit = _fit_from_sums(sums_x[m], sums_both[m], sums_both_not_y[m], sum_y)
            if len(rows) == 1:
                uniques = [math.nan]
            elif sum_y == 0:
                uniques = [math.nan] * len(rows)
            else:
                uniques = (bins[m, rows] / sum_y).tolist()
            results.append((fit, uniques))
    return results


def unique_coverages(memberships, y: np.ndarray) -> list[float]:
    """covS(all terms) - covS(all terms but i), for each term i (at least two terms;
    ``memberships``: a 2-D array or a list of vectors).

    The disjunction without term i is the per-case maximum of the others: the overall
    maximum unless term i attains it, then the second largest value. So term i's unique
    coverage is the coverage lost in the cases where it is the (first) maximum: one pass
    for the largest two values, one bincount -- O(terms x cases), no sort.
    """
    first, second, top = _largest_two(memberships, range(len(memberships)), len(y))
    lost = np.minimum(first, y) - np.minimum(second, y)
    sum_y = y.sum()
    if sum_y == 0:
        return [math.nan] * len(memberships)
    return (np.bincount(top, weights=lost, minlength=len(memberships)) / sum_y).tolist()
