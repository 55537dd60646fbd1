"""The person's choice, the peer's answer, connections, the waitlist and the last free place."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.matching.setup import setup
from services.matching.domain import NoFreePlace, Places, Seeker
from shared.errors import Conflict, InvalidInput, NotAllowed, NotFound
from services.matching.tests.support import SYSTEM, World, peer_caller, person_caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, stored_events, vault  # noqa: F401


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def choose(world, person, peer):
    return world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})


def test_choose_decline_choose_again_accept_end_and_ask_again(world):
    first, second = world.peer(items=["veteran"]), world.peer()
    person = world.person(items=["veteran"])
    assert world.offered(person) == [first, second]

    choice = choose(world, person, first)
    [request] = world.matching.perform("peer_requests", SYSTEM, first)["items"]
    assert request["choice_id"] == choice["choice_id"] and request["shared_items"] == ["veteran"]
    assert world.matching.pool.peers[first].free == 0  # held while the peer decides
    with pytest.raises(Conflict, match="one at a time"):
        choose(world, person, second)

    world.matching.perform("decline", peer_caller(first), {"choice_id": choice["choice_id"]})
    told = [e for e in stored_events(world.matching) if isinstance(e, Seeker.ChoiceDeclined)]
    assert len(told) == 1  # the person is told by an event
    assert world.matching.pool.peers[first].free == 1
    assert world.offered(person) == [second]

    again = choose(world, person, second)
    connection = world.matching.perform("accept", peer_caller(second), {"choice_id": again["choice_id"]})
    assert world.matching.perform("my_connections", SYSTEM, person)["items"][0]["active"] is True
    assert world.matching.perform("peer_connections", SYSTEM, second)["items"][0]["connection_id"] == \
        connection["connection_id"]
    assert world.matching.perform("my_offers", SYSTEM, person)["request_id"] is None  # the request is fulfilled
    assert world.matching.pool.peers[second].free == 0

    world.matching.perform("end_connection", person_caller(person), {"connection_id": connection["connection_id"]})
    assert world.matching.pool.peers[second].free == 1  # ending frees the place
    with pytest.raises(Conflict, match="ended already"):
        world.matching.perform("end_connection", peer_caller(second), {"connection_id": connection["connection_id"]})
    fresh = world.matching.perform("ask_for_offers", person_caller(person), {"person_id": person})
    assert {o["peer_worker_id"] for o in fresh["offers"]} == {first, second}


def test_a_lapsed_or_unknown_offer_is_a_conflict_and_stores_nothing(world):
    peer = world.peer()
    person = world.person()
    count = notification_count(world.matching)
    with pytest.raises(Conflict, match="lapsed"):
        choose(world, person, str(uuid.uuid4()))
    with pytest.raises(InvalidInput) as refused:
        world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": "nope"})
    assert "peer_worker_id" in refused.value.field_errors
    with pytest.raises(InvalidInput) as refused:
        world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer, "why": "x"})
    assert "why" in refused.value.field_errors
    with pytest.raises(NotAllowed):
        world.matching.perform("choose", person_caller(uuid.uuid4()), {"person_id": person, "peer_worker_id": peer})
    assert notification_count(world.matching) == count


def test_only_the_asked_peer_may_answer(world):
    peer, other = world.peer(), world.peer()
    person = world.person()
    choice = choose(world, person, peer)
    with pytest.raises(NotFound):
        world.matching.perform("accept", peer_caller(other), {"choice_id": choice["choice_id"]})
    with pytest.raises(NotFound):
        world.matching.perform("end_connection", peer_caller(other), {"connection_id": choice["choice_id"]})


def test_no_answer_by_the_deadline_lapses_and_frees_the_place(world):
    peer, other = world.peer(), world.peer()
    person = world.person()
    choice = choose(world, person, peer)
    assert world.matching.perform("expire_due", SYSTEM, datetime.now(timezone.utc).isoformat())["lapsed"] == 0
    later = datetime.now(timezone.utc) + timedelta(hours=72, minutes=1)
    assert world.matching.perform("expire_due", SYSTEM, later.isoformat())["lapsed"] == 1
    assert any(isinstance(e, Seeker.ChoiceLapsed) for e in stored_events(world.matching))
    assert world.matching.pool.peers[peer].free == 1
    with pytest.raises(Conflict):
        world.matching.perform("accept", peer_caller(peer), {"choice_id": choice["choice_id"]})
    assert world.offered(person) == [other]
    assert choose(world, person, other)["peer_worker_id"] == other


def test_the_deadline_is_configurable(app_factory, vault):
    world = World(app_factory(setup, env={"PEERNET_PEER_ANSWER_HOURS": "1"}), vault)
    peer = world.peer()
    person = world.person()
    deadline = datetime.fromisoformat(choose(world, person, peer)["deadline"])
    assert timedelta(minutes=59) < deadline - datetime.now(timezone.utc) <= timedelta(hours=1)


def test_the_waitlist_offers_again_when_a_fitting_peer_frees_a_place(world):
    peer = world.peer(capacity=1)
    first = world.person()
    connection = world.matching.perform("accept", peer_caller(peer), {"choice_id": choose(world, first, peer)["choice_id"]})
    waiting = world.person()
    assert world.offered(waiting) == []
    world.matching.perform("wait", person_caller(waiting), {"person_id": waiting})
    assert world.matching.perform("my_offers", SYSTEM, waiting)["waiting"] is True
    world.matching.perform("end_connection", peer_caller(peer), {"connection_id": connection["connection_id"]})
    assert world.offered(waiting) == [peer]
    assert world.matching.perform("my_offers", SYSTEM, waiting)["waiting"] is False


def test_the_waitlist_follows_new_availability_too(world):
    peer = world.peer(capacity=0)
    waiting = world.person()
    world.matching.perform("wait", person_caller(waiting), {"person_id": waiting})
    world.availability(peer, capacity=2)
    assert world.offered(waiting) == [peer]


def test_revoking_consent_frees_the_held_place(world):
    peer = world.peer()
    person = world.person()
    choose(world, person, peer)
    world.send("PersonConsentRevoked", {"person_id": person})
    assert world.matching.pool.peers[peer].free == 1
    assert world.matching.pool.choices == {}


@pytest.mark.parametrize("store", ["popo", "sqlite"])
def test_two_people_choosing_the_last_place_at_once_one_gets_it(app_factory, vault, store):
    world = World(app_factory(setup, store=store), vault)
    last, nxt = world.peer(items=["veteran"], capacity=1), world.peer(capacity=2)
    people = [world.person(items=["veteran"]) for _ in range(2)]
    assert all(last in world.offered(person) for person in people)
    results, barrier = {}, threading.Barrier(2)

    def attempt(person):
        barrier.wait()
        try:
            results[person] = choose(world, person, last)
        except Conflict as conflict:
            results[person] = conflict

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    won = [p for p in people if isinstance(results[p], dict)]
    lost = [p for p in people if isinstance(results[p], Conflict)]
    assert len(won) == 1 and len(lost) == 1
    assert [o["peer_worker_id"] for o in results[lost[0]].extra["next_offers"]] == [nxt]  # told, and offered the next
    assert world.offered(lost[0]) == [nxt]
    assert len(world.matching.get(Places.create_id(uuid.UUID(last))).holds) == 1
    assert world.matching.rebuild().peers[last].free == 0


def test_places_refuses_a_hold_beyond_capacity_and_records_nothing():
    actor = {"user_id": "p", "role": "person", "organization_id": None, "correlation_id": "c"}
    places = Places(peer_worker_id=uuid.uuid4(), actor=actor)
    places.hold("peer", "first", "someone", 1, actor)
    with pytest.raises(NoFreePlace):
        places.hold("peer", "second", "someone else", 1, actor)
    assert places.holds == {"first": "someone"}
    assert [type(e).__name__ for e in places.collect_events()] == ["Opened", "Held"]


def test_the_aggregate_refuses_even_when_the_read_model_says_a_place_is_free(world):
    peer, nxt = world.peer(items=["veteran"], capacity=1), world.peer(capacity=2)
    first, second = world.person(items=["veteran"]), world.person(items=["veteran"])
    assert peer in world.offered(first) and peer in world.offered(second)
    choose(world, first, peer)
    world.matching.pool.peers[peer].holds.clear()  # a read model behind the store
    with pytest.raises(Conflict) as refused:
        choose(world, second, peer)
    assert [o["peer_worker_id"] for o in refused.value.extra["next_offers"]] == [nxt]
    assert len(world.matching.get(Places.create_id(uuid.UUID(peer))).holds) == 1
    assert len([e for e in stored_events(world.matching) if isinstance(e, Places.Held)]) == 1
