"""Contact once connected and blocks in the pages, with the gateway faked: what each side is shown of the
other, what the forms send, and that the pages are all Spanish too."""
import re
import uuid

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in
from services.web.tests.test_person_pages import RECORD
from services.web.tests.test_person_pages import ME as PERSON

PEER, CONNECTION, CHOICE = (str(uuid.uuid4()) for _ in range(3))
W = f"/peer-workers/{PEER}"
CONNECTED = {"items": [{"connection_id": CONNECTION, "peer_worker_id": PEER, "active": True,
                        "display_name": "Sam 3 (synthetic)"}], "next_cursor": None}
OFFERS = {"request_id": str(uuid.uuid4()), "relaxed": [], "note": None, "choice": None, "waiting": False,
          "reason": None, "next_steps": ["choose"], "offers": [{
              "peer_worker_id": PEER, "display_name": "Sam 3 (synthetic)", "score": 3, "free_places": 2,
              "shared_items": [], "languages": ["es"], "same_place": True, "modalities": ["phone"],
              "continuity": False, "why": ""}]}


def text(answer) -> str:
    return re.sub(r"\s+", " ", answer.get_data(as_text=True))


def page(items):
    return {"items": items, "next_cursor": None}


@pytest.fixture
def person(client, fake):
    sign_in(client, "person", PERSON)
    fake.reads.update({f"/people/{PERSON}": RECORD, f"/people/{PERSON}/connections": CONNECTED,
                       f"/people/{PERSON}/offers": OFFERS})
    return client


@pytest.fixture
def peer(client, fake):
    sign_in(client, "peer", PEER)
    fake.reads.update({
        W: {"peer_worker_id": PEER, "display_name": "Sam 3 (synthetic)", "organization_id": "org-1",
            "experiences": [], "availability": None, "paused": False},
        f"{W}/connections": page([{"connection_id": CONNECTION, "person_id": PERSON, "active": True}]),
        f"{W}/requests": page([{"choice_id": CHOICE, "deadline": "2026-12-07T18:00:00+00:00", "shared_items": [],
                                "languages": ["es"], "modalities": ["phone"]}]),
        f"{W}/work-contact": {"use": "organization", "organization_id": "org-1", "phone": None, "email": None},
    })
    return client


# -- the person ------------------------------------------------------------------------------------------
def test_the_person_sees_how_to_reach_their_peer_worker_on_the_connection(person, fake):
    fake.reads[f"/connections/{CONNECTION}/contact"] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "organization", "organization_id": "org-1", "organization_name": "Hilltop Peer Center",
        "phone": "413-555-0199", "email": None, "website": None}}
    shown = text(person.get("/person"))
    assert "How to reach them" in shown and "Through their organization, Hilltop Peer Center" in shown
    assert 'href="tel:413-555-0199"' in shown and "Email:" not in shown


def test_until_intake_follows_the_connection_or_with_no_contact_the_peer_worker_will_get_in_touch(person, fake):
    assert "Your peer worker will get in touch with you." in text(person.get("/person"))  # 404: not yet followed
    fake.reads[f"/connections/{CONNECTION}/contact"] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "own", "organization_id": "org-1", "phone": None, "email": "sam@peers.example"}}
    shown = text(person.get("/person"))
    assert 'href="mailto:sam@peers.example"' in shown and "will get in touch" not in shown


def test_the_person_blocks_an_offered_peer_worker_or_the_one_they_are_connected_with(person, fake):
    assert "Block: never offer them to me again" in text(person.get("/person/offers"))
    answer = person.post("/person/offers/block", data={"peer_worker_id": PEER})
    assert answer.headers["Location"].endswith("/person/offers")
    assert fake.posted(f"/people/{PERSON}/blocked-peers") == [{"peer_worker_id": PEER}]
    assert "End and block this peer worker" in text(person.get("/person"))
    person.post(f"/person/connections/{CONNECTION}/block")
    assert fake.posted(f"/people/{PERSON}/blocked-peers")[-1] == {"peer_worker_id": PEER}
    person.post(f"/person/connections/{uuid.uuid4()}/block")  # not theirs: nothing is sent
    assert len(fake.posted(f"/people/{PERSON}/blocked-peers")) == 2


def test_the_consent_offers_the_connected_peer_worker_the_name_and_contact_or_neither(person, fake):
    shown = text(person.get("/person/consent"))
    assert "Once you are connected, the peer worker may see:" in shown and 'name="may_see_connected_peer"' in shown
    person.post("/person/consent", data={"may_see_matching": ["region"], "may_see_connected_peer": ["contact"]})
    assert fake.posted(f"/people/{PERSON}/consents")[0]["consent"]["may_see"] == {
        "matching": ["region"], "connected_peer": ["contact"]}


