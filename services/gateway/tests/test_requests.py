"""The request cycle: tokens, roles, scope, bodies, problems, correlation ids, metrics."""
import json
import time
import uuid

import jwt
import pytest
from prometheus_client import generate_latest

from shared.dev_tokens import DEV_AUDIENCE, DEV_ISSUER
from services.gateway.problems import PROBLEM_TYPE
from services.gateway.tests.conftest import ORG, SECRET, bearer
from shared.errors import InvalidInput, NotAllowed, NotFound


def profile(peer_worker_id, organization_id=ORG, **changes):
    return {"peer_worker_id": peer_worker_id, "display_name": "Rowan Example (synthetic)",
            "organization_id": organization_id,
            "experiences": [{"experience": "veteran", "visibility": "matching"}], **changes}


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM_TYPE
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"].startswith("/docs#problem-")
    assert body["correlation_id"] == response.headers["X-Correlation-Id"]
    return body


def test_health_is_public_and_every_answer_has_a_correlation_id(client):
    answer = client.get("/health")
    assert answer.status_code == 200 and answer.get_json() == {"service": "gateway", "healthy": True}
    assert len(answer.headers["X-Correlation-Id"]) == 32
    assert client.get("/health", headers={"X-Correlation-Id": "from-the-client-1"}).headers[
        "X-Correlation-Id"] == "from-the-client-1"
    # Anything that could spoil a log line is replaced, not echoed.
    assert client.get("/health", headers={"X-Correlation-Id": "bad id <script>"}).headers[
        "X-Correlation-Id"] != "bad id <script>"


def test_the_caller_and_the_correlation_id_travel_to_the_service(client, backend):
    peer_worker_id = str(uuid.uuid4())
    backend.answers[("intake", "record_peer_worker_profile")] = peer_worker_id
    answer = client.post("/peer-workers", json=profile(peer_worker_id),
                         headers={**bearer("peer", peer_worker_id), "X-Correlation-Id": "c-123"})
    assert answer.status_code == 201 and answer.get_json() == {"peer_worker_id": peer_worker_id}
    assert answer.headers["Location"] == f"/candidates/{peer_worker_id}"
    service, method, args, caller = backend.calls[-1]
    assert (service, method, args) == ("intake", "record_peer_worker_profile", (profile(peer_worker_id),))
    assert (caller.user_id, caller.role, caller.correlation_id) == (peer_worker_id, "peer", "c-123")


