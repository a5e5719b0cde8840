"""Analyses: a hand-checked result, idempotent runs, failures recorded, typology and
recommendations that really lift a planned video above 0.5."""

import numpy as np
import pytest
from django.template.defaultfilters import filesizeformat

from qca import services
from qca.engine_link import calibrate_direct
from qca.models import Analysis, AnalysisStatus, Configuration, Result
from qca.recommend import Recommender
from qca.tests.factories import make_finished_analysis, make_study
from qca.typology import classify, default_rule_specs, parse_term

pytestmark = pytest.mark.django_db


def test_cross_table_reproduces_the_hand_checked_result(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    assert analysis.status == AnalysisStatus.FINISHED and analysis.progress == 100
    result = analysis.result
    # Y = A*B + ~A*C holds in every case: consistency 1, coverage 1, two configurations
    assert sorted(c.term for c in result.configurations.all()) == ["A*B", "~A*C"]
    assert result.solution_consistency == 1.0 and result.solution_coverage == 1.0
    for configuration in result.configurations.all():
        assert configuration.consistency == 1.0 and configuration.raw_coverage == 0.5
        assert configuration.unique_coverage == 0.5
    necessity = {row["expression"]: row for row in result.necessity["rows"]}
    # 6 cases have Y; 3 of them have A (A is present in 5 cases), 4 have C (C in 5 cases)
    assert necessity["A"]["inclN"] == pytest.approx(3 / 6) and necessity["A"]["covN"] == pytest.approx(3 / 5)
    assert necessity["C"]["inclN"] == pytest.approx(4 / 6) and necessity["C"]["covN"] == pytest.approx(4 / 5)
    rows = {tuple(r["values"][c] for c in "ABC"): r for r in result.truth_table["rows"]}
    assert len(rows) == 8
    assert rows[(1, 1, 0)]["cases"] == ["c1", "c9"] and rows[(1, 1, 0)]["OUT"] == "1"
    assert rows[(1, 0, 0)]["OUT"] == "0" and rows[(0, 0, 1)]["n"] == 2
    assert "--outcome 'Y' --conditions 'A,B,C' --incl-cut 0.8" in result.cli_command


def test_submitting_twice_runs_once_and_rerunning_is_idempotent(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    first = analysis.result.pk
    again = services.analysis_submit(analysis=analysis, actor=tenant_a.users["staff"], inline=True)
    assert again.result.pk == first
    services.analysis_run(analysis_id=analysis.pk)
    assert Result.objects.filter(analysis=analysis).count() == 1 and Result.objects.get().pk == first


def test_a_redelivered_task_replaces_a_partial_run(tenant_a):
    analysis = make_finished_analysis(tenant_a)
    Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.RUNNING)  # a worker died mid-run
    services.analysis_run(analysis_id=analysis.pk)
    assert Result.objects.filter(analysis=analysis).count() == 1
    assert Configuration.objects.filter(result__analysis=analysis).count() == 2


def test_nothing_to_explain_is_a_recorded_failure(tenant_a):
    study = make_study(tenant_a)
    analysis = services.analysis_create(study=study, actor=tenant_a.users["staff"], outcome="Y",
                                        conditions=["A"], incl_cut=1.0)
    analysis = services.analysis_submit(analysis=analysis, actor=tenant_a.users["staff"], inline=True)
    assert analysis.status == AnalysisStatus.FAILED
    assert "no truth table row has OUT = 1" in analysis.error
    assert not Result.objects.exists()


def test_a_result_too_large_to_store_is_a_recorded_failure_with_its_reason(tenant_a, settings):
    settings.QCA_RESULT_MAX_BYTES = 1000  # the hand-checked study's solutions are a few KB
    study = make_study(tenant_a)
    analysis = services.analysis_create(study=study, actor=tenant_a.users["staff"], outcome="Y",
                                        conditions=["A", "B", "C"], incl_cut=0.8)
    analysis = services.analysis_submit(analysis=analysis, actor=tenant_a.users["staff"], inline=True)
    assert analysis.status == AnalysisStatus.FAILED and analysis.stage == "failed"
    assert "too large to store" in analysis.error and f"at most {filesizeformat(1000)})" in analysis.error
    assert not Result.objects.exists()
    assert analysis.institution.audit_events.filter(verb="qca.analysis.failed").exists()


@pytest.mark.parametrize("kwargs, field", [
    ({"outcome": "Z"}, "outcome"),
    ({"conditions": []}, "conditions"),
    ({"conditions": ["A", "Q"]}, "conditions"),
    ({"conditions": ["A", "Y"]}, "conditions"),
    ({"conditions": ["A", "A"]}, "conditions"),
    ({"incl_cut": 1.5}, "incl_cut"),
    ({"pri_cut": -0.1}, "pri_cut"),
    ({"n_cut": 0}, "n_cut"),
    ({"dir_exps": {"A": "sideways"}}, "dir_exps"),
])
def test_every_analysis_input_error_names_its_field(tenant_a, kwargs, field):
    from django.core.exceptions import ValidationError

    study = make_study(tenant_a)
    arguments = {"outcome": "Y", "conditions": ["A", "B"], **kwargs}
    with pytest.raises(ValidationError) as caught:
        services.analysis_create(study=study, actor=tenant_a.users["staff"], **arguments)
    assert field in caught.value.message_dict
    assert not Analysis.objects.exists()


@pytest.mark.parametrize("method, anchors, field", [
    ("direct", {"e": 0, "c": 2, "i": 1}, "c"),
    ("direct", {"e": 0, "c": "x", "i": 1}, "c"),
    ("crisp", {"threshold": 0}, "threshold"),
    ("crisp", {"threshold": 7}, "threshold"),
    ("wobbly", {}, "method"),
])
def test_calibration_input_errors(tenant_a, method, anchors, field):
    from django.core.exceptions import ValidationError

    condition = make_study(tenant_a).conditions.get(column="A")
    with pytest.raises(ValidationError) as caught:
        services.condition_calibrate(condition=condition, actor=None, method=method, anchors=anchors)
    assert field in caught.value.message_dict
    condition.refresh_from_db()
    assert condition.method == "crisp" and condition.anchors == {"threshold": 1.0}


# -- typology ------------------------------------------------------------------------------------
PAPER_CONFIGURATIONS = {  # the paper's Table 6, configurations 1-3
    1: "title_information*innovation*~affective_expression",
    2: "title_information*~interpretation_mode*innovation",
    3: "~title_information*video_form*~interpretation_mode*~innovation*~affective_expression",
}


def test_typology_labels_the_papers_three_configurations():
    rules = default_rule_specs()
    labels = {n: classify(parse_term(term), rules)[0] for n, term in PAPER_CONFIGURATIONS.items()}
    assert labels == {1: "pan_life", 2: "pan_life", 3: "pan_knowledge"}
    assert classify(parse_term("title_information*~innovation"), rules)[0] == "unclassified"


def test_edited_rules_relabel_stored_configurations(tenant_a):
    result = make_finished_analysis(tenant_a).result
    assert set(result.configurations.values_list("strategy", flat=True)) == {"unclassified"}
    rule = services.typology_defaults_ensure(institution=tenant_a.institution)[0]
    rule.present, rule.absent = ["A", "B"], []
    services.typology_rule_save(rule=rule, actor=tenant_a.users["staff"])
    labels = dict(result.configurations.values_list("term", "strategy"))
    assert labels == {"A*B": "pan_life", "~A*C": "unclassified"}


# -- recommendations -------------------------------------------------------------------------------
def test_crisp_recommendation_names_the_nearest_configuration_and_the_change(tenant_a):
    result = make_finished_analysis(tenant_a).result
    recommendation = services.recommendation_create(result=result, actor=tenant_a.users["staff"],
                                                    codes={"A": 1, "B": 0, "C": 0}, title="plan")
    assert recommendation.nearest.term == "A*B"  # one change away, against two for ~A*C
    assert [c["text"] for c in recommendation.changes] == ["B: change from “absent” to “present”"]
    assert recommendation.membership_before == 0.0 and recommendation.membership_after == 1.0
    assert recommendation.evidence["consistency"] == 1.0


def _continuous_study(tenant):
    rng = np.random.default_rng(7)
    lines = ["case,T,D,Y"]
    for i in range(40):
        t, d = int(rng.integers(0, 2)), float(np.round(rng.uniform(1, 20), 2))
        y = 0.85 if (t == 1 and d > 10) else 0.15
        lines.append(f"v{i},{t},{d},{y}")
    return services.study_create_from_upload(institution=tenant.institution, actor=tenant.users["staff"], name="D",
                                             filename="d.csv", content="\n".join(lines).encode())


def test_suggested_changes_really_lift_membership_above_one_half(tenant_a):
    study = _continuous_study(tenant_a)
    duration = study.conditions.get(column="D")
    services.condition_calibrate(condition=duration, actor=None, method="direct", anchors={"e": 2, "c": 10, "i": 18})
    services.condition_calibrate(condition=study.conditions.get(column="Y"), actor=None, method="as_is", anchors={})
    analysis = services.analysis_create(study=study, actor=None, outcome="Y", conditions=["T", "D"],
                                        dir_exps={"T": "present", "D": "present"})
    result = services.analysis_submit(analysis=analysis, actor=None, inline=True).result
    assert [c.term for c in result.configurations.all()] == ["T*D"]
    planned = {"T": 0, "D": 4.0}
    recommendation = services.recommendation_create(result=result, actor=None, codes=planned)
    changed = dict(planned)
    for change in recommendation.changes:
        changed[change["column"]] = change["to"]
    assert {c["column"] for c in recommendation.changes} == {"T", "D"}
    # recompute independently: the engine's calibration of the changed value, then the minimum
    d_membership = calibrate_direct([changed["D"]], {"e": 2, "c": 10, "i": 18})[0]
    assert min(d_membership, float(changed["T"] >= 1)) > 0.5
    assert recommendation.membership_before < 0.5 < recommendation.membership_after
    assert Recommender(result).configuration_membership(recommendation.nearest.literals, changed) > 0.5
    texts = " ".join(c["text"] for c in recommendation.changes)
    assert "D: raise from 4 to 14" in texts and "T: change from “absent” to “present”" in texts


def test_recommendation_input_errors(tenant_a):
    from django.core.exceptions import ValidationError

    result = make_finished_analysis(tenant_a).result
    with pytest.raises(ValidationError) as caught:
        services.recommendation_create(result=result, actor=None, codes={"A": "x", "B": 1})
    assert set(caught.value.message_dict) == {"A", "C"}
