"""Directory's acts and workforce reads through the gateway: scope refused before any call,
path ids the only ids, agreements read before an act and after it, lists paged."""
import uuid

import pytest

from services.gateway import pagination
from services.gateway.tests.conftest import ORG, bearer
from services.gateway.tests.requests_directory import GROUP, WORKFORCE_RECORD
from services.gateway.tests.test_requests import problem
from services.gateway.tests.test_roles import SUBCONTRACT, SUPERVISION
from shared.errors import InvalidInput, NotAllowed, NotFound

ELSEWHERE = str(uuid.uuid4())


def test_an_agency_admin_acts_only_for_their_own_organization(client, backend):
    admin = bearer("agency_admin")
    worker = str(uuid.uuid4())
    problem(client.post(f"/organizations/{ELSEWHERE}/changes", json={"name": "X"}, headers=admin), 403)
    problem(client.post(f"/organizations/{ELSEWHERE}/closures", headers=admin), 403)
    problem(client.post("/groups", json={**GROUP, "host_organization_id": ELSEWHERE}, headers=admin), 403)
    problem(client.post(f"/peer-workers/{worker}/employments", json={
        "organization_id": ELSEWHERE, "role_title": "Peer specialist", "hours_per_week": 20, "start": "2026-01-05"},
        headers=admin), 403)
    problem(client.post(f"/peer-workers/{worker}/employment-endings",
                        json={"organization_id": ELSEWHERE, "left_on": "2026-11-20"}, headers=admin), 403)
    for path in ("/employments", "/credential-status", "/eligible-peer-supervisors"):
        problem(client.get(f"{path}?organization_id={ELSEWHERE}", headers=admin), 403)
    assert backend.calls == []


def test_a_peer_worker_changes_and_reads_only_their_own_record(client, backend):
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    peer = bearer("peer", mine)
    problem(client.post(f"/peer-workers/{theirs}/continuing-education",
                        json={"hours": 3, "period_start": "2026-01-01", "period_end": "2026-12-31"}, headers=peer), 403)
    problem(client.post(f"/peer-workers/{theirs}/peer-role-changes", json={"peer_role_since": "2020-03-01"},
                        headers=peer), 403)
    problem(client.get(f"/workforce-records/{theirs}", headers=peer), 403)
    problem(client.post(f"/peer-workers/{mine}/credentials", json={"kind": "recovery_coach", "issued": "2025-01-10"},
                        headers=peer), 403)  # the employer records credentials
    assert backend.calls == []


def test_own_changes_carry_the_path_id_and_answer_the_record_as_it_now_is(client, backend):
    mine = str(uuid.uuid4())
    backend.answers[("directory", "workforce_record")] = {**WORKFORCE_RECORD, "peer_worker_id": mine}
    answer = client.post(f"/peer-workers/{mine}/continuing-education",
                         json={"hours": 3, "period_start": "2026-01-01", "period_end": "2026-03-31"},
                         headers=bearer("peer", mine))
    assert answer.status_code == 200 and answer.get_json()["version"] == WORKFORCE_RECORD["version"]
    assert [(method, args) for _, method, args, _ in backend.calls] == [
        ("record_continuing_education", ({"hours": 3, "period_start": "2026-01-01", "period_end": "2026-03-31",
                                          "peer_worker_id": mine},)),
        ("workforce_record", (mine,))]


def test_an_admin_reads_only_records_of_peer_workers_their_organization_employs(client, backend):
    worker = str(uuid.uuid4())
    backend.answers[("directory", "workforce_record")] = WORKFORCE_RECORD  # employed by ORG
    assert client.get(f"/workforce-records/{worker}", headers=bearer("agency_admin")).status_code == 200
    problem(client.get(f"/workforce-records/{worker}", headers=bearer("agency_admin", organization_id=ELSEWHERE)),
            403)


