"""Pages of the Disseminate area. Thin: they call selectors and services."""

import json
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from accounts.tenancy import owned_or_404, require_capability
from ichplatform.paging import DeferredJoinPaginator
from ichplatform import response_cache
from ichplatform.response_cache import cached_page

from . import charts, coding, harvest_runs, selectors, services, transfer, video_rows
from .forms import ADD_FORMS, AssignForm, ImportForm, VariableForm, VideoFilterForm
from .models import CodingAssignment, HarvestKind, HarvestRun, Variable, Video
from .youtube.quota import quota_day
from .youtube_access import daily_quota

PAGE_SIZE = 50


def _tenant(model, url_kwargs=None):
    """Declare the model behind an id-taking page for the tenancy route test."""
    def mark(view):
        view.tenant_model = model
        if url_kwargs:
            view.tenant_url_kwargs = url_kwargs
        return view
    return mark


@require_capability("view_pages")
def index(request):
    institution = request.institution
    ledger = selectors.quota_today(institution=institution, day=quota_day(timezone.now()))
    return render(request, "dissemination/index.html", {
        "video_count": selectors.videos_of(institution=institution).count(),
        "tracked_count": selectors.videos_of(institution=institution).filter(tracked=True).count(),
        "unavailable_count": selectors.videos_of(institution=institution).exclude(unavailable_since=None).count(),
        "runs": selectors.harvest_runs_of(institution=institution)[:5],
        "units_today": sum(row.units for row in ledger), "daily_quota": daily_quota(),
        "progress": selectors.assignment_progress(institution=institution),
    })


@require_capability("view_pages")
@cached_page
def video_list(request):
    version = video_rows.version_before_reading(request)
    form = VideoFilterForm(request.GET or None)
    videos = selectors.videos_of(institution=request.institution)
    if form.is_valid():
        videos = selectors.filter_videos(videos, **{k: v for k, v in form.cleaned_data.items() if v not in ("", None)})
    page = DeferredJoinPaginator(videos.order_by(F("latest_views").desc(nulls_last=True), "pk"), PAGE_SIZE,
                                 count_key=video_rows.count_key(request=request, version=version),
                                 count_seconds=response_cache.entry_seconds()).get_page(request.GET.get("page"))
    rows = video_rows.rendered(request=request, videos=list(page.object_list), version=version)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dissemination/video_list.html",
                  {"form": form, "page": page, "rows": rows, "query": query.urlencode()})


@_tenant(Video)
@require_capability("view_pages")
def video_detail(request, pk):
    video = owned_or_404(selectors.videos_of(institution=request.institution), request.institution, pk=pk)
    if request.method == "POST":
        if not request.membership.can("manage_content"):
            raise PermissionDenied("Your role may not change videos.")
        services.set_tracked(video=video, tracked=request.POST.get("tracked") == "1", actor=request.user)
        messages.success(request, _("Tracking updated."))
        return redirect("dissemination:video_detail", pk=video.pk)
    snapshots = list(selectors.snapshots_of(video=video))
    as_of = timezone.localdate()
    effects = selectors.effects_as_of(institution=request.institution, as_of=as_of)
    effect = effects.loc[video.pk] if video.pk in effects.index else None
    return render(request, "dissemination/video_detail.html", {
        "video": video, "snapshots": snapshots[-14:][::-1], "snapshot_count": len(snapshots),
        "figure": json.loads(charts.snapshot_figure(snapshots).to_json()) if snapshots else None,
        "finals": selectors.final_codes_of(video=video), "as_of": as_of,
        "effect": None if effect is None or effect["effect"] != effect["effect"] else float(effect["effect"]),
        "effect_partial": bool(effect["partial"]) if effect is not None else False,
        "codebook": coding.ensure_codebook(institution=request.institution),
    })


