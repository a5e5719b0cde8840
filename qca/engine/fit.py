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
from functools import cached_property

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

    @cached_property
    def _json(self) -> dict:
        return {k: json_number(getattr(self, k)) for k in ("inclS", "PRI", "covS")}

    def to_dict(self) -> dict:
        # converted once (models of intermediate pairs share their fit), handed out as copies
        return dict(self._json)


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

    @cached_property
    def _json_without_term(self) -> dict:
        return {k: v for k, v in self._json.items() if k != "term"}

    def to_dict(self) -> dict:
        # One TermFit serves many models (a bounded k = 16 run writes ~600,000 of them): convert its
        # numbers once, hand out copies so no caller can change another's.
        return dict(self._json)

    def to_dict_without_term(self) -> dict:
        """``to_dict()`` less the term's name (the key it is listed under)."""
        return dict(self._json_without_term)


def term_fit_dicts(fits: list[TermFit]) -> list[dict]:
    """``[fit.to_dict() for fit in fits]``, without a method call per term (a model's list
    has hundreds of terms at k = 16)."""
    return [dict(fit._json) for fit in fits]


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


def largest_two(
    memberships, rows, n_cases: int, start: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case over the given rows: the largest value, the second largest (the largest of
    the other rows) and the first row that has the largest -- ``argmax`` over axis 0 and a
    masked ``max``, but one pass of whole-row operations (a strided argmax over thousands of
    rows is ~30 ns per value; the rows need not be stacked). ``start``: the result for
    other rows, to fold these rows into (not modified).

    The largest and second largest values do not depend on the order of the rows; the row
    of the largest does only where two rows tie for it, and there the second largest equals
    the largest, so a coverage lost there is exactly 0 whichever row gets it."""
    if start is None:
        first = np.full(n_cases, -np.inf)
        second = np.full(n_cases, -np.inf)
        top = np.zeros(n_cases, dtype=np.int64)
    else:
        first, second, top = (array.copy() for array in start)
    for r in rows:
        values = memberships[r]
        larger = values > first
        np.maximum(second, np.where(larger, first, values), out=second)
        np.maximum(first, values, out=first)
        np.copyto(top, r, where=larger)
    return first, second, top


def disjunction_fits(
    memberships, y: np.ndarray, models: list[list[int]],
    base: tuple[list[int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
) -> list[tuple[SufficiencyFit, list[float]]]:
    """For each model (row indices into ``memberships``, a 2-D array or a list of
    vectors): the fit of the disjunction and each term's unique coverage -- the values of
    ``sufficiency_fit(rows.max(0), y)`` and ``unique_coverages(rows, y)`` (NaN for a
    one-term model), bit for bit, for many models at once.

    Models of one chart share most terms (the essential PIs, every block with a single
    cover). The shared rows are reduced once to their per-case largest value, second
    largest value and row of the largest (``base`` may hand this in: rows in every model
    and their ``largest_two``, e.g. cached by the caller across charts). A model's own
    rows change the result only in the *active* cases, where some own row of any model
    exceeds the shared second largest; elsewhere every model has the shared values. A
    batch of models merges its own rows over the active cases only (one row position at
    a time over all models of the batch; at k = 12-16 under 10 % of the cases), and the
    full (models x cases) arrays are the shared values with the active columns written in.
    A term loses coverage only where it is the strict maximum, the loss is
    min(largest, y) - min(second, y) (zero at a tie), and one ``bincount`` per batch sums
    it per (model, term) in case order, as ``unique_coverages`` does; the sums of the fit
    are row sums of the batch (numpy sums a contiguous row exactly as a vector).
    """
    if not models:
        return []
    n_rows, n_cases = len(memberships), len(y)
    if base is None:
        common = sorted(set.intersection(*(set(rows) for rows in models)))
        base = (common, largest_two(memberships, common, n_cases))
    in_base = set(base[0])
    first, second, top = base[1]
    extras = [[r for r in rows if r not in in_base] for rows in models]
    own_rows = sorted(set().union(*extras))
    not_y = 1.0 - y
    sum_y = y.sum()
    # the shared values, and the cases where an own row can change them
    both_base = np.minimum(first, y)
    both_not_y_base = np.minimum(both_base, not_y)
    with np.errstate(invalid="ignore"):  # -inf - -inf where no shared row: every such case is active
        lost_base = both_base - np.minimum(second, y)
    if own_rows:
        own_max = np.full(n_cases, -np.inf)
        for r in own_rows:
            np.maximum(own_max, memberships[r], out=own_max)
        active = np.flatnonzero(own_max > second)
    else:
        active = np.zeros(0, dtype=np.int64)
    # the own rows over the active cases, plus a row of -inf for "no term" padding
    position_of = {r: i for i, r in enumerate(own_rows)}
    own_values = np.full((len(own_rows) + 1, len(active)), -np.inf)
    for i, r in enumerate(own_rows):
        own_values[i] = memberships[r][active]
    first_a, second_a, top_a, y_a = first[active], second[active], top[active], y[active]
    # The unique coverages: a term's sum changes from the shared one only if the term is an
    # own row or the shared winner of an active case; its sum runs over the cases it wins.
    # So the bincount runs over the *zone*, the cases those terms win in the shared values (all
    # active cases among them), in case order: each such (model, term) sum adds the same
    # values in the same order as over all cases, and the other terms' sums are the shared
    # ones (the same sums over the same cases).
    changed = np.zeros(n_rows + 1, dtype=bool)
    changed[top_a] = True
    changed[own_rows] = True
    zone = np.flatnonzero(changed[top])
    zone_active = np.searchsorted(zone, active)
    shared_bins = np.bincount(top, weights=np.where(changed[top], 0.0, lost_base), minlength=n_rows)
    lost_zone, top_zone = lost_base[zone], top[zone]
    width = max(len(rows) for rows in extras)
    batch = max(1, DISJUNCTION_CHUNK // n_cases)
    results: list[tuple[SufficiencyFit, list[float]]] = []
    for start in range(0, len(models), batch):
        chunk = extras[start:start + batch]
        count = len(chunk)
        ids = np.full((count, width), -1, dtype=np.int64)
        positions = np.full((count, width), len(own_rows), dtype=np.int64)
        for m, rows in enumerate(chunk):
            ids[m, :len(rows)] = rows
            positions[m, :len(rows)] = [position_of[r] for r in rows]
        own_first = np.full((count, len(active)), -np.inf)
        own_second = np.full((count, len(active)), -np.inf)
        own_top = np.zeros((count, len(active)), dtype=np.int64)
        for position in range(width):
            values = own_values[positions[:, position]]
            larger = values > own_first
            np.maximum(own_second, np.where(larger, own_first, values), out=own_second)
            np.maximum(own_first, values, out=own_first)
            np.copyto(own_top, ids[:, position, None], where=larger)
        won = own_first > np.maximum(first_a, own_second)  # an own row is the strict maximum
        largest_a = np.maximum(first_a, own_first)
        runner_up_a = np.where(won, np.maximum(first_a, own_second), np.maximum(second_a, own_first))
        both_a = np.minimum(largest_a, y_a)
        lost_a = both_a - np.minimum(runner_up_a, y_a)
        # the sums of the fit depend only on the disjunction over the active cases, which models
        # often share (latent k = 16: 9 to 27 distinct of 64): each distinct one is summed once
        slot: dict[bytes, int] = {}
        index = np.array([slot.setdefault(row.tobytes(), len(slot)) for row in largest_a], dtype=np.int64)
        if len(slot) < count:
            distinct = np.unique(index, return_index=True)[1]
            largest_a, both_a = largest_a[distinct], both_a[distinct]
        largest = _with_columns(first, active, largest_a)
        both = _with_columns(both_base, active, both_a)
        both_not_y = _with_columns(both_not_y_base, active, np.minimum(both_a, not_y[active]))
        lost = _with_columns(lost_zone, zone_active, lost_a)
        winner = _with_columns(top_zone, zone_active, np.where(won, own_top, top_a))
        bins = np.bincount(
            (winner + n_rows * np.arange(count)[:, None]).ravel(), weights=lost.ravel(),
            minlength=count * n_rows,
        ).reshape(count, n_rows)
        bins = np.where(changed[:n_rows], bins, shared_bins)
        sums_x, sums_both = largest.sum(axis=1)[index], both.sum(axis=1)[index]
        sums_both_not_y = both_not_y.sum(axis=1)[index]
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


def _with_columns(shared: np.ndarray, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(models x cases): ``shared`` in every row, ``values`` (models x columns) written into
    ``columns``."""
    result = np.empty((len(values), len(shared)), dtype=np.result_type(shared, values))
    result[:] = shared
    result[:, columns] = values
    return result


def unique_coverages_from(
    reduction: tuple[np.ndarray, np.ndarray, np.ndarray], y: np.ndarray, n_rows: int,
) -> list[float]:
    """``unique_coverages`` of rows 0..n_rows-1 from their ``largest_two`` (in any row order)."""
    first, second, top = reduction
    lost = np.minimum(first, y) - np.minimum(second, y)
    sum_y = y.sum()
    if sum_y == 0:
        return [math.nan] * n_rows
    return (np.bincount(top, weights=lost, minlength=n_rows) / sum_y).tolist()


def unique_coverages(memberships, y: np.ndarray) -> list[float]:
    """covS(all terms) - covS(all terms but i), for each term i (at least two terms;
    ``memberships``: a 2-D array or a list of vectors).

    The disjunction without term i is the per-case maximum of the others: the overall
    maximum unless term i attains it, then the second largest value. So term i's unique
    coverage is the coverage lost in the cases where it is the (first) maximum: one pass
    for the largest two values, one bincount -- O(terms x cases), no sort.
    """
    reduction = largest_two(memberships, range(len(memberships)), len(y))
    return unique_coverages_from(reduction, y, len(memberships))