def test_bodies_are_directory_s_own_commands_less_the_path_ids(client, backend):
    admin = bearer("agency_admin")
    worker = str(uuid.uuid4())
    certification = {"kind": "certified_peer_specialist", "issued": "2025-01-10"}
    errors = problem(client.post(f"/peer-workers/{worker}/credentials",
                                 json={**certification, "peer_worker_id": worker}, headers=admin), 422)["errors"]
    assert [error["field"] for error in errors] == ["peer_worker_id"]  # the path names the peer worker
    errors = problem(client.post(f"/peer-workers/{worker}/credentials", json=certification, headers=admin),
                     422)["errors"]
    assert {error["field"] for error in errors} == {"state", "number", "expires"}
    errors = problem(client.post(f"/subcontracts/{uuid.uuid4()}/amendments",
                                 json={"hours_per_week": 0, "expected_version": "1"}, headers=admin), 422)["errors"]
    assert {error["field"] for error in errors} == {"hours_per_week", "expected_version"}
    errors = problem(client.post("/groups", json={**GROUP, "link": None}, headers=admin), 422)["errors"]
    assert [error["field"] for error in errors] == ["place"]
    assert backend.calls == []


def test_an_act_on_an_agreement_reads_it_first_and_answers_its_new_version(client, backend):
    agreement_id, worker = SUBCONTRACT["agreement_id"], str(uuid.uuid4())
    reads = iter([SUBCONTRACT, {**SUBCONTRACT, "version": 2, "hours_placed": 10}])
    backend.answers[("directory", "subcontract")] = lambda _: next(reads)
    answer = client.post(f"/subcontracts/{agreement_id}/placements/{worker}/endings", json={"expected_version": 1},
                         headers=bearer("agency_admin"))
    assert answer.status_code == 200 and answer.get_json()["version"] == 2
    assert [(method, args) for _, method, args, _ in backend.calls] == [
        ("subcontract", (agreement_id,)),
        ("end_placement", ({"expected_version": 1, "agreement_id": agreement_id, "peer_worker_id": worker},)),
        ("subcontract", (agreement_id,))]


def test_nothing_changes_for_an_unknown_agreement_or_a_non_party(client, backend):
    backend.answers[("directory", "supervision_agreement")] = NotFound("no supervision agreement")
    problem(client.post(f"/supervision-agreements/{uuid.uuid4()}/endings", json={"ended_on": "2027-01-31"},
                        headers=bearer("agency_admin")), 404)
    backend.answers[("directory", "supervision_agreement")] = SUPERVISION
    problem(client.post(f"/supervision-agreements/{SUPERVISION['agreement_id']}/endings",
                        json={"ended_on": "2027-01-31"}, headers=bearer("agency_admin", organization_id=ELSEWHERE)),
            403)
    backend.answers[("directory", "subcontract")] = NotAllowed("an agency admin acts only for their own organization")
    problem(client.post(f"/subcontracts/{uuid.uuid4()}/renewals", json={"end": "2028-11-30"},
                        headers=bearer("agency_admin")), 403)
    assert {method for _, method, _, _ in backend.calls} == {"supervision_agreement", "subcontract"}


def keyed(items: list, key):
    """Directory's keyset page over `items`: after the key of the last item of the page before."""
    def answer(query):
        keys = [key(item) for item in items]
        start = 0 if query["after"] is None else keys.index(query["after"]) + 1
        shown = items[start:start + query["limit"]]
        return {"items": shown, "next_after": key(shown[-1]) if start + query["limit"] < len(items) else None}
    return answer


