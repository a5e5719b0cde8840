"""Calibration of raw data into set memberships (R QCA's ``calibrate``).

Direct method, three anchors e (full non-membership), c (crossover), i (full membership):

* logistic (default): for x >= c, m = 1 / (1 + exp(-(x - c) / (i - c) * L)); for x < c,
  m = 1 / (1 + exp(-(x - c) / (c - e) * L)), with L = log(idm / (1 - idm)); idm = 0.95 is
  R's default, idm = 1/(1+exp(-3)) = 0.9525741 reproduces Ragin's fsQCA software (L = 3).
  Anchors given as i < c < e calibrate a decreasing set.
* linear (``logistic=False``): piecewise power functions between the anchors, shaped by
  ``below`` and ``above`` (1 = linear); with ``ecdf=True`` the empirical CDF of the
  values between the outer anchors replaces the power functions.
* six anchors (e1, c1, i1, i2, c2, e2): bell-shaped (or, reversed, inverse-bell) sets.
Memberships below 0.0001 become 0 and above 0.9999 become 1, as in R.

Also: crisp calibration by thresholds (``findInterval``: one threshold gives 0/1, more give
multi-value levels), Ragin's indirect method (fractional-polynomial logit fit of
qualitative interval codes), the TFR method for Likert items, and anchor suggestions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import QCAInputError, QCAWarning

FSQCA_IDM = 1.0 / (1.0 + math.exp(-3.0))


def _as_array(x) -> np.ndarray:
    values = np.asarray(x, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise QCAInputError("calibration needs a non-empty list of numbers")
    if np.isnan(values).any():
        raise QCAInputError(f"missing values at positions {np.flatnonzero(np.isnan(values)).tolist()}")
    return values


def _anchors(thresholds, names: tuple[str, ...]) -> list[float]:
    if isinstance(thresholds, Mapping):
        missing = [n for n in names if n not in thresholds]
        if missing:
            raise QCAInputError(f"missing anchors: {', '.join(missing)}")
        return [float(thresholds[n]) for n in names]
    values = [float(v) for v in thresholds]
    if len(values) != len(names):
        raise QCAInputError(f"expected {len(names)} anchors ({', '.join(names)}), got {len(values)}")
    return values


def _clip(fs: np.ndarray) -> np.ndarray:
    fs = np.where(fs < 0.0001, 0.0, fs)
    return np.where(fs > 0.9999, 1.0, fs)


def _close(a, b) -> np.ndarray:
    """R's all.equal: relative tolerance 1.5e-8."""
    return np.abs(a - b) <= 1.5e-8 * np.maximum(np.abs(b), 1e-300) + (b == 0) * 1.5e-8


