"""Contact once connected: intake follows matching's connections; while one lasts each side reads how to
reach the other, only what that side chose to give; each read of the person's contact is in their
disclosure log; it is gone when the connection ends, the consent is revoked or the person forgotten."""
from __future__ import annotations

import json
import uuid

import pytest

from services.intake.connections import Connection
from services.intake.setup import setup as intake_setup
from services.intake.tests.people_fixtures import a_person, consent, enrollment
from shared import contracts
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, stored_events, vault  # noqa: F401

MATCHING = {"user_id": "service:matching", "role": "system", "organization_id": None, "correlation_id": "c-1"}


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


class Matching:
    """matching's ConnectionBegan / ConnectionEnded at rising positions, as intake receives them."""

    def __init__(self, intake):
        self.intake, self.position = intake, 0

    def send(self, type_, body, version=2):
        self.position += 1
        built = contracts.build(source="matching", position=self.position, type_=type_, version=version,
                                occurred_at="2026-12-01T10:00:00+00:00", actor=MATCHING,
                                subject_id=str(body["connection_id"]), body=body)
        assert self.intake.process_upstream(contracts.parse(built.as_message()))

    def begin(self, person: Caller, peer: Caller) -> str:
        connection_id = str(uuid.uuid4())
        self.send("ConnectionBegan", {"connection_id": connection_id, "person_id": person.user_id,
                                      "peer_worker_id": peer.user_id, "region": "remote"})
        return connection_id

    def end(self, connection_id: str):
        self.send("ConnectionEnded", {"connection_id": connection_id, "region": "remote"})


def a_peer(intake, organization_id="org-harbor") -> Caller:
    peer = Caller(user_id=str(uuid.uuid4()), role="peer", organization_id=organization_id)
    intake.perform("record_peer_worker_profile", peer, {"peer_worker_id": peer.user_id,
                                                        "display_name": "Rowan Example",
                                                        "organization_id": organization_id})
    return peer


def connected(intake, **audiences):
    person = a_person()
    matching = intake.__dict__.setdefault("matching_in_test", Matching(intake))  # positions rise across calls
    intake.perform("enroll", person, enrollment(person, consent=consent(**audiences)))
    peer = a_peer(intake)
    return person, peer, matching, matching.begin(person, peer)


def contact(intake, caller, connection_id):
    return intake.perform("connection_contact", caller, connection_id)


def disclosures(intake, person):
    return intake.perform("person_record", person, uuid.UUID(person.user_id))["disclosures"]


def test_the_peer_sees_what_the_person_gave_and_each_read_is_in_their_disclosure_log(intake):
    person, peer, _, connection_id = connected(intake, connected_peer=["contact", "display_name"])
    seen = contact(intake, peer, connection_id)
    assert seen == {"connection_id": connection_id, "active": True,
                    "contact": {"use": "person", "display_name": "Jordan Sample",
                                "contact": "jordan.sample@example.org"}}
    contact(intake, peer, connection_id)
    lines = disclosures(intake, person)
    assert len(lines) == 2  # each reading, not once
    assert lines[0]["audience"] == "connected_peer" and lines[0]["fields"] == ["contact", "display_name"]
    assert lines[0]["to"] == {"user_id": peer.user_id, "role": "peer", "organization_id": "org-harbor"}
    published = [e.as_message() for e in intake.integration_events(0)]
    assert "jordan.sample" not in json.dumps(published)  # never a contact value on the bus
    assert {m["type"] for m in published} >= {"ConnectionContactOpened", "PersonDataDisclosed"}


def test_only_the_fields_given_and_none_when_the_person_will_call(intake):
    person, peer, _, connection_id = connected(intake, connected_peer=["display_name"])
    assert contact(intake, peer, connection_id)["contact"] == {"use": "person", "display_name": "Jordan Sample",
                                                               "contact": None}
    person2, peer2, _, second = connected(intake)  # gave nothing: "I will call the peer"
    assert contact(intake, peer2, second)["contact"] is None
    assert disclosures(intake, person2) == []


