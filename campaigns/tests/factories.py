"""Tenancy factories of the Campaigns area (registered for tests/test_tenancy_routes.py) and the
builders this app's tests use. Everything is made through the services, with real QCA results."""

from datetime import date
from itertools import product

from campaigns import services
from campaigns.models import Campaign, CampaignProductRequest, CampaignReport, CampaignTokenGrant, PlannedVideo
from qca import services as qca_services
from tests.factories import register

CONDITIONS = ["title_information", "innovation", "video_form"]


def strategy_csv() -> bytes:
    """A crisp table where Y = T*I + ~T*~I*F holds exactly; its columns use the codebook's keys,
    so the default typology labels T*I pan-life and ~T*~I*F pan-knowledge."""
    lines = ["case," + ",".join(CONDITIONS) + ",dissemination_effect"]
    for n, (t, i, f) in enumerate(product((0, 1), repeat=3)):
        y = int((t and i) or (not t and not i and f))
        for copy in range(2):
            lines.append(f"c{n}-{copy},{t},{i},{f},{y}")
    return ("\n".join(lines) + "\n").encode()


def make_evidence(tenant):
    """A finished analysis with a pan-life and a pan-knowledge configuration; returns its result."""
    staff = tenant.users["staff"]
    qca_services.typology_defaults_ensure(institution=tenant.institution, actor=staff)
    study = qca_services.study_create_from_upload(institution=tenant.institution, actor=staff,
                                                  name="Strategy study", filename="strategy.csv",
                                                  content=strategy_csv())
    # The outcome is an effect in [0, 1]: calibrated around 0.5 like the demo, not crisp at 1.
    outcome = study.conditions.get(column="dissemination_effect")
    qca_services.condition_calibrate(condition=outcome, actor=staff, method="direct",
                                     anchors={"e": 0.1, "c": 0.5, "i": 0.9})
    analysis = qca_services.analysis_create(study=study, actor=staff, outcome="dissemination_effect",
                                            conditions=CONDITIONS)
    return qca_services.analysis_submit(analysis=analysis, actor=staff, inline=True).result


def make_campaign(tenant, *, name="Spring festival campaign", strategy="pan_life", result=None,
                  with_evidence=True) -> Campaign:
    result = result if result is not None or not with_evidence else make_evidence(tenant)
    configuration = None
    if result is not None:
        configuration = result.configurations.filter(strategy=strategy).first()
    return services.campaign_create(
        institution=tenant.institution, actor=tenant.users["staff"], name=name,
        goal="Reach young audiences abroad with paper-cut stories.", starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31), target_regions=["us", "GB"], target_languages=["en", "zh-Hans"],
        strategy=strategy, evidence_result=result, evidence_configuration=configuration)


def make_planned(campaign, tenant, *, title="Dragon cut, step by step", codes=None) -> PlannedVideo:
    codes = codes if codes is not None else {"title_information": 0, "innovation": 1, "video_form": 0}
    return services.planned_video_create(campaign=campaign, actor=tenant.users["staff"], title=title, codes=codes)


@register(Campaign)
def _campaign(tenant):
    return make_campaign(tenant, with_evidence=False)


@register(PlannedVideo)
def _planned(tenant):
    return make_planned(make_campaign(tenant), tenant)


@register(CampaignTokenGrant)
def _grant(tenant):
    return services.token_grant_add(campaign=_campaign(tenant), token=tenant.token(role="partner").token,
                                    actor=tenant.users["admin"])


@register(CampaignReport)
def _report(tenant):
    return CampaignReport.objects.create(institution=tenant.institution, starts_on=date(2026, 1, 1),
                                         ends_on=date(2026, 3, 31))


@register(CampaignProductRequest)
def _product_request(tenant):
    from generation.models import JobStatus
    from generation.tests.factories import generation_job

    job = generation_job(tenant)
    assert job.status == JobStatus.DONE
    return CampaignProductRequest.objects.create(institution=tenant.institution, campaign=_campaign(tenant), job=job,
                                                 kind="sticker")
