"""CSV/XLSX import validation and export, without Django.

Column names follow YouTube Data Tools (videoId, videoTitle, channelTitle,
publishedAt, viewCount, likeCount, commentCount, duration, durationSec …) where
they overlap, so its exports import as they are. Import is validate-everything-
first: the functions return every row's error (row number as the spreadsheet
shows it, header = row 1; column; why) and the service must write nothing
unless ``errors`` is empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from .codebook_default import CodebookSpec, VariableSpec
from .youtube.parse import parse_duration, parse_timestamp
from .youtube.urls import InvalidYouTubeReference, parse_video_id

T = TypeVar("T")
HEADER_ROW = 1
MAX_IMPORT_ROWS = 50_000

VIDEO_IMPORT_COLUMNS = (
    "videoId", "url", "videoTitle", "videoDescription", "channelId", "channelTitle",
    "publishedAt", "duration", "durationSec", "viewCount", "likeCount", "commentCount",
)
VIDEO_EXPORT_COLUMNS = (
    "videoId", "url", "videoTitle", "channelId", "channelTitle", "publishedAt", "durationSec",
    "viewCount", "likeCount", "commentCount", "capturedOn", "unavailableSince",
    "sentimentPolarity", "sentimentSubjectivity", "sentimentLanguage", "disseminationEffect",
)
CODING_ID_COLUMNS = ("videoId", "coder")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportResult(Generic[T]):
    records: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class VideoImportRecord:
    row: int
    video_id: str
    title: str | None
    channel_id: str | None
    channel_title: str | None
    published_at: datetime | None
    duration_seconds: int | None
    views: int | None
    likes: int | None
    comments: int | None


@dataclass(frozen=True)
class CodingImportRecord:
    row: int
    video_id: str
    coder: str
    values: dict[str, float]  # variable key → code; blank cells are left out


def read_table(data: bytes, *, filename: str) -> list[dict[str, str]]:
    """Rows of a .csv (UTF-8, BOM ok; , ; or tab) or .xlsx (first sheet) as header → text."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    text = data.decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [dict(row) for row in csv.DictReader(io.StringIO(text), dialect=dialect)]


def parse_video_rows(rows: Sequence[Mapping[str, Any]]) -> ImportResult[VideoImportRecord]:
    result: ImportResult[VideoImportRecord] = ImportResult()
    if not _check_header(rows, ("videoId", "url"), result, any_of=True):
        return result
    seen: dict[str, int] = {}
    for number, row in _numbered(rows, result):
        errors = _Collector(number, result.errors)
        video_id = errors.video_id(row)
        if video_id and video_id in seen:
            errors.add("videoId", f"duplicate of row {seen[video_id]}")
        elif video_id:
            seen[video_id] = number
        duration = _text(row, "durationSec") or _text(row, "duration")
        record = VideoImportRecord(
            row=number,
            video_id=video_id or "",
            title=_text(row, "videoTitle"),
            channel_id=_text(row, "channelId"),
            channel_title=_text(row, "channelTitle"),
            published_at=errors.call("publishedAt", parse_timestamp, _text(row, "publishedAt")),
            duration_seconds=errors.duration(duration),
            views=errors.count(row, "viewCount"),
            likes=errors.count(row, "likeCount"),
            comments=errors.count(row, "commentCount"),
        )
        if not errors.found:
            result.records.append(record)
    return result


def parse_coding_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    codebook: CodebookSpec,
    known_coders: Iterable[str] | None = None,
) -> ImportResult[CodingImportRecord]:
    """Wide coding sheets: videoId, coder, then one column per variable key."""
    result: ImportResult[CodingImportRecord] = ImportResult()
    if not _check_header(rows, CODING_ID_COLUMNS, result):
        return result
    codable = {v.key: v for v in codebook.variables if v.source != "computed"}
    columns = [c for c in rows[0] if c not in CODING_ID_COLUMNS]
    for column in columns:
        if column not in codable:
            result.errors.append(RowError(HEADER_ROW, column, "not a codable variable of this codebook"))
    coders = set(known_coders) if known_coders is not None else None
    seen: dict[tuple[str, str], int] = {}
    for number, row in _numbered(rows, result):
        errors = _Collector(number, result.errors)
        video_id = errors.video_id(row)
        coder = _text(row, "coder")
        if not coder:
            errors.add("coder", "required")
        elif coders is not None and coder not in coders:
            errors.add("coder", f"{coder!r} is not a coder of this institution")
        key = (video_id or "", coder or "")
        if video_id and coder and key in seen:
            errors.add("videoId", f"this video and coder already appear in row {seen[key]}")
        seen.setdefault(key, number)
        values = {}
        for column in columns:
            if column in codable and _text(row, column) is not None:
                value = errors.code(codable[column], _text(row, column) or "")
                if value is not None:
                    values[column] = value
        if not errors.found:
            result.records.append(CodingImportRecord(number, video_id or "", coder or "", values))
    return result


