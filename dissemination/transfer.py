"""Import (CSV/XLSX, validate everything first, write all or nothing) and export of videos with
metrics, codes, sentiment and the dissemination effect. Parsing and validation live in the
framework-free `csvio.py`; this module adds the checks that need the database and the writes."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Institution
from accounts.services import record_audit

from . import coding, selectors, services
from .codebook_default import CodebookSpec, parse_codebook
from .csvio import (
    VIDEO_EXPORT_COLUMNS,
    RowError,
    parse_coding_rows,
    parse_video_rows,
    read_table,
    to_csv_bytes,
    to_xlsx_bytes,
)
from .models import Codebook, Coding, CodingAssignment, FinalCoding, Video, VideoSource
from .youtube.records import VideoRecord


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(data: bytes, filename: str, outcome: ImportOutcome) -> list[dict] | None:
    try:
        return read_table(data, filename=filename)
    except (UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
        reason = "the file is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else f"cannot read it ({exc})"
        outcome.errors.append(RowError(0, "", f"{filename}: {reason}"))
        return None


def import_videos(*, institution: Institution, data: bytes, filename: str, actor) -> ImportOutcome:
    """Videos from a CSV/XLSX (YouTube Data Tools columns). Blank counts stay unknown (NULL)."""
    outcome = ImportOutcome()
    rows = _rows(data, filename, outcome)
    if rows is None:
        return outcome
    parsed = parse_video_rows(rows)
    if not parsed.ok:
        outcome.errors = parsed.errors
        return outcome
    records = [VideoRecord(video_id=r.video_id, views=r.views, likes=r.likes, comments=r.comments, title=r.title,
                           channel_id=r.channel_id, channel_title=r.channel_title, published_at=r.published_at,
                           duration_seconds=r.duration_seconds) for r in parsed.records]
    existing = dict(Video.objects.filter(institution=institution, youtube_id__in=[r.video_id for r in records])
                    .values_list("youtube_id", "pk"))
    with transaction.atomic():
        # New videos get everything; known ones only today's counts, so an import with fewer
        # columns never blanks what a harvest stored.
        result = services.ingest_video_records(institution_id=institution.pk, source=VideoSource.IMPORT,
                                               records=[r for r in records if r.video_id not in existing])
        now = timezone.now()
        services.upsert_snapshots(institution_id=institution.pk, captured_on=timezone.localdate(now), captured_at=now,
                                  rows=[(existing[r.video_id], r) for r in records if r.video_id in existing])
        result.updated = len(existing)
        services.autofill_final_codes(institution=institution, videos=Video.objects.filter(
            institution=institution, youtube_id__in=[r.video_id for r in records]))
        record_audit(institution=institution, actor=actor, verb="videos.imported",
                     data={"file": filename, "created": result.added, "updated": result.updated})
    outcome.created, outcome.updated = result.added, result.updated
    return outcome


def codebook_spec(codebook: Codebook) -> CodebookSpec:
    """The institution's (edited) codebook in the shape csvio validates against."""
    return parse_codebook({"name": codebook.name, "version": codebook.version, "variables": [
        {"key": v.key, "dimension": v.dimension, "label": v.label, "kind": v.kind, "levels": v.levels,
         "instructions": v.instructions, "source": v.source, "expectation": v.expectation,
         "is_outcome": v.is_outcome, "unit": v.unit or None, "harvest_field": v.harvest_field or None}
        for v in codebook.variables.all()]})


