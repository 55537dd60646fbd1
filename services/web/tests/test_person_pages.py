"""A person's pages, with the gateway faked: what each page shows, what each form sends,
and that a refused form shows its error beside the field and stores nothing."""
import re
import uuid

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in

ME = str(uuid.uuid4())
PEER = str(uuid.uuid4())
RECORD = {"person_id": ME, "forgotten": False, "enrolled_at": "2026-12-01T10:00:00+00:00",
          "details": {"display_name": "Robin (synthetic)", "contact": None, "region": "Hampden County",
                      "languages": ["es"], "modalities": ["phone"], "agencies": []},
          "consent": {"status": "active", "may_see": {"matching": ["region", "languages"]}},
          "experiences": [{"experience": "heard_voices", "visibility": "matching"}],
          "support_requests": [{"request_id": str(uuid.uuid4()), "status": "open", "hopes": None,
                                "expires_at": None}],
          "disclosures": [], "history": []}
OFFER = {"peer_worker_id": PEER, "display_name": "Sam 3 (synthetic)", "score": 3, "free_places": 2,
         "shared_items": ["heard_voices"], "languages": ["es"], "same_place": True, "modalities": ["phone"],
         "continuity": False, "why": "you both chose to share: heard voices"}
NO_OFFERS = {"request_id": None, "offers": [], "relaxed": [], "note": "", "choice": None, "waiting": False,
             "reason": "no_fitting_peer", "next_steps": ["wait", "relax:include_my_agencies"]}


@pytest.fixture
def person(client, fake):
    sign_in(client, "person", ME)
    fake.reads[f"/people/{ME}/connections"] = {"items": [], "next_cursor": None}
    return client


def enrollment_form(**overrides):
    form = {"display_name": "Robin (synthetic)", "region": "Hampden County", "languages": ["es"],
            "modalities": ["phone"], "may_see_matching": ["region", "languages", "modalities", "experiences"],
            "may_see_offered_peer": ["display_name"]}
    form.update(overrides)
    return form


def text(answer) -> str:
    return re.sub(r"\s+", " ", answer.get_data(as_text=True))


def test_a_person_not_enrolled_is_offered_enrollment(person):
    answer = person.get("/person")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/person/enroll")


def test_enrollment_previews_exactly_what_each_side_would_see_before_storing_anything(person, fake):
    answer = person.post("/person/enroll", data=enrollment_form(step="preview"))
    page = text(answer)
    assert answer.status_code == 200 and "Check before you agree" in page
    assert "Robin (synthetic)" in page and "Spanish" in page and "Hampden County" in page
    assert fake.posted("/people") == []


def test_agreeing_enrolls_with_the_consent_as_chosen(person, fake):
    answer = person.post("/person/enroll", data=enrollment_form(step="agree"))
    assert answer.status_code == 302
    (body,) = fake.posted("/people")
    assert body["person_id"] == ME and body["languages"] == ["es"]
    assert body["consent"] == {"purpose": "peer_support", "may_see": {
        "matching": ["region", "languages", "modalities", "experiences"], "offered_peer": ["display_name"]}}


