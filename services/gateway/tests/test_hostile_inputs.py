"""Hostile input through HTTP, with the real services behind the gateway (in process, in-memory stores):
every one is a 4xx problem document naming what is at fault, and no service stores anything."""
from __future__ import annotations

import io
import json
import re
import uuid

import pytest
from cryptography.fernet import Fernet
from werkzeug.test import Client, create_environ
from werkzeug.wrappers import Request

from services.audit.setup import setup as audit_setup
from services.directory.setup import setup as directory_setup
from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import development_verifier
from services.gateway.idempotency import sqlite_store
from services.gateway.problems import PROBLEM_TYPE, Problem
from services.gateway.tests.conftest import ORG, SECRET, bearer
from services.gateway.tests.test_roles import REQUESTS
from services.audit.tests.support import Sources
from services.intake.setup import setup as intake_setup
from services.matching.setup import setup as matching_setup
from services.supervision.setup import setup as supervision_setup
from shared.crypto import MemoryKeyStorage, PersonKeyVault
from shared.errors import Conflict

ME = str(uuid.uuid4())
NAME = "Robin Quill (synthetic)"
SETUPS = {"intake": intake_setup, "directory": directory_setup, "matching": matching_setup,
          "supervision": supervision_setup}


class InProcess:
    """The services as the bus would call them, without the bus: `perform` with the caller."""

    def __init__(self, apps: dict):
        self.apps = apps

    def call(self, service, method, *args, caller):
        app = self.apps.get(service)
        if app is None:
            raise Problem(503, f"{service} is not running")
        if method == "positions":
            return {"log": app.max_position(), "upstream": {}}
        try:
            return app.perform(method, caller, *args)
        except Conflict as conflict:
            raise Problem(409, conflict.message) from None

    def positions(self) -> dict:
        return {name: app.max_position() for name, app in self.apps.items()}


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEERNET_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        patch.setenv("PEERNET_STORE", "memory")
        vault = PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())
        apps = {name: setup(vault, {"PERSISTENCE_MODULE": "eventsourcing.popo"}) for name, setup in SETUPS.items()}
        # Audit reads the events it shows from their sources, here the applications themselves.
        apps["audit"] = audit_setup(vault, {"PERSISTENCE_MODULE": "eventsourcing.popo"}, sources=Sources(**apps))
        yield InProcess(apps)


@pytest.fixture(scope="module")
def http(services, tmp_path_factory):
    gateway = Gateway(ROUTES, development_verifier(SECRET), max_body=4096,
                      keys=sqlite_store(tmp_path_factory.mktemp("keys") / "keys.sqlite", b"hostile-secret"))

    def app(environ, start_response):
        return gateway.handle(Request(environ), services)(environ, start_response)
    return Client(app)


def refused(answer, status: int | tuple = 422, field: str | None = None) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert answer.status_code in statuses, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"] == PROBLEM_TYPE
    problem = answer.get_json()
    if field is not None:
        assert field in [error["field"] for error in problem["errors"]], problem
    return problem


ENROLLMENT = {"person_id": ME, "display_name": NAME, "contact": "robin@example.org", "region": "Hampden",
              "languages": ["en"], "modalities": ["phone"], "consent": {"purpose": "peer_support", "may_see": {}}}