@require_capability("manage_content")
def video_add(request):
    kind = request.POST.get("kind") if request.method == "POST" else None
    forms = {k: form_class(request.POST if k == kind else None, prefix=k) for k, form_class in ADD_FORMS.items()}
    if kind in forms and forms[kind].is_valid():
        form = forms[kind]
        parameters = form.parameters() if hasattr(form, "parameters") else next(iter(form.cleaned_data.values()))
        try:
            run = harvest_runs.start_harvest(institution=request.institution, kind=kind, parameters=parameters,
                                             actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Harvest queued; its progress shows below."))
            return redirect("dissemination:harvest_detail", pk=run.pk)
    return render(request, "dissemination/video_add.html", {"forms": forms, "kinds": HarvestKind})


@require_capability("manage_content")
def harvest_list(request):
    if request.method == "POST":
        run = harvest_runs.start_harvest(institution=request.institution, kind=HarvestKind.REFRESH,
                                         parameters={"trigger": "staff"}, actor=request.user)
        messages.success(request, _("Metrics refresh queued."))
        return redirect("dissemination:harvest_detail", pk=run.pk)
    runs = Paginator(selectors.harvest_runs_of(institution=request.institution), PAGE_SIZE)
    ledger = selectors.quota_today(institution=request.institution, day=quota_day(timezone.now()))
    return render(request, "dissemination/harvest_list.html", {
        "page": runs.get_page(request.GET.get("page")), "ledger": ledger, "daily_quota": daily_quota(),
        "units_today": sum(row.units for row in ledger)})


def _run_status(run: HarvestRun) -> dict:
    return {"id": run.pk, "status": run.status, "status_label": run.get_status_display(), "stage": run.stage,
            "progress_done": run.progress_done, "progress_total": run.progress_total, "percent": run.percent,
            "calls_made": run.calls_made, "quota_spent": run.quota_spent, "videos_added": run.videos_added,
            "videos_updated": run.videos_updated, "videos_unavailable": run.videos_unavailable,
            "staff_message": run.staff_message, "finished": run.is_finished,
            "resume_at": run.resume_at.isoformat() if run.resume_at else None}


@_tenant(HarvestRun)
@require_capability("manage_content")
def harvest_detail(request, pk):
    run = owned_or_404(HarvestRun.objects.select_related("created_by"), request.institution, pk=pk)
    return render(request, "dissemination/harvest_detail.html", {
        "run": run, "status": _run_status(run), "parameters": json.dumps(run.parameters, indent=2),
        "plan": json.dumps(run.plan, indent=2) if run.plan else ""})


@_tenant(HarvestRun)
@require_capability("manage_content")
def harvest_status(request, pk):
    run = owned_or_404(HarvestRun.objects.all(), request.institution, pk=pk)
    return JsonResponse(_run_status(run))


@_tenant(HarvestRun)
@require_POST
@require_capability("manage_content")
def harvest_resume(request, pk):
    run = owned_or_404(HarvestRun.objects.all(), request.institution, pk=pk)
    try:
        harvest_runs.resume(run=run, actor=request.user)
        messages.success(request, _("The harvest continues from where it stopped."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("dissemination:harvest_detail", pk=run.pk)


@require_capability("code_videos")
def coding_queue(request):
    assignments = selectors.assignments_of_coder(institution=request.institution, coder=request.user)
    first_open = assignments.filter(completed_at__isnull=True).order_by("pk").first()
    return render(request, "dissemination/coding_queue.html", {
        "assignments": assignments.order_by("pk"), "first_open": first_open,
        "done": assignments.filter(completed_at__isnull=False).count(), "total": assignments.count()})


@_tenant(CodingAssignment)
@require_capability("code_videos")
def coding_screen(request, pk):
    mine = selectors.assignments_of_coder(institution=request.institution, coder=request.user).order_by("pk")
    assignment = owned_or_404(mine, request.institution, pk=pk)
    codebook = coding.ensure_codebook(institution=request.institution)
    variables = coding.codable_variables(codebook)
    error = None
    if request.method == "POST":
        values = {v.key: request.POST.get(f"v_{v.key}", "") for v in variables}
        try:
            coding.codings_save(assignment=assignment, values=values, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            target = _neighbour(mine, assignment, request.POST.get("go", "stay"))
            return redirect("dissemination:coding_screen", pk=(target or assignment).pk)
    current = {c.variable.key: c.value for c in assignment.video.codings.filter(coder=request.user)
               .select_related("variable")}
    suggestions = assignment.video.suggested_codes or {}
    fields = [{"variable": v, "value": current.get(v.key), "suggestion": suggestions.get(v.key),
               "value_int": None if current.get(v.key) is None else int(current[v.key])} for v in variables]
    ids = list(mine.values_list("pk", flat=True))
    return render(request, "dissemination/coding_screen.html", {
        "assignment": assignment, "video": assignment.video, "fields": fields, "error": error,
        "position": ids.index(assignment.pk) + 1, "total": len(ids),
        "done": mine.filter(completed_at__isnull=False).count(),
        "previous": _neighbour(mine, assignment, "prev"), "next": _neighbour(mine, assignment, "next"),
        "codebook": codebook})


def _neighbour(assignments, assignment, direction):
    if direction == "next":
        return assignments.filter(pk__gt=assignment.pk).order_by("pk").first()
    if direction == "prev":
        return assignments.filter(pk__lt=assignment.pk).order_by("-pk").first()
    return None


@require_capability("manage_content")
def assignments(request):
    coders = selectors.coders_of(institution=request.institution)
    form = AssignForm(request.POST or None, coders=coders)
    if request.method == "POST" and form.is_valid():
        chosen = [u for u in coders if str(u.pk) in form.cleaned_data["coders"]]
        videos = list(selectors.videos_of(institution=request.institution).filter(
            assignments__isnull=True, unavailable_since__isnull=True).order_by("pk")[:form.cleaned_data["count"]])
        try:
            created = coding.assign(institution=request.institution, videos=videos, coders=chosen, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(created)s assignments created for %(videos)s videos.")
                             % {"created": created, "videos": len(videos)})
            return redirect("dissemination:assignments")
    per_coder = [(u, CodingAssignment.objects.filter(institution=request.institution, coder=u).count(),
                  CodingAssignment.objects.filter(institution=request.institution, coder=u,
                                                  completed_at__isnull=False).count()) for u in coders]
    return render(request, "dissemination/assignments.html", {
        "form": form, "per_coder": per_coder, "progress": selectors.assignment_progress(institution=request.institution)})


@require_capability("manage_content")
def agreement(request):
    report = coding.agreement_report(institution=request.institution)
    pending = coding.pending_reconciliation(institution=request.institution)
    videos = {v.pk: v for v in selectors.videos_of(institution=request.institution).filter(pk__in=list(pending))}
    return render(request, "dissemination/agreement.html", {
        "report": report, "pending": [(videos[pk], variables) for pk, variables in pending.items() if pk in videos]})


@_tenant(Video)
@require_capability("manage_content")
def reconcile(request, pk):
    video = owned_or_404(Video.objects.all(), request.institution, pk=pk)
    codebook = coding.ensure_codebook(institution=request.institution)
    variables = coding.codable_variables(codebook)
    if request.method == "POST":
        try:
            for variable in variables:
                value = request.POST.get(f"final_{variable.key}", "")
                if value != "":
                    coding.reconcile(video=video, variable=variable, value=value, actor=request.user,
                                     note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Final codes saved."))
            return redirect("dissemination:agreement")
    codes = {}
    for c in video.codings.select_related("variable", "coder"):
        codes.setdefault(c.variable_id, []).append(c)
    finals = selectors.final_codes_of(video=video)
    rows = [{"variable": v, "codes": codes.get(v.pk, []), "final": finals.get(v.key),
             "disagree": len({c.value for c in codes.get(v.pk, [])}) > 1} for v in variables]
    return render(request, "dissemination/reconcile.html", {"video": video, "rows": rows})


@require_capability("view_pages")
def codebook_view(request):
    codebook = coding.ensure_codebook(institution=request.institution)
    return render(request, "dissemination/codebook.html", {"codebook": codebook,
                                                           "variables": codebook.variables.all()})


@_tenant(Variable)
@require_capability("manage_content")
def variable_edit(request, pk):
    variable = owned_or_404(Variable.objects.select_related("codebook"), request.institution, pk=pk)
    return _variable_form(request, variable.codebook, variable)


@require_capability("manage_content")
def variable_add(request):
    return _variable_form(request, coding.ensure_codebook(institution=request.institution), None)


def _variable_form(request, codebook, variable):
    initial = None
    if variable is not None:
        initial = {f: getattr(variable, f) for f in ("key", "label", "dimension", "kind", "source", "expectation",
                                                     "unit", "instructions")}
        initial["levels"] = "\n".join(f"{lv['value']} = {lv['label']}" for lv in variable.levels)
    form = VariableForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if variable is not None:
            data["key"] = variable.key  # keys are referenced by codings and studies
        try:
            coding.variable_save(codebook=codebook, actor=request.user, variable=variable, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved; the codebook is now version %(version)s.")
                             % {"version": codebook.version})
            return redirect("dissemination:codebook")
    return render(request, "dissemination/variable_form.html", {"form": form, "variable": variable,
                                                                "codebook": codebook})


@require_capability("manage_content")
def transfer_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        importer = transfer.import_videos if form.cleaned_data["what"] == "videos" else transfer.import_codings
        outcome = importer(institution=request.institution, data=upload.read(), filename=upload.name,
                           actor=request.user)
        if outcome.ok:
            messages.success(request, _("Imported: %(created)s new, %(updated)s updated.")
                             % {"created": outcome.created, "updated": outcome.updated})
            return redirect("dissemination:transfer")
    return render(request, "dissemination/transfer.html", {"form": form, "outcome": outcome,
                                                           "today": timezone.localdate()})


@require_capability("view_pages")
def export(request):
    fmt = request.GET.get("format", "csv")
    try:
        as_of = date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else timezone.localdate()
    except ValueError:
        return HttpResponse("as_of must be a date (YYYY-MM-DD).", status=400)
    if fmt not in ("csv", "xlsx"):
        return HttpResponse("format must be csv or xlsx.", status=400)
    body = transfer.export_bytes(institution=request.institution, fmt=fmt, as_of=as_of)
    content_type = ("text/csv; charset=utf-8" if fmt == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="videos-{as_of.isoformat()}.{fmt}"'
    return response
