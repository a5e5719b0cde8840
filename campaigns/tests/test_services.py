"""Campaign services and selectors with real QCA results, real videos and snapshots."""

import statistics
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from campaigns import selectors, services
from campaigns.models import PlannedVideo
from dissemination.models import HarvestKind, HarvestRun
from dissemination.selectors import effects_as_of
from dissemination.tests.factories import make_snapshot, make_video
from generation.tests.factories import creative_product
from qca.models import Recommendation

from .factories import make_campaign, make_evidence, make_planned

pytestmark = pytest.mark.django_db


def test_campaign_records_audiences_strategy_and_evidence(tenant_a):
    campaign = make_campaign(tenant_a)
    assert campaign.target_regions == ["US", "GB"] and campaign.target_languages == ["en", "zh-Hans"]
    assert campaign.evidence_configuration.result == campaign.evidence_result
    assert campaign.evidence_configuration.strategy == campaign.strategy == "pan_life"
    assert AuditEvent.objects.filter(verb="campaign.created", target_id=str(campaign.pk)).exists()


def test_bad_campaigns_are_refused_with_reasons(tenant_a, tenant_b):
    result = make_evidence(tenant_a)
    pan_knowledge = result.configurations.get(strategy="pan_knowledge")
    base = dict(institution=tenant_a.institution, actor=tenant_a.users["staff"], name="X", goal="g",
                starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(**{**base, "ends_on": date(2026, 2, 1)})
    assert "ends_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(**base, strategy="pan_life", evidence_result=result,
                                 evidence_configuration=pan_knowledge)
    assert "pan-knowledge" in exc.value.message_dict["evidence_configuration"][0]
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(**base, evidence_result=make_evidence(tenant_b))
    assert "another institution" in exc.value.message_dict["evidence_result"][0]
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(**{**base, "target_regions": "CN, <script>"})
    assert "target_regions" in exc.value.message_dict


def test_planned_video_gets_the_qca_recommendation_and_staff_revise_it(tenant_a):
    campaign = make_campaign(tenant_a)
    planned = make_planned(campaign, tenant_a, codes={"title_information": 0, "innovation": 1, "video_form": 0})
    recommendation = planned.recommendation
    assert isinstance(recommendation, Recommendation) and recommendation.result == campaign.evidence_result
    # Innovation present, a plain title: the nearest configuration is T*I (pan-life), lifted by an expressive title.
    assert recommendation.nearest.term == "title_information*innovation" and recommendation.strategy == "pan_life"
    assert [c["column"] for c in recommendation.changes] == ["title_information"]
    assert recommendation.membership_before < 0.5 < recommendation.membership_after

    revised = services.planned_video_apply_advice(planned=planned, actor=tenant_a.users["staff"])
    assert revised.revision == 2 and revised.codes["title_information"] == 1
    assert revised.recommendation != recommendation and revised.recommendation.membership_before > 0.5
    assert revised.recommendation.changes == []

    services.planned_video_revise(planned=revised, actor=tenant_a.users["staff"],
                                  codes={"title_information": 0, "innovation": 0, "video_form": 1})
    revised.refresh_from_db()
    assert revised.revision == 3 and revised.recommendation.strategy == "pan_knowledge"


def test_plan_with_missing_codes_is_refused_and_nothing_is_saved(tenant_a):
    campaign = make_campaign(tenant_a)
    with pytest.raises(ValidationError) as exc:
        make_planned(campaign, tenant_a, codes={"title_information": 1})
    assert set(exc.value.message_dict) == {"innovation", "video_form"}
    assert not PlannedVideo.objects.filter(campaign=campaign).exists()


def test_campaign_without_evidence_plans_without_advice_until_evidence_is_chosen(tenant_a):
    campaign = make_campaign(tenant_a, with_evidence=False, strategy="undecided")
    planned = make_planned(campaign, tenant_a)
    assert planned.recommendation is None
    result = make_evidence(tenant_a)
    services.campaign_update(campaign=campaign, actor=tenant_a.users["staff"], strategy="pan_life",
                             evidence_result=result,
                             evidence_configuration=result.configurations.get(strategy="pan_life"))
    planned.refresh_from_db()
    assert planned.recommendation is not None and planned.recommendation.result == result


