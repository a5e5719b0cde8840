"""schemathesis against the OpenAPI schema, through the Django WSGI app, as a partner token and
as a staff token: no 5xx, and every documented response conforms to the schema.

Bounded: a few deterministic examples per operation (derandomised Hypothesis), so the whole run
stays well under two minutes. Writes happen inside the test's transaction and are rolled back;
Celery tasks are only enqueued on commit, so none is sent."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from ichplatform.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 4
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Defects found by this test and not fixed yet (label -> why). Each must still fail (strict), so an
# entry is removed the day it is fixed; anything else failing fails the test. Keep it empty.
KNOWN_DEFECTS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler closes the database connection after each request; the test's transaction
    lives on it, so, like Django's test client, keep it open while the app is called directly."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(tenant_a, tenant_b):
    """Rows of every app in both institutions, so lists are not empty and ids exist."""
    from campaigns.tests.factories import make_campaign, make_planned
    from dissemination.tests.factories import _snapshot
    from generation.tests.factories import creative_product
    from qca.tests.factories import _recommendation

    for tenant in (tenant_a, tenant_b):
        _snapshot(tenant)
        _recommendation(tenant)
        make_planned(make_campaign(tenant), tenant)
        creative_product(tenant)
    return tenant_a


def _headers(tenant, role, scopes):
    issued = tenant.token(role=role, scopes=scopes, rate_limit_per_minute=1_000_000)
    return {"Authorization": f"Bearer {issued.secret}"}


def _summary(exc) -> str:
    """The check's title and first line of each distinct failure."""
    parts = getattr(exc, "exceptions", None) or [exc]
    return "; ".join(f"{getattr(p, 'title', type(p).__name__)}: {str(p).strip().splitlines()[2:3]}" for p in parts)


def _fuzz(headers, methods):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.method.upper() in methods]
    assert len(operations) >= 20, [op.label for op in operations]
    failures = {}
    for operation in operations:
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            failures[operation.label] = _summary(exc)
    unexpected = {label: why for label, why in failures.items() if label not in KNOWN_DEFECTS}
    assert unexpected == {}, "\n\n".join(f"{label}: {why}" for label, why in unexpected.items())
    fixed = [label for label in KNOWN_DEFECTS if label not in failures and label.split()[0] in methods]
    assert fixed == [], f"fixed now: remove {fixed} from KNOWN_DEFECTS"


def test_partner_token_reads_conform(seeded):
    _fuzz(_headers(seeded, "partner", ("read", "generate")), methods={"GET"})


def test_staff_token_reads_and_writes_conform(seeded):
    _fuzz(_headers(seeded, "staff", ("read", "write", "generate")), methods={"GET", "POST", "PATCH", "DELETE"})