def calibrate_direct(
    x: Sequence[float],
    thresholds: Mapping[str, float] | Sequence[float],
    logistic: bool = True,
    idm: float = 0.95,
    ecdf: bool = False,
    below: float = 1.0,
    above: float = 1.0,
) -> np.ndarray:
    """Fuzzy memberships with 3 anchors (e, c, i) or 6 anchors (e1, c1, i1, i2, c2, e2)."""
    values = _as_array(x)
    count = len(thresholds)
    if count == 6:
        return _calibrate_bell(values, _anchors(thresholds, ("e1", "c1", "i1", "i2", "c2", "e2")), below, above)
    if count != 3:
        raise QCAInputError("direct calibration needs 3 anchors (e, c, i) or 6 (e1, c1, i1, i2, c2, e2)")
    if not 0.5 < idm < 1:
        raise QCAInputError("idm (inclusion degree of membership) must lie in (0.5, 1)")
    e, c, i = _anchors(thresholds, ("e", "c", "i"))
    if logistic:
        ex, inc = (i, e) if e > i else (e, i)
        log_odds = math.log(idm / (1 - idm))
        below_c = values < c
        scale = np.where(below_c, c - ex, inc - c)
        fs = 1.0 / (1.0 + np.exp(-(values - c) * log_odds / scale))
        if e > i:
            fs = 1.0 - fs
        return _clip(fs)
    if above <= 0 or below <= 0:
        raise QCAInputError("above and below must be positive")
    if len({e, c, i}) < 3:
        raise QCAInputError("the three anchors must differ")
    increasing = not (i < c < e)
    cdf = None
    if ecdf:
        inside = values[(values >= min(e, c, i)) & (values <= max(e, c, i))]
        cdf = lambda v: np.searchsorted(np.sort(inside), v, side="right") / len(inside)
    fs = np.empty_like(values)
    for n, v in enumerate(values):
        at_or_below = lambda t, v=v: v < t or _close(v, t)
        if increasing:
            if at_or_below(e):
                fs[n] = 0.0
            elif at_or_below(c):
                fs[n] = cdf(v) / cdf(c) / 2 if cdf else ((e - v) / (e - c)) ** below / 2
            elif at_or_below(i):
                fs[n] = 1 - (1 - cdf(v)) / (1 - cdf(c)) / 2 if cdf else 1 - ((i - v) / (i - c)) ** above / 2
            else:
                fs[n] = 1.0
        else:
            if at_or_below(i):
                fs[n] = 1.0
            elif at_or_below(c):
                fs[n] = 1 - cdf(v) / cdf(c) / 2 if cdf else 1 - ((i - v) / (i - c)) ** above / 2
            elif at_or_below(e):
                fs[n] = (1 - cdf(v)) / (1 - cdf(c)) / 2 if cdf else ((e - v) / (e - c)) ** below / 2
            else:
                fs[n] = 0.0
    return _clip(fs)


def _calibrate_bell(values: np.ndarray, anchors: list[float], below: float, above: float) -> np.ndarray:
    e1, c1, i1, i2, c2, e2 = anchors
    if not min(e1, i1) <= c1 <= max(e1, i1) or not min(e2, i2) <= c2 <= max(e2, i2):
        raise QCAInputError("each crossover must lie between its exclusion and inclusion anchors")
    if above <= 0 or below <= 0:
        raise QCAInputError("above and below must be positive")
    increasing = not (i1 < c1 < e1 <= e2 < c2 < i2)
    if len({e1, c1, i1}) < 3 or len({i2, c2, e2}) < 3 or c1 == c2 or (e1 == e2 if increasing else i1 == i2):
        raise QCAInputError("some anchors are equal that should differ")
    fs = np.empty_like(values)
    rise = lambda v, e, c: ((e - v) / (e - c)) ** below / 2
    fall = lambda v, i, c: 1 - ((i - v) / (i - c)) ** above / 2
    for n, v in enumerate(values):
        le = lambda t, v=v: v < t or _close(v, t)
        if increasing:
            if le(e1):
                fs[n] = 0
            elif le(c1):
                fs[n] = rise(v, e1, c1)
            elif v < i1:
                fs[n] = fall(v, i1, c1)
            elif le(i2):
                fs[n] = 1
            elif le(c2):
                fs[n] = fall(v, i2, c2)
            elif le(e2):
                fs[n] = rise(v, e2, c2)
            else:
                fs[n] = 0
        else:
            if le(i1):
                fs[n] = 1
            elif le(c1):
                fs[n] = fall(v, i1, c1)
            elif v < e1:
                fs[n] = rise(v, e1, c1)
            elif le(e2):
                fs[n] = 0
            elif le(c2):
                fs[n] = rise(v, e2, c2)
            elif le(i2):
                fs[n] = fall(v, i2, c2)
            else:
                fs[n] = 1
    return _clip(fs)


def calibrate_crisp(x: Sequence[float], thresholds: float | Sequence[float]) -> np.ndarray:
    """Number of thresholds at or below each value: 0/1 for one threshold, levels for more."""
    values = _as_array(x)
    cuts = np.sort(np.atleast_1d(np.asarray(thresholds, dtype=float)))
    if np.any((cuts < values.min()) | (cuts > values.max())):
        raise QCAInputError("crisp thresholds must lie within the range of the values")
    return np.searchsorted(cuts, values, side="right").astype(float)


