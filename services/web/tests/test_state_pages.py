"""A state administrator's pages, with the gateway faked (conftest's FakeGateway): the figures drawn
as charts beside their tables with small counts kept back exactly as audit keeps them (never a
bar), organizations by name, the history's filters and pages, the export streamed through,
verification followed to its result, checkpoints, break-glass, and every page all Spanish."""
import re
import uuid

import pytest

from services.web import state
from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in

ME, AGENCY, PEER_RUN, PERSON, JOB = (str(uuid.uuid4()) for _ in range(5))
ROBIN, SAM = str(uuid.uuid4()), str(uuid.uuid4())


def organization(organization_id, name, kind, regions):
    return {"organization_id": organization_id, "name": name, "kind": kind, "regions": regions,
            "contact": {}, "closed": False, "version": 1}


ORGANIZATIONS = [organization(AGENCY, "Hampden Recovery Agency (synthetic)", "agency", ["Hampden County"]),
                 organization(PEER_RUN, "Hampden Peer Collective (synthetic)", "peer_run_organization",
                              ["Hampden County"])]
# As GET /audit-figures answers: 1 to 10 are "1-10", totals over them ranges.
FIGURES = {
    "suppressed_as": "1-10",
    "connections_started_by_month_and_region": {
        "columns": ["Hampden County", "region not recorded"],
        "rows": [{"row": "2026-11", "cells": {"Hampden County": 42, "region not recorded": "1-10"},
                  "total": "43-52"},
                 {"row": "2026-12", "cells": {"Hampden County": 0, "region not recorded": 0}, "total": 0}],
        "column_totals": {"Hampden County": 42, "region not recorded": "1-10"}, "total": "43-52"},
    "connections_ended_by_month_and_region": {"columns": [], "rows": [], "column_totals": {}, "total": 0},
    "days_from_request_to_connection_by_month": {"columns": ["median_days", "p90_days"], "rows": [
        {"row": "2026-10", "median_days": None, "p90_days": None, "waits": "1-10"},
        {"row": "2026-11", "median_days": 3, "p90_days": 9, "waits": "over 10"}]},
    "peer_workers_short_of_supervision_by_organization_and_month": {
        "columns": ["2026-11"], "rows": [{"row": AGENCY, "cells": {"2026-11": "1-10"}, "total": "1-10"}],
        "column_totals": {"2026-11": "1-10"}, "total": "1-10"},
    "peer_workers_with_credentials_expiring_by_organization": {
        "columns": ["expired", "within_30", "within_60"],
        "rows": [{"row": AGENCY, "cells": {"expired": 0, "within_30": 12, "within_60": "1-10"}, "total": "13-22"}],
        "column_totals": {"expired": 0, "within_30": 12, "within_60": "1-10"}, "total": "13-22"},
    "events_by_month_and_service": {"columns": [], "rows": [], "column_totals": {}, "total": 0},
    "peer_workers_profiled_by_organization": {"columns": [], "rows": [], "column_totals": {}, "total": 0},
    "networking_pool_by_region": {"columns": [], "rows": [], "column_totals": {}, "total": 0},
    "subcontract_hours_by_month_and_provider": [
        {"month": "2026-11", "provider_id": PEER_RUN, "agreements": "1-10", "hours_delivered": 38.5,
         "hours_agreed": 40}],
}
ENTRY = {"seq": 7, "source": "intake", "position": 3, "type": "PersonEnrolled", "version": 1,
         "occurred_at": "2026-11-30T15:00:00+00:00", "recorded_at": "2026-11-30T15:00:01+00:00",
         "user_id": PERSON, "role": "person", "actor_organization_id": None, "organization_id": AGENCY,
         "correlation_id": "c", "subject_id": PERSON, "digest": "d", "hash": "h"}
RUNNING = {"verification_id": JOB, "state": "running", "requested_by": ME, "started_at": "2026-12-05T10:00:00+00:00",
           "updated_at": "2026-12-05T10:00:01+00:00", "finished_at": None, "entries_checked": 500,
           "entries_total": 1000, "sources": [{"source": "intake", "checked": 0, "total": 1000}],
           "result": None, "error": None}
DONE = {**RUNNING, "state": "done", "finished_at": "2026-12-05T10:00:09+00:00", "entries_checked": 1000,
        "sources": [{"source": "intake", "checked": 1000, "total": 1000}],
        "result": {"ok": True, "chain": {"ok": True, "entries_verified": 1000, "checkpoints": 1},
                   "sources": [{"source": "intake", "ok": True, "events_checked": 1000, "problem": None}],
                   "public_key": "k"}}


