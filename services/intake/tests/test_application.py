"""IntakeApplication: commands, queries, and the integration events it publishes."""
from __future__ import annotations

import json
import uuid

import pytest

from shared.access import Access
from services.intake.application import IntakeApplication
from services.intake.setup import setup as intake_setup
from services.intake.connections import Connection
from services.intake.domain import PeerWorkerProfile
from services.intake.invitations import PeerWorkerInvitation
from services.intake.people import Person
from services.intake.referrals import Referral
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.tests.conftest import (  # noqa: F401  (fixtures)
    admin,
    app_factory,
    isolated_env,
    item,
    notification_count,
    peer,
    peer_worker,
    profile_payload,
    stored_events,
    vault,
)

SYSTEM = Caller.system("intake")


PRIVATE_ONLY = ("homelessness", "involuntary_hospitalization", "self_injury", "incarceration_or_forensic_history")


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


def share(app, who, experience, visibility, caller):
    app.perform("share_experience", caller,
                {"peer_worker_id": str(who), "experience": experience, "visibility": visibility})


def withdraw(app, who, experience, caller):
    app.perform("withdraw_experience", caller, {"peer_worker_id": str(who), "experience": experience})


def published(app, after=0) -> list[dict]:
    return [event.as_message() for event in app.integration_events(after)]


# --- commands and queries -------------------------------------------------------------


def test_record_then_read_a_profile(intake, peer):
    payload = profile_payload("Rowan Example", [item("veteran", "network"), item("heard_voices", "matching")],
                              peer_worker_id=peer.user_id)
    peer_worker_id = intake.perform("record_peer_worker_profile", peer, payload)
    assert str(peer_worker_id) == payload["peer_worker_id"]
    assert intake.perform("peer_worker_profile", SYSTEM, peer_worker_id) == {
        "peer_worker_id": payload["peer_worker_id"], "display_name": "Rowan Example",
        "organization_id": "org-harbor",
        "experiences": [{"experience": "heard_voices", "visibility": "matching"},
                        {"experience": "veteran", "visibility": "network"}],
        "availability": None, "paused": False,
        "work_contact": {"use": "organization", "organization_id": "org-harbor", "phone": None, "email": None},
    }


def test_the_name_is_stored_sealed(intake, peer, vault):
    payload = profile_payload("Rowan Example", peer_worker_id=peer.user_id)
    peer_worker_id = intake.perform("record_peer_worker_profile", peer, payload)
    [recorded] = stored_events(intake)
    assert recorded.display_name.startswith(f"pii1:{peer_worker_id}:")
    assert "Rowan" not in recorded.display_name
    assert vault.open(recorded.display_name) == "Rowan Example"


def test_share_change_and_withdraw(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("veteran", "network")], peer_worker_id=peer.user_id))
    share(intake, who, "lgbtq", "matching", peer)
    share(intake, who, "veteran", "private", peer)
    withdraw(intake, who, "lgbtq", peer)
    assert intake.perform("peer_worker_profile", SYSTEM,
                          who)["experiences"] == [{"experience": "veteran", "visibility": "private"}]
    assert notification_count(intake) == 4


def test_sharing_the_same_way_again_stores_nothing(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("veteran", "network")], peer_worker_id=peer.user_id))
    share(intake, who, "veteran", "network", peer)
    assert notification_count(intake) == 1


def test_an_unknown_profile_is_not_found(intake, peer):
    # the peer's own id, before any profile was recorded for it
    with pytest.raises(NotFound):
        intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(peer.user_id))
    with pytest.raises(NotFound):
        share(intake, peer.user_id, "veteran", "network", peer)
    with pytest.raises(NotFound):
        withdraw(intake, peer.user_id, "veteran", peer)
    assert notification_count(intake) == 0


# --- what is published -----------------------------------------------------------------


