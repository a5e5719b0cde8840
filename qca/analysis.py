"""One fsQCA analysis of a study, computed by the engine: necessity, truth table, the three
solutions, the configuration chart and the robustness variants.

`compute` is pure (no database writes); the service stores what it returns. Progress is
reported through a callback so that a Celery task can record it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import engine_link as engine
from .calibration import calibrated_table

SOLUTION_KINDS = ("complex", "parsimonious", "intermediate")


@dataclass
class AnalysisSpec:
    outcome: str
    negate_outcome: bool
    conditions: list[str]
    incl_cut: float
    n_cut: int
    pri_cut: float
    dir_exps: dict[str, str]
    calibrations: dict[str, dict]  # column -> {"method", "anchors"}

    @property
    def outcome_expression(self) -> str:
        return ("~" if self.negate_outcome else "") + self.outcome

    def dir_exp_string(self) -> str:
        items = []
        for name in self.conditions:
            expectation = self.dir_exps.get(name, "none")
            items.append(name if expectation == "present" else f"~{name}" if expectation == "absent" else "-")
        return ", ".join(items)


@dataclass
class Computed:
    memberships: dict
    necessity: dict
    truth_table: dict
    solutions: dict
    configuration_chart: dict
    robustness: dict
    warnings: list = field(default_factory=list)


def compute(study, spec: AnalysisSpec, progress: Callable[[int, str], None] = lambda pct, stage: None) -> Computed:
    """Run the engine. Raises engine.QCAError (input or computation) or ValidationError."""
    progress(5, "calibrating")
    dataset, calibration_warnings = calibrated_table(study, spec.calibrations, [spec.outcome, *spec.conditions])
    warnings = [{"code": w["code"], "message": f"{column}: {w['message']}"}
                for column, items in calibration_warnings.items() for w in items]
    progress(15, "necessity")
    necessity = engine.necessity(dataset, spec.outcome, spec.conditions, negate_outcome=spec.negate_outcome)
    progress(30, "truth table")
    table = engine.truth_table(dataset, spec.outcome, spec.conditions, incl_cut=spec.incl_cut, n_cut=spec.n_cut,
                               pri_cut=spec.pri_cut, negate_outcome=spec.negate_outcome)
    solutions, results = {}, {}
    for step, kind in enumerate(SOLUTION_KINDS):
        progress(45 + 15 * step, f"{kind} solution")
        try:
            results[kind] = engine.minimize(table, kind, dir_exp=spec.dir_exp_string() if kind == "intermediate"
                                            else None, **ENGINE_BOUNDS)
            # The PI charts sparse: as booleans a k = 16 study's charts would be ~100 MB per analysis.
            solutions[kind] = results[kind].to_dict(pi_chart_matrix=False)
            solutions[kind].pop("truth_table", None)  # stored once, below
        except engine.QCAComputationError as exc:
            if kind == "complex":  # no positive row: nothing to explain, so no solution at all
                raise
            solutions[kind] = {"error": str(exc)}
    for kind, result in results.items():
        warnings.extend(w.to_dict() for w in result.warnings if w.to_dict() not in warnings)
    progress(90, "configuration chart")
    chart = engine_configuration_chart(results)
    warnings.extend(chart_warnings(chart))
    progress(93, "robustness")
    robustness = engine_robustness(study, dataset, spec)
    progress(100, "done")
    return Computed(
        memberships={"columns": dataset.columns, "cases": dataset.case_names, "rows": dataset.values.tolist()},
        necessity=necessity.to_dict(),
        truth_table=table.to_dict(),
        solutions=solutions,
        configuration_chart=chart,
        robustness=robustness,
        warnings=_unique(warnings + [w.to_dict() for w in table.warnings]),
    )


def _unique(items: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for item in items:
        key = (item.get("code"), item.get("message"))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# The engine lists every minimal model by default (as R); a stored analysis keeps the earlier explicit bounds
# so that massive model ambiguity (millions of models) is reported by a models_truncated warning, not stored.
ENGINE_BOUNDS = {"max_models": 64, "max_work": 300_000}
# The configuration chart shows the first model's chart and up to this many other distinct ones, in model
# order; the models after the last of them are not charted (warning chart_models_truncated). Unbounded, the
# 4,096 intermediate models of random k = 12, n = 2,000 gave ~2,900 distinct charts: 135 CPU-s, ~300 MB of
# JSON (more than PostgreSQL's jsonb holds in one value) and a page of thousands of tables.
CHART_ALTERNATIVES_MAX = 63


def engine_configuration_chart(results: dict) -> dict:
    """The engine's configuration chart of the models of the intermediate (else complex) solution.

    The first model's chart is the one shown and stored as configurations; the other distinct charts
    (at most CHART_ALTERNATIVES_MAX, in model order; `models_charted` says how many models were looked at)
    are kept under `alternatives` so that model ambiguity is shown rather than hidden. Core conditions are those the
    parsimonious solution keeps (for an intermediate model, its own parsimonious model `CiPj`)."""
    kind = "intermediate" if "intermediate" in results else "complex"
    main, parsimonious = results[kind], results.get("parsimonious")
    distinct: dict[str, dict] = {}  # models with the same terms and marks (e.g. C1P1-M1, C2P1-M1) share a chart
    charted = len(main.models)
    for index in range(len(main.models)):
        if len(distinct) > CHART_ALTERNATIVES_MAX:
            charted = index
            break
        chart = engine.configuration_chart(main, index, parsimonious=parsimonious).to_dict()
        key = json.dumps(chart["configurations"], sort_keys=True)
        if key in distinct:
            distinct[key]["same_as"].append(chart["model"])
        else:
            distinct[key] = {**chart, "same_as": []}
    first, *alternatives = distinct.values()
    return {**first, "solution": kind, "n_models": len(main.models), "models_charted": charted,
            "alternatives": alternatives}


def chart_warnings(chart: dict) -> list[dict]:
    if chart["models_charted"] >= chart["n_models"]:
        return []
    return [{"code": "chart_models_truncated",
             "message": f"configuration chart: only the first {chart['models_charted']} of the {chart['n_models']} "
                        f"models were charted ({1 + len(chart['alternatives'])} different charts, at most "
                        f"{1 + CHART_ALTERNATIVES_MAX}); the solutions list every model"}]


# Robustness variants (paper §IV.B.3: consistency cut-off 0.85 instead of 0.8, frequency cut-off 2
# instead of 1; in the spirit of SetMethods, also other calibration anchors).
INCL_CUT_STEP = 0.05
ANCHOR_SHIFT = 0.10  # share of a direct calibration's anchor range (|i - e|) the anchors move by


def robustness_variants(study, spec: AnalysisSpec) -> list[dict]:
    """Threshold variants (consistency cut-off up and down, one more case per row) and calibration
    variants (every directly calibrated column's three anchors moved down, then up)."""
    variants = []
    raised, lowered = round(min(1.0, spec.incl_cut + INCL_CUT_STEP), 4), round(spec.incl_cut - INCL_CUT_STEP, 4)
    if raised > spec.incl_cut:
        variants.append({"label": f"consistency cut-off raised to {raised:g}", "incl_cut": raised})
    if lowered > 0:
        variants.append({"label": f"consistency cut-off lowered to {lowered:g}", "incl_cut": lowered})
    variants.append({"label": f"frequency cut-off {spec.n_cut + 1}", "n_cut": spec.n_cut + 1})
    for direction, sign in (("lower", -1), ("higher", 1)):
        shifted = shifted_anchors(spec.calibrations, sign)
        if not shifted:
            break
        data, _ = calibrated_table(study, {**spec.calibrations, **shifted}, [spec.outcome, *spec.conditions])
        variants.append({"label": f"anchors {ANCHOR_SHIFT:.0%} of their range {direction} "
                                  f"({', '.join(shifted)})", "data": data,
                         "anchors": {column: item["anchors"] for column, item in shifted.items()}})
    return variants


def shifted_anchors(calibrations: dict[str, dict], sign: int) -> dict[str, dict]:
    """The direct calibrations with e, c and i all moved by `sign` x ANCHOR_SHIFT x |i - e|."""
    shifted = {}
    for column, item in calibrations.items():
        if item["method"] == "direct":
            anchors = item["anchors"]
            step = sign * ANCHOR_SHIFT * abs(anchors["i"] - anchors["e"])
            shifted[column] = {"method": "direct",
                               "anchors": {key: round(anchors[key] + step, 6) for key in ("e", "c", "i")}}
    return shifted


def engine_robustness(study, dataset, spec: AnalysisSpec) -> dict:
    """The engine's comparison of each variant's first model with the original's (identical / subset /
    superset / overlap / disjoint / no_solution, the intersection's fit, RF_cov and RF_cons)."""
    variants = robustness_variants(study, spec)
    try:
        outcome = engine.robustness(dataset, spec.outcome_expression, spec.conditions, incl_cut=spec.incl_cut,
                                    n_cut=spec.n_cut, pri_cut=spec.pri_cut, solution="intermediate",
                                    dir_exp=spec.dir_exp_string(), **ENGINE_BOUNDS,
                                    variants=[{k: v for k, v in variant.items() if k != "anchors"}
                                              for variant in variants]).to_dict()
    except engine.QCAError as exc:  # the original solution itself cannot be computed
        return {"error": str(exc), "variants": []}
    for stored, variant in zip(outcome["variants"], variants, strict=True):
        if "anchors" in variant:
            stored["anchors"] = variant["anchors"]
    return outcome


def regression_prescreen(study) -> dict:
    """OLS of the study's outcome on its other columns (paper §IV.A.1): a helper for choosing
    conditions, not QCA. The engine takes a Dataset, so the columns enter as currently calibrated."""
    conditions = list(study.conditions.all())
    calibrations = {c.column: {"method": c.method, "anchors": c.anchors} for c in conditions}
    labels = {"const": "(constant)", **{c.column: c.label for c in conditions}}
    candidates = [name for name in study.column_names if name != study.outcome_column]
    try:
        dataset, _ = calibrated_table(study, calibrations)
        prescreen = engine.ols_prescreen(dataset, study.outcome_column, candidates).to_dict()
    except engine.QCAError as exc:
        return {"error": str(exc)}
    except ValidationError as exc:
        return {"error": "; ".join(exc.messages)}
    for coefficient in prescreen["coefficients"]:
        coefficient["label"] = labels.get(coefficient["name"], coefficient["name"])
    return prescreen
