"""The handbook's story, end to end, over HTTP only: the whole network started as `make run`
starts it, every step through the gateway with each role's own token."""
import uuid

import pytest

from tests.support import wait_until

pytestmark = pytest.mark.integration

COUNTY, OTHER_COUNTY = "Hampden County", "Berkshire County"
PERSON_NAME = "Robin Quill (synthetic)"
PEER_NAMES = ("Ana Example (synthetic)", "Jules Sample (synthetic)")


def created(answer) -> dict:
    assert answer.status_code == 201, answer.text
    return answer.json()


def ok(answer) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()


def register(api, name, kind, county) -> str:
    organization_id = created(api("POST", "/organizations", "state_auditor",
                                  json={"name": name, "kind": kind, "regions": [county]}))["organization_id"]
    assert ok(api("GET", f"/organizations/{organization_id}", "person"))["kind"] == kind
    return organization_id


def subcontract(api, agency, provider) -> str:
    admin = {"role": "agency_admin", "organization_id": agency}
    terms = {"buyer_id": agency, "provider_id": provider, "hours_per_week": 20, "amount": "1200.00",
             "start": "2026-12-01", "end": "2027-11-30", "provider_duties": ["hiring", "training", "supervision"]}
    # The peer-role chart refuses a duty that widens the power imbalance, and says why.
    refused = api("POST", "/subcontracts", json={**terms, "duties": ["Facilitate a WRAP group",
                                                                    "Administer medications"]}, **admin)
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in refused.json()["errors"]] == ["duties.1"], refused.text
    # ... in English and in Spanish, for the page in either language.
    [why] = refused.json()["refused_duties"]
    assert why["field"] == "duties.1" and why["alternative"]["es"] and why["why"]["en"]
    assert ok(api("GET", f"/subcontracts?organization_id={agency}", **admin))["items"] == []

    made = api("POST", "/subcontracts", json={**terms, "duties": ["Facilitate a WRAP group",
                                                                 "Share lived experience to inspire hope"]}, **admin)
    agreement_id = created(made)["agreement_id"]
    read = ok(api("GET", made.headers["Location"], "agency_admin", organization_id=provider))
    assert (read["buyer_id"], read["provider_id"], read["status"]) == (agency, provider, "open")
    assert sorted(read["provider_duties"]) == ["hiring", "supervision", "training"]
    assert read["duties"] == ["Facilitate a WRAP group", "Share lived experience to inspire hope"]
    outsider = api("GET", made.headers["Location"], "agency_admin", organization_id=str(uuid.uuid4()))
    assert outsider.status_code == 403
    return agreement_id


def employ(api, organization, peer_worker_id, role_title, **terms) -> dict:
    answer = created(api("POST", f"/peer-workers/{peer_worker_id}/employments", "agency_admin",
                         organization_id=organization, json={
                             "organization_id": organization, "role_title": role_title, "hours_per_week": 30,
                             "start": "2026-01-05", **terms}))
    assert answer["peer_worker_id"] == peer_worker_id
    return answer


def join_pool(api, organization, peer_worker_id, name, county):
    joined = ok(api("POST", f"/peer-workers/{peer_worker_id}/pool-memberships", "peer", peer_worker_id, json={
        "organization_id": organization, "display_name": name, "region": county, "languages": ["English"],
        "specialties": ["hearing voices"]}))
    assert joined == {"peer_worker_id": peer_worker_id, "in_pool": True}


def peer_worker_joins(api, provider, name, items) -> str:
    me = str(uuid.uuid4())
    created(api("POST", "/peer-workers", "peer", me, json={
        "peer_worker_id": me, "display_name": name, "organization_id": provider,
        "experiences": [{"experience": item, "visibility": "matching"} for item in items]}))
    employ(api, provider, me, "Peer Specialist")
    join_pool(api, provider, me, name, COUNTY)
    shared = ok(api("POST", f"/peer-workers/{me}/shared-experiences", "peer", me,
                    json={"experience": "isolation_and_loneliness", "visibility": "matching"}))
    assert shared == {"peer_worker_id": me, "experience": "isolation_and_loneliness", "visibility": "matching"}
    assert ok(api("POST", f"/peer-workers/{me}/availability-settings", "peer", me, json={
        "capacity": 2, "modalities": ["phone", "in_person"], "languages": ["English"], "regions": [COUNTY],
        "remote": False}))["recorded"] is True
    return me


def arrange_supervisor(api, supervising) -> str:
    """A peer worker of the other organization, years in peer roles, certified and credentialed to supervise."""
    supervisor = str(uuid.uuid4())
    employ(api, supervising, supervisor, "Peer Supervisor", peer_role_since="2019-03-01")
    admin = {"role": "agency_admin", "organization_id": supervising}
    for credential in ({"kind": "certified_peer_specialist", "state": "MA", "number": "CPS-E2E-1",
                        "issued": "2025-01-10", "expires": "2028-01-10"},
                       {"kind": "peer_supervisor", "issued": "2025-06-01", "expires": "2028-06-01"}):
        created(api("POST", f"/peer-workers/{supervisor}/credentials", json=credential, **admin))
    eligible = ok(api("GET", f"/eligible-peer-supervisors?organization_id={supervising}", **admin))["items"]
    assert [item["peer_worker_id"] for item in eligible] == [supervisor]
    join_pool(api, supervising, supervisor, "Sky Mentor (synthetic)", OTHER_COUNTY)
    return supervisor


