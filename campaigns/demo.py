"""Demo data of the Campaigns area (called by `manage.py seed_demo` after the QCA and generation
demos): one campaign on the strategy the demo QCA evidence supports, two planned videos (one
needing a change, one already published and linked to a tracked demo video) and the demo's
creative products. Idempotent: an existing demo campaign is kept."""

from datetime import timedelta

from django.utils import timezone

from dissemination.models import Video
from generation.models import CreativeProduct, JobStatus
from qca import selectors as qca_selectors
from qca.demo import DEMO_STUDY

from . import services
from .models import Campaign

DEMO_CAMPAIGN = "Spring Festival paper-cuts abroad"
# Planned raw codes; unknown columns are ignored, missing ones take the neutral value below.
PLANS = (
    ("Ten-minute dragon: a new cut for the Year of the Dragon",
     {"title_information": 0, "innovation": 1, "video_form": 0, "interpretation_mode": 0,
      "affective_expression": -0.2}),
    ("Why do paper-cuts hang on windows?",
     {"title_information": 1, "innovation": 1, "video_form": 1, "interpretation_mode": 0,
      "affective_expression": -0.3}),
)


def seed(context) -> None:
    institution, staff = context.institution, context.users.get("demo-staff")
    if Campaign.objects.filter(institution=institution, name=DEMO_CAMPAIGN).exists():
        context.log.append("campaigns: demo campaign already there")
        return
    analysis = qca_selectors.finished_analyses(institution=institution).filter(study__name=DEMO_STUDY).first()
    result = getattr(analysis, "result", None)
    strategy, configuration = "undecided", None
    if result is not None:
        supported = qca_selectors.strategy_summary(result)["supported"]
        if supported:
            strategy = supported["strategy"]
            configuration = max((g["configuration"] for g in supported["configurations"]),
                                key=lambda c: c.raw_coverage or 0)
    today = timezone.localdate()
    campaign = services.campaign_create(
        institution=institution, actor=staff, name=DEMO_CAMPAIGN,
        goal="Bring Zhangzhou paper-cutting to young audiences abroad around the Spring Festival.",
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60),
        target_regions=["US", "GB", "MY"], target_languages=["en", "zh-Hans"], strategy=strategy,
        evidence_result=result if configuration is not None else None, evidence_configuration=configuration)
    columns = list(analysis.conditions) if analysis else []
    for n, (title, codes) in enumerate(PLANS):
        planned = services.planned_video_create(
            campaign=campaign, actor=staff, title=title, planned_on=today - timedelta(days=20 - 10 * n),
            codes={c: codes.get(c, 0) for c in columns})
        if n == 1:  # published: linked to the institution's most recent tracked video
            video = Video.objects.filter(institution=institution, tracked=True).order_by("-published_at").first()
            if video is not None:
                services.planned_video_link(planned=planned, actor=staff, youtube=video)
    products = CreativeProduct.objects.filter(institution=institution, status=JobStatus.DONE)
    services.campaign_products_set(campaign=campaign, actor=staff, products=products)
    context.log.append(f"campaigns: demo campaign '{campaign}' ({campaign.get_strategy_display()}, "
                       f"{len(PLANS)} planned videos, {products.count()} products)")
