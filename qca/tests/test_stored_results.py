"""The stored solutions (format 2, qca/stored_results.py): repeated lists pooled once, read back exactly
as the engine wrote them, and every reader showing the same content for old (format 1) rows and new."""

import json
import re
import sys
from pathlib import Path

import pytest

from qca import selectors, services, stored_results
from qca.analysis import ENGINE_BOUNDS, compute
from qca.engine import minimize, truth_table
from qca.models import AnalysisStatus, Result
from qca.tests.factories import make_finished_analysis, upload_table

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from qca_minimize import generate  # noqa: E402  (the benchmark's seeded generator)

pytestmark = pytest.mark.django_db

K, N = 8, 100  # random k = 8, n = 100: 64 intermediate CiPj pairs, ~80 models, in well under a second
CONDITIONS = [f"X{j + 1}" for j in range(K)]


def _engine_solutions(dataset) -> dict:
    """What compute() stores, made by the engine directly: to_dict(pi_chart_matrix=False) per kind."""
    table = truth_table(dataset, "Y", CONDITIONS, incl_cut=0.8, n_cut=1, pri_cut=0.0)
    solutions = {}
    for kind in ("complex", "parsimonious", "intermediate"):
        result = minimize(table, kind, dir_exp=", ".join(CONDITIONS) if kind == "intermediate" else None,
                          **ENGINE_BOUNDS)
        solutions[kind] = result.to_dict(pi_chart_matrix=False)
        solutions[kind].pop("truth_table")
    return solutions


def _compact_json(document) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _row_list_references(solutions: dict) -> int:
    """How many row-id lists the engine's form writes out (SA values, EC, DC, PI chart covers, ...)."""
    count = 0
    for result in solutions.values():
        count += result.get("contradictory_simplifying_assumptions") is not None
        for solution in result["solutions"]:
            count += len(solution["SA"]) + len(solution["PIchart"]["covers"]) + 1
            count += sum(solution.get(key) is not None for key in ("EC", "DC"))
    return count


def test_the_pooled_document_expands_to_exactly_the_engines_output():
    engine = _engine_solutions(generate(K, N))
    intermediate = engine["intermediate"]
    assert len(intermediate["solutions"]) > 10 and len(intermediate["models"]) > 20  # many CiPj pairs
    document, text = stored_results.compact_with_text(engine)
    assert json.loads(text) == document and document["format"] == 2
    assert stored_results.expand(json.loads(text)) == engine
    assert document["expanded_bytes"] == _compact_json(engine)  # exact, though made without expanding
    assert len(text) * 2 < document["expanded_bytes"]
    assert len(document["pools"]["rows"]) * 3 < _row_list_references(engine)  # the pairs share their lists
    for kind in engine:
        assert stored_results.solution_of(document, kind) == engine[kind]


def test_pooling_goes_by_value_where_the_engine_made_equal_lists_afresh():
    shared = [4, 5, 6]
    solutions = {"complex": {
        "solution": "complex", "models": [], "essential": [], "contradictory_simplifying_assumptions": None,
        "solutions": [
            {"name": "S1", "models": [{"name": "M1", "terms": ["A"], "terms_fit": [{"term": "A", "inclS": 1.0}]}],
             "essential": ["A"], "PIchart": {"PIs": ["A", "B"], "configurations": [1, 2], "covers": [[1], [1]]},
             "SA": {"M1": shared, "M2": [4, 5, 6], "M3": [True, 5, 6]}, "EC": None, "DC": []},
            {"name": "S2", "models": [{"name": "M1", "terms": ["A"], "terms_fit": [{"term": "A", "inclS": 1}]}],
             "essential": ["A"], "PIchart": {"PIs": ["A", "B"], "configurations": [1, 2], "covers": [[1], [2]]},
             "SA": {"M1": shared}, "EC": None, "DC": [3]}]}}
    document, text = stored_results.compact_with_text(solutions)
    back = stored_results.expand(json.loads(text))
    assert back == solutions and json.dumps(back) == json.dumps(solutions)  # 1.0 stays 1.0, True stays true
    first, second = document["results"]["complex"]["solutions"]
    assert first["SA"]["M1"] == first["SA"]["M2"] == second["SA"]["M1"] != first["SA"]["M3"]
    assert first["PIchart"]["covers"][0] == first["PIchart"]["covers"][1] == second["PIchart"]["covers"][0]
    assert first["models"][0]["terms_fit"] != second["models"][0]["terms_fit"]  # 1.0 and 1 differ as JSON
    assert first["EC"] is None and document["expanded_bytes"] == _compact_json(solutions)


