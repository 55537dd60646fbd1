"""A peer supervisor's pages, with the gateway faked (conftest's FakeGateway): what each page shows,
what each form sends, that a refused form shows its error beside the field and sends nothing more,
and that every page is all Spanish."""
import re
import uuid

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in

ME = str(uuid.uuid4())
IN_POOL, OUTSIDE_POOL, OFFERED = (str(uuid.uuid4()) for _ in range(3))
OFFER = str(uuid.uuid4())
TO_CONFIRM, COUNTED, SOMEONE_ELSES = (str(uuid.uuid4()) for _ in range(3))
DUE = {"stage": "certified", "every_days": 30, "since": "2026-01-05", "last_session": "2026-11-20",
       "next_due": "2026-12-20", "first_period_end": "2026-07-06", "first_period_hours_required": 12,
       "first_period_hours_done": 14.0, "hours_total": 20.0, "sessions": 12, "overdue": []}
LATE = {**DUE, "next_due": "2026-11-01", "overdue": [{"requirement": "session_cadence", "due_on": "2026-11-01"}]}


def supervision(peer_worker_id, status, due, assignment_id=None):
    return {"assignment_id": assignment_id or str(uuid.uuid4()), "supervisor_id": ME, "peer_worker_id": peer_worker_id,
            "kind": "professional_development", "route": "agreement", "agreement_id": str(uuid.uuid4()),
            "status": status, "offered_on": "2026-10-01", "accepted_on": "2026-10-02" if status == "active" else None,
            "ended_on": None, "end_reason": None, "reasons": [], "due": due}


LOAD = {"supervisor_id": ME, "load": 2.5, "capacity": 7.0, "free_capacity": 4.5, "supervisions": [
    supervision(OUTSIDE_POOL, "active", DUE), supervision(IN_POOL, "active", LATE),
    supervision(OFFERED, "offered", None, OFFER)]}


def session(session_id, supervisor_id, date, confirmed_by):
    return {"session_id": session_id, "supervisor_id": supervisor_id, "date": date, "minutes": 45,
            "kind": "professional_development", "grouping": "group", "medium": "phone",
            "confirmed_by": confirmed_by, "counted": len(confirmed_by) == 2}


RECORDS = {
    IN_POOL: [session(TO_CONFIRM, ME, "2026-11-28", ["peer_worker"]),
              session(SOMEONE_ELSES, str(uuid.uuid4()), "2026-11-29", ["peer_worker"])],
    OUTSIDE_POOL: [session(COUNTED, ME, "2026-11-20", ["supervisor", "peer_worker"])],
}
SHORT = [{"peer_worker_id": OUTSIDE_POOL, "organization_ids": [], "supervisor_ids": [ME], "needs_supervisor": True,
          "overdue": [], "next_due": "2026-12-20", "first_period_hours_done": None},
         {"peer_worker_id": IN_POOL, "organization_ids": [], "supervisor_ids": [ME], "needs_supervisor": False,
          "overdue": LATE["overdue"], "next_due": "2026-11-01", "first_period_hours_done": 14.0}]
PAGES = ["/supervisor", "/supervisor/offers", "/supervisor/sessions", "/supervisor/sessions/new",
         "/supervisor/overdue"]
A_SESSION = {"peer_worker_id": IN_POOL, "date": "2026-12-01", "minutes": "60", "kind": "professional_development",
             "grouping": "individual", "medium": "video"}


def page(items):
    return {"items": items, "next_cursor": None}


@pytest.fixture
def supervisor(client, fake):
    sign_in(client, "supervisor", ME)
    fake.reads.update({
        f"/supervisors/{ME}/load": LOAD, "/supervision-shortfalls": page(SHORT),
        "/pool-members": page([{"peer_worker_id": IN_POOL, "display_name": "Alex 2 (synthetic)"}]),
        **{f"/peer-workers/{worker}/supervision-record": {"peer_worker_id": worker, "sessions": sessions}
           for worker, sessions in RECORDS.items()},
    })
    return client