def test_private_items_never_appear_in_any_integration_event(intake, peer):
    rowan_peer, sky_peer = peer, peer_worker()  # each acts on their own profile
    rowan = intake.perform("record_peer_worker_profile", rowan_peer, profile_payload("Rowan Example", [
        item("homelessness", "private"), item("involuntary_hospitalization", "private"),
        item("veteran", "matching"), item("lgbtq", "network")], peer_worker_id=rowan_peer.user_id))
    sky = intake.perform("record_peer_worker_profile", sky_peer, profile_payload("Sky Sample", [
        item("incarceration_or_forensic_history", "private")], peer_worker_id=sky_peer.user_id))
    share(intake, rowan, "self_injury", "private", rowan_peer)  # new, private
    share(intake, rowan, "veteran", "private", rowan_peer)  # was for matching: consumers must forget it
    withdraw(intake, rowan, "homelessness", rowan_peer)  # private, withdrawn
    withdraw(intake, sky, "incarceration_or_forensic_history", sky_peer)
    share(intake, rowan, "heard_voices", "network", rowan_peer)

    messages = published(intake)
    assert len(messages) == notification_count(intake) == 7
    for message in messages:
        text = json.dumps(message)
        for code in PRIVATE_ONLY:
            assert code not in text, (code, message["type"])
        assert "Rowan" not in text and "Sky Sample" not in text
    profiled = messages[0]["body"]
    assert profiled["shared_for_matching"] == ["veteran"]
    assert profiled["shared_with_network"] == ["lgbtq"]


@pytest.mark.parametrize("before, after, expected_type, expected_body_keys", [
    ("matching", "private", "PeerWorkerExperienceWithdrawn", {"peer_worker_id", "experience"}),
    ("network", "private", "PeerWorkerExperienceWithdrawn", {"peer_worker_id", "experience"}),
    ("private", "matching", "PeerWorkerExperienceShared", {"peer_worker_id", "experience", "visibility"}),
    ("network", "matching", "PeerWorkerExperienceShared", {"peer_worker_id", "experience", "visibility"}),
    (None, "network", "PeerWorkerExperienceShared", {"peer_worker_id", "experience", "visibility"}),
    (None, "private", "PeerWorkerPrivateExperienceKept", {"peer_worker_id"}),
])
def test_a_visibility_change_publishes(intake, peer, before, after, expected_type, expected_body_keys):
    experiences = [item("grief_and_loss", before)] if before else []
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=experiences, peer_worker_id=peer.user_id))
    share(intake, who, "grief_and_loss", after, peer)
    [message] = published(intake, after=1)
    assert message["type"] == expected_type
    assert set(message["body"]) == expected_body_keys
    assert message["body"]["peer_worker_id"] == str(who)
    if "experience" in expected_body_keys:
        assert message["body"]["experience"] == "grief_and_loss"
    if "visibility" in expected_body_keys:
        assert message["body"]["visibility"] == after


def test_shared_then_private_publishes_withdrawn(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("veteran", "matching")], peer_worker_id=peer.user_id))
    share(intake, who, "veteran", "private", peer)
    [message] = published(intake, after=1)
    assert message["type"] == "PeerWorkerExperienceWithdrawn"
    assert message["body"] == {"peer_worker_id": str(who), "experience": "veteran"}


def test_withdrawing_a_private_item_publishes_only_that_something_private_changed(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("self_injury", "private")], peer_worker_id=peer.user_id))
    withdraw(intake, who, "self_injury", peer)
    [message] = published(intake, after=1)
    assert message["type"] == "PeerWorkerPrivateExperienceKept"
    assert message["body"] == {"peer_worker_id": str(who)}


def test_withdrawing_a_shared_item_publishes_withdrawn(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("veteran", "network")], peer_worker_id=peer.user_id))
    withdraw(intake, who, "veteran", peer)
    [message] = published(intake, after=1)
    assert message["type"] == "PeerWorkerExperienceWithdrawn"
    assert message["body"] == {"peer_worker_id": str(who), "experience": "veteran"}


