"""Models of the Campaigns area: the object that ties Learn, Disseminate and Generate together.

A `Campaign` has a goal, a period, its audiences and a chosen content strategy backed by QCA
evidence (a result and one of its configurations). It plans videos (`PlannedVideo`): each carries
its codes and the recommendation the QCA app computed for them, and, once published, the tracked
`dissemination.Video` whose harvested snapshots give its results. `CampaignTokenGrant` limits a
partner's API token to given campaigns (a token without grants sees all of its institution's).
`CampaignProductRequest` is a creative product made from within the campaign: a generation job with
a style model, then a product of the chosen kind from its result, attached to the campaign when done.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, InstitutionOwned
from generation.models import JobStatus, ProductKind


class CampaignStrategy(models.TextChoices):
    # The same values as qca.models.Strategy, so a configuration's strategy compares directly.
    PAN_LIFE = "pan_life", _("Pan-life content, flexible dissemination")
    PAN_KNOWLEDGE = "pan_knowledge", _("Pan-knowledge content, implicit dissemination")
    UNDECIDED = "undecided", _("Not decided yet")


class Campaign(InstitutionOwned):
    name = models.CharField(max_length=200)
    goal = models.TextField(help_text="What the campaign should achieve, in a sentence or two.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    target_regions = models.JSONField(default=list, blank=True,
                                      help_text='ISO 3166 region codes, e.g. ["CN", "US"].')
    target_languages = models.JSONField(default=list, blank=True,
                                        help_text='BCP 47 language tags, e.g. ["zh-Hans", "en"].')
    strategy = models.CharField(max_length=16, choices=CampaignStrategy.choices,
                                default=CampaignStrategy.UNDECIDED)
    evidence_result = models.ForeignKey("qca.Result", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", help_text="The QCA result the strategy rests on.")
    evidence_configuration = models.ForeignKey(
        "qca.Configuration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The sufficient configuration of that result that the campaign follows.")
    products = models.ManyToManyField("generation.CreativeProduct", blank=True, related_name="campaigns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="campaign_unique_name")]

    def __str__(self) -> str:
        return self.name


class PlannedVideo(InstitutionOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="planned_videos")
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    planned_on = models.DateField(null=True, blank=True, help_text="Planned publication date.")
    codes = models.JSONField(default=dict, help_text="Planned raw values per condition: {column: value}.")
    recommendation = models.ForeignKey("qca.Recommendation", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", help_text="The QCA app's advice for the current codes.")
    revision = models.PositiveIntegerField(default=1, help_text="Raised by every revision of the codes.")
    published_youtube_id = models.CharField(max_length=16, blank=True,
                                            help_text="Set when published; the video is tracked from then on.")
    video = models.ForeignKey("dissemination.Video", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The tracked video, once harvested.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "planned_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "video"], condition=models.Q(video__isnull=False),
                                    name="planned_video_one_link_per_campaign"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return bool(self.published_youtube_id)


class CampaignTokenGrant(InstitutionOwned):
    """Limits `token` to `campaign` (and any other campaign it has a grant for) on the API."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="campaign_grants")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="token_grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "token"]
        constraints = [models.UniqueConstraint(fields=["token", "campaign"], name="one_grant_per_token_campaign")]

    def __str__(self) -> str:
        return f"{self.token} → {self.campaign}"


# A report is a background job like a generation job: the same four states.
ReportStatus = JobStatus


def report_upload_to(instance, filename: str) -> str:
    return f"campaigns/{instance.institution_id}/reports/{filename}"


class CampaignReport(InstitutionOwned):
    """A printable PDF of the institution's work over a period (dissemination summary, the QCA
    result with its configuration chart, the campaigns' recommendations, featured products),
    rendered by a Celery task (campaigns.tasks.render_report)."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    file = models.FileField(upload_to=report_upload_to, max_length=300, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="The figures the PDF shows.")
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Report {self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"


class CampaignProductRequest(InstitutionOwned):
    """A creative product ordered from a campaign page: the photo goes through `job` (the style model,
    on the GPU queue), then a product of `kind` is rendered from the result (the default queue) and
    attached to the campaign. `campaigns.signals` moves it on when the job and the product finish."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="product_requests")
    planned_video = models.ForeignKey(PlannedVideo, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="product_requests")
    job = models.ForeignKey("generation.GenerationJob", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ProductKind.choices)
    options = models.JSONField(default=dict, blank=True, help_text="Options of the product, as the form gave them.")
    product = models.ForeignKey("generation.CreativeProduct", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.campaign}"

    @property
    def stage(self) -> str:
        """attached, failed, rendering (the product) or generating (the styled image)."""
        if self.attached_at:
            return "attached"
        if self.error or self.job.status == JobStatus.FAILED:
            return "failed"
        if self.product is None:
            return "generating"
        return "failed" if self.product.status == JobStatus.FAILED else "rendering"

    @property
    def failure(self) -> str:
        return self.error or (self.job.error if self.job.status == JobStatus.FAILED else "") or \
            (self.product.error if self.product is not None else "")
