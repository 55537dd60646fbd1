"""The gateway's supervision, audit and disclosure routes in front of real intake, directory,
supervision and audit processes on the real broker (SQLite stores): a supervisor found, offered
and accepted over HTTP; the audit history exported as a stream of chunks; a state auditor's
break-glass read, and the person seeing it in their disclosure log."""
import csv
import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from services.audit.ledger import COLUMNS
from shared.dev_tokens import mint_development_token
from tests.support import wait_until

pytestmark = pytest.mark.integration
SECRET = "integration-secret-" + "s" * 32
# Entries per page of audit's export: small, so that a small ledger streams in several chunks, yet over
# the 4 KiB eventlet's server gathers before it writes a chunk (an entry is about 330 bytes as CSV).
PAGE = 20
NAME, CONTACT = "Sky Harrowgate-Example", "sky.harrowgate@example.org"
POOL_NAME = "Sam Thistlewood-Example"


def day(offset: int = 0) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=offset)).isoformat()


class Api:
    def __init__(self, base_url):
        self.base_url = base_url

    def __call__(self, method, path, role, user_id=None, organization_id=None, **kwargs):
        token = mint_development_token(role, user_id or str(uuid.uuid4()), organization_id, secret=SECRET)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
        return requests.request(method, self.base_url + path, headers=headers, timeout=20, **kwargs)


def ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def test_supervision_export_and_break_glass_over_http(tmp_path, network_factory, rpc):
    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite",
                               "PEERNET_JWT_SECRET": SECRET, "PEERNET_GATEWAY_EXPORT_PAGE": str(PAGE)},
                              services=("intake", "directory", "supervision", "audit", "gateway"))
    network.start()
    api = Api(f"http://127.0.0.1:{network.specs['gateway'].port}")
    system = rpc("system")

    # An agency with a new peer worker and an eligible supervisor of its own.
    agency = ok(api("POST", "/organizations", "state_auditor", json={
        "name": "Hampden Community Agency (synthetic)", "kind": "agency", "regions": ["Hampden"]}), 201)[
        "organization_id"]
    directory = rpc("agency_admin", user_id="agency-admin", organization_id=agency).directory
    worker, supervisor = str(uuid.uuid4()), str(uuid.uuid4())
    directory.record_employment({"peer_worker_id": worker, "organization_id": agency, "role_title": "Peer Specialist",
                                 "hours_per_week": 40, "start": day(-20), "peer_role_since": day(-20)})
    directory.record_employment({"peer_worker_id": supervisor, "organization_id": agency,
                                 "role_title": "Peer Supervisor", "hours_per_week": 30, "start": day(-365),
                                 "peer_role_since": "2015-06-01"})
    directory.record_credential({"peer_worker_id": supervisor, "kind": "certified_peer_specialist", "state": "MA",
                                 "number": "CPS-2001-SYN", "issued": "2016-01-01", "expires": "2040-01-01"})
    directory.record_credential({"peer_worker_id": supervisor, "kind": "peer_supervisor", "issued": "2020-01-01",
                                 "expires": "2040-01-01"})
    rpc("peer", user_id=supervisor).directory.join_pool({
        "peer_worker_id": supervisor, "organization_id": agency, "display_name": POOL_NAME, "region": "Hampden",
        "languages": ["en"], "specialties": []})
    for n in range(45):  # more directory events, so the export runs to several pages
        system.directory.register_organization({"name": f"Valley Peer Collective {n} (synthetic)",
                                                "kind": "peer_run_organization", "regions": ["Hampden"]})

    # Found over HTTP, offered by the agency's admin, accepted by the supervisor.
    admin = dict(role="agency_admin", user_id="agency-admin", organization_id=agency)

    def found():
        answer = api("POST", f"/peer-workers/{worker}/supervisor-searches", **admin, json={})
        return answer.status_code == 200 and answer.json()["options"] and answer.json()

    search = wait_until(found, timeout=10, message="the supervisor found over HTTP")
    assert search["route"] == "same_organization"
    assert [o["supervisor_id"] for o in search["options"]] == [supervisor]
    offered = api("POST", "/supervision-offers", **admin, json={
        "peer_worker_id": worker, "supervisor_id": supervisor, "kind": "professional_development"})
    assignment_id = ok(offered, 201)["assignment_id"]
    assert offered.headers["Location"] == f"/peer-workers/{worker}/supervision-record"
    assert api("POST", f"/supervision-offers/{assignment_id}/acceptances", "supervisor",
               str(uuid.uuid4())).status_code == 403  # not the supervisor offered: supervision refuses
    accepted = ok(api("POST", f"/supervision-offers/{assignment_id}/acceptances", "supervisor", supervisor))
    assert accepted == {"assignment_id": assignment_id, "status": "active"}
    record = ok(api("GET", offered.headers["Location"], "peer", worker))
    assert [(s["supervisor_id"], s["status"]) for s in record["supervisions"]] == [(supervisor, "active")]
    assert record["needs_supervisor"] is False
    load = ok(api("GET", f"/supervisors/{supervisor}/load", "supervisor", supervisor))
    assert [s["peer_worker_id"] for s in load["supervisions"]] == [worker] and load["free_capacity"] < load["capacity"]
    assert api("GET", f"/supervisors/{supervisor}/load", "supervisor", worker).status_code == 403

    # The export streams directory's history page by page: several chunks, one header, every entry.
    directory_log = system.directory.positions()["log"]
    auditor = dict(role="state_auditor", user_id="auditor-7")
    wait_until(lambda: len(ok(api("GET", "/audit-entries?source=directory&limit=200", **auditor))["items"])
               == directory_log, timeout=15, message="audit caught up with directory")
    assert directory_log > 2 * PAGE  # three pages at least
    exported = api("GET", "/audit-exports?source=directory", **auditor, stream=True)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert exported.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in exported.headers
    chunks = list(exported.raw.read_chunked(decode_content=True))
    assert len(chunks) >= 3
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == list(COLUMNS) and len(rows) == 1 + directory_log
    assert [int(row[COLUMNS.index("position")]) for row in rows[1:]] == list(range(1, directory_log + 1))
    assert POOL_NAME not in b"".join(chunks).decode()

    # A person enrolls; the state auditor reads their fields only through break-glass.
    me = str(uuid.uuid4())
    ok(api("POST", "/people", "person", me, json={
        "person_id": me, "display_name": NAME, "contact": CONTACT, "region": "Hampden", "languages": ["en"],
        "modalities": ["phone"], "consent": {"purpose": "peer_support", "may_see": {"matching": ["region"]}}}), 201)
    wait_until(lambda: ok(api("GET", f"/audit-entries?subject_id={me}&source=intake", **auditor))["items"],
               timeout=10, message="the enrollment in the ledger")
    lines = api("GET", f"/audit-exports?subject_id={me}", **auditor, headers={"Accept": "application/x-ndjson"})
    assert lines.headers["Content-Type"] == "application/x-ndjson"
    entries = [json.loads(line) for line in lines.text.splitlines()]
    assert [e["type"] for e in entries] == ["PersonEnrolled"] and NAME not in lines.text and CONTACT not in lines.text
    assert api("GET", f"/people/{me}/personal-fields", **auditor).status_code == 403
    opened = api("POST", "/break-glass-accesses", **auditor,
                 json={"person_id": me, "reason": "complaint_investigation", "reference": "CI-88"})
    assert ok(opened, 201)["person_id"] == me
    shown = ok(api("GET", opened.headers["Location"], **auditor))
    # Intake publishes only what the person's consent lets matching see, sealed: here, the region.
    assert [(f["field"], f["value"]) for f in shown["fields"]] == [("matching.region", "Hampden")]

    # The person sees both accesses in their own disclosure log; nobody else may read it.
    def disclosures():
        page = ok(api("GET", f"/people/{me}/disclosures", "person", me))
        return len(page["items"]) == 2 and page
    log = wait_until(disclosures, timeout=10, message="break-glass in the person's disclosure log")
    assert [(d["audience"], d["to"]["access"], d["to"]["user_id"], d["to"]["reference"]) for d in log["items"]] == [
        ("state_audit", "opened", "auditor-7", "CI-88"), ("state_audit", "read", "auditor-7", "CI-88")]
    assert log["items"][1]["fields"] == ["matching.region"] and log["next_cursor"] is None
    assert api("GET", f"/people/{me}/disclosures", "person").status_code == 403
