"""Reads of the Generation area, always scoped to one institution."""

from django.db.models import Count, Prefetch, Q

from .models import (
    CreativeProduct,
    GeneratedImage,
    GenerationJob,
    ImageSet,
    JobStatus,
    StyleDomain,
    StyleModel,
    TrainingRun,
)


def domains(*, institution):
    return (StyleDomain.objects.filter(institution=institution).select_related("default_model")
            .annotate(models_count=Count("style_models", distinct=True),
                      runs_count=Count("training_runs", distinct=True)))


def image_sets(*, domain):
    return ImageSet.objects.filter(domain=domain).annotate(images_count=Count("images"))


def style_models(*, institution, domain=None):
    qs = StyleModel.objects.filter(institution=institution).select_related("domain", "training_run")
    return qs.filter(domain=domain) if domain is not None else qs


def training_runs(*, institution, domain=None):
    qs = TrainingRun.objects.filter(institution=institution).select_related("domain", "image_set_a", "image_set_b")
    return qs.filter(domain=domain) if domain is not None else qs


def jobs(*, institution):
    return (GenerationJob.objects.filter(institution=institution)
            .select_related("style_model__domain").prefetch_related("images"))


def products(*, institution, kind: str = ""):
    qs = (CreativeProduct.objects.filter(institution=institution)
          .select_related("source__job__style_model__domain"))
    return qs.filter(kind=kind) if kind else qs


def gallery(*, institution, domain_id=None, model_id=None, kind: str = ""):
    """Finished generated images (before/after), filtered by domain, model and product kind."""
    qs = (GeneratedImage.objects.filter(institution=institution, job__status=JobStatus.DONE)
          .exclude(output_file="")
          .select_related("job__style_model__domain")
          .prefetch_related(Prefetch("products", queryset=CreativeProduct.objects.filter(status=JobStatus.DONE)))
          .order_by("-job__finished_at", "position"))
    if domain_id:
        qs = qs.filter(job__style_model__domain_id=domain_id)
    if model_id:
        qs = qs.filter(job__style_model_id=model_id)
    if kind:
        qs = qs.filter(Q(products__kind=kind) & Q(products__status=JobStatus.DONE)).distinct()
    return qs


def run_progress(run: TrainingRun) -> dict:
    """What the run page polls: status, progress, the loss curves as a Plotly figure, samples."""
    from django.urls import reverse

    from .charts import loss_curves

    return {
        "id": run.pk, "status": run.status, "status_label": run.get_status_display(),
        "iteration": run.iteration, "total": run.total_iterations,
        "percent": round(100 * run.iteration / run.total_iterations, 1) if run.total_iterations else 0,
        "losses": run.progress.get("losses", {}), "images_per_second": run.progress.get("images_per_second"),
        "eta_seconds": run.progress.get("eta_seconds") if run.status == "running" else None,
        "device": run.device, "warnings": run.warnings, "error": run.error, "metrics": run.metrics,
        "resume_count": run.resume_count, "cancel_requested": run.cancel_requested,
        "samples": [{"iteration": s["iteration"],
                     "url": reverse("generation:run_sample", kwargs={"pk": run.pk, "index": i})}
                    for i, s in enumerate(run.samples)],
        "figure": loss_curves(run.loss_log),
        "can_publish": run.status == "finished" and bool(run.weights),
    }
