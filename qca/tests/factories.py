"""Tenancy factories of the Learn area: one object of `tenant`'s institution per model that a
route addresses by id (see tests/factories.py). Everything is made through the services."""

from qca import services
from qca.models import Analysis, Condition, Configuration, Recommendation, Result, Study, TypologyRule
from tests.factories import register

# A crisp table where Y = A*B + ~A*C holds exactly (each row observed at least once).
CROSS_ROWS = [(1, 1, 0, 1), (1, 1, 1, 1), (1, 0, 0, 0), (1, 0, 1, 0), (0, 0, 1, 1), (0, 1, 1, 1),
              (0, 0, 0, 0), (0, 1, 0, 0), (1, 1, 0, 1), (0, 0, 1, 1)]


def cross_csv() -> bytes:
    lines = ["case,A,B,C,Y"] + [f"c{i + 1},{a},{b},{c},{y}" for i, (a, b, c, y) in enumerate(CROSS_ROWS)]
    return ("\n".join(lines) + "\n").encode()


def make_study(tenant, name="Cross study") -> Study:
    return services.study_create_from_upload(institution=tenant.institution, actor=tenant.users["staff"],
                                             name=name, filename="cross.csv", content=cross_csv())


def make_finished_analysis(tenant, study=None) -> Analysis:
    study = study or make_study(tenant)
    analysis = services.analysis_create(study=study, actor=tenant.users["staff"], outcome="Y",
                                        conditions=["A", "B", "C"],
                                        dir_exps={"A": "present", "B": "present", "C": "present"})
    return services.analysis_submit(analysis=analysis, actor=tenant.users["staff"], inline=True)


def upload_table(tenant, rows: list[tuple], header: str, name: str = "Known case") -> Study:
    """A study uploaded from `rows` (cases c1, c2, ...) with the columns named in `header` ("A,B,Y")."""
    lines = [f"case,{header}"] + [f"c{i + 1}," + ",".join(str(v) for v in row) for i, row in enumerate(rows)]
    return services.study_create_from_upload(institution=tenant.institution, actor=tenant.users["staff"], name=name,
                                             filename="known.csv", content=("\n".join(lines) + "\n").encode())


# A crisp table whose intermediate solution A*~B + B*~C keeps a strict superset of the literals of the
# parsimonious A + B*~C (reasoning in test_chart_robustness.py): core and peripheral marks, both signs.
KNOWN_ROWS = [(1, 0, 0, 1), (1, 0, 1, 1), (0, 1, 0, 1), (0, 0, 0, 0), (0, 0, 1, 0), (0, 1, 1, 0)]
KNOWN_EXPECTATIONS = {"A": "present", "B": "absent", "C": "absent"}


def upload_known_case(tenant) -> Study:
    return upload_table(tenant, KNOWN_ROWS, "A,B,C,Y")


@register(Study)
def _study(tenant):
    return make_study(tenant)


@register(Condition)
def _condition(tenant):
    return make_study(tenant).conditions.first()


@register(Analysis)
def _analysis(tenant):
    return make_finished_analysis(tenant)


@register(Result)
def _result(tenant):
    return make_finished_analysis(tenant).result


@register(Configuration)
def _configuration(tenant):
    return make_finished_analysis(tenant).result.configurations.first()


@register(TypologyRule)
def _typology_rule(tenant):
    return services.typology_defaults_ensure(institution=tenant.institution)[0]


@register(Recommendation)
def _recommendation(tenant):
    result = make_finished_analysis(tenant).result
    return services.recommendation_create(result=result, actor=tenant.users["staff"], codes={"A": 1, "B": 0, "C": 0},
                                          title="planned video")
