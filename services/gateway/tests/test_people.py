"""The person's path, the peer's answers and directory's lists: scope before any call,
the path's ids joined to what the services get, and lists paged by cursor."""
import json
import uuid

import pytest

from services.gateway import pagination
from services.gateway.problems import Problem
from services.gateway.tests.conftest import ORG, bearer
from services.gateway.tests.test_roles import CONSENT, DETAILS, OFFERS


def test_a_person_acts_only_on_their_own_records(client, backend):
    me, someone = str(uuid.uuid4()), str(uuid.uuid4())
    for method, path, body in (("GET", f"/people/{someone}", None),
                               ("POST", f"/people/{someone}/erasures", None),
                               ("POST", f"/people/{someone}/choices", {"peer_worker_id": me}),
                               ("POST", "/people", {"person_id": someone, **DETAILS, "consent": CONSENT})):
        answer = client.open(path, method=method, json=body, headers=bearer("person", me))
        assert answer.status_code == 403, (path, answer.get_data(as_text=True))
    assert backend.calls == []
    assert client.get(f"/peer-workers/{someone}/requests", headers=bearer("peer", me)).status_code == 403
    assert client.post("/choices/not-an-id/acceptances", headers=bearer("peer", me)).status_code == 404
    assert backend.calls == []


def test_the_paths_ids_join_what_the_services_get(client, backend):
    me, referral, request = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    backend.answers[("intake", "accept_referral")] = me
    backend.answers[("matching", "ask_for_offers")] = OFFERS
    accepted = client.post(f"/referrals/{referral}/acceptances", headers=bearer("person", me),
                           json={"person_id": me, **DETAILS, "consent": CONSENT})
    assert accepted.status_code == 201 and accepted.headers["Location"] == f"/people/{me}"
    client.post(f"/people/{me}/support-requests/{request}/withdrawals", headers=bearer("person", me))
    offered = client.post(f"/people/{me}/offer-requests", json={}, headers=bearer("person", me)).get_json()
    assert offered["offers"][0]["why"] == "you both chose to share: veteran"
    sent = [(service, method, args[0]) for service, method, args, _ in backend.calls]
    assert sent[0][2]["referral_id"] == referral and sent[0][2]["person_id"] == me
    assert sent[1] == ("intake", "withdraw_support_request", {"person_id": me, "request_id": request})
    assert sent[2] == ("matching", "ask_for_offers", {"person_id": me})


def keyed(items: list[dict], id_field: str):
    """A matching list as matching pages it: after the last item's key (when, id), the page and the next key."""
    def answer(subject, after, limit):
        start = 0 if after is None else int(after[1]) + 1
        shown = items[start:start + limit]
        more = start + limit < len(items)
        return {"items": shown, "next_after": ["2026-11-24T07:00:00+00:00", shown[-1][id_field]] if more else None}
    return answer