def test_linking_a_tracked_video_or_an_unknown_id(tenant_a):
    campaign = make_campaign(tenant_a)
    first, second = make_planned(campaign, tenant_a), make_planned(campaign, tenant_a, title="Second")
    video = make_video(tenant_a.institution, youtube_id="dQw4w9WgXcQ", tracked=False)
    services.planned_video_link(planned=first, actor=tenant_a.users["staff"],
                                youtube="https://youtu.be/dQw4w9WgXcQ")
    video.refresh_from_db()
    assert first.video == video and video.tracked
    with pytest.raises(ValidationError):
        services.planned_video_link(planned=second, actor=tenant_a.users["staff"], youtube="dQw4w9WgXcQ")
    with pytest.raises(ValidationError):
        services.planned_video_link(planned=second, actor=tenant_a.users["staff"], youtube="not a video")

    services.planned_video_link(planned=second, actor=tenant_a.users["staff"],
                                youtube="https://www.youtube.com/watch?v=abcdefghijk")
    assert second.video is None and second.published_youtube_id == "abcdefghijk"
    run = HarvestRun.objects.get(institution=tenant_a.institution, kind=HarvestKind.VIDEOS)
    assert run.parameters["video_ids"] == ["abcdefghijk"]
    assert services.link_harvested_videos(institution=tenant_a.institution) == 0
    harvested = make_video(tenant_a.institution, youtube_id="abcdefghijk")
    assert services.link_harvested_videos(institution=tenant_a.institution) == 1
    second.refresh_from_db()
    assert second.video == harvested


def test_foreign_rows_cannot_be_attached(tenant_a, tenant_b):
    campaign = make_campaign(tenant_a, with_evidence=False, strategy="undecided")
    planned = make_planned(campaign, tenant_a, codes={})
    with pytest.raises(ValidationError):
        services.planned_video_link(planned=planned, actor=tenant_a.users["staff"],
                                    youtube=make_video(tenant_b.institution))
    with pytest.raises(ValidationError):
        services.campaign_products_set(campaign=campaign, actor=tenant_a.users["staff"],
                                       products=[creative_product(tenant_b)])
    with pytest.raises(ValidationError):
        services.token_grant_add(campaign=campaign, token=tenant_b.token().token, actor=tenant_a.users["admin"])
    product = creative_product(tenant_a)
    services.campaign_products_set(campaign=campaign, actor=tenant_a.users["staff"], products=[product])
    assert list(campaign.products.all()) == [product]


def test_results_compare_linked_videos_with_baseline_and_prediction(tenant_a, tenant_b):
    campaign = make_campaign(tenant_a)
    as_of = date(2026, 2, 1)
    others = []
    for n, views in enumerate((2_000, 8_000, 30_000, 120_000, 500_000)):
        video = make_video(tenant_a.institution, youtube_id=f"other{n:06d}")
        make_snapshot(video, captured_on=as_of - timedelta(days=1), views=views, likes=views // 50,
                      comments=views // 500)
        others.append(video)
    star = make_video(tenant_a.institution, youtube_id="star0000001")
    make_snapshot(star, captured_on=as_of, views=3_000_000, likes=90_000, comments=9_000)
    make_snapshot(star, captured_on=as_of + timedelta(days=5), views=1, likes=1, comments=1)  # after the date
    foreign = make_video(tenant_b.institution, youtube_id="star0000001")
    make_snapshot(foreign, captured_on=as_of, views=10**9, likes=10**7, comments=10**6)
    planned = make_planned(campaign, tenant_a, codes={"title_information": 1, "innovation": 1, "video_form": 0})
    services.planned_video_link(planned=planned, actor=tenant_a.users["staff"], youtube=star)
    make_planned(campaign, tenant_a, title="Not published yet")

    results = selectors.campaign_results(campaign=campaign, as_of=as_of)

    effects = effects_as_of(institution=tenant_a.institution, as_of=as_of)["effect"]
    assert results.baseline_count == len(others)
    assert results.baseline_median == pytest.approx(statistics.median(effects[[v.pk for v in others]]))
    measured = results.measured
    assert [r.planned for r in measured] == [planned]
    assert measured[0].effect == pytest.approx(effects[star.pk]) and measured[0].effect > results.baseline_median
    assert results.above_baseline == 1
    assert results.predicted_consistency == campaign.evidence_configuration.consistency
    assert results.predicted_coverage == campaign.evidence_configuration.raw_coverage
    assert measured[0].outcome_membership > 0.5 and results.observed_in_outcome == 1.0
    assert measured[0].configuration_membership > 0.5
