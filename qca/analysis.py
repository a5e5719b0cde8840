"""One fsQCA analysis of a study, computed by the engine: necessity, truth table, the three
solutions, the configuration chart and the robustness variants.

`compute` is pure (no database writes); the service stores what it returns. Progress is
reported through a callback so that a Celery task can record it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
    dataset, calibration_warnings = calibrated_table(study, spec.calibrations)
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
                                            else None)
            solutions[kind] = results[kind].to_dict()
            solutions[kind].pop("truth_table", None)  # stored once, below
        except engine.QCAComputationError as exc:
            if kind == "complex":  # no positive row: nothing to explain, so no solution at all
                raise
            solutions[kind] = {"error": str(exc)}
    for kind, result in results.items():
        warnings.extend(w.to_dict() for w in result.warnings if w.to_dict() not in warnings)
    progress(90, "configuration chart")
    chart = engine_configuration_chart(results)
    robustness = engine_robustness(dataset, spec)
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


def engine_configuration_chart(results: dict) -> dict:
    """The engine's configuration-chart data for the intermediate (else complex) solution."""
    chart_builder = getattr(engine, "configuration_chart", None)
    if chart_builder is None:
        return {"unavailable": "the engine does not provide configuration-chart data yet"}
    main = results.get("intermediate") or results.get("complex")
    if main is None:
        return {"unavailable": "no solution to chart"}
    return chart_builder(main, results.get("parsimonious")).to_dict()


def engine_robustness(dataset, spec: AnalysisSpec) -> dict:
    runner = getattr(engine, "robustness", None)
    if runner is None:
        return {"unavailable": "the engine does not provide robustness variants yet"}
    return runner(dataset, spec.outcome, spec.conditions, incl_cut=spec.incl_cut, n_cut=spec.n_cut,
                  pri_cut=spec.pri_cut, dir_exp=spec.dir_exp_string(),
                  negate_outcome=spec.negate_outcome).to_dict()