def supervise_across(api, provider, supervising, supervisor, peers) -> tuple[str, str]:
    admin = {"role": "agency_admin", "organization_id": provider}
    # Nobody at the peer-run organization may supervise: the pool has someone, once an agreement allows it.
    def pool_option():
        found = ok(api("POST", f"/peer-workers/{peers[0]}/supervisor-searches", json={}, **admin))
        return [option for option in found["options"] if option["supervisor_id"] == supervisor]
    [option] = wait_until(pool_option, timeout=30, interval=0.2, message="the pool's supervisor found")
    assert option["route"] == "pool" and option["reasons"], option
    early = api("POST", "/supervision-offers", json={"peer_worker_id": peers[0], "supervisor_id": supervisor,
                                                     "kind": "professional_development"}, **admin)
    assert early.status_code in (409, 422), early.text

    agreement = created(api("POST", "/supervision-agreements", json={
        "supervised_organization_id": provider, "supervising_organization_id": supervising,
        "peer_worker_ids": peers, "supervisor_id": supervisor, "hours_per_month": 4, "start": "2026-11-01",
        "end": "2027-10-31", "cost": "300.00"}, **admin))["agreement_id"]
    proposed = ok(api("GET", f"/supervision-agreements/{agreement}", "agency_admin", organization_id=supervising))
    assert proposed["status"] == "proposed" and proposed["supervisor_id"] == supervisor
    for party in (provider, supervising):
        decided = ok(api("POST", f"/supervision-agreements/{agreement}/acceptances", "agency_admin",
                         organization_id=party, json={"organization_id": party}))
    assert decided["status"] == "active" and set(decided["accepted_by"]) == {provider, supervising}

    # Once directory publishes the agreement active, supervision offers its supervisor to each peer worker named.
    def offers():
        load = ok(api("GET", f"/supervisors/{supervisor}/load", "supervisor", supervisor))
        offered = [s for s in load["supervisions"] if s["status"] == "offered"]
        return offered if len(offered) == len(peers) else None
    offered = wait_until(offers, timeout=30, interval=0.2, message="the supervisor offered to both peer workers")
    assert {s["peer_worker_id"] for s in offered} == set(peers)
    assert all(s["route"] == "agreement" and s["agreement_id"] == agreement for s in offered), offered
    for supervision in offered:
        accepted = ok(api("POST", f"/supervision-offers/{supervision['assignment_id']}/acceptances", "supervisor",
                          supervisor))
        assert accepted["status"] == "active", accepted
    record = ok(api("GET", f"/peer-workers/{peers[0]}/supervision-record", "peer", peers[0]))
    assert [(s["supervisor_id"], s["status"]) for s in record["supervisions"]] == [(supervisor, "active")]
    assert record["needs_supervisor"] is False
    return agreement, offered[0]["assignment_id"]