def text(answer) -> str:
    return re.sub(r"\s+", " ", answer.get_data(as_text=True))


def posts(fake) -> list:
    return [call for call in fake.calls if call[0] == "POST"]


def test_home_shows_the_capacity_used_the_offers_and_the_supervisees_overdue_first(supervisor):
    shown = text(supervisor.get("/supervisor"))
    assert "You supervise the equivalent of 2.5 of 7 full-time peer workers. Free: 4.5." in shown
    assert "1 peer worker is offered to you for supervision." in shown
    # Supervision keeps no names: the pool's, or a reference saying why there is none.
    outside = f"Supervisee {OUTSIDE_POOL[:8]}, not in the networking pool"
    assert shown.index("Alex 2 (synthetic)") < shown.index(outside)
    assert "November 1, 2026" in shown and "December 20, 2026" in shown


def test_a_supervisor_without_a_record_is_told_when_it_begins(supervisor, fake):
    del fake.reads[f"/supervisors/{ME}/load"]
    assert "when your organization records your employment" in text(supervisor.get("/supervisor"))


def test_the_pages_are_a_supervisors_only(client, fake):
    sign_in(client, "peer", ME)
    assert client.get("/supervisor").status_code == 403 and fake.calls == []


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_all_spanish(supervisor, path):
    sign_in(supervisor, "supervisor", ME, lang="es")
    answer = supervisor.get(path)  # strict: any string without Spanish fails the page
    assert answer.status_code == 200
    shown = text(answer)
    assert '<html lang="es">' in shown and shown.count("<h1") == 1


def test_every_page_has_one_main_heading_and_no_inline_style_or_script(supervisor):
    for path in PAGES:
        shown = text(supervisor.get(path))
        assert shown.count("<h1") == 1, path
        assert " style=" not in shown and "<script>" not in shown, path


def test_logging_a_session_sends_exactly_the_apis_body(supervisor, fake):
    answer = supervisor.post("/supervisor/sessions/new", data=A_SESSION)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/supervisor/sessions")
    assert fake.posted("/supervision-sessions") == [{
        "supervisor_id": ME, "peer_worker_id": IN_POOL, "date": "2026-12-01", "minutes": 60,
        "kind": "professional_development", "grouping": "individual", "medium": "video"}]


def test_the_session_form_asks_no_content_only_facts(supervisor):
    shown = text(supervisor.get("/supervisor/sessions/new"))
    assert "<textarea" not in shown
    fields = set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', shown))
    assert fields == {"csrf_token", "peer_worker_id", "date", "minutes", "kind", "grouping", "medium"}
    assert '<option value="' + IN_POOL + '">Alex 2 (synthetic)</option>' in shown
    assert OFFERED not in shown  # an offer not yet accepted has no sessions


def test_a_refused_session_shows_the_message_beside_its_field_and_sends_nothing_else(supervisor, fake):
    fake.acts["/supervision-sessions"] = ApiError(422, "invalid", [
        {"field": "date", "message": "a session cannot be logged before it happens"}])
    answer = supervisor.post("/supervisor/sessions/new", data={**A_SESSION, "date": "2026-12-31"})
    shown = text(answer)
    assert answer.status_code == 422
    message = "Enter the date of the session: today or a day before."
    assert f'<span class="usa-error-message" id="date-error">{message}</span>' in shown
    assert f'<li><a href="#date">{message}</a></li>' in shown  # and in the summary at the top
    assert 'value="2026-12-31"' in shown and 'value="60"' in shown  # nothing lost
    assert len(posts(fake)) == 1


def test_a_pair_without_that_kind_of_supervision_is_told_beside_the_supervisee(supervisor, fake):
    fake.acts["/supervision-sessions"] = ApiError(422, "invalid", [
        {"field": "supervisor_id", "message": "no administrative supervision relationship"}])
    shown = text(supervisor.post("/supervisor/sessions/new", data={**A_SESSION, "kind": "administrative"}))
    assert ('id="peer_worker_id-error">You do not supervise this peer worker in this kind of supervision.'
            in shown)


