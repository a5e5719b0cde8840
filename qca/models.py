"""Models of the Learn (fsQCA) area. Every row belongs to an institution (accounts.InstitutionOwned).

A `Study` freezes its cases (raw values) so that an analysis can always be reproduced;
`Condition` says how each raw column is calibrated; an `Analysis` picks an outcome and
conditions with cut-offs, and its `Result` stores what the engine returned (JSON) plus the
sufficient configurations as rows (`Configuration`) for sorting, filtering, typology and
recommendations.
"""

from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import InstitutionOwned

from . import stored_results


class StudySource(models.TextChoices):
    VIDEOS = "videos", _("The institution's coded videos as of a date")
    UPLOAD = "upload", _("An uploaded CSV or XLSX table")


class Study(InstitutionOwned):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=StudySource.choices)
    as_of = models.DateField(null=True, blank=True, help_text="Videos: the date the data are taken at.")
    upload_filename = models.CharField(max_length=255, blank=True)
    codebook_name = models.CharField(max_length=200, blank=True)
    codebook_version = models.PositiveIntegerField(null=True, blank=True)
    # {"columns": [{"name", "label", "kind", "levels"}], "cases": [{"id", "label", "video_id"}],
    #  "rows": [[value, ...], ...]}: frozen at creation, never edited.
    data = models.JSONField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON of `data`.")
    outcome_column = models.CharField(max_length=100, blank=True)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns",
                                 help_text="The study this one repeats at a later date (comparisons).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.name

    @property
    def n_cases(self) -> int:
        return len(self.data.get("rows", []))

    @property
    def column_names(self) -> list[str]:
        return [c["name"] for c in self.data.get("columns", [])]

    def column_values(self, name: str) -> list[float]:
        j = self.column_names.index(name)
        return [row[j] for row in self.data["rows"]]


class CalibrationMethod(models.TextChoices):
    DIRECT = "direct", _("Direct (three anchors, logistic)")
    CRISP = "crisp", _("Crisp (one threshold)")
    AS_IS = "as_is", _("Already calibrated (use as is)")


class Expectation(models.TextChoices):
    PRESENT = "present", _("Present contributes")
    ABSENT = "absent", _("Absent contributes")
    NONE = "none", _("No expectation")


class Condition(InstitutionOwned):
    """How one raw column of a study becomes a set (a condition or the outcome)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="conditions")
    column = models.CharField(max_length=100)
    label = models.CharField(max_length=200)
    variable_key = models.CharField(max_length=100, blank=True,
                                    help_text="Codebook variable the column holds (typology rules match on it).")
    method = models.CharField(max_length=8, choices=CalibrationMethod.choices)
    # direct: {"e": .., "c": .., "i": ..}; crisp: {"threshold": ..} (value >= threshold is in the set)
    anchors = models.JSONField(default=dict)
    expectation = models.CharField(max_length=8, choices=Expectation.choices, default=Expectation.NONE)
    level_labels = models.JSONField(default=dict, blank=True, help_text='{"0": "Statement", "1": "Question"}')
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "position"]
        constraints = [models.UniqueConstraint(fields=["study", "column"], name="one_condition_per_column")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_method_display()})"

    def calibration(self) -> dict:
        return {"column": self.column, "method": self.method, "anchors": self.anchors}


class AnalysisStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class Analysis(InstitutionOwned):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="analyses")
    name = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=100)
    negate_outcome = models.BooleanField(default=False)
    conditions = models.JSONField(help_text="Column names of the conditions, in order.")
    incl_cut = models.FloatField(default=0.8)
    n_cut = models.PositiveIntegerField(default=1)
    pri_cut = models.FloatField(default=0.5)
    dir_exps = models.JSONField(default=dict, help_text='{"column": "present" | "absent" | "none"}')
    # The calibration of every column used, frozen when the analysis runs.
    calibrations = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.DRAFT)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    stage = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return self.name or f"{self.outcome_label} on {len(self.conditions)} conditions"

    @property
    def outcome_label(self) -> str:
        return ("~" if self.negate_outcome else "") + self.outcome


class Result(InstitutionOwned):
    """What the engine returned for one analysis, as JSON (see docs/qca-app.md for the shapes)."""

    analysis = models.OneToOneField(Analysis, on_delete=models.CASCADE, related_name="result")
    memberships = models.JSONField(help_text="Calibrated table: {columns, cases, rows}.")
    necessity = models.JSONField()
    truth_table = models.JSONField()
    # format 2 (qca/stored_results.py): the engine output with repeated lists pooled; older rows hold
    # format 1, the engine output itself. Read through solution() / expanded_solutions, not directly.
    solutions = models.JSONField(help_text="{complex, parsimonious, intermediate}: engine output.")
    configuration_chart = models.JSONField(default=dict)
    robustness = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    solution_consistency = models.FloatField(null=True, blank=True)
    solution_coverage = models.FloatField(null=True, blank=True)
    cli_command = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Result of {self.analysis}"

    @property
    def solutions_format(self) -> int:
        return stored_results.FORMAT if stored_results.is_compact(self.solutions) else 1

    def solution(self, kind: str) -> dict:
        """One kind's engine output, as the engine wrote it ({} when there is none), of either format."""
        return stored_results.solution_of(self.solutions, kind)

    @cached_property
    def expanded_solutions(self) -> dict:
        """{kind: engine output} of either format (shared lists: read, don't change)."""
        return stored_results.expand(self.solutions)


