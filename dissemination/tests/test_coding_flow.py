"""Codebook copy, double coding, agreement, reconciliation; import (row errors, all or nothing)
and export."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from dissemination import coding, transfer
from dissemination.codebook_default import default_codebook
from dissemination.models import Codebook, Coding, CodingAssignment, FinalCoding, FinalOrigin, Video

from .factories import make_snapshot, make_video

pytestmark = pytest.mark.django_db


def test_default_codebook_is_copied_once_per_institution(tenant_a, tenant_b):
    first = coding.ensure_codebook(institution=tenant_a.institution)
    assert coding.ensure_codebook(institution=tenant_a.institution) == first
    coding.ensure_codebook(institution=tenant_b.institution)
    assert Codebook.objects.count() == 2
    assert [v.key for v in first.variables.all()] == [v.key for v in default_codebook().variables]
    assert first.variables.get(key="title_information").levels == [
        {"value": 0, "label": "Statement"}, {"value": 1, "label": "Exclamation or question"}]


def _double_code(tenant, video, first: dict, second: dict):
    coders = [tenant.users["coder"], tenant.users["staff"]]
    coding.assign(institution=tenant.institution, videos=[video], coders=coders, actor=tenant.users["admin"])
    for coder, values in zip(coders, (first, second)):
        assignment = CodingAssignment.objects.get(video=video, coder=coder)
        coding.codings_save(assignment=assignment, values=values, actor=coder)


def _all_codes(value=0, **overrides):
    keys = [v.key for v in default_codebook().variables if v.source in ("coder", "suggested")]
    return {**dict.fromkeys(keys, value), **overrides}


def test_agreed_codes_become_final_and_disagreements_wait_for_staff(tenant_a):
    video = make_video(tenant_a.institution)
    other = make_video(tenant_a.institution, "vidBBBBBBB2")
    _double_code(tenant_a, video, _all_codes(innovation=1), _all_codes(innovation=0))
    _double_code(tenant_a, other, _all_codes(innovation=1), _all_codes(innovation=1))
    finals = {f.variable.key: f for f in FinalCoding.objects.filter(video=video)}
    assert "innovation" not in finals and finals["originality"].origin == FinalOrigin.AGREED
    pending = coding.pending_reconciliation(institution=tenant_a.institution)
    assert [v.key for v in pending[video.pk]] == ["innovation"] and other.pk not in pending
    report = {v.key: r for v, r in coding.agreement_report(institution=tenant_a.institution)}
    assert report["innovation"].n_paired == 2 and report["innovation"].percent_agreement == 0.5
    assert report["originality"].percent_agreement == 1.0

    client = tenant_a.client("staff")
    page = client.get(reverse("dissemination:agreement")).content.decode()
    assert reverse("dissemination:reconcile", args=[video.pk]) in page
    client.post(reverse("dissemination:reconcile", args=[video.pk]), {"final_innovation": "1", "note": "new angle"})
    final = FinalCoding.objects.get(video=video, variable__key="innovation")
    assert (final.value, final.origin, final.decided_by, final.note) == (
        1, FinalOrigin.RECONCILED, tenant_a.users["staff"], "new angle")
    assert coding.pending_reconciliation(institution=tenant_a.institution) == {}


def test_codings_record_the_codebook_version_and_check_levels_and_coder(tenant_a):
    video = make_video(tenant_a.institution)
    coder = tenant_a.users["coder"]
    coding.assign(institution=tenant_a.institution, videos=[video], coders=[coder], actor=tenant_a.users["staff"])
    assignment = CodingAssignment.objects.get()
    codebook = coding.ensure_codebook(institution=tenant_a.institution)
    variable = codebook.variables.get(key="innovation")
    coding.variable_save(codebook=codebook, actor=tenant_a.users["staff"], variable=variable, key="innovation",
                         label="Innovation", dimension="content", kind="binary", levels=variable.levels,
                         instructions="Is it new?", source="coder")
    coding.codings_save(assignment=assignment, values={"innovation": "1"}, actor=coder)
    assert Coding.objects.get().codebook_version == 2
    with pytest.raises(ValidationError, match="not a level"):
        coding.codings_save(assignment=assignment, values={"innovation": "2"}, actor=coder)
    with pytest.raises(PermissionDenied):
        coding.codings_save(assignment=assignment, values={"innovation": "0"}, actor=tenant_a.users["staff"])
    with pytest.raises(ValidationError):  # partners do not code
        coding.assign(institution=tenant_a.institution, videos=[video], coders=[tenant_a.users["partner"]],
                      actor=tenant_a.users["staff"])


def test_coding_screen_post_saves_and_moves_to_the_next_video(tenant_a):
    first, second = make_video(tenant_a.institution), make_video(tenant_a.institution, "vidBBBBBBB2")
    coder = tenant_a.users["coder"]
    coding.assign(institution=tenant_a.institution, videos=[first, second], coders=[coder], actor=coder)
    a1, a2 = CodingAssignment.objects.order_by("pk")
    data = {f"v_{k}": v for k, v in _all_codes(1).items()}
    response = tenant_a.client("coder").post(reverse("dissemination:coding_screen", args=[a1.pk]),
                                             {**data, "go": "next"})
    assert response.url == reverse("dissemination:coding_screen", args=[a2.pk])
    a1.refresh_from_db()
    assert a1.completed_at is not None and Coding.objects.filter(coder=coder, video=first).count() == len(data)


VIDEOS_CSV = ("videoId,videoTitle,channelId,channelTitle,publishedAt,durationSec,viewCount,likeCount,commentCount\n"
              "LzP8hK2cYtA,Bamboo rice!,UCoC47do520os_4DBMEFGg4A,Liziqi,2019-04-27T09:00:07Z,754,98765432,,54321\n"
              "Sh0rtVid001,剪纸艺术,UCabcdefghijklmnopqrstuv,非遗小站,2023-08-01T12:30:00Z,45,3100200,12,\n")


def test_import_videos_then_export_csv_and_xlsx(tenant_a):
    outcome = transfer.import_videos(institution=tenant_a.institution, data=VIDEOS_CSV.encode(), filename="v.csv",
                                     actor=tenant_a.users["staff"])
    assert outcome.ok and (outcome.created, outcome.updated) == (2, 0)
    video = Video.objects.get(youtube_id="LzP8hK2cYtA")
    snapshot = video.snapshots.get()
    assert snapshot.likes is None and snapshot.views == 98765432 and video.source == "import"
    assert video.suggested_codes["title_information"]["value"] == 1

    client = tenant_a.client("staff")
    body = client.get(reverse("dissemination:export"), {"format": "csv"}).content.decode("utf-8-sig")
    header, *rows = body.strip().split("\r\n")
    assert header.startswith("videoId,url,videoTitle,channelId,channelTitle,publishedAt,durationSec,viewCount")
    assert "innovation" in header and "disseminationEffect" in header
    assert len(rows) == 2 and "LzP8hK2cYtA" in rows[0] and ",98765432,," in rows[0]
    xlsx = client.get(reverse("dissemination:export"), {"format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert sheet.cell(1, 1).value == "videoId" and sheet.max_row == 3


def test_import_with_errors_names_row_and_column_and_writes_nothing(tenant_a):
    bad = VIDEOS_CSV + "no video here,x,,,,,12abc,,\n"
    client = tenant_a.client("staff")
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(reverse("dissemination:transfer"),
                       {"what": "videos", "file": SimpleUploadedFile("v.csv", bad.encode())}).content.decode()
    assert "Nothing was imported" in page and '<td class="num">4</td><td>videoId</td>' in page
    assert '<td class="num">4</td><td>viewCount</td>' in page
    assert not Video.objects.exists()


def test_import_codings_checks_videos_and_coders_then_settles_agreement(tenant_a):
    video = make_video(tenant_a.institution, "LzP8hK2cYtA")
    make_snapshot(video)
    coder, staff = tenant_a.users["coder"].username, tenant_a.users["staff"].username
    bad = (f"videoId,coder,innovation\nLzP8hK2cYtA,{coder},1\nNoSuchVid01,{coder},1\nLzP8hK2cYtA,nobody,1\n"
           f"LzP8hK2cYtA,{staff},7\n")
    outcome = transfer.import_codings(institution=tenant_a.institution, data=bad.encode(), filename="c.csv",
                                      actor=tenant_a.users["staff"])
    assert {(e.row, e.column) for e in outcome.errors} == {(3, "videoId"), (4, "coder"), (5, "innovation")}
    assert not Coding.objects.exists() and not CodingAssignment.objects.exists()

    keys = list(_all_codes())
    sheet = "videoId,coder," + ",".join(keys) + "\n" + "".join(
        f"LzP8hK2cYtA,{name}," + ",".join("1" for _ in keys) + "\n" for name in (coder, staff))
    outcome = transfer.import_codings(institution=tenant_a.institution, data=sheet.encode(), filename="c.csv",
                                      actor=tenant_a.users["staff"])
    assert outcome.ok and outcome.created == 2 * len(keys)
    assert FinalCoding.objects.filter(video=video, origin=FinalOrigin.AGREED).count() == len(keys)


def test_unreadable_file_is_a_clear_error(tenant_a):
    outcome = transfer.import_videos(institution=tenant_a.institution, data=b"\xff\xfe\x00bad", filename="v.csv",
                                     actor=None)
    assert not outcome.ok and "UTF-8" in outcome.errors[0].message
