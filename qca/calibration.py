"""Calibration of a study's raw columns into sets, through the engine.

Methods: `direct` (anchors of full exclusion e, crossover c and full inclusion i, logistic),
`crisp` (one threshold: a value at or above it is in the set) and `as_is` (the column already
holds memberships in [0, 1]). The app adds two warnings the screen needs: cases at exactly 0.5
(from the engine) and skewed sets (most cases on one side of 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError

from .engine_link import Dataset, QCAInputError, calibrate_crisp, calibrate_direct, crossover_warnings, suggest_anchors

SKEW_SHARE = 0.8  # more than this share of cases on one side of 0.5 is a skewed set
METHODS = ("direct", "crisp", "as_is")


@dataclass
class Calibrated:
    memberships: list[float]
    warnings: list[dict]

    @property
    def share_above(self) -> float:
        return float(np.mean(np.asarray(self.memberships) > 0.5))


def default_calibration(column: dict, values: list[float]) -> tuple[str, dict]:
    """Binary and ordinal codes: crisp at the upper half; continuous: percentile anchors."""
    distinct = sorted(set(values))
    if column.get("kind") in ("binary", "ordinal") or set(distinct) <= {0.0, 1.0}:
        threshold = distinct[len(distinct) // 2] if len(distinct) > 1 else distinct[0]
        return "crisp", {"threshold": float(threshold)}
    if min(values) >= 0 and max(values) <= 1 and column.get("already_calibrated"):
        return "as_is", {}
    return "direct", suggested_anchors(values)


def suggested_anchors(values: list[float]) -> dict:
    """The engine's percentile suggestion (5th / 50th / 95th), for the form and the chart."""
    suggestion = suggest_anchors(values)
    return {"e": suggestion.e, "c": suggestion.c, "i": suggestion.i}


def suggestion_details(values: list[float]) -> dict:
    return suggest_anchors(values).to_dict()


def validate_anchors(method: str, anchors: dict, values: list[float]) -> dict:
    """Clean anchors for `method`, or raise ValidationError naming the anchor and why."""
    if method not in METHODS:
        raise ValidationError({"method": f"choose one of {', '.join(METHODS)}"})
    if method == "as_is":
        outside = [v for v in values if not 0 <= v <= 1]
        if outside:
            raise ValidationError({"method": f"{len(outside)} values lie outside [0, 1] (e.g. {outside[0]:g}): "
                                             "calibrate them directly or crisply"})
        return {}
    if method == "crisp":
        threshold = _number(anchors, "threshold")
        if not min(values) < threshold <= max(values):
            raise ValidationError({"threshold": f"{threshold:g} must lie above the smallest value "
                                                f"({min(values):g}) and at most the largest ({max(values):g}), "
                                                "or every case falls on one side"})
        return {"threshold": threshold}
    e, c, i = (_number(anchors, key) for key in ("e", "c", "i"))
    if not (e < c < i or e > c > i):
        raise ValidationError({"c": f"the crossover {c:g} must lie strictly between exclusion {e:g} "
                                    f"and inclusion {i:g}"})
    return {"e": e, "c": c, "i": i}


def _number(anchors: dict, key: str) -> float:
    try:
        value = float(anchors[key])
    except (KeyError, TypeError, ValueError):
        raise ValidationError({key: f"anchor {key!r} must be a number"}) from None
    if not np.isfinite(value):
        raise ValidationError({key: f"anchor {key!r} must be finite"})
    return value


def calibrate(values: list[float], method: str, anchors: dict, case_names: list[str] | None = None,
              label: str = "") -> Calibrated:
    try:
        if method == "direct":
            memberships = calibrate_direct(values, {k: anchors[k] for k in ("e", "c", "i")})
        elif method == "crisp":
            memberships = calibrate_crisp(values, anchors["threshold"])
        elif method == "as_is":
            memberships = np.asarray(values, dtype=float)
        else:
            raise ValidationError({"method": f"unknown calibration method {method!r}"})
    except QCAInputError as exc:
        raise ValidationError({"anchors": f"{label or 'column'}: {exc}"}) from None
    memberships = np.asarray(memberships, dtype=float)
    warnings = [w.to_dict() for w in crossover_warnings(memberships, case_names)] if method != "crisp" else []
    share = float(np.mean(memberships > 0.5))
    if share > SKEW_SHARE or share < 1 - SKEW_SHARE:
        side = "above" if share > SKEW_SHARE else "at or below"
        portion = share if share > SKEW_SHARE else 1 - share
        warnings.append({"code": "skewed_set",
                         "message": f"{portion:.0%} of cases are {side} 0.5: a skewed set makes consistency "
                                    "and coverage hard to interpret; reconsider the anchors"})
    return Calibrated(memberships=[round(float(m), 6) for m in memberships], warnings=warnings)


def calibrated_table(study, calibrations: dict[str, dict], order: list[str] | None = None) -> tuple[Dataset, dict]:
    """The engine Dataset of the calibrated columns and, per column, the calibration warnings.

    Columns come in `order` (an analysis passes its outcome, then its conditions), else in the
    study's order.
    """
    case_names = [case["id"] for case in study.data["cases"]]
    columns, warnings = {}, {}
    # The study's column order, not the dict's: PostgreSQL's jsonb does not keep key order,
    # and the exported CSV (and so the reproducing CLI command) must not depend on the database.
    ordered = [name for name in (order or study.column_names) if name in calibrations]
    ordered += [name for name in calibrations if name not in ordered]
    for name in ordered:
        spec = calibrations[name]
        result = calibrate(study.column_values(name), spec["method"], spec["anchors"], case_names, name)
        columns[name] = result.memberships
        warnings[name] = result.warnings
    try:
        return Dataset.from_columns(columns, case_names), warnings
    except QCAInputError as exc:
        raise ValidationError(str(exc)) from None
