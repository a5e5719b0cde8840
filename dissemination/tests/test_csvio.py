import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from dissemination.codebook_default import default_codebook
from dissemination.csvio import (
    VIDEO_EXPORT_COLUMNS,
    parse_coding_rows,
    parse_video_rows,
    read_table,
    to_csv_bytes,
    to_xlsx_bytes,
)

YTDT_CSV = (
    "\ufeffposition,channelId,channelTitle,videoId,publishedAt,videoTitle,duration,durationSec,"
    "viewCount,likeCount,dislikeCount,commentCount\r\n"
    "1,UCoC47do520os_4DBMEFGg4A,Liziqi,LzP8hK2cYtA,2019-04-27T09:00:07Z,Bamboo rice,PT12M34S,754,"
    "98765432,1200345,,54321\r\n"
    "2,UCabcdefghijklmnopqrstuv,非遗小站,Sh0rtVid001,2023-08-01T12:30:00Z,剪纸艺术，太美了！,PT45S,45,"
    "3100200,,,\r\n"
)


def test_youtube_data_tools_export_imports_as_is():
    result = parse_video_rows(read_table(YTDT_CSV.encode("utf-8"), filename="videolist.csv"))
    assert result.ok, result.errors
    first, second = result.records
    assert first.video_id == "LzP8hK2cYtA" and first.duration_seconds == 754 and first.views == 98765432
    assert first.published_at == datetime(2019, 4, 27, 9, 0, 7, tzinfo=UTC)
    assert second.likes is None and second.comments is None  # blank → unknown, not 0
    assert second.title == "剪纸艺术，太美了！"


def test_row_level_errors_name_row_column_and_reason():
    rows = read_table(
        b"videoId,viewCount,publishedAt,duration\n"
        b"LzP8hK2cYtA,12,2019-04-27T09:00:07Z,PT1M\n"
        b"not-an-id,abc,yesterday,forever\n"
        b"LzP8hK2cYtA,-5,,\n"
        b"https://youtu.be/Sh0rtVid001,1,,\n",
        filename="v.csv",
    )
    result = parse_video_rows(rows)
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "videoId"), (3, "viewCount"), (3, "publishedAt"), (3, "duration")} <= found
    assert (4, "videoId") in found and (4, "viewCount") in found
    assert "duplicate of row 2" in str(next(e for e in result.errors if e.row == 4 and e.column == "videoId"))
    assert [r.video_id for r in result.records] == ["LzP8hK2cYtA", "Sh0rtVid001"]


def test_missing_required_column_is_one_header_error():
    result = parse_video_rows([{"title": "x"}])
    assert [(e.row, e.column) for e in result.errors] == [(1, "videoId or url")]


def test_coding_import_checks_levels_coders_and_variables():
    rows = read_table(
        b"videoId;coder;publisher_identity;video_duration;title_information;affective_expression\n"
        b"LzP8hK2cYtA;ann;1;12.5;0;\n"
        b"LzP8hK2cYtA;bob;2;;;\n"
        b"LzP8hK2cYtA;ann;0;;;\n"
        b"Sh0rtVid001;eve;;;1;\n",
        filename="codes.csv",
    )
    result = parse_coding_rows(rows, codebook=default_codebook(), known_coders={"ann", "bob"})
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert (1, "affective_expression") in messages  # computed: not importable
    assert "allowed: 0 (Media or organisation), 1 (Individual)" in messages[(3, "publisher_identity")]
    assert "row 2" in messages[(4, "videoId")]
    assert "not a coder" in messages[(5, "coder")]
    assert result.records[0].values == {"publisher_identity": 1.0, "video_duration": 12.5, "title_information": 0.0}


def test_export_csv_and_xlsx_round_trip_and_guard_formulas():
    rows = [
        {"videoId": "LzP8hK2cYtA", "videoTitle": "=HYPERLINK(\"http://evil\")", "viewCount": 5,
         "likeCount": None, "publishedAt": datetime(2019, 4, 27, 9, 0, 7, tzinfo=UTC)},
        {"videoId": "Sh0rtVid001", "videoTitle": "剪纸艺术", "viewCount": 7},
    ]
    data = to_csv_bytes(rows, columns=VIDEO_EXPORT_COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    back = read_table(data, filename="export.csv")
    assert back[0]["videoTitle"].startswith("'=") and back[0]["likeCount"] == ""
    assert back[0]["publishedAt"] == "2019-04-27T09:00:07Z" and back[1]["videoTitle"] == "剪纸艺术"
    xlsx = to_xlsx_bytes(rows, columns=VIDEO_EXPORT_COLUMNS)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[1]][:3] == ["videoId", "url", "videoTitle"]
    assert sheet["H2"].value == 5 and sheet["C2"].value.startswith("'=")
    assert read_table(xlsx, filename="export.xlsx")[1]["videoId"] == "Sh0rtVid001"
