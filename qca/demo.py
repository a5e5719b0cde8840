"""Demo data of the Learn area (called by `manage.py seed_demo` after `dissemination.demo`).

A finished study, so that `make run` shows the pages filled: built from the institution's coded
demo videos when the dissemination demo has coded enough of them, otherwise from a generated
table with the same structure (qca/synthetic.py) that recovers the paper's three configurations.
Idempotent: an existing demo study is kept.
"""

from datetime import date

import numpy as np

from . import services, synthetic
from .models import Study, StudySource
from .sources import StudyDataError

DEMO_STUDY = "Demo study: what spreads our paper-cut videos"
SEED = 20_260_101
CONDITIONS = ["title_information", "video_form", "interpretation_mode", "innovation", "affective_expression"]
OUTCOME = "dissemination_effect"
MIN_VIDEOS = 40


def seed(context) -> None:
    institution, staff = context.institution, context.users.get("demo-staff")
    services.typology_defaults_ensure(institution=institution, actor=staff)
    if Study.objects.filter(institution=institution, name=DEMO_STUDY).exists():
        context.log.append("qca: demo study already there")
        return
    study = _from_videos(institution, staff) or services.study_create(
        institution=institution, actor=staff, name=DEMO_STUDY, table=synthetic.paper_like_table(np.random.default_rng(SEED)),
        source=StudySource.UPLOAD, filename="generated-demo-table.csv", outcome_column=OUTCOME,
        description="Generated table with the structure of the coded videos (the dissemination demo had too few).")
    calibrate_demo(study, staff)
    analysis = services.analysis_create(
        study=study, actor=staff, name="Demo analysis (paper settings)", outcome=OUTCOME,
        conditions=[c for c in CONDITIONS if c in study.column_names], incl_cut=0.8, n_cut=1, pri_cut=0.5)
    analysis = services.analysis_submit(analysis=analysis, actor=staff, inline=True)
    terms = ", ".join(f"{c.term} ({c.strategy})" for c in analysis.result.configurations.all()) \
        if analysis.status == "finished" else analysis.error
    context.log.append(f"qca: demo study with {study.n_cases} cases; analysis {analysis.status}: {terms}")


def _from_videos(institution, staff):
    try:
        study = services.study_create_from_videos(institution=institution, actor=staff, name=DEMO_STUDY,
                                                  as_of=date.today())
    except StudyDataError:
        return None
    if study.n_cases < MIN_VIDEOS or not set(CONDITIONS) <= set(study.column_names):
        study.delete()
        return None
    return study


def calibrate_demo(study, actor) -> None:
    """Codes crisp at 1; affective expression around neutral polarity; the effect at fixed anchors."""
    for condition in study.conditions.all():
        if condition.column == "affective_expression":
            services.condition_calibrate(condition=condition, actor=actor, method="direct",
                                         anchors={"e": -0.6, "c": 0.0, "i": 0.6}, expectation="absent")
        elif condition.column == OUTCOME:
            services.condition_calibrate(condition=condition, actor=actor, method="direct",
                                         anchors={"e": 0.1, "c": 0.5, "i": 0.9})
