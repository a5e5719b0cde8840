"""Codebook and coding writes: the institution's codebook (copied from Table 4 on first use,
editable, versioned), double-coding assignments, codings, agreement and reconciliation."""

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Institution, Membership, Role
from accounts.services import record_audit

from .agreement import AgreementResult, variable_agreement
from .codebook_default import default_codebook
from .models import (
    Codebook,
    Coding,
    CodingAssignment,
    FinalCoding,
    FinalOrigin,
    Variable,
    VariableKind,
    VariableSource,
    Video,
)

CODER_ROLES = (Role.ADMIN, Role.STAFF, Role.CODER)


def ensure_codebook(*, institution: Institution) -> Codebook:
    """The institution's codebook; on first use a copy of the default (Table 4)."""
    codebook = Codebook.objects.filter(institution=institution).first()
    if codebook is not None:
        return codebook
    spec = default_codebook()
    try:
        with transaction.atomic():
            codebook = Codebook.objects.create(institution=institution, name=spec.name, description=spec.description,
                                               based_on=f"{spec.name} v{spec.version}")
            Variable.objects.bulk_create([
                Variable(institution=institution, codebook=codebook, key=v.key, dimension=v.dimension, label=v.label,
                         kind=v.kind, levels=[{"value": lv.value, "label": lv.label} for lv in v.levels],
                         instructions=v.instructions, source=v.source, expectation=v.expectation,
                         is_outcome=v.is_outcome, unit=v.unit or "", harvest_field=v.harvest_field or "",
                         position=n)
                for n, v in enumerate(spec.variables)
            ])
            record_audit(institution=institution, actor=None, verb="codebook.copied_from_default", target=codebook)
    except IntegrityError:  # another request copied it first
        codebook = Codebook.objects.get(institution=institution)
    return codebook


def codable_variables(codebook: Codebook) -> list[Variable]:
    return [v for v in codebook.variables.all() if v.is_codable and not v.is_outcome]


def _clean_levels(kind: str, levels: list[dict]) -> list[dict]:
    cleaned = []
    for level in levels:
        try:
            value = int(level["value"])
        except (KeyError, TypeError, ValueError):
            raise ValidationError({"levels": "Each level needs a whole-number value."}) from None
        label = str(level.get("label", "")).strip()
        if not label:
            raise ValidationError({"levels": f"Level {value} needs a label."})
        cleaned.append({"value": value, "label": label})
    values = [lv["value"] for lv in cleaned]
    if len(set(values)) != len(values):
        raise ValidationError({"levels": "Level values must be unique."})
    if kind == VariableKind.BINARY and sorted(values) != [0, 1]:
        raise ValidationError({"levels": "A binary variable has exactly the levels 0 and 1."})
    if kind == VariableKind.ORDINAL and len(values) < 2:
        raise ValidationError({"levels": "An ordinal variable needs at least two levels."})
    if kind == VariableKind.CONTINUOUS and cleaned:
        raise ValidationError({"levels": "A continuous variable has no levels."})
    return sorted(cleaned, key=lambda lv: lv["value"])


@transaction.atomic
def variable_save(*, codebook: Codebook, actor, key: str, label: str, dimension: str, kind: str, levels: list[dict],
                  instructions: str, source: str, expectation: str = "none", unit: str = "",
                  variable: Variable | None = None) -> Variable:
    """Create or edit a variable; every change raises the codebook's version."""
    if kind not in VariableKind.values or source not in VariableSource.values:
        raise ValidationError("Unknown kind or source.")
    if not instructions.strip():
        raise ValidationError({"instructions": "Coding instructions are required."})
    levels = _clean_levels(kind, levels)
    if variable is not None and variable.codings.exists() and variable.kind != kind:
        raise ValidationError({"kind": "This variable has codings; its kind cannot change."})
    if variable is None:
        if codebook.variables.filter(key=key).exists():
            raise ValidationError({"key": f"The codebook already has a variable {key!r}."})
        variable = Variable(institution=codebook.institution, codebook=codebook, key=key,
                            position=codebook.variables.count())
    for name, value in {"label": label, "dimension": dimension, "kind": kind, "levels": levels, "instructions": instructions,
                            "source": source, "expectation": expectation, "unit": unit}.items():
        setattr(variable, name, value)
    variable.full_clean(exclude=["codebook", "institution"])
    variable.save()
    codebook.version += 1
    codebook.save(update_fields=["version", "updated_at"])
    record_audit(institution=codebook.institution, actor=actor, verb="codebook.variable_saved", target=variable,
                 data={"key": variable.key, "codebook_version": codebook.version})
    return variable


def _check_coders(institution: Institution, coders: Iterable) -> list:
    coders = list(dict.fromkeys(coders))
    allowed = set(Membership.objects.filter(institution=institution, role__in=CODER_ROLES)
                  .values_list("user_id", flat=True))
    for coder in coders:
        if coder.pk not in allowed:
            raise ValidationError({"coders": f"{coder} may not code in this institution."})
    return coders


@transaction.atomic
def assign(*, institution: Institution, videos: Iterable[Video], coders: Iterable, actor) -> int:
    """Assign each video to each coder (double coding: two coders). Existing assignments stay."""
    coders = _check_coders(institution, coders)
    videos = [v for v in videos if v.institution_id == institution.pk]
    if not coders or not videos:
        raise ValidationError("Choose at least one video and one coder.")
    before = CodingAssignment.objects.filter(institution=institution).count()
    CodingAssignment.objects.bulk_create(
        [CodingAssignment(institution=institution, video=v, coder=c, assigned_by=actor) for v in videos for c in coders],
        ignore_conflicts=True,
    )
    created = CodingAssignment.objects.filter(institution=institution).count() - before
    record_audit(institution=institution, actor=actor, verb="coding.assigned",
                 data={"videos": len(videos), "coders": [c.username for c in coders], "created": created})
    return created


