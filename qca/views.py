"""Pages of the Learn area. Thin: they call selectors and services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from accounts.tenancy import owned_or_404, require_capability

from . import charts, exports, prefill, selectors, services
from .analysis import regression_prescreen
from .calibration import calibrate, suggestion_details
from .forms import (AnalysisForm, CalibrationForm, PickVideoForm, RecommendationForm, RerunForm, TypologyRuleForm,
                    UploadStudyForm, VideoStudyForm)
from .models import Analysis, AnalysisStatus, Condition, Recommendation, Study, TypologyRule
from .sources import StudyDataError


def _owned(model, request, pk):
    return owned_or_404(model.objects, request.institution, pk=pk)


def _may_write(request) -> None:
    if not request.membership.can("manage_content"):
        raise PermissionDenied("Your role may not change studies and analyses.")


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _tenant(model):
    def mark(view):
        view.tenant_model = model
        return view

    return mark


# -- studies -------------------------------------------------------------------------------------
@require_capability("view_pages")
def index(request):
    return render(request, "qca/index.html", {
        "studies": selectors.studies(institution=request.institution),
        "recent": selectors.finished_analyses(institution=request.institution)[:5],
    })


@require_capability("manage_content")
def study_upload(request):
    form = UploadStudyForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            study = services.study_create_from_upload(
                institution=request.institution, actor=request.user, name=form.cleaned_data["name"],
                filename=upload.name, content=upload.read(), description=form.cleaned_data["description"],
                outcome_column=form.cleaned_data["outcome_column"].strip())
        except StudyDataError as exc:
            problems = exc.messages
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Study created with %(n)s cases; nothing else was changed.")
                             % {"n": study.n_cases})
            return redirect("qca:study", study_pk=study.pk)
    return render(request, "qca/study_upload.html", {"form": form, "problems": problems})


@require_capability("manage_content")
def study_from_videos(request):
    form = VideoStudyForm(request.POST or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            study = services.study_create_from_videos(
                institution=request.institution, actor=request.user, name=form.cleaned_data["name"],
                as_of=form.cleaned_data["as_of"], description=form.cleaned_data["description"])
        except StudyDataError as exc:
            problems = exc.messages
        else:
            excluded = len(study.data.get("excluded", []))
            if excluded:
                messages.success(request, _("Study created with %(n)s videos; %(excluded)s left out for missing "
                                            "values.") % {"n": study.n_cases, "excluded": excluded})
            else:
                messages.success(request, _("Study created with %(n)s videos.") % {"n": study.n_cases})
            return redirect("qca:study", study_pk=study.pk)
    return render(request, "qca/study_videos.html", {"form": form, "problems": problems})


@_tenant(Study)
@require_capability("view_pages")
def study_detail(request, study_pk):
    study = _owned(Study, request, study_pk)
    return render(request, "qca/study_detail.html", {
        "study": study, "conditions": study.conditions.all(), "analyses": selectors.analyses_of(study=study),
        "excluded": study.data.get("excluded", []), "prescreen": regression_prescreen(study),
    })


@_tenant(Study)
@require_capability("view_pages")
def study_data(request, study_pk):
    study = _owned(Study, request, study_pk)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="study-{study.pk}-raw.csv"'
    import csv

    writer = csv.writer(response)
    writer.writerow(["case", "label", *study.column_names])
    for case, row in zip(study.data["cases"], study.data["rows"], strict=True):
        writer.writerow([case["id"], case.get("label", ""), *row])
    return response


@_tenant(Condition)
@require_capability("view_pages")
def condition_calibrate(request, condition_pk):
    condition = _owned(Condition, request, condition_pk)
    study = condition.study
    values = study.column_values(condition.column)
    initial = {"label": condition.label, "method": condition.method, "expectation": condition.expectation,
               **condition.anchors}
    form = CalibrationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _may_write(request)
        if form.is_valid():
            try:
                services.condition_calibrate(condition=condition, actor=request.user,
                                             method=form.cleaned_data["method"], anchors=form.anchors(),
                                             expectation=form.cleaned_data["expectation"],
                                             label=form.cleaned_data["label"])
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Calibration of %(label)s saved.") % {"label": condition.label})
                return redirect("qca:condition", condition_pk=condition.pk)
    cases = [c["id"] for c in study.data["cases"]]
    calibrated = calibrate(values, condition.method, condition.anchors, cases, condition.label)
    suggestion = suggestion_details(values)
    siblings = list(study.conditions.all())
    return render(request, "qca/calibration.html", {
        "condition": condition, "study": study, "form": form, "calibrated": calibrated,
        "suggestion": suggestion, "siblings": siblings,
        "rows": sorted(zip(cases, [c.get("label", "") for c in study.data["cases"]], values,
                           calibrated.memberships, strict=True), key=lambda r: r[2]),
        "histogram": charts.calibration_histogram(values, condition.anchors, condition.label),
        "curve": charts.calibration_curve(values, calibrated.memberships, cases, condition.label),
    })


# -- analyses ------------------------------------------------------------------------------------
@_tenant(Study)
@require_capability("manage_content")
def analysis_new(request, study_pk):
    study = _owned(Study, request, study_pk)
    form = AnalysisForm(request.POST or None, study=study)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            analysis = services.analysis_create(
                study=study, actor=request.user, name=data["name"], outcome=data["outcome"],
                negate_outcome=data["negate_outcome"], conditions=data["conditions"], incl_cut=data["incl_cut"],
                n_cut=data["n_cut"], pri_cut=data["pri_cut"], dir_exps=form.dir_exps())
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            analysis = services.analysis_submit(analysis=analysis, actor=request.user)
            return redirect("qca:analysis", analysis_pk=analysis.pk)
    return render(request, "qca/analysis_form.html", {"study": study, "form": form})


@_tenant(Analysis)
@require_capability("view_pages")
def analysis_detail(request, analysis_pk):
    analysis = _owned(Analysis, request, analysis_pk)
    context = {"analysis": analysis, "study": analysis.study}
    if analysis.status != AnalysisStatus.FINISHED:
        return render(request, "qca/analysis_progress.html", context)
    result = analysis.result
    cases, _rows = selectors._memberships(result)
    labels = selectors.case_labels(result)
    hover = [labels.get(c, {}).get("label", c) for c in cases]
    y = selectors.outcome_memberships(result)
    xy_plots = []
    for number, row in enumerate(result.necessity.get("rows", []), start=1):
        expression = row["expression"]
        literal = selectors.configuration_memberships(
            result, {expression.lstrip("~"): {"present": not expression.startswith("~")}})
        xy_plots.append({"id": f"xy-{number}", "data_id": f"xy-{number}-data", "label": _("XY plot of %(expression)s") % {"expression": expression},
                         "figure": charts.necessity_xy(literal, y, hover, expression, analysis.outcome_label)})
    outcome_of = dict(zip(cases, y, strict=True))
    truth_rows = []
    for row in result.truth_table.get("rows", []):
        truth_rows.append({**row, "cells": [row["values"][c] for c in analysis.conditions], "case_info": [
            {"id": c, "label": labels.get(c, {}).get("label", c),
             "contradicts": (outcome_of.get(c, 1) <= 0.5) if row["OUT"] == "1" else (outcome_of.get(c, 0) > 0.5)}
            for c in row["cases"]]})
    context.update({
        "result": result, "chart": selectors.configuration_chart(result), "xy_plots": xy_plots,
        "truth_rows": truth_rows, "conditions": analysis.conditions,
        "solutions": selectors.solutions_for_page(result),
        "robustness": selectors.robustness_panel(result), "comparable": selectors.comparable_analyses(analysis=analysis),
        "rerun_form": RerunForm(),
    })
    return render(request, "qca/result.html", context)


@_tenant(Analysis)
@require_capability("view_pages")
def analysis_status(request, analysis_pk):
    analysis = _owned(Analysis, request, analysis_pk)
    return JsonResponse({"status": analysis.status, "progress": analysis.progress, "stage": analysis.stage,
                         "error": analysis.error})


@_tenant(Analysis)
@require_capability("view_pages")
def analysis_export(request, analysis_pk, kind):
    analysis = _owned(Analysis, request, analysis_pk)
    if kind not in exports.EXPORTS or analysis.status != AnalysisStatus.FINISHED:
        return HttpResponse("Unknown export or analysis not finished.", status=404)
    builder, content_type, extension = exports.EXPORTS[kind]
    response = HttpResponse(builder(analysis.result), content_type=f"{content_type}; charset=utf-8")
    name = (f"study-{analysis.study_id}-analysis-{analysis.pk}-calibrated.csv" if kind == "data"
            else f"analysis-{analysis.pk}-configurations.{extension}")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@_tenant(Analysis)
@require_capability("view_pages")
def analysis_strategy(request, analysis_pk):
    analysis = _owned(Analysis, request, analysis_pk)
    if analysis.status != AnalysisStatus.FINISHED:
        return redirect("qca:analysis", analysis_pk=analysis.pk)
    return render(request, "qca/strategy.html", {"analysis": analysis, "result": analysis.result,
                                                 **selectors.strategy_summary(analysis.result)})


@_tenant(Analysis)
@require_capability("manage_content")
def analysis_recommend(request, analysis_pk):
    analysis = _owned(Analysis, request, analysis_pk)
    if analysis.status != AnalysisStatus.FINISHED:
        return redirect("qca:analysis", analysis_pk=analysis.pk)
    token = (request.POST if request.method == "POST" else request.GET).get("pick", "")
    try:
        picked = prefill.pick(institution=request.institution, result=analysis.result,
                              kind_pk=prefill.parse(token)) if token else None
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    form = RecommendationForm(request.POST or None, result=analysis.result, picked=picked)
    if request.method == "POST" and form.is_valid():
        try:
            recommendation = services.recommendation_create(
                result=analysis.result, actor=request.user, codes=form.codes(), title=form.cleaned_data["title"],
                video=picked.video if picked else None)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            return redirect("qca:recommendation", recommendation_pk=recommendation.pk)
    pick_choices = prefill.choices(institution=request.institution)
    picker = PickVideoForm(initial={"pick": picked.token if picked else None}, choices=pick_choices)
    return render(request, "qca/recommend_form.html", {
        "analysis": analysis, "form": form, "picker": picker if pick_choices else None, "picked": picked,
        "missing_labels": [form.fields[f"code_{c}"].label for c in picked.missing] if picked else [],
        "recent": selectors.recommendations_of(result=analysis.result)[:10]})


@_tenant(Recommendation)
@require_capability("view_pages")
def recommendation_detail(request, recommendation_pk):
    recommendation = _owned(Recommendation, request, recommendation_pk)
    return render(request, "qca/recommendation.html", {"recommendation": recommendation,
                                                       "analysis": recommendation.result.analysis})


@_tenant(Analysis)
@require_POST
@require_capability("manage_content")
def analysis_rerun(request, analysis_pk):
    analysis = _owned(Analysis, request, analysis_pk)
    form = RerunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid date."))
        return redirect("qca:analysis", analysis_pk=analysis.pk)
    try:
        rerun = services.study_rerun(analysis=analysis, actor=request.user, as_of=form.cleaned_data["as_of"])
    except (ValidationError, StudyDataError) as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("qca:analysis", analysis_pk=analysis.pk)
    return redirect(f"{_compare_url(analysis.pk)}?with={rerun.pk}")


def _compare_url(pk):
    from django.urls import reverse

    return reverse("qca:compare", kwargs={"analysis_pk": pk})


@_tenant(Analysis)
@require_capability("view_pages")
def analysis_compare(request, analysis_pk):
    analysis = _owned(Analysis, request, analysis_pk)
    candidates = list(selectors.comparable_analyses(analysis=analysis))
    other = None
    if request.GET.get("with", "").isdigit():
        other = next((a for a in candidates if a.pk == int(request.GET["with"])), None)
        if other is None and request.GET["with"]:
            other = _owned(Analysis, request, int(request.GET["with"]))
    other = other or (candidates[0] if candidates else None)
    context = {"analysis": analysis, "other": other, "candidates": candidates}
    if other is not None and analysis.status == other.status == AnalysisStatus.FINISHED:
        before, after = sorted([analysis, other], key=lambda a: (a.study.as_of or a.study.created_at.date(),
                                                                 a.study.created_at))
        context.update({"before": before, "after": after, "diff": selectors.compare(before.result, after.result),
                        "figure": charts.coverage_over_time([
                            {"label": str(a.study.as_of or a.study.created_at.date()),
                             "coverage": a.result.solution_coverage, "consistency": a.result.solution_consistency}
                            for a in (before, after)])})
    return render(request, "qca/compare.html", context)


# -- typology rules ------------------------------------------------------------------------------
@require_capability("view_pages")
def typology(request):
    services.typology_defaults_ensure(institution=request.institution, actor=request.user)
    return render(request, "qca/typology.html", {"rules": selectors.typology_rules(institution=request.institution)})


def _rule_form(request, rule):
    initial = None
    if rule.pk:
        initial = {"name": rule.name, "strategy": rule.strategy, "present": ", ".join(rule.present),
                   "absent": ", ".join(rule.absent), "priority": rule.priority, "active": rule.active,
                   "description": rule.description}
    form = TypologyRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rule.name, rule.strategy, rule.priority = data["name"], data["strategy"], data["priority"]
        rule.present, rule.absent = form.keys(data["present"]), form.keys(data["absent"])
        rule.active, rule.description = data["active"], data["description"]
        try:
            services.typology_rule_save(rule=rule, actor=request.user)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Rule saved; every configuration was relabelled."))
            return redirect("qca:typology")
    return render(request, "qca/typology_rule.html", {"form": form, "rule": rule})


@require_capability("manage_content")
def typology_rule_new(request):
    return _rule_form(request, TypologyRule(institution=request.institution))


@_tenant(TypologyRule)
@require_capability("manage_content")
def typology_rule_edit(request, rule_pk):
    return _rule_form(request, _owned(TypologyRule, request, rule_pk))
