"""Supervision, audit and disclosure routes: scope refused before any call, bodies as the services
take them, the audit export streamed page by page, break-glass and the person's disclosure log."""
import uuid

import pytest

from services.gateway import pagination
from services.gateway.problems import Problem
from services.gateway.tests.conftest import ORG, bearer
from services.gateway.tests.requests_supervision_audit import (CSV_HEADER, SUPERVISION_AUDIT_ANSWERS, checkpoints_page,
                                                               export_page)
from shared.errors import InvalidInput

ME = str(uuid.uuid4())
OTHER = str(uuid.uuid4())


def test_a_supervisor_reads_only_their_own_load(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    refused = client.get(f"/supervisors/{OTHER}/load", headers=bearer("supervisor", ME))
    assert refused.status_code == 403 and backend.calls == []
    mine = client.get(f"/supervisors/{ME}/load", headers=bearer("supervisor", ME))
    assert mine.status_code == 200 and mine.get_json()["free_capacity"] == 6.0
    assert backend.calls[-1][:3] == ("supervision", "supervisor_load", ({"supervisor_id": ME},))


def test_a_peer_worker_reads_only_their_own_supervision_record(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    assert client.get(f"/peer-workers/{OTHER}/supervision-record", headers=bearer("peer", ME)).status_code == 403
    assert backend.calls == []
    record = client.get(f"/peer-workers/{OTHER}/supervision-record", headers=bearer("agency_admin")).get_json()
    assert record["sessions"][0]["counted"] is False and record["supervisions"][0]["status"] == "active"


def test_search_offer_answer_and_end_carry_the_path_ids(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    found = client.post(f"/peer-workers/{ME}/supervisor-searches", json={"specialties": ["housing"]},
                        headers=bearer("agency_admin"))
    assert found.status_code == 200 and found.get_json()["options"][0]["route"] == "pool"
    assert backend.calls[-1][2] == ({"specialties": ["housing"], "peer_worker_id": ME},)
    offered = client.post("/supervision-offers", json={"peer_worker_id": ME, "supervisor_id": OTHER,
                                                       "kind": "administrative"}, headers=bearer("agency_admin"))
    assert offered.status_code == 201 and offered.get_json() == {"assignment_id": SUPERVISION_AUDIT_ANSWERS[
        ("supervision", "offer_supervisor")]}
    assert offered.headers["Location"] == f"/peer-workers/{ME}/supervision-record"
    declined = client.post(f"/supervision-offers/{OTHER}/declines", json={"reason": "schedule"},
                           headers=bearer("supervisor", ME))
    assert declined.status_code == 200
    assert backend.calls[-1][:3] == ("supervision", "decline_supervision",
                                     ({"reason": "schedule", "assignment_id": OTHER},))
    ended = client.post(f"/supervisions/{OTHER}/endings", headers=bearer("agency_admin"))
    assert ended.get_json() == {"assignment_id": SUPERVISION_AUDIT_ANSWERS[("supervision", "end_supervision")][
        "assignment_id"], "status": "ended"}


def test_bad_bodies_are_refused_field_by_field_before_any_call(client, backend):
    refused = client.post(f"/supervision-offers/{OTHER}/declines", json={"reason": "busy", "note": "free text"},
                          headers=bearer("supervisor", ME))
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {"reason", "note"}
    future = client.post(f"/peer-workers/{ME}/supervisor-trainings", json={"completed_on": "2999-01-01"},
                         headers=bearer("agency_admin"))
    assert future.status_code == 422 and future.get_json()["errors"][0]["field"] == "completed_on"
    assert backend.calls == []


def test_an_admin_records_only_their_own_organizations_staff(client, backend):
    body = {"staff_id": OTHER, "organization_id": str(uuid.uuid4()), "masters_level": True}
    assert client.post("/supervision-staff", json=body, headers=bearer("agency_admin")).status_code == 403
    assert backend.calls == []
    recorded = client.post("/supervision-staff", json={**body, "organization_id": ORG}, headers=bearer("agency_admin"))
    assert recorded.status_code == 200 and recorded.get_json()["recorded"] is True


def test_a_session_is_logged_only_by_its_supervisor_or_its_peer_worker(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    session = {"date": "2026-11-02", "minutes": 60, "kind": "professional_development", "grouping": "individual",
               "medium": "video", "supervisor_id": OTHER, "peer_worker_id": str(uuid.uuid4())}
    for role in ("supervisor", "peer"):
        refused = client.post("/supervision-sessions", json=session, headers=bearer(role, ME))
        assert refused.status_code == 403 and backend.calls == []
    logged = client.post("/supervision-sessions", json={**session, "peer_worker_id": ME}, headers=bearer("peer", ME))
    assert logged.status_code == 201 and backend.calls[-1][:2] == ("supervision", "log_session")


def test_the_export_streams_every_page_with_one_header(client, backend):
    backend.answers[("audit", "export")] = export_page
    answer = client.get("/audit-exports?source=intake&since=2026-01-01T00:00:00%2B00:00",
                        headers=bearer("state_auditor"))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert backend.calls and len(backend.calls) == 1  # only the first page before the answer starts
    chunks = list(answer.response)
    assert len(chunks) == 3 and len(backend.calls) == 3
    text = b"".join(chunks).decode()
    assert text.startswith(CSV_HEADER) and text.count(CSV_HEADER) == 1 and len(text.splitlines()) == 4
    queries = [args[0] for _, _, args, _ in backend.calls]
    assert [q["cursor"] for q in queries] == [0, 1, 2]
    assert all(q["source"] == "intake" and q["since"].startswith("2026-01-01T00:00:00") for q in queries)


def test_the_export_format_comes_from_the_query_or_else_accept(client, backend):
    backend.answers[("audit", "export")] = export_page
    lines = client.get("/audit-exports", headers={**bearer("state_auditor"), "Accept": "application/x-ndjson"})
    assert lines.mimetype == "application/x-ndjson" and lines.get_data(as_text=True).count("\n") == 3
    chosen = client.get("/audit-exports?format=csv", headers={**bearer("state_auditor"),
                                                              "Accept": "application/x-ndjson"})
    assert chosen.mimetype == "text/csv"
    assert client.get("/audit-exports?format=xml", headers=bearer("state_auditor")).status_code == 422


def test_a_refused_export_is_a_problem_not_a_stream(client, backend):
    backend.answers[("audit", "export")] = InvalidInput({"until": ["must be later than since"]})
    refused = client.get("/audit-exports", headers=bearer("state_auditor"))
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "until"


def test_checkpoints_are_paged_with_the_public_key(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    first = client.get("/audit-checkpoints?limit=1", headers=bearer("state_auditor")).get_json()
    assert [c["seq"] for c in first["items"]] == [1000] and first["public_key"] == "k"
    second = client.get(f"/audit-checkpoints?limit=1&cursor={first['next_cursor']}",
                        headers=bearer("state_auditor")).get_json()
    assert [c["seq"] for c in second["items"]] == [2000] and second["next_cursor"] is None
    # audit pages them itself: the cursor carries the last seq, and nothing else reaches audit
    assert [call[2] for call in backend.calls] == [({"limit": 1, "after": None},), ({"limit": 1, "after": 1000},)]


def walk(client, url: str, headers: dict) -> tuple[list, list]:
    pages, cursor = [], None
    while True:
        page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers).get_json()
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return [item for page in pages for item in page["items"]], pages


@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_walking_the_checkpoints_yields_each_once_in_order(client, backend, limit):
    seqs = [1000 * n for n in range(1, 8)]
    backend.answers[("audit", "checkpoints")] = lambda query: checkpoints_page(query, seqs)
    items, pages = walk(client, f"/audit-checkpoints?limit={limit}", bearer("state_auditor"))
    assert [c["seq"] for c in items] == seqs and len(pages) == -(-len(seqs) // limit)
    assert {page["public_key"] for page in pages} == {"k"}


def shortfall_pages(short: list[str], counted: int):
    """Supervision's pages of who is short: after the id the query names, with the whole list's totals."""
    def answer(query):
        after = [worker for worker in short if query["after"] is None or worker > query["after"]]
        items = after[:query["limit"]]
        return {"as_of": "2026-11-24", "organization_id": query["organization_id"], "supervisor_id": None,
                "peer_workers": counted, "short": len(short),
                "items": [{"peer_worker_id": worker, "organization_ids": [ORG], "supervisor_ids": [],
                           "needs_supervisor": True, "overdue": [], "next_due": None,
                           "first_period_hours_done": None} for worker in items],
                "next_after": items[-1] if len(after) > len(items) else None}
    return answer


@pytest.mark.parametrize("limit", [1, 2, 5, 50])
def test_walking_the_shortfall_yields_each_once_in_order_with_the_whole_lists_totals(client, backend, limit):
    short = sorted(str(uuid.uuid4()) for _ in range(5))
    backend.answers[("supervision", "shortfall")] = shortfall_pages(short, counted=12)
    items, pages = walk(client, f"/supervision-shortfalls?organization_id={ORG}&limit={limit}",
                        bearer("agency_admin"))
    assert [item["peer_worker_id"] for item in items] == short and len(pages) == -(-len(short) // limit)
    assert {(page["as_of"], page["peer_workers"], page["short"]) for page in pages} == {("2026-11-24", 12, 5)}
    queries = [call[2][0] for call in backend.calls]
    assert [query["after"] for query in queries] == [None] + [page["items"][-1]["peer_worker_id"]
                                                             for page in pages[:-1]]
    assert {query["organization_id"] for query in queries} == {ORG}  # the filters go with every page


@pytest.mark.parametrize("url, role", [("/audit-checkpoints", "state_auditor"),
                                       ("/supervision-shortfalls", "state_auditor")])
@pytest.mark.parametrize("cursor", [pagination.encode({"index": 1}), pagination.encode({"after": ["a", "b"]}),
                                    pagination.encode({"after": None}), "not-a-cursor"])
def test_a_cursor_that_is_not_ours_is_422_naming_it(client, backend, url, role, cursor):
    answer = client.get(f"{url}?cursor={cursor}", headers=bearer(role))
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "cursor"
    assert backend.calls == []


def test_one_lists_cursor_is_not_the_others(client, backend):
    """A seq is no peer worker's id, nor an id a seq."""
    for url, cursor in [("/audit-checkpoints", pagination.encode({"after": "3f2a"})),
                        ("/supervision-shortfalls", pagination.encode({"after": 1000}))]:
        answer = client.get(f"{url}?cursor={cursor}", headers=bearer("state_auditor"))
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "cursor"
    assert backend.calls == []


def test_break_glass_then_personal_fields_never_cached(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    body = {"person_id": OTHER, "reason": "legal_request", "reference": "LR-2026-7"}
    assert client.post("/break-glass-accesses", json={**body, "reason": "curious"},
                       headers=bearer("state_auditor")).status_code == 422
    opened = client.post("/break-glass-accesses", json=body, headers=bearer("state_auditor"))
    assert opened.status_code == 201
    location = opened.headers["Location"]
    shown = client.get(location, headers=bearer("state_auditor"))
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert backend.calls[-1][:3] == ("audit", "personal_fields",
                                     ({"person_id": SUPERVISION_AUDIT_ANSWERS[("audit", "open_break_glass")][
                                         "person_id"]},))


def test_break_glass_takes_the_hours_the_auditor_chose_from_1_to_72(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    body = {"person_id": OTHER, "reason": "legal_request", "reference": "LR-2026-7"}
    for hours in (0, 73, "8", 1.5):
        refused = client.post("/break-glass-accesses", json={**body, "hours": hours}, headers=bearer("state_auditor"))
        assert refused.status_code == 422 and "hours" in refused.get_data(as_text=True), hours
    assert backend.calls == []
    opened = client.post("/break-glass-accesses", json={**body, "hours": 24}, headers=bearer("state_auditor"))
    assert opened.status_code == 201
    assert backend.calls[-1][:2] == ("audit", "open_break_glass") and backend.calls[-1][2][0]["hours"] == 24


def test_the_disclosure_log_is_the_persons_own_and_paged(client, backend):
    line = {"at": "2026-11-24T07:00:00+00:00", "to": {"user_id": "a", "role": "state_auditor"},
            "audience": "state_audit", "fields": []}
    log = {2: line, 5: {**line, "fields": ["contact"]}}  # intake's lines by their place in the person's record

    def disclosures(person_id, after, limit):  # intake reads the page after the last line shown
        shown = [version for version in log if after is None or version > after][:limit]
        return {"items": [log[version] for version in shown],
                "next_after": shown[-1] if shown and shown[-1] < max(log) else None}
    backend.answers[("intake", "disclosures")] = disclosures
    assert client.get(f"/people/{OTHER}/disclosures", headers=bearer("person", ME)).status_code == 403
    assert backend.calls == []
    first = client.get(f"/people/{ME}/disclosures?limit=1", headers=bearer("person", ME)).get_json()
    assert first["items"] == [line] and first["next_cursor"]
    second = client.get(f"/people/{ME}/disclosures?limit=1&cursor={first['next_cursor']}",
                        headers=bearer("person", ME)).get_json()
    assert second["items"][0]["fields"] == ["contact"] and second["next_cursor"] is None
    assert [args for _, _, args, _ in backend.calls] == [(ME, None, 1), (ME, 2, 1)]


def test_the_referring_agency_asks_as_itself_only(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    other_audience = client.post(f"/people/{OTHER}/disclosures", json={"audience": "matching"},
                                 headers=bearer("agency_admin"))
    assert other_audience.status_code == 403
    named = client.post(f"/people/{OTHER}/disclosures", json={
        "audience": "referring_agency", "recipient": {"user_id": "someone-else", "role": "agency_admin"}},
        headers=bearer("agency_admin"))
    assert named.status_code == 422 and named.get_json()["errors"][0]["field"] == "recipient"
    assert backend.calls == []
    shown = client.post(f"/people/{OTHER}/disclosures", json={"audience": "referring_agency"},
                        headers=bearer("agency_admin"))
    assert shown.status_code == 200 and shown.get_json()["fields"] == {"display_name": "Robin (synthetic)"}
    assert backend.calls[-1][2] == ({"audience": "referring_agency", "person_id": OTHER},)


def test_a_page_failing_mid_stream_cuts_the_stream_short(client, backend):
    def export(query):
        if query["cursor"]:
            raise Problem(504, "audit did not answer within 10s")
        return export_page(query)
    backend.answers[("audit", "export")] = export
    answer = client.get("/audit-exports?format=jsonl", headers=bearer("state_auditor"))
    assert answer.status_code == 200
    stream = iter(answer.response)
    assert next(stream).startswith(b'{"seq":1')
    with pytest.raises(Problem):
        next(stream)


def test_a_peer_worker_looks_for_a_supervisor_only_for_themselves(client, backend):
    backend.answers.update(SUPERVISION_AUDIT_ANSWERS)
    other = client.post(f"/peer-workers/{OTHER}/supervisor-searches", json={}, headers=bearer("peer", ME))
    assert other.status_code == 403 and backend.calls == []
    mine = client.post(f"/peer-workers/{ME}/supervisor-searches", json={}, headers=bearer("peer", ME))
    assert mine.status_code == 200, mine.get_data(as_text=True)
    assert backend.calls[-1][:3] == ("supervision", "find_supervisor", ({"peer_worker_id": ME},))
    [option] = mine.get_json()["options"]
    [answered] = SUPERVISION_AUDIT_ANSWERS[("supervision", "find_supervisor")]["options"]
    assert option["facts"] == answered["facts"] and option["facts"][1] == {"code": "speaks", "language": "es"}
    assert option["pool_region"] == "Hampden"
    assert client.post(f"/peer-workers/{ME}/supervisor-searches", json={},
                       headers=bearer("supervisor", ME)).status_code == 403