def test_integration_events_page_through_the_log(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer, profile_payload(peer_worker_id=peer.user_id))
    for code in ("veteran", "lgbtq", "heard_voices"):
        share(intake, who, code, "network", peer)
    assert intake.max_position() == 4
    assert [m["position"] for m in published(intake, after=1)] == [2, 3, 4]
    assert [e.position for e in intake.integration_events(1, limit=2)] == [2, 3]
    assert intake.integration_events(4) == []


def test_every_stored_class_has_a_translation(intake):
    stored = {cls for aggregate in (PeerWorkerProfile, Person, Referral, PeerWorkerInvitation, Access, Connection)
              for cls in vars(aggregate).values()
              if isinstance(cls, type) and issubclass(cls, aggregate.Event)
              and cls.__name__ not in ("Event", "Created")}  # Created: unused default, ours are named
    assert {PeerWorkerProfile.Recorded, Person.Enrolled, Person.Forgotten, Referral.Invited} <= stored
    assert set(intake.translations) == stored


# --- who did it --------------------------------------------------------------------------


def test_every_stored_event_records_the_actor(intake, peer, admin):
    # the agency admin records the profile of one of their organization's peer workers, who then changes it
    who = intake.perform("record_peer_worker_profile", admin,
                         profile_payload(experiences=[item("veteran", "network")], peer_worker_id=peer.user_id))
    share(intake, who, "lgbtq", "matching", peer)
    withdraw(intake, who, "veteran", peer)
    events = stored_events(intake)
    assert [e.actor for e in events] == [admin.as_actor(), peer.as_actor(), peer.as_actor()]
    for event in events:
        assert {"user_id", "role", "correlation_id"} <= set(event.actor)
        assert event.actor["correlation_id"]
    assert [m["actor"] for m in published(intake)] == [e.actor for e in events]


def test_one_correlation_id_follows_a_request(intake):
    caller = peer_worker(correlation_id="request-77")
    intake.perform("record_peer_worker_profile", caller, profile_payload(peer_worker_id=caller.user_id))
    assert stored_events(intake)[0].actor["correlation_id"] == "request-77"


# --- who may change which profile --------------------------------------------------------

OTHER_ORG = "org-lighthouse"

CHANGES = [
    pytest.param(share, ("lgbtq", "matching"), id="share"),
    pytest.param(withdraw, ("veteran",), id="withdraw"),
]


def test_a_peer_may_not_record_another_peer_workers_profile(intake, peer):
    someone_else = profile_payload("Sky Sample", [item("veteran", "network")])
    assert someone_else["peer_worker_id"] != peer.user_id
    with pytest.raises(NotAllowed):
        intake.perform("record_peer_worker_profile", peer, someone_else)
    assert notification_count(intake) == 0
    with pytest.raises(NotFound):
        intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(someone_else["peer_worker_id"]))


def test_a_peer_may_not_record_over_another_peer_workers_existing_profile(intake, peer):
    sky = peer_worker()
    payload = profile_payload("Sky Sample", peer_worker_id=sky.user_id)
    intake.perform("record_peer_worker_profile", sky, payload)
    with pytest.raises(NotAllowed):  # refused as not theirs, before anything says the id is taken
        intake.perform("record_peer_worker_profile", peer, dict(payload, display_name="Not Sky"))
    assert notification_count(intake) == 1
    assert intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(sky.user_id))["display_name"] == "Sky Sample"


@pytest.mark.parametrize("change, args", CHANGES)
def test_a_peer_may_not_change_another_peer_workers_profile(intake, peer, change, args):
    sky = peer_worker()  # same organization, but not the same person
    who = intake.perform("record_peer_worker_profile", sky,
                         profile_payload("Sky Sample", [item("veteran", "network")], peer_worker_id=sky.user_id))
    before = intake.perform("peer_worker_profile", SYSTEM, who)
    with pytest.raises(NotAllowed):
        change(intake, who, *args, peer)
    assert notification_count(intake) == 1
    assert intake.perform("peer_worker_profile", SYSTEM, who) == before
    change(intake, who, *args, sky)  # the same change, by the peer worker whose profile it is
    assert notification_count(intake) == 2


