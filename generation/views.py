"""Pages of the Generate area. Thin: they call selectors and services.

Reading needs `view_pages`, changing needs `manage_content`. Files are served through
views that look the object up in the current institution (never a bare media URL), so
another institution's image is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from accounts.tenancy import owned_or_404, require_capability

from . import jobs, selectors, services
from .forms import DomainForm, GenerateForm, ImageSetForm, ProductForm, TrainingForm, UploadForm
from .models import (
    CreativeProduct,
    GeneratedImage,
    GenerationJob,
    ImageSet,
    JobSource,
    ProductKind,
    SourceImage,
    StyleDomain,
    StyleModel,
    TrainingRun,
)


def _tenant(model, **url_kwargs):
    """Declare the model behind an id route (tests/test_tenancy_routes.py checks every one)."""

    def mark(view):
        view.tenant_model = model
        if url_kwargs:
            view.tenant_url_kwargs = lambda obj: {"pk": obj.pk, **url_kwargs}
        return view

    return mark


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# ----------------------------------------------------------------------------- overview and domains


@require_capability("view_pages")
def index(request):
    institution = request.institution
    form = DomainForm(request.POST or None)
    if request.method == "POST" and _may_change(request) and form.is_valid():
        try:
            domain = services.style_domain_create(institution=institution, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Style domain %(name)s created.") % {"name": domain.name})
            return redirect("generation:domain", pk=domain.pk)
    return render(request, "generation/index.html", {
        "domains": selectors.domains(institution=institution), "form": form,
        "runs": selectors.training_runs(institution=institution)[:5],
        "jobs": selectors.jobs(institution=institution)[:5],
    })


@_tenant(StyleDomain)
@require_capability("view_pages")
def domain_detail(request, pk):
    domain = owned_or_404(StyleDomain.objects.select_related("default_model"), request.institution, pk=pk)
    form = ImageSetForm(request.POST or None)
    if request.method == "POST" and _may_change(request) and form.is_valid():
        try:
            image_set = services.image_set_create(domain=domain, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Image set %(name)s created: upload its images.") % {"name": image_set.name})
            return redirect("generation:image_set", pk=image_set.pk)
    return render(request, "generation/domain.html", {
        "domain": domain, "form": form, "image_sets": selectors.image_sets(domain=domain),
        "models": selectors.style_models(institution=request.institution, domain=domain),
        "runs": selectors.training_runs(institution=request.institution, domain=domain)[:20],
    })


def _may_change(request) -> bool:
    """Pages readable with `view_pages` accept their POST only from roles that manage content."""
    if not request.membership.can("manage_content"):
        raise PermissionDenied("Your role may not change this.")
    return True


@_tenant(ImageSet)
@require_capability("view_pages")
def image_set_detail(request, pk):
    image_set = owned_or_404(ImageSet.objects.select_related("domain"), request.institution, pk=pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _may_change(request) and form.is_valid():
        report = services.image_set_upload(image_set=image_set, files=form.cleaned_data["files"],
                                           actor=request.user)
        good = sum(1 for r in report if r["outcome"] != "rejected")
        messages.success(request, _("%(good)s of %(total)s files stored; the report below says why for each.")
                         % {"good": good, "total": len(report)})
        return redirect("generation:image_set", pk=image_set.pk)
    return render(request, "generation/image_set.html", {
        "image_set": image_set, "form": form, "images": image_set.images.all()[:200],
        "images_count": image_set.images.count(), "report": image_set.last_upload_report})


# ----------------------------------------------------------------------------- training


@_tenant(StyleDomain)
@require_capability("manage_content")
def run_new(request, pk):
    domain = owned_or_404(StyleDomain.objects.all(), request.institution, pk=pk)
    form = TrainingForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            run = services.training_run_start(domain=domain, image_set_a=data.pop("image_set_a"),
                                              image_set_b=data.pop("image_set_b"), options=data,
                                              actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Training queued on the GPU queue."))
            return redirect("generation:run", pk=run.pk)
    return render(request, "generation/run_new.html", {"domain": domain, "form": form})


@_tenant(TrainingRun)
@require_capability("view_pages")
def run_detail(request, pk):
    run = owned_or_404(selectors.training_runs(institution=request.institution), request.institution, pk=pk)
    return render(request, "generation/run.html", {"run": run, "progress": selectors.run_progress(run)})


@_tenant(TrainingRun)
@require_capability("view_pages")
def run_progress(request, pk):
    run = owned_or_404(TrainingRun.objects.all(), request.institution, pk=pk)
    return JsonResponse(selectors.run_progress(run))


@require_POST
@_tenant(TrainingRun)
@require_capability("manage_content")
def run_cancel(request, pk):
    run = owned_or_404(TrainingRun.objects.all(), request.institution, pk=pk)
    try:
        services.training_run_cancel(run=run, actor=request.user)
        messages.success(request, _("Cancel requested: the worker stops at its next iteration."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("generation:run", pk=pk)


@require_POST
@_tenant(TrainingRun)
@require_capability("manage_content")
def run_publish(request, pk):
    run = owned_or_404(TrainingRun.objects.select_related("domain"), request.institution, pk=pk)
    try:
        model = services.style_model_publish(run=run, name=request.POST.get("name", "").strip(), actor=request.user,
                                             make_default=request.POST.get("make_default") == "on")
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("generation:run", pk=pk)
    messages.success(request, _("Published %(model)s.") % {"model": model})
    return redirect("generation:domain", pk=run.domain_id)


@_tenant(TrainingRun, index=0)
@require_capability("view_pages")
def run_sample(request, pk, index):
    from django.core.files.storage import default_storage

    run = owned_or_404(TrainingRun.objects.all(), request.institution, pk=pk)
    if not 0 <= index < len(run.samples):
        raise Http404("No such sample.")
    return FileResponse(default_storage.open(run.samples[index]["name"], "rb"), content_type="image/png")


@require_POST
@_tenant(StyleModel)
@require_capability("manage_content")
def model_set_default(request, pk):
    model = owned_or_404(StyleModel.objects.select_related("domain"), request.institution, pk=pk)
    services.style_model_set_default(model=model, actor=request.user)
    messages.success(request, _("%(model)s is now the default of %(domain)s.") % {"model": model, "domain": model.domain.name})
    return redirect("generation:domain", pk=model.domain_id)


# ----------------------------------------------------------------------------- generation and products


@require_capability("manage_content")
def generate(request):
    form = GenerateForm(request.POST or None, request.FILES or None, institution=request.institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = jobs.job_submit(style_model=data["style_model"], files=[(f.name, f) for f in data["images"]],
                                  out_size=data["out_size"] or None, actor=request.user, source=JobSource.PAGE)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("generation:job", pk=job.pk)
    return render(request, "generation/generate.html", {"form": form,
                                                         "jobs": selectors.jobs(institution=request.institution)[:20]})


@_tenant(GenerationJob)
@require_capability("view_pages")
def job_detail(request, pk):
    job = owned_or_404(selectors.jobs(institution=request.institution), request.institution, pk=pk)
    return render(request, "generation/job.html", {"job": job, "product_form": ProductForm(),
                                                    "images": job.images.prefetch_related("products")})


@_tenant(GenerationJob)
@require_capability("view_pages")
def job_status(request, pk):
    job = owned_or_404(GenerationJob.objects.all(), request.institution, pk=pk)
    return JsonResponse({"id": job.pk, "status": job.status, "error": job.error,
                         "products_pending": CreativeProduct.objects.filter(
                             source__job=job, status__in=("queued", "running")).count()})


@require_POST
@_tenant(GeneratedImage)
@require_capability("manage_content")
def product_create(request, pk):
    source = owned_or_404(GeneratedImage.objects.select_related("job__style_model__domain"), request.institution,
                          pk=pk)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            product = services.product_create(source=source, kind=form.cleaned_data["kind"],
                                              options=form.options(), actor=request.user)
            messages.success(request, _("%(kind)s queued.") % {"kind": product.get_kind_display()})
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Check the product options:") + " " + "; ".join(
            f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
    return redirect("generation:job", pk=source.job_id)


@require_capability("view_pages")
def product_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in ProductKind.values else ""
    return render(request, "generation/products.html", {
        "products": selectors.products(institution=request.institution, kind=kind)[:200],
        "kinds": ProductKind.choices, "kind": kind})


@require_capability("view_pages")
def gallery(request):
    institution = request.institution

    def as_int(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    kind = request.GET.get("kind", "")
    filters = {"domain_id": as_int("domain"), "model_id": as_int("model"),
               "kind": kind if kind in ProductKind.values else ""}
    return render(request, "generation/gallery.html", {
        "items": selectors.gallery(institution=institution, **filters)[:60], "filters": filters,
        "domains": selectors.domains(institution=institution),
        "models": selectors.style_models(institution=institution), "kinds": ProductKind.choices})


# ----------------------------------------------------------------------------- files


IMAGE_VARIANTS = {"input": "input_file", "output": "output_file", "input-preview": "input_preview",
                  "output-preview": "output_preview"}
PRODUCT_VARIANTS = {"file": "file", "thumbnail": "thumbnail"}


def _serve(field_file, *, download_name: str | None = None):
    if not field_file:
        raise Http404("Not ready yet.")
    return FileResponse(field_file.open("rb"), as_attachment=download_name is not None, filename=download_name)


@_tenant(SourceImage)
@require_capability("view_pages")
def source_image_file(request, pk):
    return _serve(owned_or_404(SourceImage.objects.all(), request.institution, pk=pk).file)


@_tenant(GeneratedImage, variant="output")
@require_capability("view_pages")
def generated_image_file(request, pk, variant):
    if variant not in IMAGE_VARIANTS:
        raise Http404("No such file.")
    image = owned_or_404(GeneratedImage.objects.all(), request.institution, pk=pk)
    download = f"stylised-{image.pk}.png" if request.GET.get("download") else None
    return _serve(getattr(image, IMAGE_VARIANTS[variant]), download_name=download)


@_tenant(CreativeProduct, variant="file")
@require_capability("view_pages")
def product_file(request, pk, variant):
    if variant not in PRODUCT_VARIANTS:
        raise Http404("No such file.")
    product = owned_or_404(CreativeProduct.objects.all(), request.institution, pk=pk)
    field_file = getattr(product, PRODUCT_VARIANTS[variant])
    download = None
    if variant == "file" and field_file:
        download = f"{product.kind}-{product.pk}.{field_file.name.rsplit('.', 1)[-1]}"
    return _serve(field_file, download_name=download)