@pytest.mark.parametrize("method, path, role, id_field", [
    ("my_connections", "/people/{me}/connections", "person", "connection_id"),
    ("peer_connections", "/peer-workers/{me}/connections", "peer", "connection_id"),
    ("peer_requests", "/peer-workers/{me}/requests", "peer", "choice_id"),
])
def test_matchings_lists_are_paged_inside_matching_by_key(client, backend, method, path, role, id_field):
    me = str(uuid.uuid4())
    items = [{id_field: str(n), "peer_worker_id": "p", "person_id": "q", "active": False, "display_name": "forgotten",
              "deadline": "2026-11-27T07:00:00+00:00", "shared_items": [], "languages": [], "modalities": []}
             for n in range(5)]
    backend.answers[("matching", method)] = keyed(items, id_field)
    seen, cursor = [], None
    while True:
        page = client.get(path.format(me=me) + "?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(role, me)).get_json()
        seen += [item[id_field] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["0", "1", "2", "3", "4"]
    when = "2026-11-24T07:00:00+00:00"
    assert [args for _, _, args, _ in backend.calls] == [(me, None, 2), (me, [when, "1"], 2), (me, [when, "3"], 2)]
    for foreign in (pagination.encode({"index": 2}), pagination.encode({"after": 7})):
        refused = client.get(path.format(me=me) + f"?cursor={foreign}", headers=bearer(role, me))
        assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "cursor"
    assert len(backend.calls) == 3


@pytest.mark.parametrize("cursor", [pagination.encode({"index": 1}), pagination.encode({"after": ["a", "b"]}),
                                    pagination.encode({"after": True}), "not-a-cursor"])
def test_a_disclosure_cursor_that_is_not_ours_is_422_before_any_call(client, backend, cursor):
    me = str(uuid.uuid4())
    refused = client.get(f"/people/{me}/disclosures?cursor={cursor}", headers=bearer("person", me))
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "cursor"
    assert backend.calls == []


def test_directory_lists_turn_cursors_into_keys_and_filters_into_plain_json(client, backend):
    host = str(uuid.uuid4())
    groups = [{"group_id": str(n), "host_organization_id": host, "kind": "wrap", "name": f"WRAP {n} (synthetic)",
               "schedule": {"freq": "WEEKLY"}, "retired": False} for n in range(7)]

    def find_groups(query):  # directory pages by key: after the last group's (name, id)
        start = 0 if query["after"] is None else int(query["after"][1]) + 1
        shown = groups[start:start + query["limit"]]
        more = start + query["limit"] < len(groups)
        return {"items": shown, "next_after": [shown[-1]["name"].casefold(), shown[-1]["group_id"]] if more else None}
    backend.answers[("directory", "find_groups")] = find_groups
    first = client.get(f"/groups?host_organization_id={host}&limit=3", headers=bearer("person")).get_json()
    second = client.get(f"/groups?limit=3&cursor={first['next_cursor']}", headers=bearer("person")).get_json()
    queries = [args[0] for _, _, args, _ in backend.calls]
    json.dumps(queries)  # travels on the bus
    assert queries[0]["host_organization_id"] == host and queries[0]["after"] is None
    assert queries[1]["after"] == ["wrap 2 (synthetic)", "2"] and queries[1]["host_organization_id"] is None
    assert [g["group_id"] for g in first["items"] + second["items"]] == ["0", "1", "2", "3", "4", "5"]
    assert second["next_cursor"] is not None  # 6 of 7 seen


@pytest.mark.parametrize("cursor", [pagination.encode({"after": ["a"]}), pagination.encode({"after": [1, "b"]}),
                                    pagination.encode({"offset": 3}), "not-a-cursor"])
def test_a_cursor_that_is_not_ours_is_422_naming_it(client, backend, cursor):
    answer = client.get(f"/organizations?cursor={cursor}", headers=bearer("person"))
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "cursor"
    assert backend.calls == []


def test_an_agency_admin_reads_only_their_own_counts(client, backend):
    backend.answers[("matching", "counts")] = {"active_connections": 12}
    assert client.get("/connection-counts?organization_id=elsewhere",
                      headers=bearer("agency_admin")).status_code == 403
    assert client.get(f"/connection-counts?organization_id={ORG}", headers=bearer("agency_admin")).status_code == 200
    assert [args[0] for _, _, args, _ in backend.calls] == [{"organization_id": ORG}]


def test_the_audit_history_pages_by_the_last_seq_and_sends_filters_as_plain_json(client, backend):
    backend.answers[("audit", "history")] = lambda query: {
        "entries": [], "next_cursor": None if query["cursor"] else 41}
    first = client.get("/audit-entries?type=PersonEnrolled&since=2026-01-01T00:00:00%2B00:00&limit=2",
                       headers=bearer("state_auditor")).get_json()
    last = client.get(f"/audit-entries?limit=2&cursor={first['next_cursor']}", headers=bearer("state_auditor"))
    queries = [args[0] for _, _, args, _ in backend.calls]
    json.dumps(queries)
    assert queries[0] == {"type": "PersonEnrolled", "since": "2026-01-01T00:00:00+00:00", "limit": 2, "cursor": 0}
    assert queries[1] == {"limit": 2, "cursor": 41} and last.get_json()["next_cursor"] is None


def test_a_supervisor_reads_only_their_own_supervisees_shortfall(client, backend):
    me = str(uuid.uuid4())
    backend.answers[("supervision", "shortfall")] = {"as_of": "2026-11-24", "peer_workers": 0, "short": 0,
                                                     "items": [], "next_after": None}
    assert client.get(f"/supervision-shortfalls?supervisor_id={uuid.uuid4()}",
                      headers=bearer("supervisor", me)).status_code == 403
    answer = client.get(f"/supervision-shortfalls?supervisor_id={me}&as_of=2026-11-24",
                        headers=bearer("supervisor", me))
    assert answer.status_code == 200 and answer.get_json()["next_cursor"] is None
    assert [args[0] for _, _, args, _ in backend.calls] == [
        {"supervisor_id": me, "as_of": "2026-11-24", "organization_id": None, "after": None, "limit": 50}]


def test_the_shortfall_says_what_is_overdue_and_since_when(client, backend):
    me, peer = str(uuid.uuid4()), str(uuid.uuid4())
    overdue = [{"requirement": "session_cadence", "due_on": "2026-11-20"}]
    backend.answers[("supervision", "shortfall")] = {"as_of": "2026-11-24", "peer_workers": 1, "short": 1, "items": [{
        "peer_worker_id": peer, "organization_ids": [], "supervisor_ids": [me], "needs_supervisor": False,
        "overdue": overdue, "next_due": "2026-11-20", "first_period_hours_done": None}], "next_after": None}
    answer = client.get(f"/supervision-shortfalls?supervisor_id={me}", headers=bearer("supervisor", me))
    assert answer.status_code == 200 and answer.get_json()["items"][0]["overdue"] == overdue


def test_a_place_taken_meanwhile_answers_409_with_the_next_offers(client, backend):
    me, peer = str(uuid.uuid4()), str(uuid.uuid4())
    offers = [{"peer_worker_id": str(uuid.uuid4()), "why": "you both chose to share: veteran"}]
    backend.answers[("matching", "choose")] = Problem(409, "that peer has no free place any more: here are your "
                                                           "next offers", extensions={"next_offers": offers})
    answer = client.post(f"/people/{me}/choices", json={"peer_worker_id": peer}, headers=bearer("person", me))
    assert answer.status_code == 409 and answer.content_type == "application/problem+json"
    assert answer.get_json()["next_offers"] == offers and answer.get_json()["status"] == 409


def test_an_empty_offer_list_says_why_and_what_next_in_codes(client, backend, gateway):
    me = str(uuid.uuid4())
    backend.answers[("matching", "my_offers")] = {
        "request_id": str(uuid.uuid4()), "offers": [], "relaxed": [], "choice": None, "waiting": False,
        "note": "You have seen every peer who fits now.", "reason": "all_offered",
        "next_steps": ["wait", "relax:include_my_agencies"]}
    answer = client.get(f"/people/{me}/offers", headers=bearer("person", me)).get_json()
    assert answer["reason"] == "all_offered" and answer["next_steps"] == ["wait", "relax:include_my_agencies"]
    documented = gateway.openapi["components"]["schemas"]["Offers"]["properties"]
    for code in ("no_open_request", "no_fitting_peer", "all_offered", "waiting"):
        assert code in documented["reason"]["description"]
    for code in ("wait", "relax:include_my_agencies", "/waitlist-entries"):
        assert code in documented["next_steps"]["description"]


def test_the_invitations_secret_travels_in_a_header_and_is_answered_once_to_the_agency(client, backend):
    me, referral = str(uuid.uuid4()), str(uuid.uuid4())
    backend.answers[("intake", "refer_person")] = {"referral_id": referral, "invitation_secret": "k" * 43}
    made = client.post("/referrals", json={"display_name": "Robin (synthetic)"}, headers=bearer("agency_admin"))
    assert made.status_code == 201 and made.get_json() == {"referral_id": referral, "invitation_secret": "k" * 43}
    assert made.headers["Location"] == f"/referrals/{referral}"
    backend.answers[("intake", "accept_referral")] = me
    secret = {"X-Invitation-Secret": "k" * 43}
    client.get(f"/referrals/{referral}", headers={**bearer("person", me), **secret})
    client.get(f"/referrals/{referral}", headers=bearer("person", me))
    client.post(f"/referrals/{referral}/acceptances", headers={**bearer("person", me), **secret},
                json={"person_id": me, **DETAILS, "consent": CONSENT})
    client.post(f"/referrals/{referral}/declines", headers=bearer("person", me))
    sent = [(method, args) for _, method, args, _ in backend.calls[1:]]
    assert sent[0] == ("referral", (referral, "k" * 43))
    assert sent[1] == ("referral", (referral, None))
    assert sent[2][1][0]["invitation_secret"] == "k" * 43
    assert sent[3] == ("decline_referral", ({"referral_id": referral, "invitation_secret": None},))
    in_body = client.post(f"/referrals/{referral}/acceptances", headers=bearer("person", me),
                          json={"person_id": me, **DETAILS, "consent": CONSENT, "invitation_secret": "k"})
    assert in_body.status_code == 422  # only the header carries it


def test_the_invitation_header_is_documented(gateway):
    operation = gateway.openapi["paths"]["/referrals/{referral_id}"]["get"]
    assert any(p["in"] == "header" and p["name"] == "X-Invitation-Secret" for p in operation["parameters"])


def test_me_is_the_caller_as_the_gateway_verified_them(client, backend):
    me = str(uuid.uuid4())
    assert client.get("/me", headers=bearer("peer", me)).get_json() == {
        "user_id": me, "role": "peer", "organization_id": None}
    assert client.get("/me", headers=bearer("agency_admin", me)).get_json()["organization_id"] == ORG
    assert client.get("/me").status_code == 401
    assert backend.calls == []


def test_a_peer_worker_reads_their_own_profile_only(client, backend):
    me, someone = str(uuid.uuid4()), str(uuid.uuid4())
    backend.answers[("intake", "peer_worker_profile")] = lambda who: {
        "peer_worker_id": who, "display_name": "Sam (synthetic)", "organization_id": ORG, "paused": True,
        "experiences": [], "availability": None}
    assert client.get(f"/peer-workers/{someone}", headers=bearer("peer", me)).status_code == 403
    assert backend.calls == []
    mine = client.get(f"/peer-workers/{me}", headers=bearer("peer", me))
    assert mine.status_code == 200 and mine.get_json()["paused"] is True and mine.get_json()["availability"] is None
    assert backend.calls[-1][:3] == ("intake", "peer_worker_profile", (me,))
    assert client.get(f"/peer-workers/{someone}", headers=bearer("person", someone)).status_code == 403