def test_lists_page_by_cursor_with_the_filters_as_directory_reads_them(client, backend):
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    backend.answers[("directory", "eligible_peer_supervisors")] = keyed(
        [{"peer_worker_id": i} for i in ids], lambda item: [item["peer_worker_id"]])
    first = client.get(f"/eligible-peer-supervisors?organization_id={ORG}&limit=2", headers=bearer("supervisor"))
    assert [item["peer_worker_id"] for item in first.get_json()["items"]] == ids[:2]
    cursor = first.get_json()["next_cursor"]
    rest = client.get(f"/eligible-peer-supervisors?organization_id={ORG}&limit=2&cursor={cursor}",
                      headers=bearer("supervisor")).get_json()
    assert rest == {"items": [{"peer_worker_id": ids[2]}], "next_cursor": None}
    assert [args[0] for _, _, args, _ in backend.calls] == [{"organization_id": ORG, "limit": 2, "after": None},
                                                           {"organization_id": ORG, "limit": 2, "after": [ids[1]]}]

    backend.answers[("directory", "credential_status")] = {"items": [], "next_after": None}
    client.get(f"/credential-status?organization_id={ORG}&as_of=2026-11-24&limit=5", headers=bearer("state_auditor"))
    assert backend.calls[-1][2] == ({"organization_id": ORG, "as_of": "2026-11-24", "limit": 5, "after": None},)
    problem(client.get(f"/credential-status?organization_id={ORG}&include_former=true",
                       headers=bearer("state_auditor")), 422)
    problem(client.get("/employments", headers=bearer("state_auditor")), 422)  # which organization


def test_the_workforce_and_the_pool_walk_by_directory_s_keys_behind_an_opaque_cursor(client, backend):
    rows = [{"peer_worker_id": str(n), "start": f"2026-0{n + 1}-05", "employment_id": f"e{n}"} for n in range(5)]
    backend.answers[("directory", "list_workforce")] = keyed(
        rows, lambda row: [row["start"], row["peer_worker_id"], row["employment_id"]])
    members = [{"peer_worker_id": str(n), "display_name": f"Peer {n} (synthetic)"} for n in range(5)]
    backend.answers[("directory", "search_pool")] = keyed(members, lambda m: [f"pii1:{m['peer_worker_id']}:sealed"])
    for url, role, items in ((f"/employments?organization_id={ORG}&include_former=true&limit=2", "state_auditor",
                              rows), ("/pool-members?region=Hampden&limit=2", "peer", members)):
        seen, cursor = [], None
        while True:
            page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=bearer(role)).get_json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert "sealed" not in cursor and "2026" not in cursor  # opaque, not the key as text
        assert seen == items
    pool_queries = [args[0] for _, method, args, _ in backend.calls if method == "search_pool"]
    assert [query["after"] for query in pool_queries] == [None, ["pii1:1:sealed"], ["pii1:3:sealed"]]
    assert {query["region"] for query in pool_queries} == {"Hampden"}


@pytest.mark.parametrize("path,cursor", [
    (f"/employments?organization_id={ORG}", pagination.encode({"after": ["2026-01-05", "x"]})),
    (f"/credential-status?organization_id={ORG}", pagination.encode({"after": ["a", "b"]})),
    (f"/eligible-peer-supervisors?organization_id={ORG}", pagination.encode({"index": 2})),
    ("/pool-members", pagination.encode({"after": [1]})),
    ("/pool-members", pagination.encode({"offset": 50})),
    ("/pool-members", "not-a-cursor"),
])
def test_a_cursor_not_given_for_that_list_is_422_naming_it(client, backend, path, cursor):
    role = "peer" if path.startswith("/pool") else "state_auditor"
    answer = client.get(f"{path}{'&' if '?' in path else '?'}cursor={cursor}", headers=bearer(role))
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "cursor"
    assert backend.calls == []


def test_a_position_directory_cannot_place_is_a_cursor_problem(client, backend):
    backend.answers[("directory", "search_pool")] = InvalidInput({"after": ["the last member shown has been "
                                                                            "forgotten since"]})
    cursor = pagination.encode({"after": ["pii1:x:sealed"]})
    errors = problem(client.get(f"/pool-members?cursor={cursor}", headers=bearer("peer")), 422)["errors"]
    assert errors == [{"field": "cursor", "message": "the last member shown has been forgotten since"}]