@pytest.mark.parametrize("change, field", [({"minutes": "0"}, "minutes"), ({"minutes": "1 hour"}, "minutes"),
                                           ({"medium": ""}, "medium"), ({"peer_worker_id": OFFERED}, "peer_worker_id")])
def test_what_the_page_can_tell_is_shown_before_asking(supervisor, fake, change, field):
    shown = text(supervisor.post("/supervisor/sessions/new", data={**A_SESSION, **change}))
    assert f'id="{field}-error"' in shown and posts(fake) == []


def test_sessions_show_mine_to_confirm_first_then_all_newest_first(supervisor):
    shown = text(supervisor.get("/supervisor/sessions"))
    waiting, every = shown.index("waiting for you to confirm"), shown.index("Every session")
    assert shown.index("Alex 2 (synthetic), November 28, 2026") < every
    assert f"/supervisor/sessions/{TO_CONFIRM}/confirmation" in shown
    assert f"/supervisor/sessions/{COUNTED}/confirmation" not in shown
    assert SOMEONE_ELSES not in shown and "November 29, 2026" not in shown  # another supervisor's
    assert waiting < shown.index("November 28, 2026", every) < shown.index("November 20, 2026", every)
    assert "45 minutes · Professional development · Group · Phone" in shown


def test_confirming_sends_the_sessions_confirmation(supervisor, fake):
    answer = supervisor.post(f"/supervisor/sessions/{TO_CONFIRM}/confirmation")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/supervisor/sessions")
    assert posts(fake) == [("POST", f"/supervision-sessions/{TO_CONFIRM}/confirmations", {})]


def test_who_is_overdue_shows_the_overdue_first(supervisor, fake):
    shown = text(supervisor.get("/supervisor/overdue"))
    assert ("GET", "/supervision-shortfalls", {"limit": 200, "cursor": None, "supervisor_id": ME}) in fake.calls
    assert shown.index("A supervision session was due on November 1, 2026.") < \
        shown.index("Has no professional-development supervisor.")
    assert shown.index("Alex 2 (synthetic)") < shown.index(OUTSIDE_POOL[:8])


def test_accepting_an_offer_sends_the_acceptance(supervisor, fake):
    assert f"/supervisor/offers/{OFFER}/acceptance" in text(supervisor.get("/supervisor/offers"))
    assert supervisor.post(f"/supervisor/offers/{OFFER}/acceptance").status_code == 302
    assert posts(fake) == [("POST", f"/supervision-offers/{OFFER}/acceptances", {})]


def test_declining_asks_a_reason_from_the_list_before_sending(supervisor, fake):
    answer = supervisor.post(f"/supervisor/offers/{OFFER}/decline")
    assert answer.status_code == 422 and posts(fake) == []
    assert f'id="reason-{OFFER}-error">Choose why you decline.' in text(answer)
    supervisor.post(f"/supervisor/offers/{OFFER}/decline", data={f"reason-{OFFER}": "schedule"})
    assert fake.posted(f"/supervision-offers/{OFFER}/declines") == [{"reason": "schedule"}]


def test_an_offer_already_answered_is_said_plainly(supervisor, fake):
    fake.acts[f"/supervision-offers/{OFFER}/acceptances"] = ApiError(422, "not offered")
    answer = supervisor.post(f"/supervisor/offers/{OFFER}/acceptance", follow_redirects=True)
    assert "This offer was already answered, or it has ended." in text(answer)


def test_the_development_sign_in_offers_the_demos_peer_supervisors(client, fake):
    from deploy.demo.plan import plan

    first = next(w for w in plan(people=6, peer_workers=6).peer_workers if w.supervisor)
    shown = text(client.get("/signin"))
    assert "Peer supervisors" in shown and f"{first.display_name}, as peer supervisor" in shown
    fake.reads["/me"] = {"user_id": first.peer_worker_id, "role": "supervisor", "organization_id": None}
    answer = client.post("/signin/development", data={"role": "supervisor", "user_id": first.peer_worker_id})
    assert answer.headers["Location"].endswith("/supervisor")