def to_csv_bytes(rows: Iterable[Mapping[str, Any]], *, columns: Sequence[str]) -> bytes:
    """UTF-8 with BOM, so Excel shows Chinese titles correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(rows: Iterable[Mapping[str, Any]], *, columns: Sequence[str], sheet: str = "videos") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31])
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([_xlsx_cell(row.get(c)) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class _Collector:
    """Per-row parsing helpers that record errors instead of raising."""

    def __init__(self, row: int, sink: list[RowError]):
        self.row, self.sink, self.found = row, sink, False

    def add(self, column: str, message: str) -> None:
        self.found = True
        self.sink.append(RowError(self.row, column, message))

    def call(self, column: str, parser: Any, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return parser(value)
        except (TypeError, ValueError):
            self.add(column, f"cannot read {value!r}")
            return None

    def video_id(self, row: Mapping[str, Any]) -> str | None:
        column = "videoId" if _text(row, "videoId") else "url"
        raw = _text(row, column)
        if raw is None:
            self.add("videoId", "required (a video id or URL)")
            return None
        try:
            return parse_video_id(raw)
        except InvalidYouTubeReference as exc:
            self.add(column, str(exc))
            return None

    def count(self, row: Mapping[str, Any], column: str) -> int | None:
        raw = _text(row, column)
        if raw is None:
            return None  # blank = unknown (hidden / disabled), never 0
        try:
            value = int(float(raw.replace(",", ""))) if "." in raw else int(raw.replace(",", ""))
        except ValueError:
            self.add(column, f"{raw!r} is not a whole number")
            return None
        if value < 0:
            self.add(column, "cannot be negative")
            return None
        return value

    def duration(self, raw: str | None) -> int | None:
        if raw is None:
            return None
        if raw.isdigit():
            return int(raw)
        seconds = parse_duration(raw)
        if seconds is None:
            self.add("duration", f"{raw!r} is neither seconds nor an ISO 8601 duration (PT4M13S)")
        return seconds

    def code(self, variable: VariableSpec, raw: str) -> float | None:
        try:
            value = float(raw)
        except ValueError:
            self.add(variable.key, f"{raw!r} is not a number")
            return None
        if variable.kind != "continuous" and value not in variable.level_values:
            allowed = ", ".join(f"{lv.value} ({lv.label})" for lv in variable.levels)
            self.add(variable.key, f"{raw!r} is not a level; allowed: {allowed}")
            return None
        return value


def _check_header(rows: Sequence[Mapping[str, Any]], required: Sequence[str], result: ImportResult[Any],
                  *, any_of: bool = False) -> bool:
    if not rows:
        result.errors.append(RowError(HEADER_ROW, "", "the file has no data rows"))
        return False
    header = set(rows[0].keys())
    missing = [c for c in required if c not in header]
    if (any_of and len(missing) == len(required)) or (not any_of and missing):
        label = " or ".join(missing) if any_of else ", ".join(missing)
        result.errors.append(RowError(HEADER_ROW, label, "required column missing"))
        return False
    if len(rows) > MAX_IMPORT_ROWS:
        result.errors.append(RowError(HEADER_ROW, "", f"more than {MAX_IMPORT_ROWS} rows; split the file"))
        return False
    return True


def _numbered(rows: Sequence[Mapping[str, Any]], result: ImportResult[Any]) -> Iterable[tuple[int, Mapping[str, Any]]]:
    for index, row in enumerate(rows):
        if any(_text(row, c) is not None for c in row):  # skip fully blank lines
            yield index + HEADER_ROW + 1, row


def _text(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value  # titles are untrusted: no spreadsheet formula injection
    return value


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; values are UTC
    return _cell(value) if isinstance(value, str) else value


def _read_xlsx(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    table = [
        {h: "" if v is None else str(v) for h, v in zip(header, values) if h}
        for values in rows
    ]
    book.close()
    return table