def test_the_handbook_story_over_http(gateway):
    api = gateway
    assert ok(api("GET", "/health")) == {"service": "gateway", "healthy": True}

    # An agency subcontracts peer support from a peer-run organization.
    provider = register(api, "Hilltown Peer Center (synthetic)", "peer_run_organization", COUNTY)
    agency = register(api, "Valley Recovery Agency (synthetic)", "agency", COUNTY)
    supervising = register(api, "Berkshire Peer Collective (synthetic)", "peer_run_organization", OTHER_COUNTY)
    subcontract_id = subcontract(api, agency, provider)

    # Two peer workers of the peer-run organization share items for matching.
    peers = [peer_worker_joins(api, provider, PEER_NAMES[0], ["heard_voices", "veteran"]),
             peer_worker_joins(api, provider, PEER_NAMES[1], ["heard_voices"])]
    pool = ok(api("GET", f"/pool-members?region={COUNTY}", "peer", peers[0]))["items"]
    assert sorted((member["peer_worker_id"], member["display_name"]) for member in pool) == sorted(zip(peers,
                                                                                                      PEER_NAMES))
    for peer in peers:
        candidate = wait_until(lambda: _candidate(api, peer), timeout=30, interval=0.2,
                               message="the candidate in matching")
        assert "heard_voices" in candidate["shared_for_matching"]

    # A person enrolls, shares items, asks for support and gets offers that explain themselves.
    person = str(uuid.uuid4())
    enrolled = api("POST", "/people", "person", person, json={
        "person_id": person, "display_name": PERSON_NAME, "region": COUNTY, "languages": ["English"],
        "modalities": ["phone"], "consent": {"purpose": "peer_support", "may_see": {
            "matching": ["region", "languages", "modalities", "experiences"]}}})
    assert created(enrolled) == {"person_id": person}
    for item in ("heard_voices", "veteran"):
        assert ok(api("POST", f"/people/{person}/shared-experiences", "person", person,
                      json={"experience": item, "visibility": "matching"}))["recorded"] is True
    assert ok(api("POST", f"/people/{person}/shared-experiences", "person", person,
                  json={"experience": "grief_and_loss", "visibility": "private"}))["recorded"] is True
    requested = created(api("POST", f"/people/{person}/support-requests", "person", person,
                            json={"hopes": "someone who has heard voices too"}))
    assert requested["person_id"] == person
    assert api("GET", f"/people/{person}/offers", "person", str(uuid.uuid4())).status_code == 403

    offers = wait_until(lambda: _offers(api, person, 2), timeout=30, interval=0.2, message="two offers")
    assert {offer["peer_worker_id"] for offer in offers["offers"]} == set(peers)
    best = offers["offers"][0]
    assert best["peer_worker_id"] == peers[0] and best["display_name"] == PEER_NAMES[0]
    assert set(best["shared_items"]) == {"heard_voices", "veteran"}
    assert "heard voices" in best["why"] and "veteran" in best["why"]
    assert "grief" not in str(offers)  # a private item never reaches matching

    # The person chooses; the peer sees what both shared, not who, and accepts.
    choice = created(api("POST", f"/people/{person}/choices", "person", person, json={"peer_worker_id": peers[0]}))
    waiting = ok(api("GET", f"/peer-workers/{peers[0]}/requests", "peer", peers[0]))
    assert [item["choice_id"] for item in waiting["items"]] == [choice["choice_id"]]
    assert PERSON_NAME not in str(waiting)
    assert api("POST", f"/choices/{choice['choice_id']}/acceptances", "peer", peers[1]).status_code in (403, 404)
    connection = created(api("POST", f"/choices/{choice['choice_id']}/acceptances", "peer", peers[0]))
    mine = ok(api("GET", f"/people/{person}/connections", "person", person))["items"]
    assert [(c["connection_id"], c["peer_worker_id"], c["active"]) for c in mine] == [
        (connection["connection_id"], peers[0], True)]
    theirs = ok(api("GET", f"/peer-workers/{peers[0]}/connections", "peer", peers[0]))["items"]
    assert [(c["connection_id"], c["person_id"]) for c in theirs] == [(connection["connection_id"], person)]

    # A supervisor from another organization: both organizations agree first, then the supervisor accepts.
    supervisor = arrange_supervisor(api, supervising)
    agreement, assignment = supervise_across(api, provider, supervising, supervisor, peers)

    # The state's administrator reads the story in the audit history: who did what, no names.
    story = {"OrganizationRegistered": provider, "SubcontractAgreementMade": subcontract_id,
             "PeerWorkerProfiled": peers[0], "PersonEnrolled": person, "SupportRequested": person,
             "ConnectionBegan": connection["connection_id"], "SupervisionAgreementActivated": agreement,
             "SupervisionAccepted": assignment}
    history = wait_until(lambda: _history_with(api, story), timeout=30, interval=0.2,
                         message="the story in the audit history")
    assert api("GET", "/audit-entries", "agency_admin", organization_id=agency).status_code == 403
    about_person = ok(api("GET", f"/audit-entries?subject_id={person}&source=intake", "state_auditor"))["items"]
    assert {"PersonEnrolled", "PersonExperienceShared", "SupportRequested"} <= {e["type"] for e in about_person}
    assert all(e["subject_id"] == person and e["source"] == "intake" for e in about_person)
    [enrolment] = [e for e in about_person if e["type"] == "PersonEnrolled"]
    assert (enrolment["user_id"], enrolment["role"]) == (person, "person")  # who did it, not who they are
    body = str(history)
    for name in (PERSON_NAME, *PEER_NAMES, "Sky Mentor", "CPS-E2E-1", "someone who has heard voices too"):
        assert name not in body
    started = api("POST", "/audit-verifications", "state_auditor")
    assert started.status_code == 202, started.text
    verified = wait_until(lambda: (job := ok(api("GET", started.headers["Location"], "state_auditor")))["state"]
                          != "running" and job, timeout=60, interval=0.2, message="the verification done")
    assert verified["state"] == "done" and verified["result"]["ok"] is True, verified


def _candidate(api, peer):
    answer = api("GET", f"/candidates/{peer}", "peer", peer)
    return answer.json() if answer.status_code == 200 else None


def _offers(api, person, count):
    offers = ok(api("GET", f"/people/{person}/offers", "person", person))
    return offers if len(offers["offers"]) >= count else None


def _history_with(api, story: dict):
    """Every entry, page by page, once each of the story's events is in it."""
    entries, cursor = [], ""
    while True:
        page = ok(api("GET", f"/audit-entries?limit=200{cursor}", "state_auditor"))
        entries += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    seen = {(entry["type"], entry["subject_id"]) for entry in entries}
    return entries if all((kind, subject) in seen for kind, subject in story.items()) else None
