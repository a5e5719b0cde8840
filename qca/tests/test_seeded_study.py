"""A study built from seeded data reproduces the paper-like result, checked by hand, and the
typology labels its configurations as the paper does."""

import numpy as np
import pytest

from qca import demo, services, synthetic
from qca.models import StudySource

pytestmark = pytest.mark.django_db


def test_seeded_study_recovers_the_papers_three_configurations(tenant_a):
    table = synthetic.paper_like_table(np.random.default_rng(demo.SEED))
    study = services.study_create(institution=tenant_a.institution, actor=None, name="seeded", table=table,
                                  source=StudySource.UPLOAD, outcome_column=demo.OUTCOME)
    demo.calibrate_demo(study, None)
    analysis = services.analysis_create(study=study, actor=None, outcome=demo.OUTCOME, conditions=demo.CONDITIONS)
    result = services.analysis_submit(analysis=analysis, actor=None, inline=True).result
    labels = {c.term: c.strategy for c in result.configurations.all()}
    assert labels == {
        "title_information*~interpretation_mode*innovation": "pan_life",
        "title_information*innovation*~affective_expression": "pan_life",
        "~title_information*video_form*~interpretation_mode*~innovation*~affective_expression": "pan_knowledge",
    }
    # Hand check of one configuration's fit from the stored memberships: inclS = sum(min(X, Y)) / sum(X)
    columns = result.memberships["columns"]
    m = np.asarray(result.memberships["rows"])
    x = np.minimum.reduce([m[:, columns.index("title_information")], m[:, columns.index("innovation")],
                           1 - m[:, columns.index("affective_expression")]])
    y = m[:, columns.index(demo.OUTCOME)]
    configuration = result.configurations.get(term="title_information*innovation*~affective_expression")
    assert configuration.consistency == pytest.approx(np.minimum(x, y).sum() / x.sum())
    assert configuration.raw_coverage == pytest.approx(np.minimum(x, y).sum() / y.sum())
    assert result.solution_consistency > 0.8


def test_demo_seed_is_idempotent(tenant_a):
    from ichplatform.management.commands.seed_demo import DemoContext

    context = DemoContext(institution=tenant_a.institution, users={"demo-staff": tenant_a.users["staff"]},
                          rng=np.random.default_rng(1))
    demo.seed(context)
    demo.seed(context)
    from qca.models import Analysis, Study

    assert Study.objects.filter(name=demo.DEMO_STUDY).count() == 1
    analysis = Analysis.objects.get()
    assert analysis.status == "finished" and analysis.result.configurations.count() == 3
