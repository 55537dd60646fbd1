"""Reads through matching of someone else's data are recorded (shared.access): never the values."""
from __future__ import annotations

import pytest

from services.matching.setup import setup
from services.matching.tests.support import World, peer_caller, person_caller
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def accesses(world):
    return [e for e in world.matching.integration_events(0, limit=1000) if e.type == "AccessRecorded"]


def test_a_peer_reading_a_persons_shared_items_is_recorded_about_the_person(world):
    peer = world.peer(items=["veteran"])
    person = world.person(items=["veteran"])
    world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    before = len(accesses(world))
    [request] = world.matching.perform("peer_requests", peer_caller(peer), peer)["items"]
    assert request["shared_items"] == ["veteran"]
    [access] = accesses(world)[before:]
    assert access.subject_id == person and access.actor["user_id"] == peer
    assert access.body == {"subject_id": person, "subject_kind": "person", "via": "peer_requests",
                           "fields_read": ["languages", "modalities", "shared_items"]}
    assert "veteran" not in str(access.as_message()) and "English" not in str(access.as_message())
    for _ in range(50):  # a peer polling their requests writes once an hour
        world.matching.perform("peer_requests", peer_caller(peer), peer)
    assert len(accesses(world)) == before + 1


def test_a_person_reading_offers_records_each_peers_name_shown_but_not_their_own_data(world):
    peers = [world.peer(items=["veteran"]) for _ in range(2)]
    person = world.person(items=["veteran"])
    shown = world.matching.perform("my_offers", person_caller(person), person)["offers"]
    assert {o["peer_worker_id"] for o in shown} == set(peers)
    recorded = accesses(world)
    assert {a.subject_id for a in recorded} == set(peers)
    assert all(a.body["subject_kind"] == "peer_worker" and "display_name" in a.body["fields_read"]
               and a.actor["user_id"] == person for a in recorded)
    assert "Peer Example" not in str([a.as_message() for a in recorded])


def test_the_candidate_read_by_an_agency_admin_is_recorded_by_the_peer_themselves_is_not(world):
    peer = world.peer(items=["veteran"])
    world.matching.perform("candidate", peer_caller(peer), peer)
    assert accesses(world) == []
    admin = Caller(user_id="admin-1", role="agency_admin", organization_id="org-harbor")
    world.matching.perform("candidate", admin, peer)
    [access] = accesses(world)
    assert (access.subject_id, access.actor["organization_id"]) == (peer, "org-harbor")
    assert access.body["fields_read"] == ["display_name", "shared_for_matching"]


def test_the_projection_still_rebuilds_with_access_records_in_the_store(world):
    peer = world.peer(items=["veteran"])
    world.matching.perform("candidate", Caller(user_id="auditor-1", role="state_auditor"), peer)
    rebuilt = world.matching.rebuild()
    assert set(rebuilt.peers) == set(world.matching.pool.peers)
