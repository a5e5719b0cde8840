"""Writes of the Learn (fsQCA) area: keyword-only arguments, one transaction each, audited."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.services import record_audit

from . import sources, stored_results
from .analysis import AnalysisSpec, compute
from .calibration import default_calibration, validate_anchors
from .engine_link import QCAError
from .models import (Analysis, AnalysisStatus, Condition, Configuration, Expectation, Recommendation, Result,
                     Study, StudySource, TypologyRule)
from .recommend import Recommender
from .typology import DEFAULT_RULES, classify, literals_from_chart, rules_from_rows

# Small analyses run in the request; larger ones go to the `analysis` queue with progress.
INLINE_MAX_CASES = 500
INLINE_MAX_CONDITIONS = 8


def data_checksum(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- typology rules ------------------------------------------------------------------------------
@transaction.atomic
def typology_defaults_ensure(*, institution, actor=None) -> list[TypologyRule]:
    """Give an institution the paper's default rules the first time it needs rules."""
    rules = list(TypologyRule.objects.filter(institution=institution))
    if rules:
        return rules
    for default in DEFAULT_RULES:
        rule = TypologyRule.objects.create(institution=institution, **default)
        record_audit(institution=institution, actor=actor, verb="qca.typology_rule.created", target=rule)
        rules.append(rule)
    return rules


