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
import threading
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, pairwise

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
    one-term model), bit for bit, for many models at once. ``base``: rows in every model
    and their ``largest_two`` (computed here when not given). See :func:`model_fits`."""
    if not models:
        return []
    lengths = [len(rows) for rows in models]
    flat = np.fromiter(chain.from_iterable(models), dtype=np.int64, count=sum(lengths))
    fits, uniques = model_fits(memberships, y, flat, lengths, base)
    values = uniques.tolist()
    bounds = np.cumsum([0, *lengths]).tolist()
    return [(fit, values[a:b]) for fit, (a, b) in zip(fits, pairwise(bounds), strict=True)]


def model_fits(
    memberships, y: np.ndarray, flat_rows: np.ndarray, lengths: list[int],
    base: tuple[list[int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
) -> tuple[list[SufficiencyFit], np.ndarray]:
    """:func:`disjunction_fits` of models given as one array: ``flat_rows`` holds the
    models' rows one model after the other (``lengths`` each); ``base``: rows in every model
    and their ``largest_two`` (computed here when not given). Returns each model's fit
    (models with the same disjunction share one object) and the unique coverages as one
    array aligned with ``flat_rows``.

    Models of one chart share most terms (the essential PIs, every block with a single
    cover). The shared rows are reduced once to their per-case largest value, second
    largest value and row of the largest. A model's own rows change the result only in the
    *active* cases, where some own row of any model exceeds the shared second largest;
    elsewhere every model has the shared values. A batch of models merges its own rows over
    the active cases only (one row position at a time over all models of the batch; at
    k = 12-16 under 10 % of the cases), and the full (models x cases) arrays are the shared
    values with the active columns written in. A term loses coverage only where it is the
    strict maximum, the loss is min(largest, y) - min(second, y) (zero at a tie), and one
    ``bincount`` per batch sums it per (model, term) in case order, as ``unique_coverages``
    does; the sums of the fit are row sums of the batch (numpy sums a contiguous row exactly
    as a vector). The full arrays are written into this thread's scratch buffers (see
    :func:`release_scratch`): fresh ones page-faulted on every call (latent k = 16,
    n = 10,000: ~40 % of the time).
    """
    n_rows, n_cases = len(memberships), len(y)
    n_models = len(lengths)
    model_starts = np.cumsum([0, *lengths]).tolist()
    if base is None:
        common = sorted(set.intersection(*(set(flat_rows[a:b].tolist()) for a, b in pairwise(model_starts))))
        base = (common, largest_two(memberships, common, n_cases))
    in_base = np.zeros(n_rows + 1, dtype=bool)
    in_base[np.asarray(base[0], dtype=np.int64)] = True
    first, second, top = base[1]
    # the models' own rows (not in the base), padded per model into (models x width) arrays
    model_of = np.repeat(np.arange(n_models), lengths)
    own_cell = ~in_base[flat_rows]
    extra_rows, extra_model = flat_rows[own_cell], model_of[own_cell]
    own_rows = np.unique(extra_rows)
    ids = padded_per_model(extra_rows, extra_model, n_models, -1)
    positions = padded_per_model(np.searchsorted(own_rows, extra_rows), extra_model, n_models, len(own_rows))
    width = ids.shape[1]
    not_y = 1.0 - y
    sum_y = y.sum()
    # the shared values, and the cases where an own row can change them
    both_base = np.minimum(first, y)
    both_not_y_base = np.minimum(both_base, not_y)
    with np.errstate(invalid="ignore"):  # -inf - -inf where no shared row: every such case is active
        lost_base = both_base - np.minimum(second, y)
    if len(own_rows):
        own_max = np.full(n_cases, -np.inf)
        for r in own_rows.tolist():
            np.maximum(own_max, memberships[r], out=own_max)
        active = np.flatnonzero(own_max > second)
    else:
        active = np.zeros(0, dtype=np.int64)
    # the own rows over the active cases, plus a row of -inf for "no term" padding
    own_values = np.full((len(own_rows) + 1, len(active)), -np.inf)
    for i, r in enumerate(own_rows.tolist()):
        own_values[i] = memberships[r][active]
    first_a, second_a, top_a, y_a = first[active], second[active], top[active], y[active]
    not_y_a = not_y[active]
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
    batch = max(1, DISJUNCTION_CHUNK // n_cases)
    fits: list[SufficiencyFit] = []
    uniques = np.empty(len(flat_rows), dtype=np.float64)
    for start in range(0, n_models, batch):
        stop = min(start + batch, n_models)
        count = stop - start
        batch_ids, batch_positions = ids[start:stop], positions[start:stop]
        own_first = np.full((count, len(active)), -np.inf)
        own_second = np.full((count, len(active)), -np.inf)
        own_top = np.zeros((count, len(active)), dtype=np.int64)
        for position in range(width):
            values = own_values[batch_positions[:, position]]
            larger = values > own_first
            np.maximum(own_second, np.where(larger, own_first, values), out=own_second)
            np.maximum(own_first, values, out=own_first)
            np.copyto(own_top, batch_ids[:, position, None], where=larger)
        won = own_first > np.maximum(first_a, own_second)  # an own row is the strict maximum
        largest_a = np.maximum(first_a, own_first)
        runner_up_a = np.where(won, np.maximum(first_a, own_second), np.maximum(second_a, own_first))
        both_a = np.minimum(largest_a, y_a)
        lost_a = both_a - np.minimum(runner_up_a, y_a)
        fits.extend(_disjunction_fits(first, both_base, both_not_y_base, active, largest_a, both_a, not_y_a, sum_y))
        bins = _zone_bins(top_zone, lost_zone, zone_active, np.where(won, own_top, top_a), lost_a, n_rows)
        # each model's terms: their (model, term) bin where the term changed, else the shared one
        a, b = model_starts[start], model_starts[stop]
        rows = flat_rows[a:b]
        local = model_of[a:b] - start
        totals = np.where(changed[rows], bins[local * n_rows + rows], shared_bins[rows])
        uniques[a:b] = totals / sum_y if sum_y != 0 else math.nan
    # R's "-": a one-term model has no unique coverage
    single = np.asarray(lengths, dtype=np.int64) == 1
    if single.any():
        uniques[np.asarray(model_starts[:-1], dtype=np.int64)[single]] = math.nan
    return fits, uniques


def padded_per_model(values: np.ndarray, model_of: np.ndarray, n_models: int, fill: int) -> np.ndarray:
    """``values`` grouped by model (``model_of``, ascending) as a (models x most values of a
    model) array, each model's values from column 0 on and ``fill`` after them."""
    counts = np.bincount(model_of, minlength=n_models)
    column = np.arange(len(values)) - np.repeat(np.cumsum(counts) - counts, counts)
    padded = np.full((n_models, int(counts.max(initial=0))), fill, dtype=np.int64)
    padded[model_of, column] = values
    return padded