def test_an_agency_admin_may_not_record_a_peer_worker_of_another_organization(intake, admin):
    payload = profile_payload("Sky Sample", organization_id=OTHER_ORG)
    with pytest.raises(NotAllowed):
        intake.perform("record_peer_worker_profile", admin, payload)
    assert notification_count(intake) == 0
    with pytest.raises(NotFound):
        intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(payload["peer_worker_id"]))
    other_admin = Caller("admin-user-2", "agency_admin", OTHER_ORG)
    intake.perform("record_peer_worker_profile", other_admin, payload)  # that organization's own admin may
    assert notification_count(intake) == 1


@pytest.mark.parametrize("change, args", CHANGES)
def test_an_agency_admin_may_not_change_a_peer_worker_of_another_organization(intake, admin, change, args):
    sky = peer_worker(OTHER_ORG)
    who = intake.perform("record_peer_worker_profile", sky, profile_payload(
        "Sky Sample", [item("veteran", "network")], peer_worker_id=sky.user_id, organization_id=OTHER_ORG))
    before = intake.perform("peer_worker_profile", SYSTEM, who)
    with pytest.raises(NotAllowed):
        change(intake, who, *args, admin)
    assert notification_count(intake) == 1
    assert intake.perform("peer_worker_profile", SYSTEM, who) == before
    with pytest.raises(NotAllowed):  # their own admin neither: the items are the peer worker's (the access table)
        change(intake, who, *args, Caller("admin-user-2", "agency_admin", OTHER_ORG))
    assert notification_count(intake) == 1
    change(intake, who, *args, sky)
    assert notification_count(intake) == 2


@pytest.mark.parametrize("change, args", CHANGES)
def test_a_peer_worker_shares_and_withdraws_their_items_not_their_organizations_admin(intake, peer, admin, change,
                                                                                       args):
    who = intake.perform("record_peer_worker_profile", peer, profile_payload(experiences=[item("veteran", "network")],
                                                                             peer_worker_id=peer.user_id))
    with pytest.raises(NotAllowed):
        change(intake, who, *args, admin)
    change(intake, who, *args, peer)
    assert notification_count(intake) == 2
    assert stored_events(intake)[-1].actor == peer.as_actor()


def test_the_system_may_change_any_profile(intake):
    system = Caller.system("intake")
    who = intake.perform("record_peer_worker_profile", system,
                         profile_payload(experiences=[item("veteran", "network")], organization_id=OTHER_ORG))
    share(intake, who, "lgbtq", "matching", system)
    withdraw(intake, who, "veteran", system)
    assert notification_count(intake) == 3


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("change, field", [
    ({"display_name": ""}, "display_name"),
    ({"display_name": "R" * 81}, "display_name"),
    ({"display_name": None}, "display_name"),
    ({"peer_worker_id": "not-a-uuid"}, "peer_worker_id"),
    ({"organization_id": ""}, "organization_id"),
    ({"experiences": [item("a_diagnosis", "matching")]}, "experiences"),
    ({"experiences": [item("veteran", "everyone")]}, "experiences"),
    ({"experiences": [item("veteran", "matching"), item("veteran", "private")]}, "experiences"),
    ({"nickname": "Ro"}, "nickname"),
])
def test_bad_input_to_record_names_the_field_and_stores_nothing(intake, peer, vault, change, field):
    payload = {**profile_payload("Rowan Example", peer_worker_id=peer.user_id), **change}
    with pytest.raises(InvalidInput) as refused:
        intake.perform("record_peer_worker_profile", peer, payload)
    assert field in refused.value.field_errors
    assert field in str(refused.value)
    assert notification_count(intake) == 0


def test_a_missing_field_is_named(intake, peer):
    payload = profile_payload(peer_worker_id=peer.user_id)
    del payload["organization_id"]
    with pytest.raises(InvalidInput) as refused:
        intake.perform("record_peer_worker_profile", peer, payload)
    assert set(refused.value.field_errors) == {"organization_id"}
    assert notification_count(intake) == 0


