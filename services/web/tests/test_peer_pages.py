"""A peer worker's pages, with the gateway faked (conftest's FakeGateway): what each page shows,
what each form sends, that a refused form shows its error beside the field and stores nothing,
and that every page is all Spanish."""
import re
import uuid

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in

ME = str(uuid.uuid4())
ORGANIZATION = str(uuid.uuid4())
CHOICE = str(uuid.uuid4())
CONNECTION = str(uuid.uuid4())
W = f"/peer-workers/{ME}"
AVAILABILITY = {"capacity": 3, "times": [{"day": "monday", "start": "09:00", "end": "12:00"}],
                "modalities": ["phone"], "languages": ["es"], "regions": ["Hampden County"], "remote": True}
PROFILE = {"peer_worker_id": ME, "display_name": "Sam 3 (synthetic)", "organization_id": ORGANIZATION,
           "experiences": [{"experience": "heard_voices", "visibility": "matching"}],
           "availability": AVAILABILITY, "paused": False}
REQUEST = {"choice_id": CHOICE, "deadline": "2026-12-07T18:00:00+00:00", "shared_items": ["heard_voices"],
           "languages": ["es"], "modalities": ["phone"]}
MEMBER = {"peer_worker_id": str(uuid.uuid4()), "display_name": "Alex 2 (synthetic)", "organization_id": ORGANIZATION,
          "region": "Hampden County", "languages": ["es"], "specialties": ["WRAP"], "credentials": []}
RECORD = {"peer_worker_id": ME, "organization_ids": [ORGANIZATION], "needs_supervisor": False, "supervisions": [],
          "due": {"stage": "provisional", "every_days": 14, "since": "2026-09-01", "last_session": "2026-10-01",
                  "next_due": "2026-10-15", "first_period_end": "2027-03-01", "first_period_hours_required": 20,
                  "first_period_hours_done": 1.5, "hours_total": 1.5, "sessions": 1,
                  "overdue": [{"requirement": "session_cadence", "due_on": "2026-10-15"}]},
          "sessions": [{"session_id": str(uuid.uuid4()), "supervisor_id": str(uuid.uuid4()), "date": "2026-10-01",
                        "minutes": 90, "kind": "professional_development", "grouping": "individual",
                        "medium": "video", "confirmed_by": ["supervisor", "peer_worker"], "counted": True}]}
POOL_ORGANIZATION = str(uuid.uuid4())
SEARCH = {"peer_worker_id": ME, "kind": "professional_development", "route": "same_organization", "options": [
    {"supervisor_id": str(uuid.uuid4()), "route": "same_organization", "agreement_id": None,
     "organization_ids": [ORGANIZATION], "pool_region": None, "score": 2.5, "free_capacity": 1.5,
     "facts": [{"code": "same_organization"}, {"code": "speaks", "language": "es"},
               {"code": "free_capacity", "free": 1.5, "capacity": 7.0}],
     "reasons": ["works in the same organization", "speaks Spanish",
                 "free capacity: 1.5 of 7 full-time supervisees"]},
    {"supervisor_id": MEMBER["peer_worker_id"], "route": "pool", "agreement_id": None,
     "organization_ids": [POOL_ORGANIZATION], "pool_region": "Hampden County", "score": 3.5, "free_capacity": 6.0,
     "facts": [{"code": "pool", "organization_id": POOL_ORGANIZATION, "supervised_organization_ids": [ORGANIZATION]},
               {"code": "same_region", "region": "Hampden County"}, {"code": "specialty", "specialty": "WRAP"},
               {"code": "mentors_others"}],
     "reasons": [f"from the networking pool: needs a supervision agreement between organization "
                 f"{POOL_ORGANIZATION} (supervising) and {ORGANIZATION} (supervised), accepted by both in directory",
                 "serves the same region: Hampden County", "specialty: WRAP", "mentors other peer workers"]}]}


def page(items):
    return {"items": items, "next_cursor": None}


@pytest.fixture
def peer(client, fake):
    sign_in(client, "peer", ME)
    fake.reads.update({
        W: PROFILE, f"{W}/requests": page([REQUEST]),
        f"{W}/connections": page([{"connection_id": CONNECTION, "person_id": str(uuid.uuid4()), "active": True},
                                  {"connection_id": str(uuid.uuid4()), "person_id": str(uuid.uuid4()),
                                   "active": False}]),
        f"/organizations/{ORGANIZATION}": {"organization_id": ORGANIZATION, "name": "Hilltop Peer Center"},
        f"/organizations/{POOL_ORGANIZATION}": {"organization_id": POOL_ORGANIZATION, "name": "Valley Peer Network"},
        "/organizations": page([{"organization_id": ORGANIZATION, "name": "Hilltop Peer Center"}]),
        f"/workforce-records/{ME}": {"peer_worker_id": ME, "in_pool": False},
        "/pool-members": page([MEMBER]), f"{W}/supervision-record": RECORD,
    })
    fake.acts[f"{W}/supervisor-searches"] = SEARCH
    return client