# -- studies ------------------------------------------------------------------------------------
@transaction.atomic
def study_create(*, institution, actor, name: str, table: sources.StudyTable, source: str,
                 as_of: date | None = None, filename: str = "", description: str = "",
                 outcome_column: str = "", rerun_of: Study | None = None) -> Study:
    if not name.strip():
        raise ValidationError({"name": "Give the study a name."})
    data = table.as_data()
    names = [c["name"] for c in table.columns]
    if outcome_column and outcome_column not in names:
        raise ValidationError({"outcome_column": f"{outcome_column!r} is not a column of the table"})
    study = Study.objects.create(
        institution=institution, name=name.strip(), description=description, source=source, as_of=as_of,
        upload_filename=filename, codebook_name=table.codebook_name, codebook_version=table.codebook_version,
        data=data, checksum=data_checksum(data), outcome_column=outcome_column or names[-1],
        rerun_of=rerun_of, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    previous = {c.column: c for c in rerun_of.conditions.all()} if rerun_of else {}
    for position, column in enumerate(table.columns):
        values = study.column_values(column["name"])
        earlier = previous.get(column["name"])
        if earlier is not None:  # a re-run keeps the calibration, so that results stay comparable
            method, anchors, expectation = earlier.method, earlier.anchors, earlier.expectation
        else:
            method, anchors = default_calibration(column, values)
            expectation = column.get("expectation") if column.get("expectation") in Expectation.values else "none"
        Condition.objects.create(
            institution=institution, study=study, column=column["name"], label=column["label"],
            variable_key=column.get("variable_key", column["name"]), method=method, anchors=anchors,
            expectation=expectation, level_labels=column.get("levels", {}), position=position)
    record_audit(institution=institution, actor=actor, verb="qca.study.created", target=study,
                 data={"source": source, "cases": study.n_cases, "checksum": study.checksum,
                       "excluded": len(table.excluded)})
    return study


def study_create_from_upload(*, institution, actor, name: str, filename: str, content: bytes,
                             description: str = "", outcome_column: str = "") -> Study:
    table = sources.table_from_upload(filename, content)  # raises StudyDataError, nothing written
    return study_create(institution=institution, actor=actor, name=name, table=table, source=StudySource.UPLOAD,
                        filename=filename, description=description, outcome_column=outcome_column)


def study_create_from_videos(*, institution, actor, name: str, as_of: date, description: str = "",
                             rerun_of: Study | None = None) -> Study:
    table = sources.table_from_videos(institution=institution, as_of=as_of)
    return study_create(institution=institution, actor=actor, name=name, table=table, source=StudySource.VIDEOS,
                        as_of=as_of, description=description, outcome_column=sources.OUTCOME_KEY,
                        rerun_of=rerun_of)


@transaction.atomic
def condition_calibrate(*, condition: Condition, actor, method: str, anchors: dict,
                        expectation: str | None = None, label: str | None = None) -> Condition:
    values = condition.study.column_values(condition.column)
    condition.anchors = validate_anchors(method, anchors, values)
    condition.method = method
    if expectation is not None:
        if expectation not in Expectation.values:
            raise ValidationError({"expectation": f"choose one of {', '.join(Expectation.values)}"})
        condition.expectation = expectation
    if label:
        condition.label = label
    condition.save()
    record_audit(institution=condition.institution, actor=actor, verb="qca.condition.calibrated",
                 target=condition, data={"method": method, "anchors": condition.anchors})
    return condition


# -- analyses -----------------------------------------------------------------------------------
@transaction.atomic
def analysis_create(*, study: Study, actor, outcome: str, conditions: list[str], negate_outcome: bool = False,
                    incl_cut: float = 0.8, n_cut: int = 1, pri_cut: float = 0.5,
                    dir_exps: dict[str, str] | None = None, name: str = "") -> Analysis:
    columns = study.column_names
    errors = {}
    if outcome not in columns:
        errors["outcome"] = f"{outcome!r} is not a column of the study"
    if not conditions:
        errors["conditions"] = "choose at least one condition"
    unknown = [c for c in conditions if c not in columns]
    if unknown:
        errors["conditions"] = f"not columns of the study: {', '.join(unknown)}"
    elif outcome in conditions:
        errors["conditions"] = "the outcome cannot also be a condition"
    elif len(set(conditions)) != len(conditions):
        errors["conditions"] = "a condition is listed twice"
    if not 0 < incl_cut <= 1:
        errors["incl_cut"] = "the consistency cut-off must lie in (0, 1]"
    if not 0 <= pri_cut <= 1:
        errors["pri_cut"] = "the PRI cut-off must lie in [0, 1]"
    if int(n_cut) != n_cut or n_cut < 1:
        errors["n_cut"] = "the frequency cut-off must be a positive whole number"
    dir_exps = dict(dir_exps or {})
    bad = {k: v for k, v in dir_exps.items() if v not in Expectation.values or k not in conditions}
    if bad:
        errors["dir_exps"] = "directional expectations must be present/absent/none for chosen conditions: " + \
            ", ".join(bad)
    if errors:
        raise ValidationError(errors)
    defaults = {c.column: c.expectation for c in study.conditions.filter(column__in=conditions)}
    analysis = Analysis.objects.create(
        institution=study.institution, study=study, name=name, outcome=outcome, negate_outcome=negate_outcome,
        conditions=list(conditions), incl_cut=incl_cut, n_cut=int(n_cut), pri_cut=pri_cut,
        dir_exps={c: dir_exps.get(c, defaults.get(c, "none")) for c in conditions},
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record_audit(institution=study.institution, actor=actor, verb="qca.analysis.created", target=analysis)
    return analysis


def runs_inline(analysis: Analysis) -> bool:
    return analysis.study.n_cases <= INLINE_MAX_CASES and len(analysis.conditions) <= INLINE_MAX_CONDITIONS


def analysis_submit(*, analysis: Analysis, actor, inline: bool | None = None) -> Analysis:
    """Freeze the calibrations and run: in this request when small, else on the `analysis` queue."""
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis.pk)
        if analysis.status in (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING, AnalysisStatus.FINISHED):
            return analysis  # idempotent: submitting twice runs once
        conditions = {c.column: c for c in analysis.study.conditions.all()}
        analysis.calibrations = {column: {"method": conditions[column].method, "anchors": conditions[column].anchors}
                                 for column in [analysis.outcome, *analysis.conditions]}
        analysis.status, analysis.progress, analysis.stage, analysis.error = AnalysisStatus.QUEUED, 0, "queued", ""
        analysis.save()
        record_audit(institution=analysis.institution, actor=actor, verb="qca.analysis.submitted", target=analysis)
        if not (runs_inline(analysis) if inline is None else inline):
            from .tasks import run_analysis

            transaction.on_commit(lambda: _enqueue(run_analysis, analysis.pk))
            return analysis
    return analysis_run(analysis_id=analysis.pk)


def analysis_spec(analysis: Analysis) -> AnalysisSpec:
    return AnalysisSpec(outcome=analysis.outcome, negate_outcome=analysis.negate_outcome,
                        conditions=list(analysis.conditions), incl_cut=analysis.incl_cut, n_cut=analysis.n_cut,
                        pri_cut=analysis.pri_cut, dir_exps=analysis.dir_exps, calibrations=analysis.calibrations)


def _enqueue(task, analysis_id: int) -> None:
    async_result = task.delay(analysis_id)
    Analysis.objects.filter(pk=analysis_id).update(task_id=async_result.id or "")


def _progress(analysis_id: int):
    def report(percent: int, stage: str) -> None:
        Analysis.objects.filter(pk=analysis_id).update(progress=percent, stage=stage)

    return report


def analysis_run(*, analysis_id: int) -> Analysis:
    """Compute and store the result. Safe to repeat: a finished analysis is returned as is, and a
    redelivered task of a killed worker recomputes and replaces any earlier result."""
    analysis = Analysis.objects.select_related("study").get(pk=analysis_id)
    if analysis.status == AnalysisStatus.FINISHED and Result.objects.filter(analysis=analysis).exists():
        return analysis
    if analysis.status == AnalysisStatus.DRAFT:
        raise ValidationError("submit the analysis first (its calibrations are frozen on submission)")
    Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.RUNNING, started_at=timezone.now())
    try:
        computed = compute(analysis.study, analysis_spec(analysis), _progress(analysis.pk))
    except (QCAError, ValidationError) as exc:
        return _fail(analysis, "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    solutions, size = stored_solutions(computed)
    if size > settings.QCA_RESULT_MAX_BYTES:
        return _fail(analysis, f"the result is too large to store ({filesizeformat(size)} of solutions, at most "
                               f"{filesizeformat(settings.QCA_RESULT_MAX_BYTES)}): thousands of equally minimal "
                               "models; use fewer conditions or a higher consistency or frequency cut-off")
    try:
        _store_result(analysis, computed, solutions)
    except DatabaseError as exc:  # e.g. a value PostgreSQL refuses: fail with the reason rather than stay running
        return _fail(analysis, f"the result could not be stored: {str(exc).strip().splitlines()[0]}")
    analysis.refresh_from_db()
    return analysis


def _fail(analysis: Analysis, message: str) -> Analysis:
    Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.FAILED, error=message,
                                                   stage="failed", finished_at=timezone.now())
    record_audit(institution=analysis.institution, actor=None, verb="qca.analysis.failed", target=analysis,
                 data={"error": message})
    analysis.refresh_from_db()
    return analysis