PEER = str(uuid.uuid4())
# route, role and caller, a valid body, and the free-text fields in it
TEXT_ROUTES = [
    ("/people", ("person", ME), ENROLLMENT, ("display_name", "contact", "region")),
    (f"/people/{ME}/support-requests", ("person", ME), {"hopes": "someone who has been there"}, ("hopes",)),
    ("/referrals", ("agency_admin", None), {"display_name": NAME, "contact": "robin@example.org"},
     ("display_name", "contact")),
    ("/organizations", ("state_auditor", None), {"name": "Hilltown Peer Center (synthetic)",
                                                 "kind": "peer_run_organization", "regions": ["Hampden"]},
     ("name", "regions.0")),
    (f"/peer-workers/{PEER}/pool-memberships", ("peer", PEER),
     {"organization_id": ORG, "display_name": NAME, "region": "Hampden"}, ("display_name", "region")),
    ("/groups", ("agency_admin", None), {
        "host_organization_id": ORG, "kind": "wrap", "name": "Tuesday WRAP (synthetic)", "region": "Hampden",
        "description": "a quiet room", "link": "https://example.org/wrap",
        "schedule": {"freq": "WEEKLY", "byday": "TU", "opens_at": "18:00", "closes_at": "19:30"}},
     ("name", "description", "region")),
    ("/peer-workers", ("peer", PEER), {"peer_worker_id": PEER, "display_name": NAME, "organization_id": ORG},
     ("display_name",)),
]
JUNK = {
    "a lone surrogate": "Robin \ud800",
    "NUL": "Robin\x00",
    "BEL": "Robin\x07",
    "ESC": "Robin \x1b[31mred",
    "a right-to-left override": "Robin \u202egnp.exe",
    "an isolate": "\u2066Robin\u2069",
    "only whitespace": "   ",
    "whitespace with a line break": " \n\t ",
}


def _set(body: dict, field: str, value) -> dict:
    body = json.loads(json.dumps(body))
    *parents, last = field.split(".")
    target = body
    for name in parents:
        target = target[name]
    target[int(last) if last.isdigit() else last] = value
    return body


def post(http, path, who, body=None, data=None, **headers):
    role, user = who
    return http.post(path, headers={**bearer(role, user), **headers}, data=data if data is not None else
                     json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("junk", list(JUNK), ids=list(JUNK))
@pytest.mark.parametrize("path, who, body, fields", TEXT_ROUTES, ids=[route[0] for route in TEXT_ROUTES])
def test_junk_in_free_text_is_refused_naming_the_field(http, services, path, who, body, fields, junk):
    before = services.positions()
    for field in fields:
        refused(post(http, path, who, _set(body, field, JUNK[junk])), 422, field)
    assert services.positions() == before


PEER_WORKER_ROUTES = f"/peer-workers/{PEER}"
EMPLOYMENT = {"organization_id": ORG, "role_title": "Peer Specialist", "hours_per_week": 20, "start": "2026-01-05"}
CREDENTIAL = {"kind": "recovery_coach", "state": "MA", "number": "RC-1", "issued": "2025-01-10",
              "expires": "2027-01-10"}
SUBCONTRACT = {"buyer_id": ORG, "provider_id": str(uuid.uuid4()), "hours_per_week": 20, "amount": 1200,
               "start": "2026-12-01", "end": "2027-11-30"}
# route, role, a valid body, the field and its value out of range
OUT_OF_RANGE = [
    (PEER_WORKER_ROUTES + "/employments", ("agency_admin", None), EMPLOYMENT, "start", "9999-12-31"),
    (PEER_WORKER_ROUTES + "/employments", ("agency_admin", None), EMPLOYMENT, "start", "0001-01-01"),
    (PEER_WORKER_ROUTES + "/employments", ("agency_admin", None), EMPLOYMENT, "peer_role_since", "1949-12-31"),
    (PEER_WORKER_ROUTES + "/peer-role-changes", ("peer", PEER), {"peer_role_since": "2020-01-01"},
     "peer_role_since", "1900-01-01"),
    (PEER_WORKER_ROUTES + "/credentials", ("agency_admin", None), CREDENTIAL, "issued", "2100-01-01"),
    (PEER_WORKER_ROUTES + "/continuing-education", ("peer", PEER),
     {"hours": 3, "period_start": "2026-01-01", "period_end": "2026-06-30"}, "period_end", "9999-12-31"),
    ("/subcontracts", ("agency_admin", None), SUBCONTRACT, "end", "9999-12-31"),
    (f"/people/{ME}/support-requests", ("person", ME), {}, "expires_at", "9999-12-31T23:59:59+00:00"),
]


@pytest.mark.parametrize("path, who, body, field, value", OUT_OF_RANGE,
                         ids=[f"{route[0].split('/')[-1]}-{route[3]}-{route[4]}" for route in OUT_OF_RANGE])
def test_every_date_has_a_sensible_range(http, services, path, who, body, field, value):
    before = services.positions()
    refused(post(http, path, who, {**body, field: value}), 422, field)
    assert services.positions() == before


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "on", None])
def test_booleans_are_booleans(http, services, value):
    before = services.positions()
    refused(post(http, PEER_WORKER_ROUTES + "/employments", ("agency_admin", None),
                 {**EMPLOYMENT, "certification_required": value}), 422, "certification_required")
    assert services.positions() == before


