"""The demo generator: idempotent, and its data carry the paper's configurations."""

import numpy as np
import pytest
from django.utils import timezone

from dissemination import demo, selectors
from dissemination.models import Coding, FinalCoding, MetricSnapshot, Video
from ichplatform.management.commands.seed_demo import SEED, DemoContext

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _seed(tenant):
    users = {"demo-coder": tenant.users["coder"], "demo-coder2": tenant.users["admin"],
             "demo-staff": tenant.users["staff"]}
    demo.seed(DemoContext(institution=tenant.institution, users=users, rng=np.random.default_rng(SEED)))


def _fingerprint(institution):
    return (list(MetricSnapshot.objects.filter(institution=institution).order_by("video__youtube_id", "captured_on")
                 .values_list("video__youtube_id", "captured_on", "views", "likes", "comments")),
            list(FinalCoding.objects.filter(institution=institution).order_by("video__youtube_id", "variable__key")
                 .values_list("video__youtube_id", "variable__key", "value", "origin")),
            Coding.objects.filter(institution=institution).count())


def test_demo_is_idempotent_and_plants_the_papers_configurations(tenant_a):
    _seed(tenant_a)
    first = _fingerprint(tenant_a.institution)
    _seed(tenant_a)
    assert _fingerprint(tenant_a.institution) == first
    institution = tenant_a.institution
    assert Video.objects.filter(institution=institution).count() == 120
    assert MetricSnapshot.objects.filter(institution=institution, views__lt=1).count() == 0

    effects = selectors.effects_as_of(institution=institution, as_of=timezone.localdate())["effect"]
    codes = {}
    for video_id, key, value in FinalCoding.objects.filter(institution=institution).values_list(
            "video_id", "variable__key", "value"):
        codes.setdefault(video_id, {})[key] = value
    complete = {v: c for v, c in codes.items() if {"title_information", "innovation", "interpretation_mode",
                                                   "video_form", "affective_expression"} <= set(c)}
    assert len(complete) >= 100

    def paths(c):
        t, i, p, f = (c[k] == 1 for k in ("title_information", "innovation", "interpretation_mode", "video_form"))
        a = c["affective_expression"] is not None and c["affective_expression"] > 0.5
        return {"pan_life": t and i and (not a or not p), "pan_knowledge": not t and f and not p and not i and not a}

    for path in ("pan_life", "pan_knowledge"):
        members = [v for v, c in complete.items() if paths(c)[path]]
        high = [effects[v] > 0.5 for v in members]
        assert len(members) >= 12 and sum(high) / len(high) >= 0.85, (path, sum(high), len(high))
    outside = [effects[v] > 0.5 for v, c in complete.items() if not any(paths(c).values())]
    assert sum(outside) / len(outside) <= 0.15
