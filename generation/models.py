"""Models of the Generation area. Every row belongs to an institution (accounts.InstitutionOwned).

StyleDomain ─ ImageSet (side A photos / side B heritage art) ─ SourceImage
            └ TrainingRun (gpu queue) ──publish──> StyleModel (versioned; one default per domain)
StyleModel + input images ─ GenerationJob ─ GeneratedImage ─ CreativeProduct (poster, pattern, ...)
"""

from django.conf import settings
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, InstitutionOwned


@deconstructible
class UploadTo:
    """generation/<institution id>/<kind>/<file name>: one folder per institution, so it can be moved or purged."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, instance, filename: str) -> str:
        return f"generation/{instance.institution_id}/{self.kind}/{filename}"

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadTo) and other.kind == self.kind


upload_source = UploadTo("sources")
upload_weights = UploadTo("weights")
upload_samples = UploadTo("samples")
upload_inputs = UploadTo("inputs")
upload_outputs = UploadTo("outputs")
upload_previews = UploadTo("previews")
upload_products = UploadTo("products")


class Leased(models.Model):
    """Which worker process holds a job, and when it last said so (see generation/leases.py)."""

    lease_owner = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class StyleDomain(InstitutionOwned):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    default_model = models.ForeignKey(
        "StyleModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The model used when a request names only the domain.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="style_domain_unique_name")]

    def __str__(self) -> str:
        return self.name


class ImageSide(models.TextChoices):
    PHOTOS = "a", _("Domain A: photos")
    ART = "b", _("Domain B: heritage art")


class ImageSet(InstitutionOwned):
    domain = models.ForeignKey(StyleDomain, on_delete=models.CASCADE, related_name="image_sets")
    side = models.CharField(max_length=1, choices=ImageSide.choices)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    last_upload_report = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain__name", "side", "name"]
        constraints = [models.UniqueConstraint(fields=["domain", "name"], name="image_set_unique_name")]

    def __str__(self) -> str:
        return f"{self.domain.name} · {self.name} ({self.side.upper()})"


class SourceImage(InstitutionOwned):
    image_set = models.ForeignKey(ImageSet, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=upload_source, max_length=300)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, help_text="Of the uploaded bytes; duplicates are refused.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_format = models.CharField(max_length=16)
    original_mode = models.CharField(max_length=16)
    conversion_note = models.CharField(max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["image_set", "original_name"]
        constraints = [models.UniqueConstraint(fields=["image_set", "sha256"], name="source_image_unique_hash")]

    def __str__(self) -> str:
        return self.original_name


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class TrainingRun(InstitutionOwned, Leased):
    domain = models.ForeignKey(StyleDomain, on_delete=models.CASCADE, related_name="training_runs")
    image_set_a = models.ForeignKey(ImageSet, on_delete=models.PROTECT, related_name="+")
    image_set_b = models.ForeignKey(ImageSet, on_delete=models.PROTECT, related_name="+")
    config = models.JSONField(help_text="generation.gan.TrainConfig fields (without folders).")
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    iteration = models.PositiveIntegerField(default=0)
    total_iterations = models.PositiveIntegerField(default=0)
    progress = models.JSONField(default=dict, blank=True, help_text="The latest progress event of the core.")
    loss_log = models.JSONField(default=list, blank=True)
    samples = models.JSONField(default=list, blank=True, help_text="[{iteration, name}] in media storage.")
    work_dir = models.CharField(max_length=500, blank=True)
    checkpoint_path = models.CharField(max_length=500, blank=True)
    weights = models.FileField(upload_to=upload_weights, max_length=300, blank=True,
                               help_text="Inference weights of the A→B generator, exported at the end.")
    device = models.CharField(max_length=40, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    cancel_requested = models.BooleanField(default=False)
    resume_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Run {self.pk} · {self.domain.name}"

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class StyleModel(InstitutionOwned):
    domain = models.ForeignKey(StyleDomain, on_delete=models.CASCADE, related_name="style_models")
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    training_run = models.ForeignKey(TrainingRun, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="style_models")
    weights = models.FileField(upload_to=upload_weights, max_length=300)
    metrics = models.JSONField(default=dict, blank=True)
    training_data = models.JSONField(default=dict, blank=True, help_text="What the model was trained on.")
    provenance = models.JSONField(default=dict, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain__name", "-version"]
        constraints = [models.UniqueConstraint(fields=["domain", "version"], name="style_model_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobSource(models.TextChoices):
    PAGE = "page", _("Web page")
    API = "api", _("API token")
    DEMO = "demo", _("Demo seed")


class GenerationJob(InstitutionOwned, Leased):
    style_model = models.ForeignKey(StyleModel, on_delete=models.PROTECT, related_name="jobs")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    out_size = models.PositiveIntegerField(null=True, blank=True,
                                           help_text="Long side of each result in pixels; empty keeps the input size.")
    options = models.JSONField(default=dict, blank=True)
    pixels = models.PositiveBigIntegerField(default=0, help_text="Output pixels of all its images.")
    source = models.CharField(max_length=8, choices=JobSource.choices, default=JobSource.PAGE)
    api_token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    batch_size = models.PositiveIntegerField(default=0, help_text="Jobs run together in the worker's batch.")
    device = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "style_model", "out_size"])]

    def __str__(self) -> str:
        return f"Job {self.pk} · {self.style_model}"


class GeneratedImage(InstitutionOwned):
    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveIntegerField(default=0)
    input_name = models.CharField(max_length=255)
    input_file = models.FileField(upload_to=upload_inputs, max_length=300)
    output_file = models.FileField(upload_to=upload_outputs, max_length=300, blank=True)
    input_preview = models.FileField(upload_to=upload_previews, max_length=300, blank=True)
    output_preview = models.FileField(upload_to=upload_previews, max_length=300, blank=True)
    width = models.PositiveIntegerField(help_text="Of the output.")
    height = models.PositiveIntegerField()
    provenance = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["job", "position"]

    def __str__(self) -> str:
        return f"{self.input_name} → {self.width}×{self.height}"


class ProductKind(models.TextChoices):
    POSTER = "poster", _("Print-ready poster (PDF)")
    PATTERN = "pattern", _("Seamless repeating pattern")
    STICKER = "sticker", _("Sticker / cut-out (transparent PNG)")
    MAGNIFIED = "magnified", _("Magnified (×2 / ×4)")


class CreativeProduct(InstitutionOwned):
    kind = models.CharField(max_length=10, choices=ProductKind.choices, db_index=True)
    source = models.ForeignKey(GeneratedImage, on_delete=models.CASCADE, related_name="products")
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file = models.FileField(upload_to=upload_products, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=upload_previews, max_length=300, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.source.input_name}"


class PixelQuotaUsage(InstitutionOwned):
    """Generated pixels charged to one API token on one (UTC) day; checked against its daily quota."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    pixels = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["token", "day"], name="pixel_quota_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.token} {self.day}: {self.pixels} px"
