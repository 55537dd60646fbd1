"""The front door on real processes and the real broker: a frozen service's late calls store nothing and
their 504 says so; a retry with the same Idempotency-Key changes nothing, across a gateway restart; hostile
input is a 4xx naming the field, with nothing stored."""
import signal
import threading
import time
import uuid

import pytest
import requests

from shared.dev_tokens import mint_development_token

pytestmark = pytest.mark.integration
SECRET = "integration-secret-" + "f" * 32
TIMEOUT = 2  # the gateway's call timeout here (PEERNET_GATEWAY_RPC_TIMEOUT)


def started(network_factory, store_env):
    network = network_factory({**store_env, "PEERNET_JWT_SECRET": SECRET, "PEERNET_GATEWAY_RPC_TIMEOUT": str(TIMEOUT)},
                              services=("intake", "directory", "gateway"))
    network.start()
    return network


@pytest.fixture
def network(network_factory, tmp_path):
    return started(network_factory, {"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"})


def call(network, method, path, role, user_id=None, organization_id=None, **kwargs):
    token = mint_development_token(role, user_id or str(uuid.uuid4()), organization_id, secret=SECRET)
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, f"http://127.0.0.1:{network.specs['gateway'].port}{path}", headers=headers,
                            timeout=30, **kwargs)


def log_position(network, service):
    return call(network, "GET", f"/services/{service}/positions", "state_auditor").json()["log"]


def enrollment(person_id):
    return {"person_id": person_id, "display_name": "Robin Quill (synthetic)", "region": "Hampden",
            "languages": ["en"], "modalities": ["phone"], "consent": {"purpose": "peer_support", "may_see": {}}}


def test_calls_a_frozen_service_took_store_nothing_after_their_504_and_a_keyed_retry_is_done_once(network):
    people = [str(uuid.uuid4()) for _ in range(4)]
    before = log_position(network, "intake")
    intake = network.processes["intake"]
    answers = {}

    def enroll(person_id):
        answers[person_id] = call(network, "POST", "/people", "person", person_id, json=enrollment(person_id),
                                  headers={"Idempotency-Key": f"enroll-{person_id}"})

    intake.send_signal(signal.SIGSTOP)
    try:
        threads = [threading.Thread(target=enroll, args=(person,)) for person in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(TIMEOUT + 1)  # frozen longer than the gateway waits: the calls are in intake's hands
    finally:
        intake.send_signal(signal.SIGCONT)
    for person_id in people:
        answer = answers[person_id]
        assert answer.status_code == 504, answer.text
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert "not known" in answer.json()["detail"] and "Idempotency-Key" in answer.json()["detail"]
    time.sleep(3)  # intake runs (and refuses) what it had taken
    assert log_position(network, "intake") == before
    for person_id in people:
        assert call(network, "GET", f"/people/{person_id}", "person", person_id).status_code == 404

    for person_id in people:  # the client sends each again, with its key
        enroll(person_id)
        assert answers[person_id].status_code == 201, answers[person_id].text
    stored = log_position(network, "intake")
    assert stored > before
    for person_id in people:  # and once more: the first answer, nothing new
        enroll(person_id)
        assert answers[person_id].status_code == 201 and answers[person_id].headers["Idempotent-Replayed"] == "true"
    assert log_position(network, "intake") == stored


def test_a_key_outlives_a_gateway_restart_and_a_second_organization_is_never_made(network_factory, store_env):
    """The keys in SQLite in var/, or in PostgreSQL's gateway schema."""
    network = started(network_factory, store_env)
    body = {"name": "Hilltown Peer Center (synthetic)", "kind": "peer_run_organization", "regions": ["Hampden"]}
    auditor = str(uuid.uuid4())
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = call(network, "POST", "/organizations", "state_auditor", auditor, json=body, headers=key)
    assert first.status_code == 201, first.text
    position = log_position(network, "directory")

    network.kill("gateway")
    network.start("gateway")
    again = call(network, "POST", "/organizations", "state_auditor", auditor, json=body, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    other = call(network, "POST", "/organizations", "state_auditor", auditor, json={**body, "regions": ["Berkshire"]},
                 headers=key)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    # The key store lost (another gateway, a key past its hours): the service refuses the same id again.
    made = first.json()["organization_id"]
    twice = call(network, "POST", "/organizations", "state_auditor", auditor,
                 json={**body, "name": "Hilltown Peer Center 2 (synthetic)", "organization_id": made})
    assert twice.status_code == 409
    assert log_position(network, "directory") == position
    listed = call(network, "GET", "/organizations?region=Hampden", "person").json()["items"]
    assert [o["organization_id"] for o in listed] == [made]


HOSTILE = [
    ("/organizations", {"name": "Hilltown \ud800", "kind": "agency", "regions": ["Hampden"]}, "name"),
    ("/organizations", {"name": "Hilltown\x1b[2J", "kind": "agency", "regions": ["Hampden"]}, "name"),
    ("/organizations", {"name": "   ", "kind": "agency", "regions": ["Hampden"]}, "name"),
    ("/people", {"display_name": "Robin\u202e"}, "display_name"),
    ("/people", {"contact": "\ud83d"}, "contact"),
    ("/people", {"languages": ["en"], "modalities": ["phone"], "display_name": "Robin\x00"}, "display_name"),
]


def test_hostile_input_over_the_network_is_a_4xx_naming_the_field(network):
    before = {service: log_position(network, service) for service in ("intake", "directory")}
    for path, body, field in HOSTILE:
        me = str(uuid.uuid4())
        if path == "/people":
            body = {**enrollment(me), **body}
        answer = call(network, "POST", path, "person" if path == "/people" else "state_auditor", me, json=body)
        assert answer.status_code == 422 and answer.headers["Content-Type"] == "application/problem+json", answer.text
        assert field in [error["field"] for error in answer.json()["errors"]]
    too_long = call(network, "GET", "/services", "state_auditor",
                    headers={"Authorization": "Bearer " + "a" * 9000})
    assert too_long.status_code == 401 and too_long.headers["Content-Type"] == "application/problem+json"
    brewed = requests.request("BREW", f"http://127.0.0.1:{network.specs['gateway'].port}/organizations", timeout=10)
    assert brewed.status_code == 405 and brewed.headers["Content-Type"] == "application/problem+json"
    assert "GET" in brewed.headers["Allow"]
    assert {service: log_position(network, service) for service in ("intake", "directory")} == before