def _disjunction_fits(
    first: np.ndarray, both_base: np.ndarray, both_not_y_base: np.ndarray, active: np.ndarray,
    largest_a: np.ndarray, both_a: np.ndarray, not_y_a: np.ndarray, sum_y,
) -> list[SufficiencyFit]:
    """The fit of each model's disjunction, given by its values over the active cases.

    Each of the three sums depends only on its own row over the active cases, which models
    often share (random k = 12, n = 2,000: 64 distinct disjunctions, 6 distinct ``min(x, y)``,
    1 distinct ``min(x, y, 1 - y)``): each distinct row is summed once, and models with the
    same three sums share one fit."""
    sums_x, index_x = _distinct_row_sums(first, active, largest_a)
    sums_both, index_both = _distinct_row_sums(both_base, active, both_a)
    sums_not_y, index_not_y = _distinct_row_sums(both_not_y_base, active, np.minimum(both_a, not_y_a))
    by_sums: dict[tuple[int, int, int], SufficiencyFit] = {}
    fits = []
    for key in zip(index_x, index_both, index_not_y, strict=True):
        fit = by_sums.get(key)
        if fit is None:
            fit = by_sums[key] = _fit_from_sums(sums_x[key[0]], sums_both[key[1]], sums_not_y[key[2]], sum_y)
        fits.append(fit)
    return fits


def _distinct_row_sums(shared: np.ndarray, columns: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The sums of the distinct full rows (``shared`` with ``values``' row written into
    ``columns``), each as numpy sums it (a contiguous row), and each row's index into them."""
    slot: dict[bytes, int] = {}
    index = [slot.setdefault(row.tobytes(), len(slot)) for row in values]
    distinct = np.unique(np.asarray(index, dtype=np.int64), return_index=True)[1]
    rows = _scratch("sums", (len(distinct), len(shared)), np.float64)
    rows[:] = shared
    rows[:, columns] = values[distinct]
    return rows.sum(axis=1), index


def _zone_bins(
    top_zone: np.ndarray, lost_zone: np.ndarray, zone_active: np.ndarray, winner_a: np.ndarray,
    lost_a: np.ndarray, n_rows: int,
) -> np.ndarray:
    """Per (model, term) bin (flat, model-major): the coverage each term loses over the
    zone, summed in case order (the shared winners and losses with each model's active
    columns written in)."""
    count = len(winner_a)
    offsets = (n_rows * np.arange(count, dtype=np.int64))[:, None]
    winners = _scratch("winners", (count, len(top_zone)), np.int64)
    np.add(top_zone[None, :], offsets, out=winners)
    winners[:, zone_active] = winner_a + offsets
    losses = _scratch("losses", (count, len(top_zone)), np.float64)
    losses[:] = lost_zone
    losses[:, zone_active] = lost_a
    return np.bincount(winners.ravel(), weights=losses.ravel(), minlength=count * n_rows)


_SCRATCH = threading.local()


def _scratch(slot: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A work array of ``shape`` from this thread's buffer ``slot`` (grown when too small;
    contents undefined)."""
    buffers = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = {}
    size = math.prod(shape)
    found = buffers.get(slot)
    if found is None or found.size < size or found.dtype != dtype:
        found = buffers[slot] = np.empty(size, dtype=dtype)
    return found[:size].reshape(shape)


def release_scratch() -> None:
    """Drop this thread's scratch buffers of :func:`model_fits` (``minimize`` calls it when
    it returns; the next call makes new ones)."""
    _SCRATCH.buffers = None


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