def stored_solutions(computed) -> tuple[dict, int]:
    """The solutions as stored (format 2: repeated lists pooled, see stored_results) and their bytes
    as JSON. With massive model ambiguity (64 x 64 intermediate models, each with its own fits and
    simplifying assumptions) the engine's own form reaches hundreds of MB, past what PostgreSQL's
    jsonb holds in one value (256 MiB); pooled it is ~10x smaller. Were it still too large, the write
    would fail and leave the analysis running forever: checked first, it fails with a reason instead."""
    document, text = stored_results.compact_with_text(computed.solutions)
    return document, len(text)


@transaction.atomic
def _store_result(analysis: Analysis, computed, solutions: dict) -> Result:
    Result.objects.filter(analysis=analysis).delete()
    chart = computed.configuration_chart
    result = Result.objects.create(
        institution=analysis.institution, analysis=analysis, memberships=computed.memberships,
        necessity=computed.necessity, truth_table=computed.truth_table, solutions=solutions,
        configuration_chart=computed.configuration_chart, robustness=computed.robustness,
        warnings=computed.warnings, solution_consistency=_number(chart["solution_consistency"]),
        solution_coverage=_number(chart["solution_coverage"]), cli_command=cli_command(analysis))
    for position, row in enumerate(configuration_rows(computed), start=1):
        Configuration.objects.create(institution=analysis.institution, result=result, position=position, **row)
    configurations_classify(result=result)
    Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.FINISHED, progress=100, stage="done",
                                                   finished_at=timezone.now())
    record_audit(institution=analysis.institution, actor=None, verb="qca.analysis.finished", target=analysis,
                 data={"configurations": result.configurations.count()})
    return result


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def configuration_rows(computed) -> list[dict]:
    """The configurations of the engine's chart (first model): per named condition whether it is
    present or absent and whether it is core (kept by the parsimonious solution) or peripheral."""
    return [{"term": configuration["term"],
             "literals": literals_from_chart(configuration),
             "raw_coverage": _number(configuration["raw_coverage"]),
             "unique_coverage": _number(configuration["unique_coverage"]),
             "consistency": _number(configuration["consistency"])}
            for configuration in computed.configuration_chart["configurations"]]


@transaction.atomic
def configurations_classify(*, result: Result, actor=None) -> None:
    """(Re)label each configuration with the institution's typology rules."""
    rules = rules_from_rows(typology_defaults_ensure(institution=result.institution, actor=actor))
    keys = {c.column: c.variable_key or c.column for c in result.analysis.study.conditions.all()}
    for configuration in result.configurations.all():
        strategy, rule = classify(configuration.literals, rules, keys)
        if configuration.strategy != strategy or configuration.rule_id != getattr(rule, "pk", None):
            configuration.strategy, configuration.rule = strategy, rule
            configuration.save(update_fields=["strategy", "rule"])