def import_codings(*, institution: Institution, data: bytes, filename: str, actor) -> ImportOutcome:
    """Wide coding sheets (videoId, coder, one column per variable key). Each row becomes the
    coder's assignment and codes; all rows are checked before anything is written."""
    outcome = ImportOutcome()
    rows = _rows(data, filename, outcome)
    if rows is None:
        return outcome
    codebook = coding.ensure_codebook(institution=institution)
    coders = {u.username: u for u in selectors.coders_of(institution=institution)}
    parsed = parse_coding_rows(rows, codebook=codebook_spec(codebook), known_coders=coders)
    videos = {v.youtube_id: v for v in Video.objects.filter(institution=institution,
                                                            youtube_id__in=[r.video_id for r in parsed.records])}
    errors = list(parsed.errors)
    errors += [RowError(r.row, "videoId", f"{r.video_id} is not a video of this institution; import or add it first")
               for r in parsed.records if r.video_id not in videos]
    if errors:
        outcome.errors = sorted(errors, key=lambda e: (e.row, e.column))
        return outcome
    variables = {v.key: v for v in codebook.variables.all()}
    with transaction.atomic():
        for record in parsed.records:
            video, coder = videos[record.video_id], coders[record.coder]
            assignment, _ = CodingAssignment.objects.get_or_create(
                institution=institution, video=video, coder=coder, defaults={"assigned_by": actor})
            for key, value in record.values.items():
                _, created = Coding.objects.update_or_create(
                    video=video, coder=coder, variable=variables[key],
                    defaults={"institution": institution, "value": value, "codebook_version": codebook.version})
                outcome.created += created
                outcome.updated += not created
            codable = {v.key for v in coding.codable_variables(codebook)}
            if codable <= set(Coding.objects.filter(video=video, coder=coder).values_list("variable__key", flat=True)):
                CodingAssignment.objects.filter(pk=assignment.pk).update(completed_at=timezone.now())
        for video in {videos[r.video_id] for r in parsed.records}:
            coding.settle_agreed(video=video)
        record_audit(institution=institution, actor=actor, verb="codings.imported",
                     data={"file": filename, "created": outcome.created, "updated": outcome.updated})
    return outcome


def export_table(*, institution: Institution, as_of: date | None = None) -> tuple[list[str], list[dict]]:
    """One row per video: metadata, counts as of the date, sentiment, effect and final codes."""
    as_of = as_of or timezone.localdate()
    codebook = coding.ensure_codebook(institution=institution)
    keys = [v.key for v in codebook.variables.all() if not v.is_outcome]
    effects = selectors.effects_as_of(institution=institution, as_of=as_of)
    finals: dict[int, dict[str, float | None]] = {}
    for video_id, key, value in FinalCoding.objects.filter(institution=institution).values_list(
            "video_id", "variable__key", "value"):
        finals.setdefault(video_id, {})[key] = value
    rows = []
    for video in Video.objects.filter(institution=institution).select_related("channel", "sentiment").order_by("pk"):
        effect = effects.loc[video.pk] if video.pk in effects.index else None
        sentiment = getattr(video, "sentiment", None)

        def count(name, effect=effect):
            if effect is None or effect[name] != effect[name]:  # NaN: unknown
                return None
            return int(effect[name])

        row = {
            "videoId": video.youtube_id, "url": video.url, "videoTitle": video.title,
            "channelId": video.channel.youtube_id if video.channel else None,
            "channelTitle": video.channel.title if video.channel else None, "publishedAt": video.published_at,
            "durationSec": video.duration_seconds, "viewCount": count("views"), "likeCount": count("likes"),
            "commentCount": count("comments"),
            "capturedOn": effect["captured_on"].isoformat() if effect is not None else None,
            "unavailableSince": video.unavailable_since.isoformat() if video.unavailable_since else None,
            "sentimentPolarity": sentiment.polarity if sentiment else None,
            "sentimentSubjectivity": sentiment.subjectivity if sentiment else None,
            "sentimentLanguage": sentiment.language_flag if sentiment else None,
            "disseminationEffect": (round(float(effect["effect"]), 6)
                                    if effect is not None and effect["effect"] == effect["effect"] else None),
        }
        row.update({key: finals.get(video.pk, {}).get(key) for key in keys})
        rows.append(row)
    return [*VIDEO_EXPORT_COLUMNS, *keys], rows


def export_bytes(*, institution: Institution, fmt: str, as_of: date | None = None) -> bytes:
    columns, rows = export_table(institution=institution, as_of=as_of)
    if fmt == "xlsx":
        return to_xlsx_bytes(rows, columns=columns)
    return to_csv_bytes(rows, columns=columns)