@pytest.fixture
def auditor(client, fake):
    sign_in(client, "state_auditor", ME)
    fake.reads.update({"/organizations": {"items": ORGANIZATIONS, "next_cursor": None},
                       "/audit-figures": FIGURES,
                       "/supervision-shortfalls": {"items": [], "next_cursor": None},
                       "/audit-entries": {"items": [ENTRY], "next_cursor": "abc"},
                       f"/audit-verifications/{JOB}": RUNNING,
                       "/audit-checkpoints": {"public_key": "PUBKEY", "items": [
                           {"seq": 1000, "hash": "a" * 64, "signed_at": "2026-12-05T09:00:00+00:00",
                            "key_id": "k1", "signature": "sig"}], "next_cursor": None}})
    return client


def page(client, path, **kwargs):
    answer = client.get(path, **kwargs)
    return answer, answer.get_data(as_text=True)


def svg_of(body, figure):
    return re.search(rf'<svg[^>]*aria-labelledby="{figure}-chart-title".*?</svg>', body, re.S).group(0)


# -- the charts keep small counts back ------------------------------------------------------------
def test_a_count_audit_keeps_back_is_written_fewer_than_11_and_never_drawn(auditor):
    answer, body = page(auditor, "/state")
    assert answer.status_code == 200
    started = svg_of(body, "started")
    # November: Hampden's 42 is a bar; the kept-back region is words only; December's zeros no bar.
    assert started.count("<rect") == 1
    assert "fewer than 11" in started and "42" in started
    assert "43 to 52" in body, "a total over a kept-back count is the range audit gives"
    short = svg_of(body, "short")
    assert "<rect" not in short and "fewer than 11" in short
    waits = svg_of(body, "waits")
    assert waits.count("<rect") == 2, "only the month of more than 10 waits is drawn"


def test_counts_the_pages_make_follow_audits_rule(app):
    # audit.figures: 1 to 10 kept back, 0 and 11 shown; a total over kept-back cells is a range.
    assert [state.cell(n) for n in (0, 1, 10, 11)] == [0, "1-10", "1-10", 11]
    assert state.total([3, 12]) == "13-22" and state.total([0, 12]) == 12 and state.total([5, 7]) == "2-20"
    figure = state.table({("a", "x"): 4, ("a", "y"): 30, ("b", "x"): 11})
    assert figure["rows"][0]["cells"] == {"x": "1-10", "y": 30} and figure["rows"][0]["total"] == "31-40"
    assert figure["column_totals"] == {"x": "12-21", "y": 30} and figure["total"] == "42-51"
    with app.test_request_context():
        drawn = state.chart([{"label": "g", "bars": [{"label": "a", "value": "1-10", "kind": "short"},
                                                     {"label": "b", "value": 12, "kind": "short"}]}])
    assert [bar["drawn"] for bar in drawn["groups"][0]["bars"]] == [False, True]


def test_credentials_expiring_are_audits_figure_by_organization_name_kept_back(auditor, fake):
    _, body = page(auditor, "/state")
    credentials = svg_of(body, "credentials")
    assert "Hampden Recovery Agency (synthetic)" in credentials and AGENCY not in body
    assert credentials.count("<rect") == 1 and "fewer than 11" in credentials, "12 drawn; 1 to 10 words only"
    assert not [call for call in fake.calls if call[1] == "/credential-status"], "no read per organization"


def test_the_shortfall_now_by_region_keeps_small_counts_back(auditor, fake):
    fake.reads["/supervision-shortfalls"] = {"items": [
        {"peer_worker_id": str(n), "organization_ids": [AGENCY], "supervisor_ids": [], "needs_supervisor": True,
         "overdue": [], "next_due": None, "first_period_hours_done": 0} for n in range(3)], "next_cursor": None}
    _, body = page(auditor, "/state")
    section = re.search(r'<section[^>]*aria-labelledby="short-now-heading".*?</section>', body, re.S).group(0)
    assert "<rect" not in svg_of(body, "short-now") and "fewer than 11" in section and ">3<" not in section


def test_organizations_are_shown_by_name_never_by_id(auditor):
    _, body = page(auditor, "/state")
    assert "Hampden Recovery Agency (synthetic)" in body and "Hampden Peer Collective (synthetic)" in body
    assert AGENCY not in body and PEER_RUN not in body