def text(answer) -> str:
    return re.sub(r"\s+", " ", answer.get_data(as_text=True))


def test_home_shows_who_waits_for_an_answer_and_by_when_connections_and_availability(peer):
    shown = text(peer.get("/peer"))
    assert "Hello, Sam 3 (synthetic)" in shown
    assert "1 person chose you" in shown and "Answer by December 7, 2026" in shown
    assert "You have 1 connection now." in shown
    assert "Open: you can be offered to people." in shown and "up to 3 people" in shown


def test_home_without_a_profile_says_the_organization_links_it(peer, fake):
    del fake.reads[W]
    shown = text(peer.get("/peer"))
    assert "Your organization links your peer worker profile" in shown
    assert not [call for call in fake.calls if call[1].endswith("/requests")]


def test_profile_shows_the_name_and_organization_as_held(peer):
    shown = text(peer.get("/peer/profile"))
    assert "Sam 3 (synthetic)" in shown and "Hilltop Peer Center" in shown


def test_items_explain_each_visibility_and_share_change_and_withdraw(peer, fake):
    shown = text(peer.get("/peer/experiences"))
    assert "heard voices" in shown and "shown to a person only when they shared the same item" in shown
    assert "visible to other peer workers in the networking pool".lower() in shown.lower()
    answer = peer.post("/peer/experiences", data={"experience": "veteran", "visibility": "network"})
    assert answer.status_code == 302
    peer.post("/peer/experiences", data={"experience": "heard_voices", "visibility": "private", "item": "1"})
    assert fake.posted(f"{W}/shared-experiences") == [{"experience": "veteran", "visibility": "network"},
                                                      {"experience": "heard_voices", "visibility": "private"}]
    assert peer.post("/peer/experiences/withdrawals", data={"experience": "heard_voices"}).status_code == 302
    assert fake.posted(f"{W}/experience-withdrawals") == [{"experience": "heard_voices"}]


def test_an_item_the_api_refuses_is_shown_beside_its_field(peer, fake):
    fake.acts[f"{W}/shared-experiences"] = ApiError(422, "invalid", [{"field": "experience", "message": "unknown"}])
    answer = peer.post("/peer/experiences", data={"experience": "veteran", "visibility": "network"})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="experience-error"' in shown and 'href="#experience"' in shown
    assert 'value="veteran" selected' in shown  # what was chosen is kept


def test_a_change_the_api_refuses_is_shown_beside_that_item(peer, fake):
    fake.acts[f"{W}/shared-experiences"] = ApiError(422, "invalid", [{"field": "visibility", "message": "?"}])
    answer = peer.post("/peer/experiences", data={"experience": "heard_voices", "visibility": "network", "item": "1"})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="visibility-heard_voices-error"' in shown and 'href="#visibility-heard_voices"' in shown


def test_availability_sends_what_was_chosen_and_keeps_the_weekly_times(peer, fake):
    assert 'value="3"' in text(peer.get("/peer/availability"))
    answer = peer.post("/peer/availability", data={"capacity": "4", "modalities": ["phone", "video"],
                                                   "languages": ["es", "en"], "regions": ["Hampden County"],
                                                   "remote": "no"})
    assert answer.status_code == 302
    assert fake.posted(f"{W}/availability-settings") == [{
        "capacity": 4, "times": AVAILABILITY["times"], "modalities": ["phone", "video"], "languages": ["es", "en"],
        "regions": ["Hampden County"], "remote": False}]


def test_availability_left_incomplete_is_named_beside_each_field_and_nothing_is_sent(peer, fake):
    answer = peer.post("/peer/availability", data={"capacity": "many", "languages": ["es"]})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for field in ("capacity", "modalities", "remote"):
        assert f'id="{field}-error"' in shown and f'href="#{field}"' in shown
    assert fake.posted(f"{W}/availability-settings") == []


def test_availability_the_api_refuses_is_shown_beside_the_field(peer, fake):
    fake.acts[f"{W}/availability-settings"] = ApiError(422, "invalid", [{"field": "languages.1", "message": "?"}])
    answer = peer.post("/peer/availability", data={"capacity": "2", "modalities": ["phone"], "languages": ["es"],
                                                   "remote": "yes"})
    assert answer.status_code == 422 and 'id="languages-error"' in answer.get_data(as_text=True)


