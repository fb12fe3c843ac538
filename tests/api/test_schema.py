"""Schemathesis against the OpenAPI schema: every operation, examples generated from the schema,
sent with KPB A's token through the WSGI application – no 5xx, every answer as documented."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from siko.wsgi import application
from tests.factories.api import token_for
from tests.factories.conferences import make_conference

# Loading the schema reads no data (it is public and built from the code).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture
def kept_connection():
    """The WSGI handler closes the database connection after each request (close_old_connections),
    which would end the test's transaction; Django's test client holds it open the same way."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def kpb_a_token(db, kept_connection, kpb_a_user, kpb_b_user):
    make_conference(kpb_a_user, title="SiKo Dortmund")
    make_conference(kpb_b_user, title="SiKo Borken")
    return token_for(kpb_a_user)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case, kpb_a_token):
    # Every check but one: a schema-valid compliance query may still be refused (400) – the year
    # must not lie after the stand date's next year, a rule between two parameters that OpenAPI
    # cannot state. Negative data must be refused, every answer must match its schema.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {kpb_a_token}"},
        excluded_checks=[positive_data_acceptance],
    )