def test_close_row_lists_are_stored_as_a_difference_and_rebuilt_exactly():
    easy = list(range(3, 200, 2))  # 99 increasing row ids
    first, second = easy[:-1], [*easy[:-2], 250]  # two models' assumptions: the pair's less one, or less two plus one
    shuffled = list(reversed(first))  # not increasing: kept as it is, never rebuilt sorted
    solutions = {"intermediate": {"solution": "intermediate", "models": [], "solutions": [
        {"name": "C1P1", "models": [], "PIchart": {"PIs": [], "configurations": [], "covers": []},
         "SA": {"M1": first, "M2": second, "M3": shuffled}, "EC": easy, "DC": [1, 2]},
        {"name": "C1P2", "models": [], "PIchart": {"PIs": [], "configurations": [], "covers": []},
         "SA": {"M1": first}, "EC": [*easy, 301], "DC": [1, 2, 5]}]}}
    document, text = stored_results.compact_with_text(solutions)
    rows = document["pools"]["rows"]
    stored = document["results"]["intermediate"]["solutions"]
    assert rows[stored[0]["SA"]["M1"]] == {"of": stored[0]["EC"], "add": [], "drop": [easy[-1]]}
    assert rows[stored[0]["SA"]["M2"]] == {"of": stored[0]["SA"]["M1"], "add": [250], "drop": [easy[-2]]}
    assert rows[stored[0]["SA"]["M3"]] == shuffled and rows[stored[1]["EC"]] == {"of": stored[0]["EC"], "add": [301],
                                                                                 "drop": []}
    assert isinstance(rows[stored[1]["DC"]], list)  # [1, 2, 5] against [1, 2]: the difference is not small
    assert stored_results.expand(json.loads(text)) == solutions
    assert document["expanded_bytes"] == _compact_json(solutions)


def _ambiguous_analysis(tenant):
    """The benchmark's random k = 8, n = 100 table, uploaded and taken as calibrated, analysed inline with
    its settings (incl_cut 0.8, n_cut 1, pri_cut 0, every condition expected present)."""
    dataset = generate(K, N)
    rows = [tuple(f"{v:g}" for v in row) for row in dataset.values.tolist()]
    study = upload_table(tenant, rows, ",".join(dataset.columns), name="Ambiguous")
    for condition in study.conditions.all():
        services.condition_calibrate(condition=condition, actor=tenant.users["staff"], method="as_is", anchors={})
    analysis = services.analysis_create(study=study, actor=tenant.users["staff"], outcome="Y", conditions=CONDITIONS,
                                        pri_cut=0.0, dir_exps={c: "present" for c in CONDITIONS})
    return services.analysis_submit(analysis=analysis, actor=tenant.users["staff"], inline=True), dataset


def test_an_ambiguous_analysis_is_stored_pooled_and_reads_back_as_the_engine_wrote_it(tenant_a):
    analysis, dataset = _ambiguous_analysis(tenant_a)
    assert analysis.status == AnalysisStatus.FINISHED, analysis.error
    stored = Result.objects.get(analysis=analysis)  # read back from PostgreSQL's jsonb
    assert stored.solutions["format"] == 2 and stored.solutions_format == 2
    engine = _engine_solutions(dataset)
    assert stored.expanded_solutions == engine
    assert compute(analysis.study, services.analysis_spec(analysis)).solutions == engine  # the path that stored it
    assert stored.solution("intermediate") == engine["intermediate"] and stored.solution("nothing") == {}
    assert _compact_json(stored.solutions) * 2 < stored.solutions["expanded_bytes"]


