"""Where a study's cases come from: an uploaded table, or the institution's coded videos as of a date.

Both return a `StudyTable` (columns, cases, raw rows) or raise `StudyDataError` listing every
problem with its row, column and reason, so that nothing is half-imported: the caller creates
the study only from a table that passed every check.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone

CASE_COLUMNS = {"case", "cases", "id", "case_id"}
LABEL_COLUMNS = {"label", "title", "case_label"}
MISSING = {"", "na", "nan", "null", "none", "."}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_CASES = 20_000
MAX_PROBLEMS_SHOWN = 20


@dataclass
class StudyTable:
    columns: list[dict]  # {"name", "label", "kind", "levels", "variable_key", "expectation"}
    cases: list[dict]  # {"id", "label", "video_id"?}
    rows: list[list[float]]
    codebook_name: str = ""
    codebook_version: int | None = None
    excluded: list[dict] = field(default_factory=list)  # {"case", "why"}: left out of a video study

    def as_data(self) -> dict:
        data = {"columns": self.columns, "cases": self.cases, "rows": self.rows}
        if self.excluded:
            data["excluded"] = self.excluded
        return data


class StudyDataError(ValidationError):
    """The table cannot become a study; `problems` are "row N, column X: why" strings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        super().__init__(shown + ([f"… and {more} more problems"] if more > 0 else []))


