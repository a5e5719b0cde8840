"""A study built from seeded videos reproduces a result checked by hand: the dissemination effect
of twelve videos (min–max of log1p, weights 0.5/0.3/0.2), crisp calibration, the truth table and
the solution with its fit.

The seeded counts are 10**k - 1, so log1p(count) = k·ln 10 and the min–max normalisation of a
component is (k - k_min) / (k_max - k_min). With views k = 1..5, likes and comments k = 0..2:

    effect = 0.5·(kv - 1)/4 + 0.3·kl/2 + 0.2·kc/2 = 0.125·(kv - 1) + 0.15·kl + 0.1·kc

  video  T I A(polarity) kv kl kc  effect                          Y (effect ≥ 0.5)
  v01    1 1 +0.25       5  2  2   0.5 + 0.3 + 0.2       = 1.0     1
  v02    1 1 -0.25       4  1  1   0.375 + 0.15 + 0.1    = 0.625   1
  v03    1 1 -0.25       3  2  0   0.25 + 0.3            = 0.55    1
  v04    1 0 +0.25       3  1  0   0.25 + 0.15           = 0.4     0
  v05    1 0 -0.25       2  1  1   0.125 + 0.15 + 0.1    = 0.375   0
  v06    0 1 +0.25       4  0  1   0.375 + 0.1           = 0.475   0
  v07    0 0 -0.25       4  1  0   0.375 + 0.15          = 0.525   1
  v08    0 0 -0.25       3  1  2   0.25 + 0.15 + 0.2     = 0.6     1
  v09    0 0 -0.25       2  2  2   0.125 + 0.3 + 0.2     = 0.625   1
  v10    0 0 -0.25       1  0  0   0                     = 0.0     0
  v11    0 1 -0.25       1  2  1   0.3 + 0.1             = 0.4     0
  v12    0 0 +0.25       2  0  2   0.125 + 0.2           = 0.325   0

(the bounds are reached: kv 1 by v10/v11 and 5 by v01, kl and kc 0 and 2.) v10 also has a snapshot
after the study date with a million views; as of the date it must be ignored, or every effect moves.

T = title information, I = innovation (final codes, crisp at 1); A = affective expression (HIV-4
polarity, crisp at 0: +0.25 in, -0.25 out). Truth table (consistency = share of the row's cases with Y):
  111: v01          n=1  incl 1/1 = 1     → 1
  110: v02 v03      n=2  incl 2/2 = 1     → 1
  101: v04          n=1  incl 0           → 0
  100: v05          n=1  incl 0           → 0
  011: v06          n=1  incl 0           → 0
  010: v11          n=1  incl 0           → 0
  001: v12          n=1  incl 0           → 0
  000: v07-v10      n=4  incl 3/4 = 0.75  → 1 at the cut-off 0.7 (PRI = (3 - 0)/(4 - 0) = 0.75)
Every row is observed, so there are no remainders: complex = parsimonious = intermediate.
Minimisation: 111 + 110 → T*I; 000 merges with none of its neighbours (001, 010, 100 are 0) → ~T*~I*~A.
Fit over the 6 cases with Y (v01-v03, v07-v09):
  T*I:        consistency 3/3 = 1,    raw coverage 3/6 = 0.5, unique 0.5 (no overlap)
  ~T*~I*~A:   consistency 3/4 = 0.75, raw coverage 3/6 = 0.5, unique 0.5
  solution:   consistency 6/7 (7 cases in either term, 6 with Y), coverage 6/6 = 1.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dissemination import coding
from dissemination.models import SentimentScore
from dissemination.tests.factories import make_channel, make_snapshot, make_video
from qca import services

pytestmark = pytest.mark.django_db

#          T  I  polarity kv kl kc  effect by hand
VIDEOS = [(1, 1, +0.25, 5, 2, 2, 1.0), (1, 1, -0.25, 4, 1, 1, 0.625), (1, 1, -0.25, 3, 2, 0, 0.55),
          (1, 0, +0.25, 3, 1, 0, 0.4), (1, 0, -0.25, 2, 1, 1, 0.375), (0, 1, +0.25, 4, 0, 1, 0.475),
          (0, 0, -0.25, 4, 1, 0, 0.525), (0, 0, -0.25, 3, 1, 2, 0.6), (0, 0, -0.25, 2, 2, 2, 0.625),
          (0, 0, -0.25, 1, 0, 0, 0.0), (0, 1, -0.25, 1, 2, 1, 0.4), (0, 0, +0.25, 2, 0, 2, 0.325)]
T, I, A, Y = "title_information", "innovation", "affective_expression", "dissemination_effect"


def _seed_videos(tenant, as_of):
    institution, staff = tenant.institution, tenant.users["staff"]
    codebook = coding.ensure_codebook(institution=institution)
    channel = make_channel(institution, subscribers=12000, uploads_per_month=3.0)
    coded = coding.codable_variables(codebook)  # every coder/suggested variable needs a final code
    for n, (title, innovation, polarity, kv, kl, kc, _) in enumerate(VIDEOS, start=1):
        video = make_video(institution, f"vidHAND{n:04d}", channel=channel, duration_seconds=240,
                           published_at=datetime(2025, 1, 1, tzinfo=UTC))
        for variable in coded:
            value = {T: title, I: innovation}.get(variable.key, 0)
            coding.reconcile(video=video, variable=variable, value=value, actor=staff)
        SentimentScore.objects.create(institution=institution, video=video, polarity=polarity, language_flag="en")
        make_snapshot(video, captured_on=as_of - timedelta(days=3), views=10**kv - 1, likes=10**kl - 1,
                      comments=10**kc - 1)
        if n == 10:  # captured after the study date: not part of the study
            make_snapshot(video, captured_on=as_of + timedelta(days=5), views=10**6, likes=10**3, comments=10**3)


def test_a_study_of_seeded_videos_reproduces_the_hand_checked_result(tenant_a):
    as_of = timezone.localdate()  # final codes are decided now, so the study is as of today
    _seed_videos(tenant_a, as_of)
    study = services.study_create_from_videos(institution=tenant_a.institution, actor=None, name="By hand",
                                              as_of=as_of)
    assert [c["id"] for c in study.data["cases"]] == [f"vidHAND{n:04d}" for n in range(1, 13)]
    assert "excluded" not in study.data
    assert study.column_values(Y) == pytest.approx([v[6] for v in VIDEOS], abs=1e-9)
    assert study.column_values(A) == [v[2] for v in VIDEOS]

    for column, threshold in ((T, 1), (I, 1), (A, 0.0), (Y, 0.5)):
        services.condition_calibrate(condition=study.conditions.get(column=column), actor=None, method="crisp",
                                     anchors={"threshold": threshold})
    analysis = services.analysis_create(study=study, actor=None, outcome=Y, conditions=[T, I, A], incl_cut=0.7)
    analysis = services.analysis_submit(analysis=analysis, actor=None, inline=True)
    assert analysis.status == "finished", analysis.error
    result = analysis.result

    rows = {tuple(int(r["values"][c]) for c in (T, I, A)): r for r in result.truth_table["rows"]}
    cases = {key: sorted(row["cases"]) for key, row in rows.items()}
    assert cases == {(1, 1, 1): ["vidHAND0001"], (1, 1, 0): ["vidHAND0002", "vidHAND0003"],
                     (1, 0, 1): ["vidHAND0004"], (1, 0, 0): ["vidHAND0005"], (0, 1, 1): ["vidHAND0006"],
                     (0, 1, 0): ["vidHAND0011"], (0, 0, 1): ["vidHAND0012"],
                     (0, 0, 0): ["vidHAND0007", "vidHAND0008", "vidHAND0009", "vidHAND0010"]}
    assert {key: row["OUT"] for key, row in rows.items() if row["OUT"] == "1"} == {
        (1, 1, 1): "1", (1, 1, 0): "1", (0, 0, 0): "1"}
    assert rows[(0, 0, 0)]["incl"] == pytest.approx(0.75) and rows[(0, 0, 0)]["PRI"] == pytest.approx(0.75)
    assert rows[(1, 1, 0)]["incl"] == pytest.approx(1.0) and rows[(1, 0, 1)]["incl"] == pytest.approx(0.0)

    expected_terms = [f"{T}*{I}", f"~{T}*~{I}*~{A}"]
    for kind in ("complex", "parsimonious", "intermediate"):
        assert [sorted(m["terms"]) for m in result.solution(kind)["models"]] == [sorted(expected_terms)], kind
    # The complex PI chart is stored sparse: per PI, the ids of the positive rows it covers (R's ids,
    # the first condition the most significant digit: 000 -> 1, 110 -> 7, 111 -> 8).
    chart = result.solution("complex")["solutions"][0]["PIchart"]
    assert "matrix" not in chart and chart["configurations"] == [1, 7, 8]
    assert dict(zip(chart["PIs"], chart["covers"], strict=True)) == {expected_terms[0]: [7, 8], expected_terms[1]: [1]}
    fit = {c.term: (c.consistency, c.raw_coverage, c.unique_coverage) for c in result.configurations.all()}
    assert fit == {expected_terms[0]: pytest.approx((1.0, 0.5, 0.5)),
                   expected_terms[1]: pytest.approx((0.75, 0.5, 0.5))}
    assert result.solution_consistency == pytest.approx(6 / 7)
    assert result.solution_coverage == pytest.approx(1.0)