def check_value(variable: Variable, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({variable.key: f"{value!r} is not a number."}) from None
    if variable.kind != VariableKind.CONTINUOUS and number not in variable.level_values:
        allowed = ", ".join(f"{lv['value']} ({lv['label']})" for lv in variable.levels)
        raise ValidationError({variable.key: f"{value!r} is not a level of {variable.label}; allowed: {allowed}."})
    return number


@transaction.atomic
def codings_save(*, assignment: CodingAssignment, values: Mapping[str, object], actor) -> list[Coding]:
    """Save a coder's codes for one assigned video. Coders write only their own assignments."""
    if actor.pk != assignment.coder_id:
        raise PermissionDenied("Only the assigned coder codes this video.")
    codebook = ensure_codebook(institution=assignment.institution)
    variables = {v.key: v for v in codable_variables(codebook)}
    unknown = set(values) - set(variables)
    if unknown:
        raise ValidationError(f"Not codable here: {', '.join(sorted(unknown))}.")
    saved = []
    for key, raw in values.items():
        if raw is None or raw == "":
            continue
        coding, _ = Coding.objects.update_or_create(
            video=assignment.video, coder=actor, variable=variables[key],
            defaults={"institution": assignment.institution, "value": check_value(variables[key], raw),
                      "codebook_version": codebook.version})
        saved.append(coding)
    coded = set(Coding.objects.filter(video=assignment.video, coder=actor).values_list("variable__key", flat=True))
    complete = set(variables) <= coded
    if complete != (assignment.completed_at is not None):
        assignment.completed_at = timezone.now() if complete else None
        assignment.save(update_fields=["completed_at"])
    if complete:
        settle_agreed(video=assignment.video)
    record_audit(institution=assignment.institution, actor=actor, verb="coding.saved", target=assignment.video,
                 data={"variables": sorted(k for k, v in values.items() if v not in (None, ""))})
    return saved


def settle_agreed(*, video: Video) -> int:
    """Where every assigned coder has finished and all codes of a variable are equal, that code
    becomes final (origin `agreed`). Disagreements wait for reconciliation."""
    assignments = list(CodingAssignment.objects.filter(video=video))
    if len(assignments) < 2 or any(a.completed_at is None for a in assignments):
        return 0
    codebook = ensure_codebook(institution=video.institution)
    by_variable = defaultdict(set)
    for variable_id, value in Coding.objects.filter(
            video=video, coder_id__in=[a.coder_id for a in assignments]).values_list("variable_id", "value"):
        by_variable[variable_id].add(value)
    decided = set(FinalCoding.objects.filter(video=video).exclude(origin=FinalOrigin.AGREED)
                  .values_list("variable_id", flat=True))
    rows = [FinalCoding(institution=video.institution, video=video, variable_id=vid, value=values.pop(),
                        origin=FinalOrigin.AGREED, codebook_version=codebook.version)
            for vid, values in by_variable.items() if len(values) == 1 and vid not in decided]
    FinalCoding.objects.bulk_create(rows, update_conflicts=True, unique_fields=["video", "variable"],
                                    update_fields=["value", "origin", "codebook_version", "decided_at"])
    return len(rows)


@transaction.atomic
def reconcile(*, video: Video, variable: Variable, value, actor, note: str = "") -> FinalCoding:
    """Staff set the final code of a disagreement."""
    if variable.codebook.institution_id != video.institution_id:
        raise ValidationError("The variable belongs to another institution's codebook.")
    final, _ = FinalCoding.objects.update_or_create(
        video=video, variable=variable,
        defaults={"institution": video.institution, "value": check_value(variable, value),
                  "origin": FinalOrigin.RECONCILED, "decided_by": actor, "note": note,
                  "codebook_version": variable.codebook.version})
    record_audit(institution=video.institution, actor=actor, verb="coding.reconciled", target=video,
                 data={"variable": variable.key, "value": final.value})
    return final


def agreement_report(*, institution: Institution) -> list[tuple[Variable, AgreementResult]]:
    """Agreement per codable variable over every double-coded video."""
    codebook = ensure_codebook(institution=institution)
    triples = defaultdict(list)
    for variable_id, video_id, coder_id, value in Coding.objects.filter(institution=institution).values_list(
            "variable_id", "video_id", "coder_id", "value"):
        triples[variable_id].append((video_id, coder_id, value))
    report = []
    for variable in codable_variables(codebook):
        levels = variable.level_values if variable.kind == VariableKind.ORDINAL else None
        report.append((variable, variable_agreement(triples[variable.pk], kind=variable.kind, levels=levels)))
    return report


def pending_reconciliation(*, institution: Institution) -> dict[int, list[Variable]]:
    """video pk → variables whose coders disagree and that have no final code yet."""
    finals = set(FinalCoding.objects.filter(institution=institution).values_list("video_id", "variable_id"))
    pending: dict[int, list[Variable]] = defaultdict(list)
    for variable, result in agreement_report(institution=institution):
        for video_id in result.disagreements:
            if (video_id, variable.pk) not in finals:
                pending[video_id].append(variable)
    return dict(pending)
