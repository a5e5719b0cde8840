"""Models of the Dissemination area. Every row belongs to an institution (accounts.InstitutionOwned).

Videos are never deleted: a video that disappears from YouTube is marked
`unavailable_since` and keeps its snapshots (the FK from snapshots is RESTRICT).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import InstitutionOwned


class Channel(InstitutionOwned):
    youtube_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300, blank=True)
    custom_url = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=8, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    subscribers = models.BigIntegerField(null=True, blank=True, help_text="NULL when the channel hides it.")
    video_count = models.BigIntegerField(null=True, blank=True)
    view_count = models.BigIntegerField(null=True, blank=True)
    uploads_playlist_id = models.CharField(max_length=64, blank=True)
    uploads_per_month = models.FloatField(null=True, blank=True)
    uploads_per_month_method = models.CharField(
        max_length=16, blank=True, help_text="window_365d (from the uploads listing) or lifetime (video count / age)."
    )
    stats_updated_at = models.DateTimeField(null=True, blank=True)
    unavailable_since = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "youtube_id"], name="one_channel_per_institution")
        ]

    def __str__(self) -> str:
        return self.title or self.youtube_id

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/channel/{self.youtube_id}"


class VideoSource(models.TextChoices):
    URL = "url", _("URL or id")
    CHANNEL = "channel", _("Channel uploads")
    PLAYLIST = "playlist", _("Playlist")
    SEARCH = "search", _("Keyword search")
    IMPORT = "import", _("Imported file")
    DEMO = "demo", _("Demo data")


class Video(InstitutionOwned):
    youtube_id = models.CharField(max_length=16)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos")
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    default_language = models.CharField(max_length=16, blank=True)
    default_audio_language = models.CharField(max_length=16, blank=True)
    tags = models.JSONField(default=list, blank=True)
    category_id = models.CharField(max_length=8, blank=True)
    has_captions = models.BooleanField(null=True, blank=True)
    thumbnail_url = models.URLField(max_length=500, blank=True)
    embed_width = models.PositiveIntegerField(null=True, blank=True)
    embed_height = models.PositiveIntegerField(null=True, blank=True)
    is_short_url = models.BooleanField(default=False, help_text="Added through a /shorts/ URL.")
    tracked = models.BooleanField(default=True, help_text="Refreshed by the daily harvest.")
    unavailable_since = models.DateField(
        null=True, blank=True, help_text="First day YouTube no longer returned it (deleted or private)."
    )
    source = models.CharField(max_length=16, choices=VideoSource.choices, default=VideoSource.URL)
    added_by_run = models.ForeignKey(
        "HarvestRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="added_videos"
    )
    suggested_codes = models.JSONField(
        default=dict, blank=True, help_text="variable key → {value, confidence, reason}, for coders to confirm."
    )
    details_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Metrics summary: copied from the snapshots by `metrics_summary.refresh` in the same
    # transaction as every snapshot write, so lists and the dashboard read one row per video
    # instead of probing the snapshots (10 million rows at scale) six times per video.
    latest_on = models.DateField(null=True, blank=True, help_text="Day of the latest snapshot.")
    latest_views = models.BigIntegerField(null=True, blank=True)
    latest_likes = models.BigIntegerField(null=True, blank=True)
    latest_comments = models.BigIntegerField(null=True, blank=True)
    window_end = models.DateField(
        null=True, blank=True, help_text="Day the 30-day window below ends on (the day of the last refresh).")
    views_window_start = models.BigIntegerField(
        null=True, blank=True, help_text="Views on the latest snapshot on or before the window's start.")
    views_window_first = models.BigIntegerField(
        null=True, blank=True, help_text="Views on the first snapshot within the window.")

    class Meta:
        ordering = ["-published_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "youtube_id"], name="one_video_per_institution")
        ]
        indexes = [
            models.Index(fields=["institution", "tracked"]),
            # The API's default order: its first page reads 50 index entries, not 5,000 sorted rows.
            models.Index(fields=["institution", "-published_at", "id"], name="video_institution_published"),
        ]

    def __str__(self) -> str:
        return self.title or self.youtube_id

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.youtube_id}"

    @property
    def duration_minutes(self) -> float | None:
        return None if self.duration_seconds is None else self.duration_seconds / 60


class MetricSnapshot(InstitutionOwned):
    """A video's counts on one day. Written by bulk upsert on (video, captured_on), so a retried
    or duplicated harvest never adds a second row. NULL likes = hidden; NULL comments = disabled."""

    video = models.ForeignKey(Video, on_delete=models.RESTRICT, related_name="snapshots")
    captured_on = models.DateField()
    captured_at = models.DateTimeField()
    views = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    run = models.ForeignKey("HarvestRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["video", "captured_on"]
        constraints = [
            models.UniqueConstraint(fields=["video", "captured_on"], name="one_snapshot_per_video_per_day")
        ]
        indexes = [models.Index(fields=["institution", "captured_on"])]

    def __str__(self) -> str:
        return f"{self.video_id} on {self.captured_on}: {self.views} views"


class HarvestKind(models.TextChoices):
    REFRESH = "refresh", _("Metrics refresh")
    VIDEOS = "videos", _("Add videos by URL or id")
    CHANNEL = "channel", _("Add a channel's uploads")
    PLAYLIST = "playlist", _("Add a playlist")
    SEARCH = "search", _("Keyword search")


class HarvestStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    WAITING_QUOTA = "waiting_quota", _("Waiting for quota")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class HarvestRun(InstitutionOwned):
    """One harvest with its provenance. `cursor` is the resume point, saved after every page, so
    a worker killed mid-harvest loses at most the page in flight (re-fetched, upserted again)."""

    kind = models.CharField(max_length=16, choices=HarvestKind.choices)
    status = models.CharField(max_length=16, choices=HarvestStatus.choices, default=HarvestStatus.QUEUED)
    parameters = models.JSONField(default=dict, blank=True)
    plan = models.JSONField(default=dict, blank=True, help_text="Calls planned within the remaining quota.")
    cursor = models.JSONField(default=dict, blank=True)
    stage = models.CharField(max_length=16, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    resume_at = models.DateTimeField(null=True, blank=True, help_text="When a run waiting for quota continues.")
    task_id = models.CharField(max_length=64, blank=True)
    api_key_hash = models.CharField(max_length=16, blank=True)
    calls_made = models.PositiveIntegerField(default=0)
    quota_spent = models.PositiveIntegerField(default=0)
    videos_added = models.PositiveIntegerField(default=0)
    videos_updated = models.PositiveIntegerField(default=0)
    videos_unavailable = models.PositiveIntegerField(default=0)
    unavailable_ids = models.JSONField(default=list, blank=True, help_text="Ids that disappeared in this run.")
    errors = models.JSONField(default=list, blank=True)
    staff_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (HarvestStatus.SUCCEEDED, HarvestStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == HarvestStatus.SUCCEEDED:
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class QuotaLedger(InstitutionOwned):
    """Units spent per API key (hashed), Pacific quota day and method. The key's remaining quota is
    its daily quota minus the sum over all institutions that share the key."""

    api_key_hash = models.CharField(max_length=16)
    quota_day = models.DateField()
    method = models.CharField(max_length=64)
    units = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    failed_calls = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-quota_day", "method"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "api_key_hash", "quota_day", "method"],
                                    name="one_ledger_row_per_key_day_method")
        ]

    def __str__(self) -> str:
        return f"{self.quota_day} {self.method}: {self.units} units"


class VariableKind(models.TextChoices):
    BINARY = "binary", _("Binary")
    ORDINAL = "ordinal", _("Ordinal")
    CONTINUOUS = "continuous", _("Continuous")


class VariableSource(models.TextChoices):
    CODER = "coder", _("Coder")
    SUGGESTED = "suggested", _("Suggested, confirmed by a coder")
    HARVESTED = "harvested", _("Harvested")
    COMPUTED = "computed", _("Computed")


class Codebook(InstitutionOwned):
    """The institution's codebook, copied from the default (Table 4) on first use. Every edit
    raises `version`; codings record the version they were made under."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    based_on = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution"], name="one_codebook_per_institution")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Variable(InstitutionOwned):
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="variables")
    key = models.SlugField(max_length=64)
    dimension = models.CharField(max_length=32)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=VariableKind.choices)
    levels = models.JSONField(default=list, blank=True, help_text='[{"value": 0, "label": "…"}, …]')
    instructions = models.TextField()
    source = models.CharField(max_length=16, choices=VariableSource.choices)
    expectation = models.CharField(max_length=8, default="none")
    is_outcome = models.BooleanField(default=False)
    unit = models.CharField(max_length=64, blank=True)
    harvest_field = models.CharField(max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["codebook", "position"]
        constraints = [models.UniqueConstraint(fields=["codebook", "key"], name="unique_variable_key")]

    def __str__(self) -> str:
        return self.label

    @property
    def level_values(self) -> list[int]:
        return [int(level["value"]) for level in self.levels]

    @property
    def is_codable(self) -> bool:
        """Coders code it (possibly confirming a suggestion); harvested/computed ones fill themselves."""
        return self.source in (VariableSource.CODER, VariableSource.SUGGESTED)


class CodingAssignment(InstitutionOwned):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="assignments")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coding_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["video_id", "coder_id"]
        constraints = [models.UniqueConstraint(fields=["video", "coder"], name="one_assignment_per_coder")]

    def __str__(self) -> str:
        return f"{self.video} → {self.coder}"