# -- uploads ------------------------------------------------------------------------------------
def table_from_upload(filename: str, content: bytes) -> StudyTable:
    """Parse a CSV or XLSX upload: a header row, an optional `case` and `label` column, numbers."""
    if not content:
        raise StudyDataError(["the file is empty"])
    if len(content) > MAX_UPLOAD_BYTES:
        raise StudyDataError([f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"])
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        grid = _xlsx_grid(content)
    elif lower.endswith((".csv", ".txt")):
        grid = _csv_grid(content)
    else:
        raise StudyDataError([f"{filename!r}: upload a .csv or .xlsx file"])
    return table_from_grid(grid)


def _csv_grid(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudyDataError([f"the CSV is not UTF-8 text (byte {exc.start})"]) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_grid(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise StudyDataError([f"the XLSX file cannot be read ({exc.__class__.__name__})"]) from None
    sheet = workbook.worksheets[0]
    grid = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return grid


def table_from_grid(grid: list[list[str]]) -> StudyTable:
    """Validate a grid of strings (header first). Row numbers are the file's (header = row 1)."""
    numbered = [(n, row) for n, row in enumerate(grid, start=1) if any(str(c).strip() for c in row)]
    if len(numbered) < 3:
        raise StudyDataError(["the table needs a header row and at least two cases"])
    if len(numbered) - 1 > MAX_CASES:
        raise StudyDataError([f"the table has {len(numbered) - 1} cases; at most {MAX_CASES} are allowed"])
    header_row, header = numbered[0]
    header = [str(h).strip() for h in header]
    while header and not header[-1]:
        header.pop()
    problems = _header_problems(header)
    if problems:
        raise StudyDataError(problems)
    case_j = next((j for j, h in enumerate(header) if h.lower() in CASE_COLUMNS), None)
    label_j = next((j for j, h in enumerate(header) if h.lower() in LABEL_COLUMNS), None)
    value_js = [j for j in range(len(header)) if j not in (case_j, label_j)]
    if not value_js:
        raise StudyDataError(["the table has no value columns besides the case and label columns"])
    cases, rows, seen = [], [], {}
    for n, raw in numbered[1:]:
        cells = [str(c).strip() for c in raw] + [""] * (len(header) - len(raw))
        extra = [c for c in cells[len(header):] if c]
        if extra:
            problems.append(f"row {n}: {len(header) + len(extra)} fields but the header has {len(header)}")
            continue
        case_id = cells[case_j] if case_j is not None else str(len(cases) + 1)
        if case_j is not None and not case_id:
            problems.append(f"row {n}, column {header[case_j]!r}: the case id is empty")
        elif case_id in seen:
            problems.append(f"row {n}, column {header[case_j]!r}: case {case_id!r} repeats row {seen[case_id]}")
        seen.setdefault(case_id, n)
        values = []
        for j in value_js:
            value, why = _number(cells[j])
            if why:
                problems.append(f"row {n}, column {header[j]!r}: {why}")
            values.append(value)
        cases.append({"id": case_id, "label": cells[label_j] if label_j is not None else case_id})
        rows.append(values)
    if problems:
        raise StudyDataError(problems)
    columns = [_describe_column(header[j], [r[i] for r in rows]) for i, j in enumerate(value_js)]
    constant = [c["name"] for c in columns if c.pop("_constant")]
    if len(constant) == len(columns):
        raise StudyDataError(["every column is constant: there is nothing to compare"])
    return StudyTable(columns=columns, cases=cases, rows=rows)


def _header_problems(header: list[str]) -> list[str]:
    problems, seen = [], {}
    for j, name in enumerate(header, start=1):
        if not name:
            problems.append(f"row 1, column {j}: the column has no name")
        elif name.lower() in seen:
            problems.append(f"row 1, column {j}: the name {name!r} repeats column {seen[name.lower()]}")
        elif any(ch in name for ch in "~*[],+"):
            problems.append(f"row 1, column {j}: {name!r} contains one of ~ * [ ] , + (QCA notation)")
        seen.setdefault(name.lower(), j)
    return problems


def _number(text: str) -> tuple[float | None, str]:
    if text.lower() in MISSING:
        return None, "the value is missing (fsQCA needs a value for every case)"
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        return None, f"{text!r} is not a number"
    if not math.isfinite(value):
        return None, f"{text!r} is not a finite number"
    return value, ""


def _describe_column(name: str, values: list[float]) -> dict:
    distinct = sorted(set(values))
    if set(distinct) <= {0.0, 1.0}:
        kind, levels = "binary", {"0": "absent", "1": "present"}
    elif all(v == int(v) for v in distinct) and len(distinct) <= 7:
        kind, levels = "ordinal", {}
    else:
        kind, levels = "continuous", {}
    return {"name": name, "label": name.replace("_", " ").capitalize(), "kind": kind, "levels": levels,
            "variable_key": name, "expectation": "none", "_constant": len(distinct) < 2}


# -- the institution's coded videos -------------------------------------------------------------
OUTCOME_KEY = "dissemination_effect"
SENTIMENT_KEY = "affective_expression"


def table_from_videos(*, institution, as_of: date) -> StudyTable:
    """One case per video published by `as_of` with every codebook variable known at that date.

    Values: the final coding decided by the end of `as_of`; harvested variables fall back to the
    harvested field; affective expression to the HIV-4 polarity; the outcome is the
    dissemination effect from the latest snapshots on or before `as_of`. Videos with a missing
    value are left out and listed in `excluded` with the reason.
    """
    from dissemination.models import Codebook, FinalCoding, SentimentScore, Video
    from dissemination.selectors import effects_as_of

    codebook = Codebook.objects.filter(institution=institution).first()
    if codebook is None:
        raise StudyDataError(["the institution has no codebook yet (Disseminate → Codebook)"])
    variables = list(codebook.variables.order_by("position"))
    conditions = [v for v in variables if not v.is_outcome]
    outcome = next((v for v in variables if v.is_outcome), None)
    end_of_day = timezone.make_aware(datetime.combine(as_of, time.max))
    videos = list(Video.objects.filter(institution=institution, published_at__lte=end_of_day)
                  .select_related("channel").order_by("published_at", "pk"))
    if len(videos) < 2:
        raise StudyDataError([f"fewer than two videos were published by {as_of:%Y-%m-%d}"])
    ids = [v.pk for v in videos]
    finals: dict[tuple[int, int], float | None] = {
        (f.video_id, f.variable_id): f.value
        for f in FinalCoding.objects.filter(institution=institution, video_id__in=ids, decided_at__lte=end_of_day)
    }
    polarity = dict(SentimentScore.objects.filter(institution=institution, video_id__in=ids)
                    .values_list("video_id", "polarity"))
    # dissemination.effect's rule (0.5 views + 0.3 likes + 0.2 comments, normalised in this population)
    effects = effects_as_of(institution=institution, as_of=as_of,
                            videos=Video.objects.filter(pk__in=ids))["effect"]

    columns = [_variable_column(v) for v in conditions]
    columns.append({"name": OUTCOME_KEY, "label": outcome.label if outcome else "Dissemination effect",
                    "kind": "continuous", "levels": {}, "variable_key": OUTCOME_KEY, "expectation": "none"})
    cases, rows, excluded = [], [], []
    for video in videos:
        values, missing = [], []
        for variable in conditions:
            value = _video_value(video, variable, finals, polarity)
            if value is None:
                missing.append(variable.label)
            values.append(value)
        effect = effects.get(video.pk)
        if effect is None or (isinstance(effect, float) and math.isnan(effect)):
            missing.append("dissemination effect (no views snapshot by that date)")
        values.append(None if effect is None else float(effect))
        if missing:
            excluded.append({"case": video.youtube_id, "label": video.title, "why": "missing " + ", ".join(missing)})
            continue
        cases.append({"id": video.youtube_id, "label": video.title or video.youtube_id, "video_id": video.pk})
        rows.append([float(v) for v in values])
    if len(rows) < 2:
        reasons = "; ".join(f"{e['case']}: {e['why']}" for e in excluded[:MAX_PROBLEMS_SHOWN])
        raise StudyDataError([f"fewer than two videos have every value by {as_of:%Y-%m-%d}. {reasons}"])
    return StudyTable(columns=columns, cases=cases, rows=rows, codebook_name=codebook.name,
                      codebook_version=codebook.version, excluded=excluded)


def _variable_column(variable) -> dict:
    return {
        "name": variable.key, "label": variable.label, "kind": variable.kind,
        "levels": {str(level["value"]): level["label"] for level in variable.levels},
        "variable_key": variable.key, "expectation": variable.expectation, "unit": variable.unit,
    }


def codes_of_video(*, video, keys) -> dict[str, float]:
    """The video's current value of each codebook variable in `keys`, read as a study of its
    videos reads it (final coding, else the harvested field or HIV-4 polarity). Keys the
    codebook lacks and values not known yet are left out: the caller asks for them."""
    from dissemination.models import Codebook, FinalCoding, SentimentScore

    codebook = Codebook.objects.filter(institution_id=video.institution_id).first()
    if codebook is None:
        return {}
    variables = [v for v in codebook.variables.filter(key__in=list(keys)) if not v.is_outcome]
    finals = {(f.video_id, f.variable_id): f.value
              for f in FinalCoding.objects.filter(institution_id=video.institution_id, video=video)}
    polarity = dict(SentimentScore.objects.filter(institution_id=video.institution_id, video=video)
                    .values_list("video_id", "polarity"))
    values = {v.key: _video_value(video, v, finals, polarity) for v in variables}
    return {key: float(value) for key, value in values.items() if value is not None}


def _video_value(video, variable, finals: dict, polarity: dict) -> float | None:
    value = finals.get((video.pk, variable.pk))
    return _fallback_value(video, variable, polarity) if value is None else value


def _fallback_value(video, variable, polarity: dict) -> float | None:
    """Harvested and computed variables without a final coding take their source directly."""
    if variable.key == SENTIMENT_KEY:
        return polarity.get(video.pk)
    field_path = variable.harvest_field or ""
    if field_path == "video.duration_seconds":
        return video.duration_minutes  # the codebook's unit is minutes
    owner_name, _, attribute = field_path.partition(".")
    owner = {"video": video, "channel": video.channel}.get(owner_name)
    value = getattr(owner, attribute, None) if owner is not None and attribute else None
    return None if value is None else float(value)
