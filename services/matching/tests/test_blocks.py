"""Blocks: a person and a peer worker kept apart, by either of them; only the pair of ids is kept."""
from __future__ import annotations

import uuid

import pytest

from services.matching.domain import Block, Connection, Seeker
from services.matching.setup import setup
from services.matching.tests.support import SYSTEM, World, peer_caller, person_caller
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.tests.conftest import app_factory, isolated_env, stored_events, vault  # noqa: F401


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def choose(world, person, peer):
    return world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})


def block_peer(world, person, peer):
    return world.matching.perform("block_peer", person_caller(person), {"person_id": person, "peer_worker_id": peer})


def connect(world, person, peer):
    choice = choose(world, person, peer)
    return world.matching.perform("accept", peer_caller(peer), {"choice_id": choice["choice_id"]})["connection_id"]


def test_a_person_blocks_an_offered_peer_who_is_never_offered_again(world):
    blocked, other = world.peer(items=["veteran"]), world.peer()
    person = world.person(items=["veteran"])
    assert world.offered(person) == [blocked, other]

    assert block_peer(world, person, blocked) == {"blocked": True}
    assert world.offered(person) == [other]  # the open offer goes at once
    assert world.matching.perform("ask_for_offers", person_caller(person), {"person_id": person})["offers"][0][
        "peer_worker_id"] == other
    world.request(person)  # a new request: still never them
    assert world.offered(person) == [other]
    fresh = world.matching.perform("ask_for_offers", person_caller(person),
                                   {"person_id": person, "include_my_agencies": True})
    assert blocked not in [o["peer_worker_id"] for o in fresh["offers"]]


def test_only_the_pair_of_ids_is_kept_and_published(world):
    peer, person = world.peer(), world.person()
    block_peer(world, person, peer)
    blocks = [e for e in stored_events(world.matching) if isinstance(e, Block.Recorded)]
    assert [(b.person_id, b.peer_worker_id) for b in blocks] == [(person, peer)]
    published = [e.as_message() for e in world.matching.integration_events(0) if e.type == "PairBlocked"]
    assert [m["body"] for m in published] == [{"person_id": person, "peer_worker_id": peer}]


def test_blocking_twice_stores_nothing_more(world):
    peer, person = world.peer(), world.person()
    block_peer(world, person, peer)
    before = len(stored_events(world.matching))
    assert block_peer(world, person, peer) == {"blocked": True}
    assert len(stored_events(world.matching)) == before


def test_a_peer_blocks_the_person_behind_a_choice_which_lapses_and_frees_the_place(world):
    peer, other = world.peer(), world.peer()
    person = world.person()
    choice = choose(world, person, peer)
    assert world.matching.pool.peers[peer].free == 0

    answer = world.matching.perform("block_person", peer_caller(peer),
                                    {"peer_worker_id": peer, "choice_id": choice["choice_id"]})
    assert answer == {"blocked": True}  # nothing about the person comes back
    lapsed = [e for e in stored_events(world.matching) if isinstance(e, Seeker.ChoiceLapsed)]
    assert len(lapsed) == 1  # the person is told only that it lapsed
    assert world.matching.pool.peers[peer].free == 1
    assert world.matching.perform("peer_requests", SYSTEM, peer) == {"items": [], "next_after": None}
    assert world.offered(person) == [other]


def test_blocking_ends_an_active_connection_at_once_either_side(world):
    peer, person = world.peer(capacity=2), world.person()
    connection_id = connect(world, person, peer)
    world.matching.perform("block_person", peer_caller(peer), {"peer_worker_id": peer, "connection_id": connection_id})
    assert world.matching.perform("my_connections", SYSTEM, person)["items"][0]["active"] is False
    assert [e for e in stored_events(world.matching) if isinstance(e, Connection.Ended)]
    assert world.matching.pool.peers[peer].free == 2

    second_peer, second_person = world.peer(), world.person()
    second = connect(world, second_person, second_peer)
    block_peer(world, second_person, second_peer)
    assert world.matching.perform("peer_connections", SYSTEM, second_peer)["items"] == [
        {"connection_id": second, "person_id": second_person, "active": False}]


def test_a_blocked_pair_is_left_out_of_the_waitlist(world):
    person = world.person()
    world.matching.perform("wait", person_caller(person), {"person_id": person})
    peer = world.peer(capacity=0)
    world.matching.perform("block_peer", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    world.availability(peer, capacity=1)  # a place frees: the waiting person is not offered them
    assert world.offered(person) == []
    assert world.matching.pool.waiting_for([peer]) == []


def test_a_peer_blocks_only_through_their_own_choice_or_connection(world):
    peer, stranger = world.peer(), world.peer()
    person = world.person()
    choice = choose(world, person, peer)
    with pytest.raises(NotFound):
        world.matching.perform("block_person", peer_caller(stranger),
                               {"peer_worker_id": stranger, "choice_id": choice["choice_id"]})
    with pytest.raises(NotFound):
        world.matching.perform("block_person", peer_caller(stranger),
                               {"peer_worker_id": stranger, "connection_id": str(uuid.uuid4())})
    with pytest.raises(NotAllowed):
        world.matching.perform("block_person", peer_caller(stranger),
                               {"peer_worker_id": peer, "choice_id": choice["choice_id"]})
    with pytest.raises(NotAllowed):
        world.matching.perform("block_peer", person_caller(person), {"person_id": str(uuid.uuid4()),
                                                                     "peer_worker_id": peer})
    assert world.matching.pool.kept_apart == {}


def test_a_peer_names_the_choice_or_the_connection_not_both_nor_neither(world):
    peer = world.peer()
    for body in ({"peer_worker_id": peer}, {"peer_worker_id": peer, "choice_id": str(uuid.uuid4()),
                                            "connection_id": str(uuid.uuid4())}):
        with pytest.raises(InvalidInput) as refused:
            world.matching.perform("block_person", peer_caller(peer), body)
        assert "_schema" in refused.value.field_errors


def test_a_replay_keeps_the_pair_apart(world):
    peer, person = world.peer(), world.person()
    block_peer(world, person, peer)
    rebuilt = world.matching.rebuild()
    assert rebuilt.kept_apart == {person: {peer}}