def _readers(tenant, analysis, query=""):
    client, api = tenant.client("staff"), tenant.api(role="partner", scopes=("read",))
    page = client.get(f"/learn/analyses/{analysis.pk}/", HTTP_CACHE_CONTROL="no-cache")
    export = client.get(f"/learn/analyses/{analysis.pk}/export/json/", HTTP_CACHE_CONTROL="no-cache")
    body = api.get(f"/api/v1/qca/results/{analysis.result.pk}/{query}", HTTP_CACHE_CONTROL="no-cache")
    listed = api.get(f"/api/v1/qca/results/{query}", HTTP_CACHE_CONTROL="no-cache")
    assert {page.status_code, export.status_code, body.status_code, listed.status_code} == {200}
    page_text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())  # masked afresh
    return page_text, json.loads(export.content), body.json(), listed.json()["results"][0]


def test_every_reader_shows_the_same_for_an_old_format_1_row_and_a_pooled_one(tenant_a):
    analysis, dataset = _ambiguous_analysis(tenant_a)
    engine = _engine_solutions(dataset)
    pooled = _readers(tenant_a, analysis)
    pooled_compact = _readers(tenant_a, analysis, "?solutions=compact")
    Result.objects.filter(pk=analysis.result.pk).update(solutions=engine)  # as stored before format 2
    analysis.refresh_from_db()
    assert Result.objects.get(pk=analysis.result.pk).solutions_format == 1
    old = _readers(tenant_a, analysis)
    old_compact = _readers(tenant_a, analysis, "?solutions=compact")
    assert pooled == old
    page, export, body, listed = old
    assert export["solutions_format"] == body["solutions_format"] == listed["solutions_format"] == 1
    assert export["solutions"] == body["solutions"] == listed["solutions"] == engine
    model = engine["intermediate"]["solutions"][0]["models"][0]
    assert f'<code>{" + ".join(model["terms"])}</code>' in page and "Model ambiguity" in page
    for (_, _, body, listed), engine_form in ((pooled_compact, engine), (old_compact, engine)):
        assert body["solutions_format"] == listed["solutions_format"] == 2
        assert stored_results.expand(body["solutions"]) == stored_results.expand(listed["solutions"]) == engine_form


def test_a_result_larger_than_the_expanded_limit_is_handed_out_pooled(tenant_a, settings):
    analysis, dataset = _ambiguous_analysis(tenant_a)
    settings.QCA_EXPANDED_MAX_BYTES = analysis.result.solutions["expanded_bytes"] - 1
    _, export, body, _ = _readers(tenant_a, analysis)
    assert export["solutions_format"] == body["solutions_format"] == 2
    assert body["solutions"] == export["solutions"] == Result.objects.get(pk=analysis.result.pk).solutions
    assert stored_results.expand(body["solutions"]) == _engine_solutions(dataset)


def test_another_institution_reads_no_pooled_result(tenant_a, tenant_b):
    analysis = make_finished_analysis(tenant_a)
    assert analysis.result.solutions_format == 2
    api = tenant_b.api(role="partner", scopes=("read",))
    assert api.get(f"/api/v1/qca/results/{analysis.result.pk}/?solutions=compact").status_code == 404
    assert api.get("/api/v1/qca/results/?solutions=compact").json()["results"] == []
    client = tenant_b.client("staff")
    assert client.get(f"/learn/analyses/{analysis.pk}/export/json/").status_code == 404


def test_the_size_guard_measures_the_pooled_form(tenant_a, settings):
    analysis, _ = _ambiguous_analysis(tenant_a)
    stored = analysis.result.solutions
    pooled, expanded = _compact_json(stored), stored["expanded_bytes"]
    settings.QCA_RESULT_MAX_BYTES = (pooled + expanded) // 2  # the engine's form would not fit, the pooled does
    again, _ = _ambiguous_analysis(tenant_a)
    assert again.status == AnalysisStatus.FINISHED and again.result.solutions_format == 2
    settings.QCA_RESULT_MAX_BYTES = pooled // 2
    failed, _ = _ambiguous_analysis(tenant_a)
    assert failed.status == AnalysisStatus.FAILED and "too large to store" in failed.error
    assert not Result.objects.filter(analysis=failed).exists()


