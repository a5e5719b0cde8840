"""Robustness tests (paper §IV.B.3, in the spirit of SetMethods' robustness functions).

The original analysis is re-run with changed consistency / frequency / PRI thresholds
and with re-calibrated data (changed anchors). For each variant the chosen solution
(first model) is compared with the original one:

* ``relation`` -- over the configurations (truth table rows) each solution covers:
  ``identical``, ``subset`` (the variant covers fewer configurations, all covered by the
  original), ``superset``, ``overlap`` or ``disjoint``; ``no_solution`` when the variant
  has nothing to explain;
* ``intersection_fit`` -- inclS, PRI and covS of the intersection (case-wise minimum of
  the two solution memberships) with the outcome;
* ``RF_cov`` = covS(intersection) / covS(original) and ``RF_cons`` =
  inclS(intersection) / inclS(original): 1 means the variant keeps the original's coverage
  and consistency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import QCAComputationError, QCAWarning
from .fit import Memberships, json_number, sufficiency_fit
from .implicants import rows_of_terms
from .io import Dataset
from .minimize import MinimizeResult, minimize
from .truthtable import truth_table


@dataclass
class RobustnessVariant:
    label: str
    settings: dict
    relation: str
    model: list[str]
    fit: dict | None
    intersection_fit: dict | None
    RF_cov: float | None
    RF_cons: float | None

    def to_dict(self) -> dict:
        return {"label": self.label, "settings": self.settings, "relation": self.relation,
                "model": self.model, "fit": self.fit, "intersection_fit": self.intersection_fit,
                "RF_cov": json_number(self.RF_cov), "RF_cons": json_number(self.RF_cons)}


@dataclass
class RobustnessResult:
    original: dict
    variants: list[RobustnessVariant]
    warnings: list[QCAWarning] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"original": self.original, "variants": [v.to_dict() for v in self.variants],
                "warnings": [w.to_dict() for w in self.warnings]}


def _run(data: Dataset, outcome, conditions, settings: dict, bounds: dict) -> MinimizeResult:
    tt = truth_table(data, outcome, conditions, settings["incl_cut"], settings["n_cut"], settings["pri_cut"])
    return minimize(tt, settings["solution"], dir_exp=settings.get("dir_exp"), check_contradictions=False,
                    **bounds)


def _membership_and_rows(result: MinimizeResult, data: Dataset):
    space = result.truth_table.space
    _, model = result.models[0]
    terms = np.array([space.parse_term(t) for t in model.terms])
    membership = Memberships(data, space).of_terms(terms).max(axis=0)
    return model, membership, set(rows_of_terms(space, terms).tolist())


def _relation(original: set[int], variant: set[int]) -> str:
    if variant == original:
        return "identical"
    if variant < original:
        return "subset"
    if variant > original:
        return "superset"
    return "overlap" if variant & original else "disjoint"


def robustness(
    dataset: Dataset,
    outcome: str,
    conditions,
    incl_cut: float | list[float] = 0.8,
    n_cut: int = 1,
    pri_cut: float = 0.0,
    solution: str = "intermediate",
    dir_exp: str | None = None,
    variants: list[dict] | None = None,
    max_models: int | None = None,
    max_work: int | None = None,
) -> RobustnessResult:
    """Compare the original solution with each variant.

    A variant is a dict overriding any of ``incl_cut``, ``n_cut``, ``pri_cut`` and/or
    giving ``data`` (a re-calibrated :class:`Dataset`, e.g. from other anchors), plus an
    optional ``label``. Without variants: incl_cut +/- 0.05 and n_cut + 1.
    """
    base = {"incl_cut": incl_cut, "n_cut": n_cut, "pri_cut": pri_cut, "solution": solution, "dir_exp": dir_exp}
    if solution == "intermediate" and not dir_exp:
        base["solution"] = "parsimonious"
    first_cut = incl_cut[0] if isinstance(incl_cut, (list, tuple)) else incl_cut
    if variants is None:
        variants = [{"incl_cut": round(min(1.0, first_cut + 0.05), 4)},
                    {"incl_cut": round(first_cut - 0.05, 4)}, {"n_cut": n_cut + 1}]
    bounds = {"max_models": max_models, "max_work": max_work}  # minimize's explicit bounds
    original = _run(dataset, outcome, conditions, base, bounds)
    y = original.truth_table.outcome_membership()
    model, original_membership, original_rows = _membership_and_rows(original, dataset)
    warnings = list(original.warnings)
    results = []
    for number, variant in enumerate(variants, start=1):
        settings = {**base, **{k: v for k, v in variant.items() if k not in ("data", "label")}}
        data = variant.get("data", dataset)
        label = variant.get("label") or ", ".join(f"{k}={v}" for k, v in variant.items() if k != "data") or f"variant {number}"
        shown = {k: v for k, v in settings.items() if k != "dir_exp"} | {"recalibrated": "data" in variant}
        try:
            other = _run(data, outcome, conditions, settings, bounds)
        except QCAComputationError as error:
            results.append(RobustnessVariant(label, shown, "no_solution", [], None, None, None, None))
            warnings.append(QCAWarning("robustness_variant", f"{label}: {error}"))
            continue
        other_model, other_membership, other_rows = _membership_and_rows(other, data)
        both = np.minimum(original_membership, other_membership)
        joint = sufficiency_fit(both, y)
        reference = original_model_fit = model.fit
        results.append(RobustnessVariant(
            label, shown, _relation(original_rows, other_rows), other_model.terms,
            other_model.fit.to_dict(), joint.to_dict(),
            joint.covS / reference.covS if reference.covS else None,
            joint.inclS / original_model_fit.inclS if original_model_fit.inclS else None,
        ))
    return RobustnessResult({"settings": {k: v for k, v in base.items()}, "model": model.terms,
                             "fit": model.fit.to_dict()}, results, warnings)