def calibrate_indirect(x: Sequence[float], thresholds: Sequence[float]) -> np.ndarray:
    """Ragin's indirect method: interval codes 0, 1/m, ..., 1 fitted with a quasi-binomial
    logit on log(x), sqrt(x), x and x^2 (fractional polynomial), rounded to 6 decimals."""
    import statsmodels.api as sm

    values = _as_array(x).copy()
    cuts = np.sort(np.asarray(thresholds, dtype=float))
    codes = np.round(np.linspace(0, 1, len(cuts) + 1), 3)
    target = np.zeros_like(values)
    for position, cut in enumerate(cuts):
        target[values > cut] = codes[position + 1]
    values[values == 0] = 0.00001
    if np.any(values < 0):
        raise QCAInputError("the indirect method needs non-negative values (it uses log and sqrt)")
    design = np.column_stack([np.ones_like(values), np.log(values), np.sqrt(values), values, values**2])
    model = sm.GLM(target, design, family=sm.families.Binomial())
    fitted = model.fit(tol=1e-12, maxiter=200)
    return _clip(np.round(fitted.predict(design), 6))


def calibrate_tfr(x: Sequence[float]) -> np.ndarray:
    """Totally fuzzy and relative method for Likert-type items: (F(x) - F(1)) / (1 - F(1))."""
    values = _as_array(x)
    ordered = np.sort(values)
    cdf = lambda v: np.searchsorted(ordered, v, side="right") / len(values)
    base = cdf(1.0)
    if base >= 1:
        raise QCAInputError("all values are <= 1: TFR calibration is undefined")
    return np.maximum(0.0, (cdf(values) - base) / (1 - base))


@dataclass
class AnchorSuggestion:
    """Anchors the UI can propose: percentiles and the range of the data."""

    e: float
    c: float
    i: float
    method: str
    percentiles: dict[str, float] = field(default_factory=dict)
    warnings: list[QCAWarning] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "e": self.e, "c": self.c, "i": self.i, "method": self.method,
            "percentiles": self.percentiles, "warnings": [w.to_dict() for w in self.warnings],
        }


def suggest_anchors(x: Sequence[float], lower: float = 5, crossover: float = 50, upper: float = 95) -> AnchorSuggestion:
    """Percentile anchors (default 5th / median / 95th). They are a starting point only:
    anchors should come from substantive knowledge, not from the sample distribution."""
    values = _as_array(x)
    e, c, i = (float(np.percentile(values, p)) for p in (lower, crossover, upper))
    points = {f"p{p}": float(np.percentile(values, p)) for p in (0, 5, 10, 25, 50, 75, 90, 95, 100)}
    warnings = []
    if len({e, c, i}) < 3:
        warnings.append(QCAWarning("degenerate_anchors", "percentile anchors coincide; choose anchors by hand"))
    on_crossover = int(np.sum(values == c))
    if on_crossover:
        warnings.append(QCAWarning(
            "crossover_cases", f"{on_crossover} values equal the suggested crossover and would get 0.5"))
    return AnchorSuggestion(e, c, i, f"percentiles {lower}/{crossover}/{upper}", points, warnings)


def crossover_warnings(memberships: np.ndarray, case_names: Sequence[str] | None = None) -> list[QCAWarning]:
    """A warning naming the cases calibrated to exactly 0.5 (they fall in no truth table row)."""
    hits = np.flatnonzero(np.abs(np.asarray(memberships) - 0.5) < 1e-12)
    if len(hits) == 0:
        return []
    names = [case_names[h] if case_names else str(h + 1) for h in hits]
    return [QCAWarning("crossover_cases", "memberships of exactly 0.5: " + ", ".join(names))]
