"""Inter-coder agreement per codebook variable.

Cohen's kappa (scikit-learn) for the two coders of a double-coded variable;
Krippendorff's alpha (the ``krippendorff`` package) for any number of coders
and missing codes, at the level of measurement of the variable's kind:
binary → nominal, ordinal → ordinal, continuous → interval. Kappa is
unweighted for binary variables, quadratic-weighted for ordinal ones and not
computed for continuous ones (alpha covers them).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Kind = Literal["binary", "ordinal", "continuous"]
LEVEL_FOR_KIND: dict[str, Level] = {"binary": "nominal", "ordinal": "ordinal", "continuous": "interval"}
KAPPA_WEIGHTS_FOR_KIND: dict[str, str | None] = {"binary": None, "ordinal": "quadratic"}


@dataclass(frozen=True)
class AgreementResult:
    kind: str
    level: Level
    coders: tuple[Hashable, ...]
    n_units: int  # units with at least one code
    n_paired: int  # units coded by two or more coders (the ones that count)
    percent_agreement: float | None  # share of paired units where all codes are equal
    cohen_kappa: float | None  # None unless exactly two coders and a categorical kind
    krippendorff_alpha: float | None  # None when undefined (no variation, no pairs)
    disagreements: tuple[Hashable, ...]  # units to reconcile


def cohen_kappa(codes_a: Sequence[object], codes_b: Sequence[object], *, weights: str | None = None) -> float | None:
    """Cohen's kappa of two coders over the same units; None when undefined (no variation)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined kappa is reported as None instead
        value = float(cohen_kappa_score(list(codes_a), list(codes_b), weights=weights))
    return None if math.isnan(value) else value


def krippendorff_alpha(
    reliability_data: Sequence[Sequence[float | None]],
    *,
    level: Level,
    value_domain: Sequence[float] | None = None,
) -> float | None:
    """Alpha for a coders × units matrix, None/NaN for missing codes; None when undefined.

    Pass ``value_domain`` (the variable's levels) for ordinal data so that
    levels no coder used still count in the ordinal distances.
    """
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in reliability_data], dtype=float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(
                krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=value_domain)
            )
    except (ValueError, ZeroDivisionError):
        return None  # e.g. a single value in the whole domain: alpha is 0/0
    return None if math.isnan(value) else value


def variable_agreement(
    codings: Iterable[tuple[Hashable, Hashable, float | None]],
    *,
    kind: Kind,
    levels: Sequence[float] | None = None,
) -> AgreementResult:
    """Agreement for one variable from ``(unit, coder, value)`` triples."""
    table: dict[Hashable, dict[Hashable, float]] = {}
    coder_order: dict[Hashable, None] = {}
    for unit, coder, value in codings:
        coder_order.setdefault(coder, None)
        if value is not None:
            table.setdefault(unit, {})[coder] = float(value)
    coders = tuple(coder_order)
    units = sorted(table, key=str)
    paired = [u for u in units if len(table[u]) >= 2]
    disagreements = tuple(u for u in paired if len(set(table[u].values())) > 1)
    level = LEVEL_FOR_KIND[kind]
    matrix = [[table[u].get(c) for u in units] for c in coders]
    alpha = (
        krippendorff_alpha(matrix, level=level, value_domain=levels if level == "ordinal" else None)
        if paired
        else None
    )
    kappa = None
    if len(coders) == 2 and kind in KAPPA_WEIGHTS_FOR_KIND:
        both = [u for u in paired if all(c in table[u] for c in coders)]
        if both:
            kappa = cohen_kappa(
                [table[u][coders[0]] for u in both],
                [table[u][coders[1]] for u in both],
                weights=KAPPA_WEIGHTS_FOR_KIND[kind],
            )
    return AgreementResult(
        kind=kind,
        level=level,
        coders=coders,
        n_units=len(units),
        n_paired=len(paired),
        percent_agreement=(1 - len(disagreements) / len(paired)) if paired else None,
        cohen_kappa=kappa,
        krippendorff_alpha=alpha,
        disagreements=disagreements,
    )