def test_the_configuration_chart_keeps_a_bounded_number_of_distinct_charts(tenant_a, monkeypatch):
    from qca import analysis as analysis_module

    unbounded, _ = _ambiguous_analysis(tenant_a)
    everything = unbounded.result.configuration_chart
    assert everything["models_charted"] == everything["n_models"] > 3 and len(everything["alternatives"]) > 2
    assert not [w for w in unbounded.result.warnings if w["code"] == "chart_models_truncated"]
    monkeypatch.setattr(analysis_module, "CHART_ALTERNATIVES_MAX", 2)  # the first chart and two others
    bounded, _ = _ambiguous_analysis(tenant_a)
    chart = bounded.result.configuration_chart
    assert [alt["model"] for alt in chart["alternatives"]] == [alt["model"] for alt in everything["alternatives"][:2]]
    assert chart["configurations"] == everything["configurations"] and chart["n_models"] == everything["n_models"]
    names = [model["name"] for model in bounded.result.solution("intermediate")["models"]]
    last_kept = names.index(everything["alternatives"][1]["model"])
    assert chart["models_charted"] == last_kept + 1 < chart["n_models"]  # none looked at after the last kept
    warning, = [w for w in bounded.result.warnings if w["code"] == "chart_models_truncated"]
    assert f"only the first {chart['models_charted']} of the {chart['n_models']} models" in warning["message"]
    page = tenant_a.client("staff").get(f"/learn/analyses/{bounded.pk}/").content.decode()
    assert 'data-code="chart_models_truncated"' in page


def test_a_result_the_database_refuses_is_a_recorded_failure_not_a_running_analysis(tenant_a):
    # Nine conditions with 60-character names: the first configuration's term (every literal) is longer than
    # a Configuration's 500 characters, and PostgreSQL refuses the row.
    names = [f"C{i}_" + "x" * 57 for i in range(9)]
    rows = [tuple(int(bool(case >> bit & 1)) for bit in range(9)) + (int(case % 3 == 0),) for case in range(40)]
    study = upload_table(tenant_a, rows, ",".join([*names, "Y"]), name="Long names")
    analysis = services.analysis_create(study=study, actor=tenant_a.users["staff"], outcome="Y", conditions=names)
    analysis = services.analysis_submit(analysis=analysis, actor=tenant_a.users["staff"], inline=True)
    assert analysis.status == AnalysisStatus.FAILED and analysis.stage == "failed"
    assert analysis.error.startswith("the result could not be stored: value too long")
    assert not Result.objects.filter(analysis=analysis).exists()


def test_the_result_page_lists_the_first_models_and_says_how_many_more_there_are(tenant_a):
    analysis, dataset = _ambiguous_analysis(tenant_a)
    engine = _engine_solutions(dataset)["intermediate"]
    named = [(s["name"], m) for s in engine["solutions"] for m in s["models"]]
    assert len(named) > selectors.RESULT_PAGE_MODELS  # more models than the page lists
    page, _, _, _ = _readers(tenant_a, analysis)
    section = page[page.index('id="solution-intermediate"'):page.index('id="nec-h"')]
    listed = re.findall(r"<p><strong>([^<]*): </strong><code>([^<]*)</code>", section)
    expected = [(name if len([m for n, m in named if n == name]) == 1 else f"{name}-{model['name']}",
                 " + ".join(model["terms"])) for name, model in named[:selectors.RESULT_PAGE_MODELS]]
    assert listed == expected  # the engine's order, named as R names them
    hidden = len(named) - selectors.RESULT_PAGE_MODELS
    assert f'data-hidden-models="{hidden}"' in section and f"{hidden} more models are not shown here" in section
    assert f"{len(named)} models explain the data equally well." in section
