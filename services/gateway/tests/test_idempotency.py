"""Idempotency-Key: a retried POST returns the first answer and changes nothing (in process, fake backend)."""
import json
import sqlite3
import uuid

import pytest

from services.gateway.idempotency import Answer, derived_id, sqlite_store
from services.gateway.problems import Problem
from services.gateway.tests.conftest import ORG, bearer
from shared.errors import InvalidInput
from shared.identity import Caller

ME = str(uuid.uuid4())
PROVIDER = str(uuid.uuid4())
NAME = "Robin Quill (synthetic)"


def subcontract(**changes):
    return {"buyer_id": ORG, "provider_id": PROVIDER, "hours_per_week": 20, "amount": 1200,
            "start": "2026-12-01", "end": "2027-11-30", **changes}


def post(client, path, body, key, role="agency_admin", user=ME, **headers):
    sent = {**bearer(role, user), **headers}
    if key is not None:
        sent["Idempotency-Key"] = key
    return client.post(path, json=body, headers=sent)


def made(backend):
    return [call for call in backend.calls if call[1] == "make_subcontract"]


def test_the_same_key_and_body_answer_the_first_answer_and_call_once(client, backend):
    backend.answers[("directory", "make_subcontract")] = lambda body: body["agreement_id"]
    first = post(client, "/subcontracts", subcontract(), "k-1")
    again = post(client, "/subcontracts", subcontract(), "k-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.headers["X-Correlation-Id"] != first.headers["X-Correlation-Id"]  # the replay's own
    assert len(made(backend)) == 1


def test_the_new_id_is_derived_from_caller_and_key_unless_the_client_chose_one(client, backend):
    backend.answers[("directory", "make_subcontract")] = lambda body: body.get("agreement_id") or "fresh"
    keyed = post(client, "/subcontracts", subcontract(), "k-2").get_json()["agreement_id"]
    assert keyed == derived_id(ME, "k-2")
    assert derived_id(str(uuid.uuid4()), "k-2") != keyed  # another caller's key names another record
    chosen = str(uuid.uuid4())
    assert post(client, "/subcontracts", subcontract(agreement_id=chosen), "k-3").get_json()["agreement_id"] == chosen
    assert post(client, "/subcontracts", subcontract(), None).get_json()["agreement_id"] == "fresh"


def test_the_same_key_with_another_body_is_422_and_calls_nothing(client, backend):
    backend.answers[("directory", "make_subcontract")] = "a-1"
    assert post(client, "/subcontracts", subcontract(), "k-4").status_code == 201
    other = post(client, "/subcontracts", subcontract(hours_per_week=21), "k-4")
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    elsewhere = post(client, "/groups", {"host_organization_id": ORG}, "k-4")  # another address: another request
    assert elsewhere.status_code == 422 and elsewhere.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(made(backend)) == 1


def test_keys_are_the_callers_own(client, backend):
    backend.answers[("directory", "make_subcontract")] = lambda body: body["agreement_id"]
    mine = post(client, "/subcontracts", subcontract(), "k-5").get_json()
    theirs = post(client, "/subcontracts", subcontract(), "k-5", user=str(uuid.uuid4())).get_json()
    assert mine != theirs and len(made(backend)) == 2


def test_a_key_still_in_flight_is_409(client, backend, keys):
    body = subcontract()
    fingerprint = keys.fingerprint(ME, "k-6", "POST", "/subcontracts", {"query": {}, "body": body})
    assert keys.begin(ME, "k-6", fingerprint) is None  # another gateway process is carrying it out
    busy = post(client, "/subcontracts", body, "k-6")
    assert busy.status_code == 409 and busy.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert made(backend) == []


@pytest.mark.parametrize("failure, status", [
    (InvalidInput({"provider_id": ["not a peer-run organization"]}), 422),
    (Problem(504, "directory did not answer"), 504),
    (Problem(503, "directory is not running"), 503),
])
def test_a_request_that_did_not_succeed_lets_its_key_go(client, backend, failure, status):
    backend.answers[("directory", "make_subcontract")] = failure
    assert post(client, "/subcontracts", subcontract(), "k-7").status_code == status
    backend.answers[("directory", "make_subcontract")] = lambda body: body["agreement_id"]
    retried = post(client, "/subcontracts", subcontract(), "k-7")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    # the retry makes the record the first try would have: the service refuses a second one
    assert [call[2][0]["agreement_id"] for call in made(backend)] == [derived_id(ME, "k-7")] * 2


def test_a_504_says_the_outcome_is_unknown_and_a_retry_with_the_key_is_safe(client, backend):
    from services.gateway.service import CallBackend

    class Silent:
        timeout = 2.0

        def call(self, *args, **kwargs):
            raise TimeoutError("nothing came back")

    backend.answers[("directory", "make_subcontract")] = lambda body: CallBackend(Silent()).call(
        "directory", "make_subcontract", body, caller=Caller(ME, "agency_admin", ORG))
    answer = post(client, "/subcontracts", subcontract(), "k-8")
    assert answer.status_code == 504
    detail = answer.get_json()["detail"]
    assert "not known" in detail and "same Idempotency-Key is safe" in detail


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9", 'a"b', "two words"])
def test_a_malformed_key_is_400_naming_the_header(client, backend, key):
    answer = post(client, "/subcontracts", subcontract(), key)
    assert answer.status_code == 400 and answer.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert made(backend) == []


def test_a_key_as_a_structured_field_string_is_the_same_key(client, backend):
    backend.answers[("directory", "make_subcontract")] = lambda body: body["agreement_id"]
    bare = post(client, "/subcontracts", subcontract(), "8e03978e-40d5-43e8-bc93-6894a57f9324")
    quoted = post(client, "/subcontracts", subcontract(), '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    assert quoted.headers["Idempotent-Replayed"] == "true" and quoted.get_json() == bare.get_json()


def test_a_key_on_a_read_is_400(client, backend):
    answer = client.get("/organizations", headers={**bearer("person"), "Idempotency-Key": "k-9"})
    assert answer.status_code == 400 and answer.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_continuing_education_sent_again_carries_the_same_report_id(client, backend):
    peer = str(uuid.uuid4())
    backend.answers[("directory", "record_continuing_education")] = None
    backend.answers[("directory", "workforce_record")] = {"peer_worker_id": peer}
    body = {"hours": 3, "period_start": "2026-01-01", "period_end": "2026-06-30"}
    for _ in range(2):
        client.post(f"/peer-workers/{peer}/continuing-education", json=body,
                    headers={**bearer("peer", peer), "Idempotency-Key": "ce-1"})
    sent = [call[2] for call in backend.calls if call[1] == "record_continuing_education"]
    assert len(sent) == 1 and sent[0][0]["report_id"] == derived_id(peer, "ce-1")


# -- the store ---------------------------------------------------------------------------------------------------
def test_keys_survive_a_new_store_on_the_same_file(tmp_path):
    first = sqlite_store(tmp_path / "keys.sqlite", b"secret")
    fingerprint = first.fingerprint("u", "k", "POST", "/x", {"a": 1})
    assert first.begin("u", "k", fingerprint) is None
    first.finish("u", "k", Answer(201, {"Location": "/x/1"}, b'{"id": 1}'))
    restarted = sqlite_store(tmp_path / "keys.sqlite", b"secret")
    assert restarted.begin("u", "k", fingerprint) == Answer(201, {"Location": "/x/1"}, b'{"id": 1}')


def test_nothing_is_kept_in_clear(tmp_path):
    store = sqlite_store(tmp_path / "keys.sqlite", b"secret")
    body = {"display_name": NAME, "contact": "robin@example.org"}
    fingerprint = store.fingerprint("user-1", "key-visible", "POST", "/people", body)
    store.begin("user-1", "key-visible", fingerprint)
    store.finish("user-1", "key-visible", Answer(201, {}, json.dumps(body).encode()))
    with sqlite3.connect(tmp_path / "keys.sqlite") as db:
        rows = repr(db.execute("SELECT * FROM idempotency_keys").fetchall())
    raw = (tmp_path / "keys.sqlite").read_bytes() + (tmp_path / "keys.sqlite-wal").read_bytes()
    for secret in ("Robin", "robin@example.org", "key-visible", "user-1"):
        assert secret not in rows and secret.encode() not in raw
    # another secret opens nothing: the answer is sealed under the secret and the caller's key
    assert sqlite_store(tmp_path / "keys.sqlite", b"another").begin("user-1", "key-visible", fingerprint) is None


def test_a_key_is_forgotten_after_its_hours_and_a_dead_claim_is_taken_over(tmp_path, monkeypatch):
    store = sqlite_store(tmp_path / "keys.sqlite", b"secret", hours=1, lease=5)
    fingerprint = store.fingerprint("u", "k", "POST", "/x", {})
    store.begin("u", "k", fingerprint)
    now = __import__("time").time()
    monkeypatch.setattr("services.gateway.idempotency.time.time", lambda: now + 6)
    assert store.begin("u", "k", fingerprint) is None  # its gateway died before answering
    store.finish("u", "k", Answer(200, {}, b"{}"))
    assert store.begin("u", "k", fingerprint) == Answer(200, {}, b"{}")
    monkeypatch.setattr("services.gateway.idempotency.time.time", lambda: now + 3601 + 60)
    assert store.begin("u", "k", store.fingerprint("u", "k", "POST", "/y", {})) is None  # expired: a new request
    assert store.count() == 1