class Coding(InstitutionOwned):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codings")
    variable = models.ForeignKey(Variable, on_delete=models.CASCADE, related_name="codings")
    value = models.FloatField()
    codebook_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video_id", "variable__position", "coder_id"]
        constraints = [
            models.UniqueConstraint(fields=["video", "coder", "variable"], name="one_code_per_coder_and_variable")
        ]

    def __str__(self) -> str:
        return f"{self.variable.key}={self.value:g} by {self.coder}"


class FinalOrigin(models.TextChoices):
    AGREED = "agreed", _("Coders agreed")
    RECONCILED = "reconciled", _("Reconciled by staff")
    AUTO = "auto", _("Filled automatically")
    IMPORTED = "imported", _("Imported")


class FinalCoding(InstitutionOwned):
    """The value a study uses: agreed by the coders, set by staff in reconciliation, or filled
    automatically (harvested and computed variables)."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="final_codings")
    variable = models.ForeignKey(Variable, on_delete=models.CASCADE, related_name="final_codings")
    value = models.FloatField(null=True, blank=True)
    origin = models.CharField(max_length=16, choices=FinalOrigin.choices)
    codebook_version = models.PositiveIntegerField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video_id", "variable__position"]
        constraints = [models.UniqueConstraint(fields=["video", "variable"], name="one_final_code")]

    def __str__(self) -> str:
        return f"{self.variable.key}={self.value} ({self.origin})"


class SentimentScore(InstitutionOwned):
    """HIV-4 affective expression of a video's text (see dissemination/sentiment.py)."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="sentiment")
    polarity = models.FloatField(null=True, blank=True, help_text="NULL when the text is not English.")
    subjectivity = models.FloatField(null=True, blank=True)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    tokens = models.PositiveIntegerField(default=0)
    language_flag = models.CharField(max_length=20)
    latin_share = models.FloatField(default=0)
    english_coverage = models.FloatField(default=0)
    sources = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video_id"]

    def __str__(self) -> str:
        return f"{self.video_id}: {self.polarity} ({self.language_flag})"