def test_a_query_flag_is_true_or_false(http):
    refused(http.get("/organizations?include_closed=yes", headers=bearer("person")), 422, "include_closed")
    assert http.get("/organizations?include_closed=true", headers=bearer("person")).status_code == 200


def test_a_field_named_twice_is_refused(http, services):
    before = services.positions()
    raw = '{"name": "Hilltown (synthetic)", "kind": "agency", "regions": ["Hampden"], "name": "Other"}'
    refused(post(http, "/organizations", ("state_auditor", None), data=raw), 422, "name")
    assert services.positions() == before


def test_a_lone_surrogate_anywhere_in_the_body_is_refused_naming_it(http, services):
    raw = '{"name": "Hilltown", "kind": "agency", "regions": ["Hampden"], "contact": {"\\udc00x": "y"}}'
    refused(post(http, "/organizations", ("state_auditor", None), data=raw), 422, "contact.\udc00x")


def test_a_chunked_body_over_the_limit_is_413(services):
    gateway = Gateway(ROUTES, development_verifier(SECRET), max_body=4096)
    body = b'{"name": "' + b"x" * 10_000 + b'", "kind": "agency", "regions": ["Hampden"]}'
    environ = create_environ("/organizations", method="POST", input_stream=io.BytesIO(body),
                             headers={**bearer("state_auditor"), "Transfer-Encoding": "chunked"},
                             content_type="application/json")
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input_terminated"] = True  # how eventlet's server hands over a chunked body
    before = services.positions()
    answer = gateway.handle(Request(environ), services)
    assert answer.status_code == 413 and answer.content_type == PROBLEM_TYPE
    assert services.positions() == before


def test_an_authorization_header_over_8_kib_gets_a_problem_document(http):
    problem = refused(http.get("/services", headers={"Authorization": "Bearer " + "a" * 9000}), 401,
                      "Authorization")
    assert "8192" in problem["detail"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "BREW"])
def test_an_unknown_method_is_405_with_allow(http, method):
    answer = http.open("/organizations", method=method, headers=bearer("person"))
    refused(answer, 405)
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("token, said", [
    ("not-a-token", "cannot be read"),
    ("a.b.c", "cannot be read"),
])
def test_token_errors_say_nothing_of_the_library(http, token, said):
    detail = refused(http.get("/services", headers={"Authorization": f"Bearer {token}"}), 401)["detail"]
    assert said in detail and not re.search(r"(?i)segment|padding|utf-8|codec|jwt|Error\b", detail)


def test_a_development_token_lives_at_most_a_day(http):
    long_lived = bearer("person", lifetime=25 * 3600)
    assert "24 hours" in refused(http.get("/services", headers=long_lived), 401)["detail"]
    assert http.get("/services", headers=bearer("person", lifetime=24 * 3600)).status_code == 200


# Every address naming an id, whose service runs here. Left out, each for its reason: /services/<service>
# names a service, not a record; matching answers a caller's own lists (offers, connections, requests) and
# blocks for anyone signed in, enrolled or not (an empty list or a plain yes, stores nothing); notifications
# is not set up in process (its own tests read unknown ids); a first employment makes the peer worker's
# workforce record, so their id is new there by right.
OWN_LISTS = {"readOffers", "listPersonConnections", "listPeerRequests", "listPeerConnections", "blockPeer",
             "recordEmployment"}
PATH_ROUTES = [route for route in ROUTES if "<" in route.path and route.roles and route.operation not in OWN_LISTS
               and not route.path.startswith("/services/") and not route.handler.__module__.endswith("notifications")]