class Strategy(models.TextChoices):
    PAN_LIFE = "pan_life", _("Pan-life content, flexible dissemination")
    PAN_KNOWLEDGE = "pan_knowledge", _("Pan-knowledge content, implicit dissemination")
    UNCLASSIFIED = "unclassified", _("Unclassified")


class Configuration(InstitutionOwned):
    """One sufficient configuration (a term of the intermediate solution's first model)."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="configurations")
    position = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=500)
    # {"column": {"present": bool, "core": bool}} for each condition the term names
    literals = models.JSONField()
    raw_coverage = models.FloatField(null=True)
    unique_coverage = models.FloatField(null=True)
    consistency = models.FloatField(null=True)
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.UNCLASSIFIED)
    rule = models.ForeignKey("TypologyRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["result", "position"]
        constraints = [models.UniqueConstraint(fields=["result", "position"], name="one_configuration_position")]

    def __str__(self) -> str:
        return f"{self.position}: {self.term}"


class TypologyRule(InstitutionOwned):
    """A configuration that requires every `present` variable and the absence of every `absent`
    one gets `strategy`. Rules are tried by ascending `priority`; the first match wins."""

    name = models.CharField(max_length=200)
    strategy = models.CharField(max_length=16, choices=Strategy.choices)
    present = models.JSONField(default=list, blank=True, help_text="Variable keys required present.")
    absent = models.JSONField(default=list, blank=True, help_text="Variable keys required absent.")
    priority = models.PositiveSmallIntegerField(default=10)
    active = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class Recommendation(InstitutionOwned):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="recommendations")
    title = models.CharField(max_length=300, blank=True)
    video = models.ForeignKey("dissemination.Video", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="A draft video whose codes were used.")
    codes = models.JSONField(help_text="Planned raw values: {column: value}.")
    memberships = models.JSONField(help_text="[{position, term, strategy, membership}] per configuration.")
    nearest = models.ForeignKey(Configuration, null=True, on_delete=models.SET_NULL, related_name="+")
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.UNCLASSIFIED)
    changes = models.JSONField(default=list, help_text="[{column, from, to, text}] lifting membership > 0.5.")
    membership_before = models.FloatField(null=True)
    membership_after = models.FloatField(null=True, help_text="Recomputed with the changes applied.")
    evidence = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or f"Recommendation {self.pk}"