def test_the_person_sees_the_peer_workers_organization_by_default_then_their_own_work_contact(intake, vault):
    person, peer, _, connection_id = connected(intake)
    assert contact(intake, person, connection_id)["contact"] == {
        "use": "organization", "organization_id": "org-harbor", "phone": None, "email": None}
    intake.perform("set_work_contact", peer, {"peer_worker_id": peer.user_id, "use": "own",
                                              "phone": "+1 413 555 0100", "email": None})
    assert contact(intake, person, connection_id)["contact"] == {
        "use": "own", "organization_id": "org-harbor", "phone": "+1 413 555 0100", "email": None}
    events = json.dumps([e.as_message() for e in intake.integration_events(0)])
    assert "555 0100" not in events and "PeerWorkerWorkContactChanged" in events
    stored = [e for e in stored_events(intake) if type(e).__name__ == "WorkContactSet"]
    assert "555 0100" not in json.dumps(stored[0].contact)  # sealed under the peer worker's key
    before = len(stored_events(intake))
    intake.perform("set_work_contact", peer, {"peer_worker_id": peer.user_id, "use": "own",
                                              "phone": "+1 413 555 0100"})
    assert len(stored_events(intake)) == before  # the same again changes nothing


def test_a_work_contact_is_a_phone_or_an_email_and_nothing_is_stored_otherwise(intake):
    peer = a_peer(intake)
    before = len(stored_events(intake))
    for body, field in (({"use": "own"}, "use"), ({"use": "own", "email": "not an address"}, "email"),
                        ({"use": "own", "phone": "call me"}, "phone"),
                        ({"use": "organization", "phone": "413 555 0100"}, "phone")):
        with pytest.raises(InvalidInput) as refused:
            intake.perform("set_work_contact", peer, {"peer_worker_id": peer.user_id, **body})
        assert field in refused.value.field_errors
    assert len(stored_events(intake)) == before


def test_the_contact_is_gone_once_the_connection_ends(intake):
    person, peer, matching, connection_id = connected(intake, connected_peer=["contact"])
    matching.end(connection_id)
    assert contact(intake, peer, connection_id) == {"connection_id": connection_id, "active": False,
                                                    "contact": None}
    assert contact(intake, person, connection_id)["contact"] is None
    assert disclosures(intake, person) == []
    assert [type(e).__name__ for e in stored_events(intake) if isinstance(e, Connection.Event)] == [
        "Followed", "Ended"]


def test_revoking_the_consent_or_forgetting_ends_it_at_once(intake):
    person, peer, _, connection_id = connected(intake, connected_peer=["contact"])
    intake.perform("revoke_consent", person, {"person_id": person.user_id})
    assert contact(intake, peer, connection_id)["contact"] is None
    other, peer2, _, second = connected(intake, connected_peer=["contact"])
    intake.perform("grant_consent", other, {"person_id": other.user_id, "consent": consent()})  # taken back
    assert contact(intake, peer2, second)["contact"] is None
    third, peer3, _, third_id = connected(intake, connected_peer=["contact"])
    intake.perform("forget_me", third, {"person_id": third.user_id})
    assert contact(intake, peer3, third_id)["contact"] is None


def test_only_the_two_sides_read_it(intake):
    person, peer, _, connection_id = connected(intake, connected_peer=["contact"])
    for stranger in (a_person(), Caller(user_id=str(uuid.uuid4()), role="peer"),
                     Caller(user_id=person.user_id, role="peer")):
        with pytest.raises(NotFound):
            contact(intake, stranger, connection_id)
    with pytest.raises(NotFound):
        contact(intake, peer, str(uuid.uuid4()))
    with pytest.raises(NotAllowed):
        contact(intake, Caller(user_id="admin-1", role="agency_admin", organization_id="org-harbor"), connection_id)
    assert disclosures(intake, person) == []


def test_a_redelivered_connection_event_is_followed_once(intake):
    person, peer, matching, connection_id = connected(intake)
    before = len(stored_events(intake))
    built = contracts.build(source="matching", position=matching.position, type_="ConnectionBegan", version=2,
                            occurred_at="2026-12-01T10:00:00+00:00", actor=MATCHING, subject_id=connection_id,
                            body={"connection_id": connection_id, "person_id": person.user_id,
                                  "peer_worker_id": peer.user_id, "region": "remote"})
    intake.process_upstream(contracts.parse(built.as_message()))
    assert len(stored_events(intake)) == before