@pytest.mark.parametrize("route", PATH_ROUTES, ids=[f"{r.method} {r.path}" for r in PATH_ROUTES])
def test_an_unknown_id_in_the_address_is_404(http, services, route):
    from services.gateway.tests.test_roles import ME as OWN
    path, body = REQUESTS[route.operation]
    role = route.roles[0]
    before = services.positions()
    headers = {**bearer(role, OWN), "X-Invitation-Secret": "s" * 32}
    if route.method == "GET":
        answer = http.get(path, headers=headers)
    else:
        answer = http.open(path, method=route.method, headers=headers, data=json.dumps(body or {}),
                           content_type="application/json")
    refused(answer, 404)
    assert services.positions() == before


# -- a retry the key store cannot answer (another gateway's, or past its hours): the service refuses it -----
def test_what_a_keyed_post_creates_is_made_once_even_when_the_key_store_forgot(services, tmp_path):
    def fresh_gateway():  # a new key store each time: only the derived id stands between a retry and a double
        gateway = Gateway(ROUTES, development_verifier(SECRET), max_body=8192,
                          keys=sqlite_store(tmp_path / f"keys-{uuid.uuid4().hex}.sqlite", b"s"))
        return Client(lambda environ, start: gateway.handle(Request(environ), services)(environ, start))

    auditor = ("state_auditor", str(uuid.uuid4()))

    def twice(path, who, body, key=None):
        key = {"Idempotency-Key": key or uuid.uuid4().hex}
        first = post(fresh_gateway(), path, who, body, **key)
        assert first.status_code in (200, 201), first.get_data(as_text=True)
        position = services.positions()
        second = post(fresh_gateway(), path, who, body, **key)
        assert services.positions() == position
        return first, second

    provider, again = twice("/organizations", auditor, {"name": "Riverbend Peer Center (synthetic)",
                                                        "kind": "peer_run_organization", "regions": ["Hampden"]})
    refused(again, 409)
    buyer = post(fresh_gateway(), "/organizations", auditor, {
        "name": "Riverbend Agency (synthetic)", "kind": "agency", "regions": ["Hampden"]}).get_json()
    admin = ("agency_admin", str(uuid.uuid4()))
    admin_headers = bearer("agency_admin", admin[1], buyer["organization_id"])

    def as_admin(path, body, key):
        return fresh_gateway().post(path, json=body, headers={**admin_headers, "Idempotency-Key": key})

    made = [as_admin("/subcontracts", {**SUBCONTRACT, "buyer_id": buyer["organization_id"],
                                      "provider_id": provider.get_json()["organization_id"]}, "sub-1")
            for _ in range(2)]
    assert made[0].status_code == 201 and made[1].status_code == 409
    groups = [as_admin("/groups", {"host_organization_id": buyer["organization_id"], "kind": "wrap",
                                   "name": "Thursday WRAP (synthetic)", "region": "Hampden",
                                   "link": "https://example.org/wrap", "schedule": {
                                       "freq": "WEEKLY", "byday": "TH", "opens_at": "18:00", "closes_at": "19:30"}},
                       "group-1") for _ in range(2)]
    assert groups[0].status_code == 201 and groups[1].status_code == 409
    worker = str(uuid.uuid4())
    assert as_admin(f"/peer-workers/{worker}/employments", {**EMPLOYMENT, "organization_id": buyer["organization_id"]},
                    "job-1").status_code == 201
    credentials = [as_admin(f"/peer-workers/{worker}/credentials", CREDENTIAL, "cred-1") for _ in range(2)]
    assert credentials[0].status_code == 201 and credentials[1].status_code == 409
    report = {"hours": 3, "period_start": "2026-01-01", "period_end": "2026-06-30"}
    assert as_admin(f"/peer-workers/{worker}/continuing-education", report, "ce-1").status_code == 200
    after_first = services.positions()
    again = as_admin(f"/peer-workers/{worker}/continuing-education", report, "ce-1")
    assert again.status_code == 200 and services.positions() == after_first
    assert again.get_json()["continuing_education"] == [
        {"period_start": "2026-01-01", "period_end": "2026-06-30", "hours": 3.0}]  # 3, not 6


