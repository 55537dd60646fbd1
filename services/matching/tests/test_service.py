"""The nameko adapter: who may call what (dependencies replaced by worker_factory)."""
from __future__ import annotations

import uuid

import pytest
from nameko.testing.services import worker_factory

from services.matching.setup import setup
from services.matching.service import MatchingService
from services.matching.tests.support import World
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def service(world, role, user_id="someone", organization_id=None):
    return worker_factory(MatchingService, application=world.matching,
                          caller=Caller(user_id=str(user_id), role=role, organization_id=organization_id))


def test_a_person_sees_only_their_own_offers_and_connections(world):
    world.peer()
    person = world.person()
    assert len(service(world, "person", person).my_offers(person)["offers"]) == 1
    stranger = service(world, "person", uuid.uuid4())
    with pytest.raises(NotAllowed):
        stranger.my_offers(person)
    with pytest.raises(NotAllowed):
        stranger.my_connections(person)
    with pytest.raises(NotAllowed):
        stranger.choose({"person_id": person, "peer_worker_id": str(uuid.uuid4())})
    with pytest.raises(NotAllowed):
        service(world, "peer", person).my_offers(person)


def test_a_peer_sees_only_their_own_requests_and_connections(world):
    peer = world.peer()
    assert service(world, "peer", peer).peer_requests(peer) == {"items": [], "next_after": None}
    with pytest.raises(NotAllowed):
        service(world, "peer", uuid.uuid4()).peer_requests(peer)
    with pytest.raises(NotAllowed):
        service(world, "peer", uuid.uuid4()).peer_connections(peer)
    with pytest.raises(InvalidInput) as refused:
        service(world, "peer", peer).peer_requests("not-an-id")
    assert "peer_worker_id" in refused.value.field_errors


def test_counts_for_an_agency_admin_are_their_organizations_and_small_counts_are_suppressed(world):
    for _ in range(11):
        world.peer(organization_id="org-harbor", capacity=2)
    world.peer(organization_id="org-elsewhere")
    admin = service(world, "agency_admin", organization_id="org-harbor")
    assert admin.counts()["peers_with_free_places"] == 11
    assert admin.counts()["active_connections"] == 0
    assert service(world, "state_auditor").counts()["peers_with_free_places"] == 12
    assert service(world, "agency_admin", organization_id="org-elsewhere").counts()["peers_with_free_places"] is None
    with pytest.raises(NotAllowed):
        admin.counts({"organization_id": "org-elsewhere"})
    with pytest.raises(NotAllowed):
        service(world, "person").counts()
    with pytest.raises(InvalidInput):
        admin.counts({"organisation": "x"})


def test_expire_due_is_for_the_system_and_needs_an_aware_time(world):
    with pytest.raises(NotAllowed):
        service(world, "person").expire_due()
    with pytest.raises(InvalidInput) as refused:
        service(world, "system").expire_due("2026-11-01T10:00:00")
    assert "now" in refused.value.field_errors
    assert service(world, "system").expire_due("2026-11-01T10:00:00+00:00") == {"lapsed": 0}


def test_the_cli_rebuilds_the_projection_from_the_store(app_factory, vault, capsys):
    from services.matching import cli

    world = World(app_factory(setup, store="sqlite"), vault)
    world.peer()
    world.person()
    world.matching.close()
    cli.main(["rebuild"])
    printed = capsys.readouterr().out
    assert "peer_workers: 1" in printed and "people: 1" in printed and "events: " in printed


def test_a_candidate_is_read_by_their_own_peer_and_their_organizations_admin(world):
    peer = world.peer(organization_id="org-harbor")
    assert service(world, "peer", peer).candidate(peer)["peer_worker_id"] == peer
    assert service(world, "agency_admin", organization_id="org-harbor").candidate(peer)["organization_id"] == \
        "org-harbor"
    with pytest.raises(NotAllowed):
        service(world, "peer", uuid.uuid4()).candidate(peer)
    with pytest.raises(NotAllowed, match="own organization"):
        service(world, "agency_admin", organization_id="org-elsewhere").candidate(peer)
    with pytest.raises(NotAllowed):
        service(world, "person").candidate(peer)
