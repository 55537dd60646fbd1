"""The HTTP gateway in front of real intake, matching and directory processes, over
the real broker: tokens in, the caller's identity carried to every service, plain errors out."""
import json
import uuid

import pytest
import requests

from shared.dev_tokens import mint_development_token
from tests.support import wait_until

pytestmark = pytest.mark.integration
SECRET = "integration-secret-" + "s" * 32
ORG = "org-hampden-1"


class Api:
    def __init__(self, base_url, log, metrics_url):
        self.base_url = base_url
        self.log = log  # the gateway's log file
        self.metrics_url = metrics_url  # apart from the API: only Prometheus reaches it

    def __call__(self, method, path, role=None, user_id=None, organization_id=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if role:
            token = mint_development_token(role, user_id or str(uuid.uuid4()), organization_id, secret=SECRET)
            headers["Authorization"] = f"Bearer {token}"
        answer = requests.request(method, self.base_url + path, headers=headers, timeout=20, **kwargs)
        assert answer.headers["X-Correlation-Id"]
        return answer

    def log_entries(self) -> list[dict]:
        """The gateway's log: every line one JSON object (json.loads fails the test on any other)."""
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def api_for(network_factory):
    def start(store_env, services):
        network = network_factory({**store_env, "PEERNET_JWT_SECRET": SECRET, "PEERNET_GATEWAY_RPC_TIMEOUT": "2"},
                                  services=(*services, "gateway"))
        network.start()
        gateway = network.specs["gateway"]
        return Api(f"http://127.0.0.1:{gateway.port}", network.log_dir / "gateway.log", gateway.metrics_url)
    return start


def test_a_peer_worker_over_http_from_profile_to_matching(store_env, api_for):
    api = api_for(store_env, ("intake", "matching", "directory"))
    me = str(uuid.uuid4())
    assert api("GET", "/health").json() == {"service": "gateway", "healthy": True}

    organization = api("POST", "/organizations", "state_auditor",
                       json={"name": "Hilltown Peer Center (synthetic)", "kind": "peer_run_organization",
                             "regions": ["Hampden"]})
    assert organization.status_code == 201, organization.text
    uuid.UUID(organization.json()["organization_id"])
    listed = api("GET", "/organizations?kind=peer_run_organization&region=Hampden&limit=5", "person").json()
    assert [o["organization_id"] for o in listed["items"]] == [organization.json()["organization_id"]]
    assert listed["next_cursor"] is None
    provider = organization.json()["organization_id"]
    agency = api("POST", "/organizations", "state_auditor", json={
        "name": "Hampden Recovery Center (synthetic)", "kind": "agency", "regions": ["Hampden"]}).json()
    buyer = agency["organization_id"]
    made = api("POST", "/subcontracts", "agency_admin", organization_id=buyer, json={
        "buyer_id": buyer, "provider_id": provider, "hours_per_week": 20, "amount": 1200,
        "start": "2026-12-01", "end": "2027-11-30"})
    assert made.status_code == 201, made.text
    read = api("GET", made.headers["Location"], "agency_admin", organization_id=provider).json()
    assert read["buyer_id"] == buyer and read["status"] == "open"
    assert api("GET", made.headers["Location"], "agency_admin", organization_id=str(uuid.uuid4())).status_code == 403

    recorded = api("POST", "/peer-workers", "peer", me, json={
        "peer_worker_id": me, "display_name": "Rowan Example (synthetic)", "organization_id": ORG,
        "experiences": [{"experience": "heard_voices", "visibility": "matching"},
                        {"experience": "veteran", "visibility": "private"}]},
        headers={"X-Correlation-Id": "it-profile-1"})
    assert recorded.status_code == 201, recorded.text
    assert recorded.headers["X-Correlation-Id"] == "it-profile-1"

    def candidate():
        answer = api("GET", f"/candidates/{me}", "peer", me)
        return answer.json() if answer.status_code == 200 else None

    assert wait_until(candidate, timeout=5, message="candidate over HTTP")["shared_for_matching"] == ["heard_voices"]
    shared = api("POST", f"/peer-workers/{me}/shared-experiences", "peer", me,
                 json={"experience": "veteran", "visibility": "matching"})
    assert shared.json() == {"peer_worker_id": me, "experience": "veteran", "visibility": "matching"}
    withdrawn = api("POST", f"/peer-workers/{me}/experience-withdrawals", "peer", me,
                    json={"experience": "heard_voices"})
    assert withdrawn.status_code == 200, withdrawn.text
    wait_until(lambda: candidate()["shared_for_matching"] == ["veteran"], timeout=3, message="changes in matching")

    # The caller's identity and correlation id reached intake and were stored with the event.
    events = api("GET", "/services/intake/integration-events?type=PeerWorkerProfiled&limit=10",
                 "state_auditor").json()
    profiled = [event for event in events["items"] if event["subject_id"] == me]
    assert profiled[0]["actor"]["correlation_id"] == "it-profile-1"
    assert profiled[0]["actor"]["user_id"] == me and profiled[0]["actor"]["role"] == "peer"
    assert "Rowan" not in str(events)  # personal fields stay sealed

    logged = [entry for entry in api.log_entries() if entry.get("route") == "recordPeerWorkerProfile"]
    assert logged and logged[0]["correlation_id"] == "it-profile-1"  # the request's correlation id in its line
    assert logged[0]["status"] == 201 and logged[0]["service"] == "gateway" and logged[0]["duration_ms"] > 0

    positions = api("GET", "/services/matching/positions", "state_auditor").json()
    assert positions["service"] == "matching" and positions["upstream"]["intake"] >= 3


def test_refusals_are_plain_problems_and_store_nothing(tmp_path, api_for):
    api = api_for({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"}, ("intake",))
    before = api("GET", "/services/intake/positions", "state_auditor").json()["log"]
    someone = str(uuid.uuid4())
    body = {"peer_worker_id": someone, "display_name": "Sam (synthetic)", "organization_id": ORG}

    unsigned = api("POST", "/peer-workers", json=body)
    assert unsigned.status_code == 401 and unsigned.headers["Content-Type"] == "application/problem+json"
    assert api("POST", "/peer-workers", "person", json=body).status_code == 403
    assert api("POST", "/peer-workers", "agency_admin", organization_id="org-elsewhere", json=body).status_code == 403
    duplicate = {**body, "experiences": [{"experience": "veteran", "visibility": "matching"}] * 2}
    refused = api("POST", "/peer-workers", "peer", someone, json=duplicate)  # only intake knows this rule
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"].startswith("experiences")
    missing = api("POST", f"/peer-workers/{someone}/shared-experiences", "peer", someone,
                  json={"experience": "veteran", "visibility": "network"})
    assert missing.status_code == 404
    # Not running: 503 when no queue was ever declared, 504 when requests only pile up in one.
    unavailable = api("GET", "/services/directory/positions", "state_auditor")
    assert unavailable.status_code in (503, 504) and "directory" in unavailable.json()["detail"]
    assert api("POST", "/peer-workers", "peer", someone, data=b"x" * 100_000,
               headers={"Content-Type": "application/json"}).status_code == 413

    assert api("GET", "/services/intake/positions", "state_auditor").json()["log"] == before
    assert api("GET", "/metrics").status_code == 404
    metrics = requests.get(api.metrics_url, timeout=5).text
    assert 'route="recordPeerWorkerProfile"' in metrics and 'status="422"' in metrics


def test_the_persons_path_and_the_peers_answer_over_http(store_env, api_for):
    api = api_for(store_env, ("intake", "matching"))
    peer_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
    assert api("POST", "/peer-workers", "peer", peer_id, json={
        "peer_worker_id": peer_id, "display_name": "Ana Example (synthetic)", "organization_id": ORG,
        "experiences": [{"experience": "heard_voices", "visibility": "matching"}]}).status_code == 201
    available = api("POST", f"/peer-workers/{peer_id}/availability-settings", "peer", peer_id, json={
        "capacity": 1, "modalities": ["phone"], "languages": ["Spanish"], "regions": ["Hampden County"],
        "remote": False})
    assert available.status_code == 200, available.text

    assert api("GET", f"/people/{person_id}", "person", person_id).status_code == 404  # not enrolled yet
    enrollment = {
        "person_id": person_id, "display_name": "Sam Sample (synthetic)", "region": "Hampden County",
        "languages": ["Klingon"], "modalities": ["phone"],
        "consent": {"purpose": "peer_support", "may_see": {"matching": ["region", "languages", "modalities",
                                                                        "experiences"]}}}
    unknown = api("POST", "/people", "person", person_id, json=enrollment)
    assert unknown.status_code == 422 and "languages" in unknown.json()["errors"][0]["field"]
    assert api("GET", f"/people/{person_id}", "person", person_id).status_code == 404  # nothing stored
    # "es" here, "Spanish" from the peer worker: one language
    enrolled = api("POST", "/people", "person", person_id, json={**enrollment, "languages": ["es"]})
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.headers["Location"] == f"/people/{person_id}"
    assert api("POST", f"/people/{person_id}/shared-experiences", "person", person_id,
               json={"experience": "heard_voices", "visibility": "matching"}).status_code == 200
    assert api("GET", f"/people/{person_id}", "person", str(uuid.uuid4())).status_code == 403
    requested = api("POST", f"/people/{person_id}/support-requests", "person", person_id,
                    json={"hopes": "someone who has been there"})
    assert requested.status_code == 201, requested.text

    def offers():
        return api("GET", f"/people/{person_id}/offers", "person", person_id).json()["offers"]

    offered = wait_until(offers, timeout=10, message="offers over HTTP")
    assert offered[0]["peer_worker_id"] == peer_id and "heard voices" in offered[0]["why"]
    assert offered[0]["languages"] == ["es"] and "Spanish" in offered[0]["why"]
    again = api("POST", f"/people/{person_id}/offer-requests", "person", person_id, json={})
    assert again.status_code == 200, again.text  # nobody new: the offer the person has stays theirs
    assert [o["peer_worker_id"] for o in again.json()["offers"]] == [peer_id] and again.json()["reason"] is None
    choice = api("POST", f"/people/{person_id}/choices", "person", person_id, json={"peer_worker_id": peer_id})
    assert choice.status_code == 201, choice.text

    waiting = api("GET", f"/peer-workers/{peer_id}/requests", "peer", peer_id).json()
    assert [r["choice_id"] for r in waiting["items"]] == [choice.json()["choice_id"]]
    assert "Sam" not in str(waiting)  # the peer sees what both shared, not who
    accepted = api("POST", f"/choices/{choice.json()['choice_id']}/acceptances", "peer", peer_id)
    assert accepted.status_code == 201, accepted.text
    connections = api("GET", f"/people/{person_id}/connections?limit=1", "person", person_id).json()
    assert connections["items"][0]["connection_id"] == accepted.json()["connection_id"]
    assert connections["next_cursor"] is None

    record = api("GET", f"/people/{person_id}", "person", person_id).json()
    assert record["details"]["display_name"] == "Sam Sample (synthetic)"
    assert record["support_requests"][0]["hopes"] == "someone who has been there"
    assert api("POST", f"/people/{person_id}/erasures", "person", person_id).status_code == 200
    assert api("GET", f"/people/{person_id}", "person", person_id).json()["forgotten"] is True


def test_a_referral_opens_only_with_its_invitations_secret(tmp_path, api_for):
    api = api_for({"PEERNET_STORE": "sqlite", "PEERNET_VAR_DIR": str(tmp_path)}, ("intake",))
    made = api("POST", "/referrals", "agency_admin", organization_id=ORG,
               json={"display_name": "Casey Example (synthetic)", "contact": "555-0100"})
    assert made.status_code == 201, made.text
    referral_id, secret = made.json()["referral_id"], made.json()["invitation_secret"]
    stranger, invitee = str(uuid.uuid4()), str(uuid.uuid4())
    details = {"display_name": "Stranger (synthetic)", "contact": "stranger@example.org", "region": "Hampden County",
               "languages": ["en"], "modalities": ["phone"],
               "consent": {"purpose": "peer_support", "may_see": {"referring_agency": ["display_name", "contact"]}}}

    def as_stranger(referral, headers):
        return [api("GET", f"/referrals/{referral}", "person", stranger, headers=dict(headers)),
                api("POST", f"/referrals/{referral}/acceptances", "person", stranger, headers=dict(headers),
                    json={"person_id": stranger, **details}),
                api("POST", f"/referrals/{referral}/declines", "person", stranger, headers=dict(headers))]

    unknown = str(uuid.uuid4())
    for headers in ({}, {"X-Invitation-Secret": "a guess"}, {"X-Invitation-Secret": secret[:-1]}):
        for answer, nothing in zip(as_stranger(referral_id, headers), as_stranger(unknown, headers)):
            assert answer.status_code == nothing.status_code == 404
            differs = {"detail", "instance", "correlation_id"}  # the address asked for and the request, nothing more
            assert {k: v for k, v in answer.json().items() if k not in differs} == \
                   {k: v for k, v in nothing.json().items() if k not in differs}
            assert answer.json()["detail"].replace(referral_id, unknown) == nothing.json()["detail"]
    assert api("GET", f"/people/{stranger}", "person", stranger).status_code == 404  # nothing enrolled
    seen = api("GET", f"/referrals/{referral_id}", "agency_admin", organization_id=ORG).json()
    assert seen["status"] == "pending" and seen["person_id"] is None
    assert api("POST", f"/people/{stranger}/disclosures", "agency_admin", organization_id=ORG,
               json={"audience": "referring_agency"}).status_code == 404  # the stranger's fields: never

    opened = api("GET", f"/referrals/{referral_id}", "person", invitee, headers={"X-Invitation-Secret": secret})
    assert opened.status_code == 200 and opened.json()["organization_id"] == ORG
    accepted = api("POST", f"/referrals/{referral_id}/acceptances", "person", invitee,
                   headers={"X-Invitation-Secret": secret}, json={"person_id": invitee, **details})
    assert accepted.status_code == 201, accepted.text


def test_a_path_cannot_forge_a_log_line(tmp_path, api_for):
    """A carriage return, a line feed, ANSI escapes and a JSON fragment in a path stay inside one JSON string."""
    api = api_for({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"}, ())
    forged = '{"time": "2026-12-05T00:00:00Z", "level": "CRITICAL", "service": "gateway", "message": "forged"}'
    path = f"/peer-workers/x-marker\r\n\x1b[31m\x1b[2J{forged}\r\nGET / 200"
    answer = api("GET", requests.utils.quote(path, safe="/"), "state_auditor",
                 headers={"X-Correlation-Id": "it-forge-1"})
    assert answer.status_code == 404

    def logged():
        text = api.log.read_text()
        return text if "it-forge-1" in text else None

    text = wait_until(logged, timeout=5, message="the request's line in the gateway's log")
    assert "\x1b" not in text and "\r" not in text  # no raw escape or carriage return reaches the file
    entries = api.log_entries()  # each line parses as JSON
    mine = [entry for entry in entries if "x-marker" in json.dumps(entry)]
    assert len(mine) == 1, mine
    assert mine[0]["path"] == path and mine[0]["correlation_id"] == "it-forge-1" and mine[0]["status"] == 404
    assert not [entry for entry in entries if entry.get("message") == "forged" or entry["level"] == "CRITICAL"]
    assert sum("x-marker" in line for line in text.splitlines()) == 1


def test_a_header_too_long_to_read_is_a_problem_document_too(tmp_path, api_for):
    """Over 64 KiB a header line is not read at all (eventlet's limit, raised from 8 KiB): still a problem
    document saying what to fix, and the gateway goes on answering."""
    api = api_for({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"}, ())
    answer = requests.get(api.base_url + "/me", headers={"X-Padding": "x" * (70 * 1024)}, timeout=20)
    assert answer.status_code == 400 and answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert "64 KiB" in problem["detail"] and problem["errors"] == [{"field": "(headers)", "message": "too long to read"}]
    assert answer.headers["X-Correlation-Id"] == problem["correlation_id"]
    assert api("GET", "/me", "peer").status_code == 200