def test_pause_and_resume(peer, fake):
    peer.post("/peer/availability/pause")
    fake.reads[W] = {**PROFILE, "paused": True}
    assert "Paused" in text(peer.get("/peer/availability"))
    peer.post("/peer/availability/resume")
    assert fake.posted(f"{W}/pauses") == [{}] and fake.posted(f"{W}/resumptions") == [{}]


def test_people_who_chose_me_shows_only_what_both_shared_and_the_deadline(peer, fake):
    shown = text(peer.get("/peer/requests"))
    assert "December 7, 2026" in shown and "You both chose to share: heard voices" in shown
    assert "You both speak: Spanish" in shown
    assert f'action="/peer/requests/{CHOICE}/acceptance"' in shown
    assert f'action="/peer/requests/{CHOICE}/decline"' in shown


def test_accept_and_decline_ask_nothing_more(peer, fake):
    assert peer.post(f"/peer/requests/{CHOICE}/acceptance").headers["Location"].endswith("/peer/connections")
    peer.post(f"/peer/requests/{CHOICE}/decline")
    assert fake.posted(f"/choices/{CHOICE}/acceptances") == [{}] and fake.posted(f"/choices/{CHOICE}/declines") == [{}]


def test_an_answer_too_late_says_so(peer, fake):
    fake.acts[f"/choices/{CHOICE}/acceptances"] = ApiError(409, "already answered")
    answer = peer.post(f"/peer/requests/{CHOICE}/acceptance", follow_redirects=True)
    assert "already answered, or its time to answer has passed" in text(answer)


def test_ending_a_connection_is_confirmed_first_and_asks_no_reason(peer, fake):
    assert "Connection 1" in text(peer.get("/peer/connections"))
    shown = text(peer.get(f"/peer/connections/{CONNECTION}/end"))
    assert "End this connection?" in shown and "<textarea" not in shown
    assert fake.posted(f"/connections/{CONNECTION}/endings") == []
    peer.post(f"/peer/connections/{CONNECTION}/end")
    assert fake.posted(f"/connections/{CONNECTION}/endings") == [{}]


def test_the_pool_searches_with_the_filters_and_shows_who_was_found(peer, fake):
    shown = text(peer.get("/peer/pool?region=Hampden+County&language=es&specialty="))
    assert "Alex 2 (synthetic)" in shown and "Hilltop Peer Center" in shown and "Speaks: Spanish" in shown
    (params,) = [p for method, path, p in fake.calls if path == "/pool-members"]
    assert params["region"] == "Hampden County" and params["language"] == "es" and params["specialty"] is None


def test_joining_the_pool_sends_the_organization_and_what_was_entered(peer, fake):
    peer.post("/peer/pool/join", data={"display_name": "Sam", "region": "Hampden County", "languages": ["es"],
                                       "specialties": "WRAP, housing"})
    assert fake.posted(f"{W}/pool-memberships") == [{
        "organization_id": ORGANIZATION, "display_name": "Sam", "region": "Hampden County", "languages": ["es"],
        "specialties": ["WRAP", "housing"]}]


def test_joining_the_pool_refused_is_shown_beside_the_field(peer, fake):
    fake.acts[f"{W}/pool-memberships"] = ApiError(422, "invalid", [{"field": "display_name", "message": "long"}])
    answer = peer.post("/peer/pool/join", data={"display_name": "Sam", "region": "Hampden County"})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="display_name-error"' in shown and 'value="Sam"' in shown


def test_leaving_the_pool(peer, fake):
    fake.reads[f"/workforce-records/{ME}"] = {"peer_worker_id": ME, "in_pool": True}
    assert "Leave the pool" in text(peer.get("/peer/pool"))
    peer.post("/peer/pool/leave")
    assert fake.posted(f"{W}/pool-departures") == [{}]


def test_supervision_record_shows_what_is_overdue_first_then_due_then_sessions(peer):
    shown = text(peer.get("/peer/supervision"))
    overdue, due, sessions = (shown.index(s) for s in ("Overdue", "What is due", "Supervision sessions"))
    assert overdue < due < sessions
    assert "A supervision session was due on October 15, 2026." in shown and "90" in shown


