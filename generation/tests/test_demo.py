"""The demo seed: the domain, both image sets, the bundled model as the default, one finished job
and one product of each kind, all idempotent (a second seed changes nothing)."""

import numpy as np
import pytest

from accounts.models import Role
from generation import demo
from generation.models import CreativeProduct, GenerationJob, SourceImage, StyleModel

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


class Context:
    def __init__(self, tenant):
        self.institution = tenant.institution
        self.users = {"demo-staff": tenant.users[Role.STAFF]}
        self.rng = np.random.default_rng(0)
        self.log = []


def counts():
    return (SourceImage.objects.count(), StyleModel.objects.count(), GenerationJob.objects.count(),
            CreativeProduct.objects.count())


def test_demo_seed_is_complete_and_idempotent(tenant_a, media):
    context = Context(tenant_a)
    demo.seed(context)
    model = StyleModel.objects.get()
    assert model.domain.name == demo.DOMAIN_NAME and model.domain.default_model == model
    assert model.provenance["source"] == demo.DEMO_SOURCE and model.metrics["vs_reference"]["ssim"] > 0
    assert counts() == (24, 1, 1, 4)
    job = GenerationJob.objects.get()
    assert job.status == "done" and job.source == "demo"
    assert {p.kind: p.status for p in CreativeProduct.objects.all()} == {
        "poster": "done", "pattern": "done", "sticker": "done", "magnified": "done"}
    demo.seed(context)
    assert counts() == (24, 1, 1, 4)
    assert "one product of each kind" in context.log[-1]