@pytest.mark.parametrize("headers, detail", [
    ({}, "bearer token"),
    ({"Authorization": "Basic abc"}, "bearer token"),
    ({"Authorization": "Bearer not-a-token"}, "cannot be read"),
])
def test_no_usable_token_is_401(client, headers, detail):
    answer = client.get("/services", headers=headers)
    assert detail in problem(answer, 401)["detail"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_foreign_and_system_tokens_are_401(client):
    assert "expired" in problem(client.get("/services", headers=bearer("peer", lifetime=-120)), 401)["detail"]
    other = jwt.encode({"sub": "u", "role": "peer", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": 2 ** 32},
                       "some-other-secret-" + "y" * 32, algorithm="HS256")
    problem(client.get("/services", headers={"Authorization": f"Bearer {other}"}), 401)
    # "system" is the services' own role: no token may claim it.
    now = int(time.time())
    system = jwt.encode({"sub": "u", "role": "system", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "iat": now,
                         "exp": now + 3600}, SECRET, algorithm="HS256")
    assert "role" in problem(client.get("/services", headers={"Authorization": f"Bearer {system}"}), 401)["detail"]
    wrong_audience = jwt.encode({"sub": "u", "role": "peer", "iss": DEV_ISSUER, "aud": "elsewhere",
                                 "exp": 2 ** 32}, SECRET, algorithm="HS256")
    problem(client.get("/services", headers={"Authorization": f"Bearer {wrong_audience}"}), 401)
    orgless_admin = jwt.encode({"sub": "u", "role": "agency_admin", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE,
                                "exp": 2 ** 32}, SECRET, algorithm="HS256")
    problem(client.get("/services", headers={"Authorization": f"Bearer {orgless_admin}"}), 401)


def test_bodies_are_json_objects_of_bounded_size(client, backend):
    peer_worker_id = str(uuid.uuid4())
    headers = bearer("peer", peer_worker_id)
    problem(client.post("/peer-workers", data="display_name=x", headers=headers,
                        content_type="application/x-www-form-urlencoded"), 415)
    problem(client.post("/peer-workers", data="{not json", headers=headers, content_type="application/json"), 400)
    problem(client.post("/peer-workers", data="[" * 5000 + "]" * 5000, headers=headers,
                        content_type="application/json"), 413)
    nested = problem(client.post("/peer-workers", data="[" * 2000 + "]" * 2000, headers=headers,
                                 content_type="application/json"), 400)
    assert "deep" in nested["detail"]
    big = profile(peer_worker_id, display_name="x" * 5000)
    problem(client.post("/peer-workers", json=big, headers=headers), 413)
    problem(client.post("/peer-workers", data="[1]", headers=headers, content_type="application/json"), 422)
    assert backend.calls == []  # nothing reached a service


def test_field_errors_name_each_field_before_any_call(client, backend):
    peer_worker_id = str(uuid.uuid4())
    body = profile(peer_worker_id, display_name="", notes="free text",
                   experiences=[{"experience": "schizophrenia", "visibility": "matching"}])
    errors = problem(client.post("/peer-workers", json=body, headers=bearer("peer", peer_worker_id)), 422)["errors"]
    fields = {error["field"] for error in errors}
    assert {"display_name", "notes", "experiences.0.experience"} <= fields
    assert all(error["message"] for error in errors)
    assert backend.calls == []


@pytest.mark.parametrize("raised, status", [
    (InvalidInput({"experiences": {0: ["the same experience is listed twice"]}}), 422),
    (NotAllowed("an agency admin may change only their own organization's peer workers"), 403),
    (NotFound("no peer worker profile"), 404),
])
def test_service_refusals_become_problems(client, backend, raised, status):
    peer_worker_id = str(uuid.uuid4())
    backend.answers[("intake", "share_experience")] = raised
    answer = client.post(f"/peer-workers/{peer_worker_id}/shared-experiences",
                         json={"experience": "veteran", "visibility": "network"}, headers=bearer("peer", peer_worker_id))
    body = problem(answer, status)
    if status == 422:
        assert body["errors"] == [{"field": "experiences.0", "message": "the same experience is listed twice"}]


def test_a_peer_acts_only_on_their_own_profile(client, backend):
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    problem(client.post(f"/peer-workers/{theirs}/shared-experiences",
                        json={"experience": "veteran", "visibility": "network"}, headers=bearer("peer", mine)), 403)
    problem(client.post("/peer-workers", json=profile(theirs), headers=bearer("peer", mine)), 403)
    problem(client.get(f"/candidates/{theirs}", headers=bearer("peer", mine)), 403)
    assert backend.calls == []


def test_an_agency_admin_sees_only_their_organization(client, backend):
    peer_worker_id = str(uuid.uuid4())
    problem(client.post("/peer-workers", json=profile(peer_worker_id, organization_id="org-elsewhere"),
                        headers=bearer("agency_admin")), 403)
    assert backend.calls == []
    candidate = {"peer_worker_id": peer_worker_id, "organization_id": "org-elsewhere", "display_name": "x",
                 "shared_for_matching": [], "upstream_position": 3}
    backend.answers[("matching", "candidate")] = candidate
    assert client.get(f"/candidates/{peer_worker_id}",
                      headers=bearer("agency_admin", organization_id="org-elsewhere")).get_json() == candidate
    # Whose candidate it is, matching knows (services/matching/tests/test_service.py); its refusal is a 403.
    backend.answers[("matching", "candidate")] = NotAllowed("an agency admin may read only their own "
                                                           "organization's candidates")
    assert "own organization" in problem(client.get(f"/candidates/{peer_worker_id}",
                                                    headers=bearer("agency_admin")), 403)["detail"]


def test_addresses_that_name_nothing(client):
    problem(client.get("/nowhere"), 404)
    problem(client.get("/candidates/not-an-id", headers=bearer("state_auditor")), 404)
    problem(client.get("/services/billing/positions", headers=bearer("state_auditor")), 404)
    answer = client.delete("/health")
    problem(answer, 405)
    assert "GET" in answer.headers["Allow"]


def test_query_parameters_are_checked(client):
    errors = problem(client.get("/services?limit=0&colour=red", headers=bearer("peer")), 422)["errors"]
    assert {error["field"] for error in errors} == {"limit", "colour"}
    errors = problem(client.get("/services?cursor=bm9wZQ", headers=bearer("peer")), 422)["errors"]
    assert errors[0]["field"] == "cursor"


def test_an_unexpected_failure_is_a_plain_500_with_the_correlation_id(client, backend):
    backend.answers[("intake", "positions")] = RuntimeError("boom")
    body = problem(client.get("/services/intake/positions", headers=bearer("state_auditor")), 500)
    assert "boom" not in json.dumps(body)


def test_latency_is_measured_per_route_not_per_address(client, backend):
    backend.answers[("matching", "candidate")] = NotFound("no candidate")
    client.get(f"/candidates/{uuid.uuid4()}", headers=bearer("state_auditor"))
    text = generate_latest().decode()
    assert 'peernet_gateway_request_latency_seconds_count{method="GET",route="readCandidate",status="404"}' in text
    assert "/candidates/" not in text