def test_a_missing_field_is_named_beside_it_and_in_the_summary_and_nothing_is_sent(person, fake):
    answer = person.post("/person/enroll", data=enrollment_form(display_name="  ", step="agree"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="display_name-error"' in page and 'href="#display_name"' in page
    assert 'aria-describedby="display_name-hint display_name-error"' in page
    assert fake.posted("/people") == []


def test_a_field_the_api_refuses_is_shown_beside_that_field(person, fake):
    fake.acts["/people"] = ApiError(422, "invalid", [{"field": "languages.0", "message": "unknown language"}])
    answer = person.post("/person/enroll", data=enrollment_form(step="agree"))
    assert answer.status_code == 422 and 'id="languages-error"' in answer.get_data(as_text=True)


def test_offers_explain_themselves_in_the_page_language(person, fake):
    fake.reads[f"/people/{ME}/offers"] = {**NO_OFFERS, "offers": [OFFER], "reason": None, "next_steps": ["choose"]}
    sign_in(person, "person", ME, lang="es")
    page = text(person.get("/person/offers"))
    assert "Sam 3 (synthetic)" in page
    assert "Los dos eligieron compartir: escuchar voces" in page and "Los dos hablan: español" in page


def test_choosing_sends_the_peer_and_a_lapsed_place_says_choose_another(person, fake):
    assert person.post("/person/choices", data={"peer_worker_id": PEER}).status_code == 302
    assert fake.posted(f"/people/{ME}/choices") == [{"peer_worker_id": PEER}]
    fake.acts[f"/people/{ME}/choices"] = ApiError(409, "that place was taken")
    fake.reads[f"/people/{ME}/offers"] = NO_OFFERS
    answer = person.post("/person/choices", data={"peer_worker_id": PEER}, follow_redirects=True)
    assert "place was just taken" in text(answer)


def test_no_offers_says_why_and_offers_the_waitlist_and_the_limit_to_relax(person, fake):
    fake.reads[f"/people/{ME}"] = RECORD
    fake.reads[f"/people/{ME}/offers"] = NO_OFFERS
    page = text(person.get("/person"))
    assert "No peer who fits what you asked for has a free place" in page
    assert 'action="/person/waitlist"' in page and 'value="include_my_agencies"' in page
    person.post("/person/offers/more", data={"relax": "include_my_agencies"})
    assert fake.posted(f"/people/{ME}/offer-requests") == [{"include_my_agencies": True}]


def test_waiting_for_the_peer_shows_the_deadline(person, fake):
    fake.reads[f"/people/{ME}"] = RECORD
    fake.reads[f"/people/{ME}/offers"] = {**NO_OFFERS, "offers": [OFFER], "reason": None, "next_steps": [],
                                          "choice": {"choice_id": str(uuid.uuid4()), "peer_worker_id": PEER,
                                                     "deadline": "2026-12-07T18:00:00+00:00"}}
    page = text(person.get("/person"))
    assert "Waiting for your peer" in page and "December 7, 2026" in page


def test_ending_a_connection_asks_no_reason_and_ends_it(person, fake):
    connection = str(uuid.uuid4())
    fake.reads[f"/people/{ME}/connections"] = {"items": [{"connection_id": connection, "peer_worker_id": PEER,
                                                          "active": True, "display_name": "Sam"}]}
    page = text(person.get(f"/person/connections/{connection}/end"))
    assert "Nobody will ask you why" in page and "<textarea" not in page
    person.post(f"/person/connections/{connection}/end")
    assert fake.posted(f"/connections/{connection}/endings") == [{}]


def test_asking_for_support_changes_only_what_changed_then_asks(person, fake):
    fake.reads[f"/people/{ME}"] = RECORD
    person.post("/person/support", data={"region": "Hampden County", "languages": ["es", "en"],
                                         "modalities": ["phone"], "hopes": "someone who has been there"})
    assert fake.posted(f"/people/{ME}/detail-changes") == [{"languages": ["es", "en"]}]
    (request,) = fake.posted(f"/people/{ME}/support-requests")
    assert request["hopes"] == "someone who has been there"


def test_my_data_downloads_the_whole_record(person, fake):
    fake.reads[f"/people/{ME}"] = RECORD
    answer = person.get("/person/data/export.json")
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.get_json()["person_id"] == ME


def test_forget_me_says_what_stays_and_forgets_only_when_confirmed(person, fake):
    page = text(person.get("/person/forget"))
    assert "What stays" in page and fake.posted(f"/people/{ME}/erasures") == []
    person.post("/person/forget")
    assert fake.posted(f"/people/{ME}/erasures") == [{}]


@pytest.mark.parametrize("path", ["/person", "/person/experiences", "/person/support", "/person/offers",
                                  "/person/consent",
                                  "/person/data", "/person/forget"])
def test_every_person_page_is_all_spanish(person, fake, path):
    fake.reads[f"/people/{ME}"] = RECORD
    fake.reads[f"/people/{ME}/offers"] = NO_OFFERS
    fake.reads[f"/people/{ME}/disclosures"] = {"items": [
        {"at": "2026-12-02T09:00:00+00:00", "to": {}, "audience": "offered_peer", "fields": ["display_name"]}]}
    sign_in(person, "person", ME, lang="es")
    answer = person.get(path)  # strict: an untranslated string raises
    assert answer.status_code == 200 and '<html lang="es">' in answer.get_data(as_text=True)


def test_another_role_cannot_open_a_person_page(client):
    sign_in(client, "peer", PEER)
    assert client.get("/person").status_code == 403


def test_an_item_changes_visibility_by_being_shared_again(person, fake):
    person.post("/person/experiences/visibility", data={"experience": "heard_voices", "visibility": "private"})
    assert fake.posted(f"/people/{ME}/shared-experiences") == [{"experience": "heard_voices",
                                                                "visibility": "private"}]


def test_the_consent_can_be_changed_and_withdrawn(person, fake):
    fake.reads[f"/people/{ME}"] = RECORD
    page = text(person.get("/person/consent"))
    assert 'name="may_see_matching" value="region" checked' in page
    person.post("/person/consent", data={"may_see_matching": ["languages"], "may_see_offered_peer": []})
    assert fake.posted(f"/people/{ME}/consents") == [{"consent": {"purpose": "peer_support",
                                                                  "may_see": {"matching": ["languages"]}}}]
    person.post("/person/consent/revocation")
    assert fake.posted(f"/people/{ME}/consent-revocations") == [{}]