@transaction.atomic
def typology_rule_save(*, rule: TypologyRule, actor) -> TypologyRule:
    unknown = set(rule.present) & set(rule.absent)
    if unknown:
        raise ValidationError({"absent": f"required both present and absent: {', '.join(sorted(unknown))}"})
    rule.full_clean()
    rule.save()
    record_audit(institution=rule.institution, actor=actor, verb="qca.typology_rule.saved", target=rule,
                 data={"strategy": rule.strategy, "present": rule.present, "absent": rule.absent})
    for result in Result.objects.filter(institution=rule.institution):
        configurations_classify(result=result, actor=actor)
    return rule


def cli_command(analysis: Analysis) -> str:
    """The engine CLI call that reproduces the truth table and solutions from the exported CSV."""
    def quote(text: str) -> str:
        return "'" + text.replace("'", "'\\''") + "'"

    conditions = ",".join(analysis.conditions)
    return (f"python -m qca.engine minimize study-{analysis.study_id}-analysis-{analysis.pk}-calibrated.csv "
            f"--outcome {quote(analysis.outcome_label)} --conditions {quote(conditions)} "
            f"--incl-cut {analysis.incl_cut:g} --n-cut {analysis.n_cut} --pri-cut {analysis.pri_cut:g} "
            f"--solution intermediate --dir-exp {quote(analysis_spec(analysis).dir_exp_string())} --json")


# -- recommendations ------------------------------------------------------------------------------
@transaction.atomic
def recommendation_create(*, result: Result, actor, codes: dict, title: str = "", video=None) -> Recommendation:
    if video is not None and video.institution_id != result.institution_id:
        raise ValidationError({"video": "the video belongs to another institution"})
    if not result.configurations.exists():
        raise ValidationError("this result has no sufficient configuration to recommend from")
    advice = Recommender(result).advise(codes)
    nearest = advice.nearest
    configuration = nearest.configuration
    recommendation = Recommendation.objects.create(
        institution=result.institution, result=result, title=title, video=video, codes=advice.codes,
        memberships=[{"position": f.position, "term": f.term, "strategy": f.strategy,
                      "membership": round(f.membership, 6), "changes": f.changes,
                      "membership_after": None if f.membership_after is None else round(f.membership_after, 6)}
                     for f in advice.fits],
        nearest=configuration, strategy=nearest.strategy, changes=nearest.changes,
        membership_before=nearest.membership,
        membership_after=nearest.membership_after if nearest.changes else nearest.membership,
        evidence={"consistency": configuration.consistency, "raw_coverage": configuration.raw_coverage,
                  "unique_coverage": configuration.unique_coverage, "term": configuration.term,
                  "solution_consistency": result.solution_consistency,
                  "solution_coverage": result.solution_coverage},
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record_audit(institution=result.institution, actor=actor, verb="qca.recommendation.created",
                 target=recommendation, data={"nearest": configuration.term, "strategy": nearest.strategy})
    return recommendation


# -- comparisons over time -----------------------------------------------------------------------
def study_rerun(*, analysis: Analysis, actor, as_of: date) -> Analysis:
    """Rebuild the study from the videos as of a later date with the same calibrations and settings,
    and run the same analysis on it."""
    study = analysis.study
    if study.source != StudySource.VIDEOS:
        raise ValidationError({"as_of": "only a study of the institution's videos can be re-run at a date; "
                                        "upload the new table as a new study"})
    if study.as_of and as_of <= study.as_of:
        raise ValidationError({"as_of": f"choose a date after {study.as_of:%Y-%m-%d}"})
    new_study = study_create_from_videos(institution=study.institution, actor=actor, rerun_of=study,
                                         name=f"{study.name} (as of {as_of:%Y-%m-%d})", as_of=as_of)
    rerun = analysis_create(study=new_study, actor=actor, outcome=analysis.outcome, conditions=analysis.conditions,
                            negate_outcome=analysis.negate_outcome, incl_cut=analysis.incl_cut,
                            n_cut=analysis.n_cut, pri_cut=analysis.pri_cut, dir_exps=analysis.dir_exps,
                            name=analysis.name)
    return analysis_submit(analysis=rerun, actor=actor)