def test_a_session_the_supervisor_logged_is_confirmed_from_the_supervision_page(peer, fake):
    logged = {**RECORD["sessions"][0], "session_id": str(uuid.uuid4()), "confirmed_by": ["supervisor"],
              "counted": False, "minutes": 47}
    fake.reads[f"{W}/supervision-record"] = {**RECORD, "sessions": [*RECORD["sessions"], logged]}
    shown = text(peer.get("/peer/supervision"))
    confirm = f'action="/peer/supervision/sessions/{logged["session_id"]}/confirmations"'
    assert shown.count("Confirm this session") == 1 and confirm in shown, "only the one not confirmed by them"
    answer = peer.post(f"/peer/supervision/sessions/{logged['session_id']}/confirmations")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/peer/supervision")
    assert fake.posted(f"/supervision-sessions/{logged['session_id']}/confirmations") == [{}]


def test_finding_a_supervisor_sends_the_kind_and_languages_and_shows_the_ranking(peer, fake):
    shown = text(peer.get("/peer/supervision/search?kind=professional_development&languages=es"))
    assert fake.posted(f"{W}/supervisor-searches") == [{"kind": "professional_development", "languages": ["es"]}]
    assert "Works in your own organization." in shown and "Speaks Spanish." in shown
    assert shown.index("Works in your own organization.") < shown.index("Valley Peer Network")


def test_each_supervisor_found_is_shown_by_name_and_organization_never_by_id(peer, fake):
    shown = text(peer.get("/peer/supervision/search?kind=professional_development"))
    # Outside the pool supervision knows no name; in it, the pool's display name, looked up by its region.
    assert "<h3 class=\"margin-y-05\">A peer supervisor</h3>" in shown
    assert "<h3 class=\"margin-y-05\">Alex 2 (synthetic)</h3>" in shown
    assert ("GET", "/pool-members", {"limit": 200, "cursor": None, "region": "Hampden County"}) in fake.calls
    assert "Works at: Hilltop Peer Center" in shown and "Works at: Valley Peer Network" in shown
    assert ("From the networking pool: Valley Peer Network and your organization need a supervision agreement, "
            "accepted by both, before an offer.") in shown
    assert "Serves the same region as you: Hampden County." in shown and "Specialty: WRAP." in shown
    assert "Free places: 1.5 full-time peer workers" in shown
    assert POOL_ORGANIZATION not in shown and ORGANIZATION not in shown
    # A fact this page does not know yet keeps the service's English, marked as English.
    assert '<li lang="en">mentors other peer workers</li>' in shown


def test_the_supervisors_found_are_told_in_spanish(peer, fake):
    sign_in(peer, "peer", ME, lang="es")
    shown = text(peer.get("/peer/supervision/search?kind=professional_development"))
    assert "Una persona supervisora entre pares" in shown and "Trabaja en su propia organización." in shown
    assert "Habla español." in shown and "Trabaja en la misma región que usted: Condado de Hampden." in shown
    assert "Lugares libres: 1,5 trabajadores de apoyo entre pares a tiempo completo" in shown
    assert ("De la red de contactos: antes de una oferta, Valley Peer Network y su organización necesitan un "
            "acuerdo de supervisión aceptado por las dos.") in shown


def test_an_organization_gone_from_the_directory_is_not_shown_by_its_id(peer, fake):
    del fake.reads[f"/organizations/{POOL_ORGANIZATION}"]
    shown = text(peer.get("/peer/supervision/search?kind=professional_development"))
    assert POOL_ORGANIZATION not in shown and "an organization not in the directory" in shown


def test_the_search_page_asks_before_searching(peer, fake):
    peer.get("/peer/supervision/search")
    assert fake.posted(f"{W}/supervisor-searches") == []


@pytest.mark.parametrize("path", ["/peer", "/peer/profile", "/peer/experiences", "/peer/availability",
                                  "/peer/requests", "/peer/connections", f"/peer/connections/{CONNECTION}/end",
                                  "/peer/pool", "/peer/supervision",
                                  "/peer/supervision/search?kind=administrative"])
def test_every_peer_page_is_all_spanish(peer, fake, path):
    sign_in(peer, "peer", ME, lang="es")
    answer = peer.get(path)  # strict: an untranslated string raises
    assert answer.status_code == 200 and '<html lang="es">' in answer.get_data(as_text=True)


def test_the_spanish_pages_speak_spanish_and_show_dates_in_spanish(peer, fake):
    sign_in(peer, "peer", ME, lang="es")
    shown = text(peer.get("/peer/requests"))
    assert "escuchar voces" in shown and "de diciembre de 2026" in shown


def test_the_pages_without_a_profile_and_with_errors_are_all_spanish(peer, fake):
    sign_in(peer, "peer", ME, lang="es")
    assert peer.post("/peer/availability", data={}).status_code == 422
    del fake.reads[W]
    assert peer.get("/peer").status_code == 200


def test_another_role_cannot_open_a_peer_page(client):
    sign_in(client, "person", ME)
    assert client.get("/peer").status_code == 403
