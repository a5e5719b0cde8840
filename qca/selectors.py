"""Reads of the Learn (fsQCA) area, always scoped to one institution."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import stored_results
from .analysis import SOLUTION_KINDS
from .models import Analysis, AnalysisStatus, Recommendation, Result, Study, StudySource, TypologyRule
from .typology import literals_from_chart

# The paper's Table 6 notation: ● present, ⊗ absent; large for core, small for peripheral conditions
# (the template draws the size; the engine's own `symbol` uses • / ⊘ for peripheral marks instead).
SYMBOLS = {"present": "●", "absent": "⊗"}


def studies(*, institution):
    return Study.objects.filter(institution=institution).select_related("created_by")


def analyses_of(*, study: Study):
    return Analysis.objects.filter(institution=study.institution, study=study).select_related("result")


def finished_analyses(*, institution):
    return (Analysis.objects.filter(institution=institution, status=AnalysisStatus.FINISHED)
            .select_related("study", "result").order_by("-finished_at"))


def typology_rules(*, institution):
    return TypologyRule.objects.filter(institution=institution)


def recommendations_of(*, result: Result):
    return Recommendation.objects.filter(institution=result.institution, result=result).select_related("nearest")


# -- configuration chart (Table 6) ----------------------------------------------------------------
@dataclass
class ChartCell:
    state: str = ""  # "present", "absent" or "" (don't care)
    core: bool = False

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.state, "")

    @property
    def css(self) -> str:
        return f"{'core' if self.core else 'peripheral'} {self.state}" if self.state else "dontcare"

    @property
    def description(self) -> str:
        return f"{'core' if self.core else 'peripheral'} condition {self.state}" if self.state else "does not matter"


@dataclass
class ChartRow:
    column: str
    label: str
    cells: list[ChartCell] = field(default_factory=list)


def _chart_rows(conditions: list[str], labels: dict[str, str], literals: list[dict]) -> list[ChartRow]:
    """Rows = conditions, one cell per configuration (given by its literals)."""
    rows = []
    for column in conditions:
        row = ChartRow(column, labels.get(column, column))
        for configuration in literals:
            literal = configuration.get(column)
            row.cells.append(ChartCell() if literal is None else
                             ChartCell("present" if literal["present"] else "absent", bool(literal.get("core"))))
        rows.append(row)
    return rows


def configuration_chart(result: Result) -> dict:
    """The chart of the first model (its configurations are the stored rows, with their strategy),
    plus one chart per other model when several models fit equally well."""
    configurations = list(result.configurations.all())
    conditions = result.analysis.conditions
    labels = {c.column: c.label for c in result.analysis.study.conditions.all()}
    stored = result.configuration_chart or {}
    alternatives = []
    for chart in stored.get("alternatives", []):
        columns = [{"position": number, "term": c["term"], "raw_coverage": c["raw_coverage"],
                    "unique_coverage": c["unique_coverage"], "consistency": c["consistency"]}
                   for number, c in enumerate(chart["configurations"], start=1)]
        alternatives.append({
            "model": chart["model"], "same_as": chart.get("same_as", []), "configurations": columns,
            "rows": _chart_rows(conditions, labels, [literals_from_chart(c) for c in chart["configurations"]]),
            "solution_coverage": chart["solution_coverage"], "solution_consistency": chart["solution_consistency"]})
    return {"configurations": configurations, "model": stored.get("model", ""), "same_as": stored.get("same_as", []),
            "n_models": stored.get("n_models", 1),
            "solution": stored.get("solution", "intermediate"),
            "rows": _chart_rows(conditions, labels, [c.literals for c in configurations]),
            "solution_coverage": result.solution_coverage, "solution_consistency": result.solution_consistency,
            "alternatives": alternatives}


def robustness_panel(result: Result) -> dict:
    """The engine's robustness comparison, with each verdict in words."""
    stored = dict(result.robustness or {})
    stored["variants"] = [{**variant, "verdict": variant["relation"].replace("_", " ")}
                          for variant in stored.get("variants", [])]
    return stored


# -- cases of configurations -----------------------------------------------------------------------
def _memberships(result: Result) -> tuple[list[str], dict[str, list[float]]]:
    data = result.memberships
    columns = {name: [row[j] for row in data["rows"]] for j, name in enumerate(data["columns"])}
    return data["cases"], columns


def outcome_memberships(result: Result) -> list[float]:
    _, columns = _memberships(result)
    y = columns[result.analysis.outcome]
    return [1.0 - v for v in y] if result.analysis.negate_outcome else y


def configuration_memberships(result: Result, literals: dict) -> list[float]:
    """Each case's membership in a configuration: the minimum over its literals."""
    cases, columns = _memberships(result)
    values = []
    for i in range(len(cases)):
        parts = [columns[c][i] if spec["present"] else 1.0 - columns[c][i] for c, spec in literals.items()]
        values.append(min(parts, default=1.0))
    return values