# -- the history ------------------------------------------------------------------------------------
def test_the_history_passes_its_filters_as_whole_days_and_pages_on(auditor, fake):
    answer, body = page(auditor, f"/state/history?source=intake&type=PersonEnrolled&organization_id={AGENCY}"
                                 "&since=2026-11-01&until=2026-11-30")
    assert answer.status_code == 200
    _, _, params = [call for call in fake.calls if call[1] == "/audit-entries"][-1]
    assert params["source"] == "intake" and params["type"] == "PersonEnrolled"
    assert params["organization_id"] == AGENCY
    assert params["since"].startswith("2026-11-01T00:00:00") and params["until"].startswith("2026-12-01T00:00:00")
    assert "Hampden Recovery Agency (synthetic)" in body and "cursor=abc" in body
    assert f"/state/break-glass?person={PERSON}&amp;entry=7" in body, "a person is chosen from an entry"
    assert f'<option value="{AGENCY}" selected>' in body


def test_a_last_day_before_the_first_is_refused_beside_the_field(auditor, fake):
    answer, body = page(auditor, "/state/history?since=2026-11-30&until=2026-11-01")
    assert answer.status_code == 422 and "Enter a last day on or after the first day." in body
    assert not [call for call in fake.calls if call[1] == "/audit-entries"]


def test_the_export_streams_the_gateways_download_with_the_filters(auditor, fake):
    fake.reads["/audit-exports"] = {"content_type": "text/csv; charset=utf-8", "chunks": [b"seq,source\n", b"1,intake\n"]}
    answer = auditor.get("/state/history/export?format=csv&source=intake")
    assert answer.status_code == 200 and answer.get_data() == b"seq,source\n1,intake\n"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert fake.calls[-1] == ("STREAM", "/audit-exports", {"format": "csv", "source": "intake"})


# -- verifying --------------------------------------------------------------------------------------
def test_starting_a_verification_goes_to_its_progress_which_polls_until_done(auditor, fake):
    fake.acts["/audit-verifications"] = RUNNING
    answer = auditor.post("/state/verifications")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/state/verifications/{JOB}")
    _, body = page(auditor, f"/state/verifications/{JOB}")
    assert "25% done" in body and 'hx-trigger="every 2s"' in body and "Check again" in body
    _, part = page(auditor, f"/state/verifications/{JOB}", headers={"HX-Request": "true"})
    assert part.lstrip().startswith("{#") is False and "<html" not in part and 'id="verification"' in part
    fake.reads[f"/audit-verifications/{JOB}"] = DONE
    _, body = page(auditor, f"/state/verifications/{JOB}")
    assert "Nothing was altered" in body and "hx-trigger" not in body and "Check again" not in body
    _, body = page(auditor, "/state/verifications")
    assert f"/state/verifications/{JOB}" in body, "the last one started is a link away"


def test_a_break_found_is_named_with_where_it_is(auditor, fake):
    broken = {**DONE, "result": {**DONE["result"], "ok": False, "sources": [
        {"source": "intake", "ok": False, "events_checked": 3, "problem": {"kind": "altered_event", "position": 3}}]}}
    fake.reads[f"/audit-verifications/{JOB}"] = broken
    _, body = page(auditor, f"/state/verifications/{JOB}")
    assert "The ledger does not match" in body and "an event was changed, at 3" in body


def test_a_gateway_answering_at_once_shows_the_result_at_once(auditor, fake):
    fake.acts["/audit-verifications"] = DONE["result"]
    answer = auditor.post("/state/verifications")
    assert answer.status_code == 200 and "Nothing was altered" in answer.get_data(as_text=True)


# -- checkpoints and break-glass --------------------------------------------------------------------
def test_the_checkpoints_show_the_public_key_and_each_signature(auditor):
    _, body = page(auditor, "/state/checkpoints")
    assert "PUBKEY" in body and "a" * 64 in body and "sig" in body


