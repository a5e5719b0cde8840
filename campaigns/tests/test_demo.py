"""The campaigns demo builds one campaign on the demo QCA evidence, idempotently."""

import numpy as np
import pytest

from campaigns import demo
from campaigns.models import Campaign
from dissemination.tests.factories import make_video
from qca import demo as qca_demo

pytestmark = pytest.mark.django_db


def test_demo_campaign_follows_the_supported_strategy(tenant_a):
    from ichplatform.management.commands.seed_demo import DemoContext

    make_video(tenant_a.institution, youtube_id="demo0000001")
    context = DemoContext(institution=tenant_a.institution, users={"demo-staff": tenant_a.users["staff"]},
                          rng=np.random.default_rng(1))
    qca_demo.seed(context)  # no coded videos here: the QCA demo uses its generated table
    demo.seed(context)
    demo.seed(context)
    campaign = Campaign.objects.get(institution=tenant_a.institution)
    assert campaign.strategy in ("pan_life", "pan_knowledge")
    assert campaign.evidence_configuration.strategy == campaign.strategy
    plans = list(campaign.planned_videos.order_by("pk"))
    assert len(plans) == 2 and all(p.recommendation is not None for p in plans)
    assert plans[1].video.youtube_id == "demo0000001"
    assert "already there" in context.log[-1]