def test_the_same_id_twice_is_refused(intake, peer):
    payload = profile_payload("Rowan Example", peer_worker_id=peer.user_id)
    intake.perform("record_peer_worker_profile", peer, payload)
    with pytest.raises(InvalidInput) as refused:
        intake.perform("record_peer_worker_profile", peer, dict(payload, display_name="Rowan Example-Two"))
    assert "peer_worker_id" in refused.value.field_errors
    assert notification_count(intake) == 1
    assert intake.perform("peer_worker_profile", SYSTEM, payload["peer_worker_id"])["display_name"] == "Rowan Example"


def test_withdrawing_an_item_not_shared_is_invalid_input(intake, peer):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("veteran", "network")], peer_worker_id=peer.user_id))
    with pytest.raises(InvalidInput) as refused:
        withdraw(intake, who, "lgbtq", peer)
    assert set(refused.value.field_errors) == {"experience"}
    assert notification_count(intake) == 1


@pytest.mark.parametrize("command, payload, field", [
    ("share_experience", {"experience": "veteran", "visibility": "public"}, "visibility"),
    ("share_experience", {"experience": "a_diagnosis", "visibility": "network"}, "experience"),
    ("share_experience", {"experience": "veteran"}, "visibility"),
    ("share_experience", {"experience": "veteran", "visibility": "network", "note": "x"}, "note"),
    ("withdraw_experience", {"experience": "a_diagnosis"}, "experience"),
    ("withdraw_experience", {}, "experience"),
])
def test_bad_input_to_share_or_withdraw_names_the_field_and_stores_nothing(intake, peer, command, payload, field):
    who = intake.perform("record_peer_worker_profile", peer,
                         profile_payload(experiences=[item("veteran", "network")], peer_worker_id=peer.user_id))
    with pytest.raises(InvalidInput) as refused:
        intake.perform(command, peer, {"peer_worker_id": str(who), **payload})
    assert field in refused.value.field_errors
    assert notification_count(intake) == 1


def test_a_payload_that_is_not_an_object_is_refused(intake, peer):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("record_peer_worker_profile", peer, ["Rowan Example"])
    assert "_schema" in refused.value.field_errors
    assert notification_count(intake) == 0


def test_the_profile_is_read_by_the_peer_worker_and_their_organizations_admin_only(intake, peer, admin):
    who = str(intake.perform("record_peer_worker_profile", peer,
                             profile_payload(peer_worker_id=peer.user_id, experiences=[
        {"experience": "veteran", "visibility": "private"},
        {"experience": "heard_voices", "visibility": "network"}])))
    intake.perform("set_availability", peer, {"peer_worker_id": who, "capacity": 2, "modalities": ["phone"],
                                              "languages": ["Spanish"], "regions": ["Hampden County"], "remote": False})
    own = intake.perform("peer_worker_profile", peer, uuid.UUID(who))
    assert own["display_name"] == "Rowan Example" and own["paused"] is False
    assert own["experiences"] == [{"experience": "heard_voices", "visibility": "network"},
                                  {"experience": "veteran", "visibility": "private"}]
    assert own["availability"]["languages"] == ["es"] and own["availability"]["capacity"] == 2
    seen_by_admin = intake.perform("peer_worker_profile", admin, uuid.UUID(who))
    assert seen_by_admin["experiences"] == [{"experience": "heard_voices", "visibility": "network"}]  # not private
    assert [e for e in stored_events(intake) if isinstance(e, Access.Recorded)]  # the admin's read is logged
    for stranger in (peer_worker(), Caller("admin-2", "agency_admin", "org-lighthouse")):
        with pytest.raises(NotAllowed):
            intake.perform("peer_worker_profile", stranger, uuid.UUID(who))
    with pytest.raises(NotFound):
        intake.perform("peer_worker_profile", SYSTEM, uuid.uuid4())  # a peer may ask only for their own