def test_break_glass_needs_a_reason_a_reference_and_how_long(auditor, fake):
    answer = auditor.post("/state/break-glass", data={"person": PERSON, "reason": "", "reference": "no spaces"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Choose why you need this person" in body
    assert "Enter the request or investigation number" in body and "Choose how long the access stays open." in body
    for hours in ("0", "73", "3.5", "5"):  # only the durations offered
        answer = auditor.post("/state/break-glass", data={"person": PERSON, "reason": "legal_request",
                                                          "reference": "LR-1", "hours": hours})
        assert answer.status_code == 422 and "Choose how long" in answer.get_data(as_text=True), hours
    assert fake.posted("/break-glass-accesses") == []


def test_break_glass_opens_then_shows_the_persons_details(auditor, fake):
    fake.acts["/break-glass-accesses"] = {"person_id": PERSON, "expires_at": "2026-12-05T13:00:00+00:00"}
    fake.reads[f"/people/{PERSON}/personal-fields"] = {"person_id": PERSON, "fields": [
        {"source": "intake", "position": 3, "type": "PersonEnrolled", "field": "display_name", "value": "Robin"}]}
    _, form = page(auditor, f"/state/break-glass?person={PERSON}")
    assert '<option value="72">72 hours</option>' in form and '<option value="1">1 hour</option>' in form
    answer = auditor.post("/state/break-glass", data={"person": PERSON, "reason": "complaint_investigation",
                                                      "reference": "C-2026/14", "hours": "24"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/state/people/{PERSON}")
    assert fake.posted("/break-glass-accesses") == [
        {"person_id": PERSON, "reason": "complaint_investigation", "reference": "C-2026/14", "hours": 24}]
    _, body = page(auditor, f"/state/people/{PERSON}")
    assert "Access is open until" in body and "Robin" in body


def test_without_an_open_access_the_details_page_says_how_to_open_one(auditor, fake):
    fake.reads[f"/people/{PERSON}/personal-fields"] = ApiError(403, "no access")
    answer, body = page(auditor, f"/state/people/{PERSON}")
    assert answer.status_code == 403 and f"/state/break-glass?person={PERSON}" in body


def test_break_glass_without_a_person_sends_to_the_history(auditor):
    _, body = page(auditor, "/state/break-glass")
    assert "/state/history?source=intake&amp;type=PersonEnrolled" in body


def test_the_person_sees_the_break_glass_opening_and_reading_on_their_own_page(client, fake):
    sign_in(client, "person", PERSON)
    fake.reads[f"/people/{PERSON}"] = {"person_id": PERSON, "details": {"display_name": "Robin"},
                                       "consent": None}
    to = {"user_id": ME, "role": "state_auditor", "organization_id": None, "reference": "C-2026/14"}
    fake.reads[f"/people/{PERSON}/disclosures"] = {"items": [
        {"at": "2026-12-05T10:00:00+00:00", "audience": "state_audit", "fields": [],
         "to": {**to, "access": "opened", "reason": "complaint_investigation", "until": "2026-12-05T13:00:00+00:00"}},
        {"at": "2026-12-05T10:01:00+00:00", "audience": "state_audit",
         "fields": ["display_name", "matching.languages.0", "matching.languages.1", "experience"],
         "to": {**to, "access": "read"}}], "next_cursor": None}
    _, body = page(client, "/person/data")
    assert "A complaint made to the state" in body and "C-2026/14" in body
    assert "Access to your details opened, until" in body
    # Fields read under break-glass are where they sat in events: the person reads them in words, once each.
    assert "Your name, Your languages, The experiences you share for matching" in body
    assert "matching.languages" not in body


# -- signing in, and Spanish ------------------------------------------------------------------------
def test_the_development_sign_in_offers_a_state_administrator(client, fake):
    assert "A state administrator, as auditor" in client.get("/signin").get_data(as_text=True)
    fake.reads["/me"] = {"user_id": ME, "role": "state_auditor", "organization_id": None}
    answer = client.post("/signin/development", data={"role": "state_auditor", "user_id": ME})
    assert answer.headers["Location"] == "/state"


@pytest.mark.parametrize("path", ["/state", "/state/history", f"/state/verifications/{JOB}", "/state/verifications",
                                  "/state/checkpoints", "/state/break-glass", f"/state/break-glass?person={PERSON}"])
def test_every_page_is_all_spanish(auditor, path):
    sign_in(auditor, "state_auditor", ME, lang="es")
    answer = auditor.get(path)  # strict i18n: an untranslated string fails the request
    assert answer.status_code == 200 and 'lang="es"' in answer.get_data(as_text=True)


def test_other_roles_cannot_open_the_state_pages(client):
    sign_in(client, "agency_admin", ME, organization_id=AGENCY)
    assert client.get("/state").status_code == 403
