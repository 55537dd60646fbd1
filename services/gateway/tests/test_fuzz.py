"""Schemathesis against /openapi.json, in process over a fake backend, a bounded number of
cases per route: never a 5xx, and every answer fits what the document promises."""
import tempfile
import uuid
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)
from schemathesis.checks import not_a_server_error
from werkzeug.wrappers import Request

from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import development_verifier
from services.gateway.idempotency import sqlite_store
from services.gateway.tests.conftest import ORG, SECRET, FakeBackend, token
from services.gateway.tests.test_roles import ANSWERS
from shared import config

ME = str(uuid.uuid4())
GATEWAY = Gateway(ROUTES, development_verifier(SECRET), max_body=4096, keys=sqlite_store(
    Path(tempfile.mkdtemp(prefix="gateway-fuzz-")) / "keys.sqlite", b"fuzz-idempotency-secret"))
ROLES = {route.operation: route.roles for route in ROUTES}


def app(environ, start_response):
    backend = FakeBackend()
    backend.answers.update(ANSWERS)
    for service in config.SERVICES:
        backend.answers[(service, "positions")] = {"log": 0, "upstream": {}}
        backend.answers[(service, "integration_events")] = []
    return GATEWAY.handle(Request(environ), backend)(environ, start_response)


schema = schemathesis.openapi.from_wsgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_fit_the_document(case):
    roles = ROLES[case.operation.definition.raw["operationId"]]
    headers = {}
    if roles is not None:
        role = roles[0]
        headers["Authorization"] = "Bearer " + token(role, ME, ORG if role == "agency_admin" else None)
    for own in ("peer_worker_id", "person_id"):
        if case.path_parameters and own in case.path_parameters:
            case.path_parameters[own] = ME  # in scope, so cases reach the backend
    case.call_and_validate(headers=headers, checks=[not_a_server_error, status_code_conformance,
                                                    content_type_conformance, response_schema_conformance])
