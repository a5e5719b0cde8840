"""A study of the institution's coded videos as of a date: final codes decided by then, harvested
fallbacks, HIV-4 polarity and the dissemination effect from snapshots on or before the date."""

from datetime import date, datetime, timedelta, timezone

import pytest

from dissemination.coding import ensure_codebook
from dissemination.models import Channel, FinalCoding, MetricSnapshot, SentimentScore, Video
from qca import services
from qca.sources import StudyDataError, table_from_videos

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 1)


def _video(institution, codebook, n, *, polarity=0.3, views=1000, codes=None, published=datetime(2026, 1, 5)):
    channel, _ = Channel.objects.get_or_create(institution=institution, youtube_id="UC1",
                                               defaults={"subscribers": 5000, "uploads_per_month": 4.0})
    video = Video.objects.create(institution=institution, youtube_id=f"vid{n:03d}", channel=channel,
                                 title=f"Video {n}", duration_seconds=120 * n,
                                 published_at=published.replace(tzinfo=timezone.utc))
    for variable in codebook.variables.filter(source__in=["coder", "suggested"]):
        value = (codes or {}).get(variable.key, n % 2)
        FinalCoding.objects.create(institution=institution, video=video, variable=variable, value=value,
                                   origin="agreed", codebook_version=codebook.version)
    # decided before the study date (decided_at is auto_now, so set it afterwards)
    FinalCoding.objects.filter(video=video).update(decided_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    if polarity is not None:
        SentimentScore.objects.create(institution=institution, video=video, polarity=polarity, language_flag="en")
    for day, factor in ((AS_OF - timedelta(days=10), 1), (AS_OF + timedelta(days=10), 50)):
        MetricSnapshot.objects.create(institution=institution, video=video, captured_on=day,
                                      captured_at=datetime.combine(day, datetime.min.time(), timezone.utc),
                                      views=views * n * factor, likes=10 * n, comments=n)
    return video


def test_videos_as_of_a_date_become_a_frozen_study(tenant_a):
    institution = tenant_a.institution
    codebook = ensure_codebook(institution=institution)
    for n in range(1, 5):
        _video(institution, codebook, n)
    _video(institution, codebook, 5, polarity=None)  # non-English text: no affective expression
    _video(institution, codebook, 6, published=datetime(2026, 4, 1))  # published after the date
    study = services.study_create_from_videos(institution=institution, actor=tenant_a.users["staff"], name="V",
                                              as_of=AS_OF)
    assert study.codebook_version == codebook.version and study.as_of == AS_OF
    assert [c["id"] for c in study.data["cases"]] == ["vid001", "vid002", "vid003", "vid004"]
    assert study.data["excluded"] == [{"case": "vid005", "label": "Video 5", "why": "missing Affective expression"}]
    assert study.column_values("video_duration") == [2.0, 4.0, 6.0, 8.0]  # harvested, in minutes
    assert study.column_values("fan_base") == [5000.0] * 4
    assert study.column_values("title_information") == [1.0, 0.0, 1.0, 0.0]
    # the effect is dissemination's rule over the videos published by the date, from snapshots by then
    from dissemination.selectors import effects_as_of

    expected = effects_as_of(institution=institution, as_of=AS_OF, videos=Video.objects.exclude(youtube_id="vid006"))
    effect = study.column_values("dissemination_effect")
    assert effect == [float(expected.loc[c["video_id"], "effect"]) for c in study.data["cases"]]
    assert effect[0] == 0.0 and effect == sorted(effect)
    outcome = study.conditions.get(column="dissemination_effect")
    assert outcome.method == "direct" and study.outcome_column == "dissemination_effect"
    assert study.conditions.get(column="title_information").level_labels == {
        "0": "Statement", "1": "Exclamation or question"}
    assert study.conditions.get(column="mainstream_media").expectation == "present"


def test_too_few_coded_videos_is_a_clear_error(tenant_a):
    with pytest.raises(StudyDataError, match="no codebook"):
        table_from_videos(institution=tenant_a.institution, as_of=AS_OF)
    codebook = ensure_codebook(institution=tenant_a.institution)
    _video(tenant_a.institution, codebook, 1)
    with pytest.raises(StudyDataError, match="fewer than two videos were published"):
        table_from_videos(institution=tenant_a.institution, as_of=AS_OF)


def test_rerun_at_a_later_date_keeps_calibrations_and_compares(tenant_a):
    institution = tenant_a.institution
    codebook = ensure_codebook(institution=institution)
    for n in range(1, 9):
        _video(institution, codebook, n, codes={"title_information": n % 2, "innovation": int(n > 4)})
    study = services.study_create_from_videos(institution=institution, actor=None, name="V", as_of=AS_OF)
    analysis = services.analysis_create(study=study, actor=None, outcome="dissemination_effect",
                                        conditions=["title_information", "innovation"], incl_cut=0.7)
    analysis = services.analysis_submit(analysis=analysis, actor=None, inline=True)
    assert analysis.status == "finished", analysis.error
    rerun = services.study_rerun(analysis=analysis, actor=None, as_of=AS_OF + timedelta(days=20))
    assert rerun.study.rerun_of == study and rerun.status == "finished"
    assert rerun.calibrations == analysis.calibrations  # same anchors, so the results compare
    page = tenant_a.client("staff").get(f"/learn/analyses/{analysis.pk}/compare/?with={rerun.pk}")
    assert page.status_code == 200 and "Solution coverage" in page.content.decode()
    with pytest.raises(Exception, match="choose a date after"):
        services.study_rerun(analysis=analysis, actor=None, as_of=AS_OF)