def case_labels(result: Result) -> dict[str, dict]:
    return {case["id"]: case for case in result.analysis.study.data["cases"]}


def typical_and_deviant(result: Result, configuration) -> dict:
    """Typical cases: above 0.5 in the configuration and the outcome; deviant cases (for
    consistency): above 0.5 in the configuration, below 0.5 in the outcome."""
    cases, _ = _memberships(result)
    x = configuration_memberships(result, configuration.literals)
    y = outcome_memberships(result)
    info = case_labels(result)
    typical, deviant = [], []
    for case, xi, yi in zip(cases, x, y, strict=True):
        entry = {"id": case, "label": info.get(case, {}).get("label", case),
                 "video_id": info.get(case, {}).get("video_id"), "x": round(xi, 3), "y": round(yi, 3)}
        if xi > 0.5 and yi > 0.5:
            typical.append(entry)
        elif xi > 0.5 and yi < 0.5:
            deviant.append(entry)
    typical.sort(key=lambda e: -min(e["x"], e["y"]))
    deviant.sort(key=lambda e: e["y"])
    return {"typical": typical, "deviant": deviant}


def strategy_summary(result: Result) -> dict:
    """Per strategy: its configurations, their cases, and which strategy the evidence supports
    (the most typical cases, then the largest raw coverage)."""
    from .models import Strategy

    groups = {}
    for configuration in result.configurations.all():
        group = groups.setdefault(configuration.strategy, {"strategy": configuration.strategy,
                                                           "label": Strategy(configuration.strategy).label,
                                                           "configurations": [], "typical_ids": set(),
                                                           "best_coverage": 0.0})
        cases = typical_and_deviant(result, configuration)
        group["configurations"].append({"configuration": configuration, **cases})
        group["typical_ids"].update(c["id"] for c in cases["typical"])
        group["best_coverage"] = max(group["best_coverage"], configuration.raw_coverage or 0.0)
    for group in groups.values():
        group["typical_count"] = len(group.pop("typical_ids"))
    classified = [g for g in groups.values() if g["strategy"] != Strategy.UNCLASSIFIED]
    supported = max(classified, key=lambda g: (g["typical_count"], g["best_coverage"]), default=None)
    order = [Strategy.PAN_LIFE, Strategy.PAN_KNOWLEDGE, Strategy.UNCLASSIFIED]
    return {"groups": [groups[s] for s in order if s in groups], "supported": supported}


# -- comparisons ------------------------------------------------------------------------------------
def comparable_analyses(*, analysis: Analysis):
    """Finished analyses of the same study lineage (re-runs of it, or what it re-runs)."""
    study = analysis.study
    lineage = {study.pk}
    if study.rerun_of_id:
        lineage.add(study.rerun_of_id)
    lineage.update(Study.objects.filter(institution=study.institution, rerun_of__in=list(lineage))
                   .values_list("pk", flat=True))
    return (Analysis.objects.filter(institution=study.institution, study__in=lineage,
                                    status=AnalysisStatus.FINISHED)
            .exclude(pk=analysis.pk).select_related("study", "result"))


def compare(before: Result, after: Result) -> dict:
    """Which configurations stayed, appeared or disappeared, and how fit changed."""
    old = {c.term: c for c in before.configurations.all()}
    new = {c.term: c for c in after.configurations.all()}
    kept = [{"term": t, "before": old[t], "after": new[t]} for t in old if t in new]
    return {
        "kept": kept,
        "gone": [old[t] for t in old if t not in new],
        "new": [new[t] for t in new if t not in old],
        "coverage": (before.solution_coverage, after.solution_coverage),
        "consistency": (before.solution_consistency, after.solution_consistency),
        "cases": (before.analysis.study.n_cases, after.analysis.study.n_cases),
        "identical": set(old) == set(new),
    }


def video_source_available(study: Study) -> bool:
    return study.source == StudySource.VIDEOS


# Models the result page lists per solution kind; the rest are in the JSON export and the API (a bounded
# intermediate solution can hold 64 x 64 models, a page of tens of megabytes).
RESULT_PAGE_MODELS = 32


def solutions_for_page(result: Result, *, limit: int = RESULT_PAGE_MODELS) -> list[tuple[str, dict]]:
    """[(kind, {error, warnings, models: [(label, model)], total, hidden})], without rebuilding the stored
    row lists (simplifying assumptions, counterfactuals, chart covers) that the page does not show."""
    page = []
    for kind in SOLUTION_KINDS:
        summary, named = stored_results.models_of(result.solutions, kind)
        page.append((kind, {"error": summary.get("error"), "warnings": summary.get("warnings", []),
                            "models": named[:limit], "total": len(named), "hidden": max(0, len(named) - limit)}))
    return page
