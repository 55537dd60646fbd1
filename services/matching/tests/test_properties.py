"""Property tests: over random populations and random withdrawals, pauses and
endings, an offer never rests on or shows an item only one side shared for
matching, and never goes beyond a peer's free places; the index gives what a
plain scan gives."""
from __future__ import annotations

from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.setup import setup
from shared.errors import Conflict
from services.matching.tests.support import SYSTEM, World, peer_caller, person_caller
from shared.crypto import MemoryKeyStorage, PersonKeyVault
from shared.experiences import EXPERIENCE_LABELS
from shared.tests.conftest import isolated_env  # noqa: F401

ITEMS = ("heard_voices", "veteran", "homelessness", "lgbtq")
REGIONS = ("Hampden County", "Berkshire County")
items = st.sets(st.sampled_from(ITEMS), max_size=3)
peers = st.lists(st.tuples(items, st.integers(0, 2), st.sampled_from(REGIONS), st.booleans()), min_size=1, max_size=6)
people = st.lists(st.tuples(items, st.sampled_from(REGIONS)), min_size=1, max_size=5)
steps = st.lists(st.tuples(st.sampled_from(("withdraw_peer", "withdraw_person", "pause", "resume", "choose",
                                            "accept", "end", "ask")),
                           st.integers(0, 10), st.sampled_from(ITEMS)), max_size=25)


def check(world: World, truth_peer: dict, truth_person: dict) -> None:
    pool = world.matching.pool
    for person_id in truth_person:
        for offer in world.matching.perform("my_offers", SYSTEM, person_id)["offers"]:
            both = truth_person[person_id] & truth_peer[offer["peer_worker_id"]]
            assert set(offer["shared_items"]) == both
            for item in set(ITEMS) - both:  # an item only one side shared is never shown
                assert EXPERIENCE_LABELS[item] not in offer["why"]
        if person_id in pool.people:
            indexed = pool.best(person_id, 3)
            assert indexed == pool.scan(person_id, 3)
            for offer in indexed[0]:
                assert pool.peers[offer["peer_worker_id"]].free > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(peers, people, steps)
def test_offers_rest_only_on_items_both_shared_and_free_places(peer_specs, person_specs, actions):
    vault = PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())
    world = World(setup(vault, {"PERSISTENCE_MODULE": "eventsourcing.popo"}), vault)
    truth_peer, truth_person, capacity = {}, {}, {}
    for shared, places, region, remote in peer_specs:
        peer_id = world.peer(items=sorted(shared), capacity=places, regions=[region], remote=remote)
        truth_peer[peer_id], capacity[peer_id] = set(shared), places
    for shared, region in person_specs:
        person_id = world.person(items=sorted(shared), region=region)
        truth_person[person_id] = set(shared)
    peer_ids, person_ids = list(truth_peer), list(truth_person)
    for action, index, item in actions:
        peer_id, person_id = peer_ids[index % len(peer_ids)], person_ids[index % len(person_ids)]
        if action == "withdraw_peer" and item in truth_peer[peer_id]:
            world.send("PeerWorkerExperienceWithdrawn", {"peer_worker_id": peer_id, "experience": item})
            truth_peer[peer_id].discard(item)
        elif action == "withdraw_person" and item in truth_person[person_id]:
            world.send("PersonExperienceWithdrawn", {"person_id": person_id,
                                                     "experience": vault.seal(person_id, item)})
            truth_person[person_id].discard(item)
        elif action in ("pause", "resume"):
            world.send("PeerWorkerPaused" if action == "pause" else "PeerWorkerResumed", {"peer_worker_id": peer_id})
        elif action == "choose" and world.offered(person_id):
            try:
                world.matching.perform("choose", person_caller(person_id), {"person_id": person_id, "peer_worker_id": world.offered(person_id)[0]})
            except Conflict:
                pass
        elif action == "accept":
            for choice_id, choice in list(world.matching.pool.choices.items())[:1]:
                world.matching.perform("accept", peer_caller(choice["peer_worker_id"]), {"choice_id": choice_id})
        elif action == "end":
            for connection_id, c in list(world.matching.pool.connections.items()):
                if c["active"]:
                    world.matching.perform("end_connection", person_caller(c["person_id"]), {"connection_id": connection_id})
                    break
        elif action == "ask":
            try:
                world.matching.perform("ask_for_offers", person_caller(person_id), {"person_id": person_id})
            except Conflict:
                pass
        check(world, truth_peer, truth_person)
        for peer_id in peer_ids:  # never more held than places
            assert len(world.matching.pool.peers[peer_id].holds) <= capacity[peer_id]
