"""Peer workers set their own availability; nobody is assigned to them."""
from __future__ import annotations

import pytest

from services.intake.setup import setup as intake_setup
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.tests.conftest import (  # noqa: F401
    admin, app_factory, isolated_env, notification_count, peer, peer_worker, profile_payload, vault)

SYSTEM = Caller.system("intake")


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


@pytest.fixture
def who(intake, peer):
    return str(intake.perform("record_peer_worker_profile", peer, profile_payload(peer_worker_id=peer.user_id)))


def availability(who, **changes):
    return {"peer_worker_id": who, "capacity": 3, "times": [{"day": "tue", "start": "09:00", "end": "12:30"}],
            "modalities": ["phone", "in_person"], "languages": ["en", "pt"], "regions": ["Hampden County"],
            "remote": True, **changes}


def published(app, after=1) -> list[dict]:
    return [event.as_message() for event in app.integration_events(after)]


def test_set_pause_and_resume(intake, peer, who):
    intake.perform("set_availability", peer, availability(who))
    [changed] = published(intake)
    assert changed["type"] == "PeerWorkerAvailabilityChanged"
    assert changed["body"] == {**availability(who), "paused": False}
    intake.perform("pause_availability", peer, {"peer_worker_id": who})
    intake.perform("pause_availability", peer, {"peer_worker_id": who})  # already paused: nothing
    intake.perform("set_availability", peer, availability(who, capacity=1))
    intake.perform("resume_availability", peer, {"peer_worker_id": who})
    assert [m["type"] for m in published(intake)] == [
        "PeerWorkerAvailabilityChanged", "PeerWorkerPaused", "PeerWorkerAvailabilityChanged", "PeerWorkerResumed"]
    assert published(intake)[2]["body"]["paused"] is True  # a change while paused says so
    assert intake.perform("peer_worker_profile", SYSTEM, who)["availability"]["capacity"] == 1
    assert intake.perform("peer_worker_profile", SYSTEM, who)["paused"] is False


def test_the_same_availability_again_stores_nothing(intake, peer, who):
    intake.perform("set_availability", peer, availability(who))
    intake.perform("set_availability", peer, availability(who))
    assert notification_count(intake) == 2


@pytest.mark.parametrize("changes, field", [
    ({"capacity": -1}, "capacity"),
    ({"capacity": "3"}, "capacity"),
    ({"capacity": 51}, "capacity"),
    ({"times": [{"day": "someday", "start": "09:00", "end": "10:00"}]}, "times"),
    ({"times": [{"day": "mon", "start": "11:00", "end": "10:00"}]}, "times"),
    ({"times": [{"day": "mon", "start": "9am", "end": "10:00"}]}, "times"),
    ({"modalities": ["carrier_pigeon"]}, "modalities"),
    ({"languages": []}, "languages"),
    ({"languages": ["Sindarin"]}, "languages"),
    ({"remote": "sometimes"}, "remote"),
    ({"caseload": 12}, "caseload"),
])
def test_bad_availability_names_the_field(intake, peer, who, changes, field):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("set_availability", peer, availability(who, **changes))
    assert field in refused.value.field_errors
    assert notification_count(intake) == 1


def test_only_the_peer_worker_sets_it_never_their_agency(intake, peer, admin, who):
    for other in (peer_worker(), admin, Caller("admin-2", "agency_admin", "org-lighthouse")):
        with pytest.raises(NotAllowed):
            intake.perform("set_availability", other, availability(who))
        with pytest.raises(NotAllowed):
            intake.perform("pause_availability", other, {"peer_worker_id": who})
    assert notification_count(intake) == 1
    intake.perform("pause_availability", Caller.system("intake"), {"peer_worker_id": who})
    assert notification_count(intake) == 2


def test_languages_are_published_as_codes(intake, peer, who):
    intake.perform("set_availability", peer, availability(who, languages=["English", "Portuguese", "pt", "ASL"]))
    [changed] = published(intake)
    assert changed["body"]["languages"] == ["en", "pt", "ase"]
    assert intake.perform("peer_worker_profile", SYSTEM, who)["availability"]["languages"] == ["en", "pt", "ase"]
