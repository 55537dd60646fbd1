"""A person's connections, a peer worker's requests and connections a page at a time (issue 20): matching
answers {items, next_after} by key from its projection, so walking the pages gives every item once, in order,
and a projection rebuilt from the log (another instance, a restart) takes the same cursor to the same page."""
from __future__ import annotations

import pytest

from services.matching.queries import peer_connections
from services.matching.setup import setup
from services.matching.tests.support import SYSTEM, World, peer_caller, person_caller
from shared.errors import InvalidInput
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

COUNT = 7


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def choose(world, person, peer) -> dict:
    return world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})


def connect(world, person, peer) -> str:
    choice = choose(world, person, peer)
    return world.matching.perform("accept", peer_caller(peer), {"choice_id": choice["choice_id"]})["connection_id"]


def walk(world, method, subject, limit) -> list[list[dict]]:
    pages, after = [], None
    while True:
        page = world.matching.perform(method, SYSTEM, subject, after, limit)
        pages.append(page["items"])
        after = page["next_after"]
        if after is None:
            return pages


def each_once_in_order(pages, limit, expected) -> bool:
    return ([item for page in pages for item in page] == expected and len(pages) == -(-len(expected) // limit)
            and all(len(page) == limit for page in pages[:-1]))


@pytest.mark.parametrize("limit", [1, 2, 3, COUNT, 50])
def test_a_persons_connections_walk_once_in_the_order_they_began(world, limit):
    for _ in range(COUNT):
        world.peer()
    person, began, peers = world.person(request=False), [], []
    for _ in range(COUNT):  # each time a new request and the first peer offered; every other one ended at once
        world.request(person)
        peers.append(world.offered(person)[0])
        began.append(connect(world, person, peers[-1]))
        if len(began) % 2:
            world.matching.perform("end_connection", person_caller(person), {"connection_id": began[-1]})
    pages = walk(world, "my_connections", person, limit)
    assert each_once_in_order([[c["connection_id"] for c in page] for page in pages], limit, began)
    assert [(c["peer_worker_id"], c["active"]) for page in pages for c in page] == [
        (peer, n % 2 == 1) for n, peer in enumerate(peers)]


@pytest.mark.parametrize("limit", [1, 3, 50])
def test_a_peer_workers_connections_and_requests_walk_once_in_order(world, limit):
    peer = world.peer(capacity=2 * COUNT)
    people = [world.person() for _ in range(2 * COUNT)]
    began = [connect(world, person, peer) for person in people[:COUNT]]
    chosen = [choose(world, person, peer) for person in people[COUNT:]]
    connections = walk(world, "peer_connections", peer, limit)
    assert each_once_in_order([[c["connection_id"] for c in page] for page in connections], limit, began)
    assert [c["person_id"] for page in connections for c in page] == people[:COUNT]
    requests = walk(world, "peer_requests", peer, limit)  # soonest deadline first: the order they were made
    assert each_once_in_order([[r["choice_id"] for r in page] for page in requests], limit,
                              [choice["choice_id"] for choice in chosen])
    assert [r["deadline"] for page in requests for r in page] == [choice["deadline"] for choice in chosen]


def test_a_rebuilt_projection_takes_the_same_cursor_to_the_same_page(world):
    peer = world.peer(capacity=COUNT)
    for _ in range(COUNT):
        connect(world, world.person(), peer)
    first = world.matching.perform("peer_connections", SYSTEM, peer, None, 3)
    second = world.matching.perform("peer_connections", SYSTEM, peer, first["next_after"], 3)
    rebuilt = world.matching.rebuild()  # from the stored events alone, as another instance builds it
    assert rebuilt is not world.matching.pool
    assert peer_connections({"peer_worker_id": peer, "after": first["next_after"], "limit": 3}, SYSTEM,
                            pool=rebuilt) == second


def test_a_person_reading_a_page_records_only_the_names_shown(world):
    peers, person = [world.peer() for _ in range(3)], world.person(request=False)
    for _ in peers:
        world.request(person)
        connect(world, person, world.offered(person)[0])
    page = world.matching.perform("my_connections", person_caller(person), person, None, 2)
    recorded = [e for e in world.matching.integration_events(0, limit=1000)
                if e.type == "AccessRecorded" and e.body["via"] == "my_connections"]
    assert {e.subject_id for e in recorded} == {c["peer_worker_id"] for c in page["items"]} and len(recorded) == 2


def test_a_key_that_is_not_two_texts_is_refused(world):
    peer = world.peer()
    for after in (["only-one"], ["a", "b", "c"], [1, "b"]):
        with pytest.raises(InvalidInput):
            world.matching.perform("peer_connections", SYSTEM, peer, after, 10)
    with pytest.raises(InvalidInput):
        world.matching.perform("peer_requests", SYSTEM, peer, None, 0)