def test_reads_by_the_connected_peer_worker_are_named_in_my_data(person, fake):
    fake.reads[f"/people/{PERSON}/disclosures"] = page([{
        "at": "2026-12-02T10:00:00+00:00", "audience": "connected_peer", "fields": ["contact"],
        "to": {"user_id": PEER, "role": "peer", "organization_id": "org-1"}}])
    shown = text(person.get("/person/data"))
    assert "The peer worker you are connected with" in shown and "How to reach you" in shown


# -- the peer worker -------------------------------------------------------------------------------------
def test_the_peer_worker_sees_only_what_the_person_gave(peer, fake):
    fake.reads[f"/connections/{CONNECTION}/contact"] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "person", "display_name": None, "contact": "robin@example.org"}}
    assert "How to reach this person" in text(peer.get("/peer/connections"))
    shown = text(peer.get(f"/peer/connections/{CONNECTION}"))
    assert "robin@example.org" in shown and "Their name" not in shown
    fake.reads[f"/connections/{CONNECTION}/contact"] = {"connection_id": CONNECTION, "active": True, "contact": None}
    assert "chose to get in touch with you themselves" in text(peer.get(f"/peer/connections/{CONNECTION}"))
    del fake.reads[f"/connections/{CONNECTION}/contact"]
    assert "only just begun" in text(peer.get(f"/peer/connections/{CONNECTION}"))


def test_an_ended_or_unknown_connection_shows_no_contact(peer, fake):
    answer = peer.get(f"/peer/connections/{uuid.uuid4()}")
    assert answer.status_code == 302
    assert not [c for c in fake.calls if c[1].endswith("/contact")]


def test_the_peer_worker_sets_their_own_work_contact_or_their_organizations(peer, fake):
    shown = text(peer.get("/peer/connections"))
    assert "The contact my organization publishes" in shown
    peer.post("/peer/connections/work-contact", data={"use": "own", "phone": "+1 413 555 0100", "email": ""})
    peer.post("/peer/connections/work-contact", data={"use": "organization", "phone": "ignored"})
    assert fake.posted(f"{W}/work-contact-settings") == [{"use": "own", "phone": "+1 413 555 0100", "email": None},
                                                         {"use": "organization"}]


def test_a_work_contact_the_api_refuses_is_shown_beside_its_field(peer, fake):
    fake.acts[f"{W}/work-contact-settings"] = ApiError(422, "invalid", [
        {"field": "email", "message": "Not a valid email address."}])
    answer = peer.post("/peer/connections/work-contact", data={"use": "own", "email": "nope"})
    assert answer.status_code == 422
    assert "Enter an email address, like name@example.org." in text(answer)


def test_the_peer_worker_blocks_from_a_request_or_a_connection(peer, fake):
    assert "Decline and block" in text(peer.get("/peer/requests"))
    peer.post(f"/peer/requests/{CHOICE}/block")
    assert fake.posted(f"{W}/blocked-people") == [{"choice_id": CHOICE}]
    peer.post(f"/peer/connections/{CONNECTION}/block")
    assert fake.posted(f"{W}/blocked-people")[-1] == {"connection_id": CONNECTION}


@pytest.mark.parametrize("path", ["/peer/connections", f"/peer/connections/{CONNECTION}", "/peer/requests"])
def test_the_peer_workers_pages_are_all_spanish(peer, fake, path):
    fake.reads[f"/connections/{CONNECTION}/contact"] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "person", "display_name": "Robin", "contact": "robin@example.org"}}
    sign_in(peer, "peer", PEER, lang="es")
    answer = peer.get(path)  # strict: an untranslated string raises
    assert answer.status_code == 200 and '<html lang="es">' in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/person", "/person/offers", "/person/consent", "/person/enroll"])
def test_the_persons_pages_are_all_spanish(person, fake, path):
    fake.reads[f"/connections/{CONNECTION}/contact"] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "own", "organization_id": "org-1", "phone": "413-555-0100", "email": "sam@peers.example"}}
    if path == "/person/enroll":
        del fake.reads[f"/people/{PERSON}"]
    sign_in(person, "person", PERSON, lang="es")
    answer = person.get(path)
    assert answer.status_code == 200 and '<html lang="es">' in answer.get_data(as_text=True)