# -- audit's routes: its queries' filters, break-glass and verification, each refused naming the field -----------
AUDITOR = ("state_auditor", None)
BREAK_GLASS = {"person_id": ME, "reason": "legal_request", "reference": "REQ-2026-0042"}
AUDIT_QUERIES = [  # address, the field at fault
    *[(f"/audit-entries?{field}={value}", field) for field in ("source", "organization_id", "subject_id")
      for value in ("Robin%00", "%E2%80%AEgnp", "%1B%5B2J", "%20%20%20")],
    ("/audit-entries?since=9999-12-31T23:59:59%2B00:00", "since"),
    ("/audit-entries?until=0001-01-01T00:00:00%2B00:00", "until"),
    ("/audit-entries?since=2026-01-02T00:00:00%2B00:00&until=2026-01-01T00:00:00%2B00:00", "until"),
    ("/audit-entries?since=2026-01-02", "since"),  # a moment has its offset
    ("/audit-entries?type=Person%0AEnrolled", "type"),
    ("/audit-entries?limit=0", "limit"),
    ("/audit-entries?limit=100000", "limit"),
    ("/audit-entries?cursor=not-a-cursor", "cursor"),
    ("/audit-exports?format=xml", "format"),
    ("/audit-exports?format=csv&source=%00", "source"),
    ("/audit-exports?format=csv&limit=50001", "limit"),
    ("/audit-checkpoints?limit=0", "limit"),
]


@pytest.mark.parametrize("path, field", AUDIT_QUERIES, ids=[f"{p.split('?')[0]}-{f}-{n}" for n, (p, f) in
                                                            enumerate(AUDIT_QUERIES)])
def test_audit_query_junk_is_refused_naming_the_field(http, services, path, field):
    before = services.positions()
    refused(http.get(path, headers=bearer(*AUDITOR)), 422, field)
    assert services.positions() == before


BREAK_GLASS_JUNK = [
    ("person_id", "not-an-id"), ("person_id", None), ("reason", "curiosity"), ("reason", "legal_request\u0000"),
    ("reference", "REQ\u202e1"), ("reference", "REQ\n1"), ("reference", "x" * 500), ("reference", "   "),
    ("hours", 0), ("hours", 73), ("hours", "5"), ("hours", True), ("hours", 1.5), ("hours", 10 ** 30),
]


@pytest.mark.parametrize("field, value", BREAK_GLASS_JUNK, ids=[f"{f}-{n}" for n, (f, _) in enumerate(BREAK_GLASS_JUNK)])
def test_break_glass_junk_is_refused_naming_the_field(http, services, field, value):
    before = services.positions()
    body = json.loads(json.dumps({**BREAK_GLASS, field: value}).replace("\\\\u", "\\u"))
    refused(post(http, "/break-glass-accesses", AUDITOR, body), 422, field)
    assert services.positions() == before


@pytest.mark.parametrize("field", ["person_id", "reason"])
def test_break_glass_without_what_it_needs_is_refused_naming_it(http, services, field):
    before = services.positions()
    refused(post(http, "/break-glass-accesses", AUDITOR, {k: v for k, v in BREAK_GLASS.items() if k != field}),
            422, field)
    assert services.positions() == before


def test_an_unknown_field_anywhere_in_audit_is_refused(http, services):
    before = services.positions()
    refused(post(http, "/break-glass-accesses", AUDITOR, {**BREAK_GLASS, "why": "because"}), 422, "why")
    refused(http.get("/audit-entries?colour=red", headers=bearer(*AUDITOR)), 422, "colour")
    assert services.positions() == before


@pytest.mark.parametrize("path", ["/audit-verifications/not-an-id", f"/audit-verifications/{uuid.uuid4()}",
                                  "/people/not-an-id/personal-fields"])
def test_an_unknown_verification_or_person_in_audits_addresses_is_404(http, services, path):
    before = services.positions()
    refused(http.get(path, headers=bearer(*AUDITOR)), 404)
    assert services.positions() == before
