"""Matching's integration-event contracts: one sample per contract (merged by
shared/tests/test_contracts.py), and every stored event class publishes."""
from __future__ import annotations

import uuid

import pytest
from eventsourcing.domain import Aggregate

from services.matching import domain
from services.matching.setup import setup
from services.matching.translations import TRANSLATIONS
from services.matching.tests.support import World, peer_caller, person_caller
from shared.contracts import known_contracts
from shared.tests.test_access import access_sample
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

PERSON = uuid.UUID("3f0c2b1a-9e8d-4c7b-a6f5-e4d3c2b1a0f9")
PEER = uuid.UUID("5b7c3e0a-1d2f-4c6b-8e9a-0f1e2d3c4b5a")
CHOICE = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"


def matching_samples(vault) -> dict[tuple[str, str, int], dict]:
    person, request = {"person_id": PERSON}, {"person_id": PERSON, "request_id": CHOICE}
    choice = {"person_id": PERSON, "choice_id": CHOICE}
    bodies = {
        "CandidateListed": {"peer_worker_id": PEER, "organization_id": "org-harbor",
                            "shared_for_matching": ["heard_voices"]},
        "CandidateChanged": {"peer_worker_id": PEER},
        "PlacesChanged": {"peer_worker_id": PEER},
        "PersonMatchingUpdated": person, "PersonMatchingCleared": person,
        "OffersRequested": request, "OfferRequestClosed": request, "PersonWaitlisted": request,
        "OffersMade": {**request, "peer_worker_ids": [str(PEER)], "relaxed": ["same place"]},
        "PeerAsked": {**choice, "peer_worker_id": str(PEER), "deadline": "2026-11-04T10:00:00+00:00"},
        "ChoiceAccepted": choice, "PersonToldPeerDeclined": choice, "PersonToldChoiceLapsed": choice,
        "ConnectionBegan": {"connection_id": CHOICE, "person_id": str(PERSON), "peer_worker_id": str(PEER)},
        "ConnectionEnded": {"connection_id": CHOICE},
        "PairBlocked": {"person_id": PERSON, "peer_worker_id": str(PEER)},
    }
    samples = {("matching", type_, 1): body for type_, body in bodies.items()}
    samples[("matching", "ConnectionBegan", 2)] = {**bodies["ConnectionBegan"], "region": "Hampden County"}
    samples[("matching", "ConnectionEnded", 2)] = {**bodies["ConnectionEnded"], "region": "remote"}
    return {**samples, **access_sample("matching")}


def test_every_matching_contract_has_a_sample():
    assert {key for key in known_contracts() if key[0] == "matching"} == set(matching_samples(None))


def stored_event_classes() -> set:
    classes = set()
    for aggregate in (domain.Candidate, domain.Workforce, domain.Seeker, domain.Places, domain.Connection,
                      domain.Block):
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and value.__qualname__.count(".") == 1 \
                    and value.__name__ not in ("Event", "Created"):
                classes.add(value)
    return classes


def test_every_stored_event_class_has_a_translation():
    assert stored_event_classes() <= set(TRANSLATIONS)


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def test_a_whole_path_publishes_only_valid_pseudonymous_events(world):
    peer = world.peer(items=["veteran"], capacity=2)
    world.send("EmploymentBegan", {"peer_worker_id": peer, "employment_id": "e1", "organization_id": "org-x",
                                   "role_title": "Peer Specialist", "hours_per_week": 20, "start": "2026-01-05",
                                   "end": None, "certify_by": None}, source="directory")
    person = world.person(items=["veteran"])
    choice = world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    connection = world.matching.perform("accept", peer_caller(peer), {"choice_id": choice["choice_id"]})
    world.matching.perform("like_peer", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    world.matching.perform("end_connection", person_caller(person), {"connection_id": connection["connection_id"]})
    world.matching.perform("ask_for_offers", person_caller(person), {"person_id": person})
    world.matching.perform("wait", person_caller(person), {"person_id": person})
    world.send("PersonForgotten", {"person_id": person})
    published = [e.as_message() for e in world.matching.integration_events(0, limit=1000)]
    types = {m["type"] for m in published}
    assert {"PeerAsked", "ChoiceAccepted", "ConnectionBegan", "ConnectionEnded", "OffersMade",
            "PersonWaitlisted", "PersonMatchingCleared"} <= types
    assert "Sam Sample" not in str(published)
    # The only region that leaves matching is the connection's, one the peer worker published themselves.
    with_region = [m for m in published if "Hampden" in str(m)]
    assert {(m["type"], m["version"], m["body"]["region"]) for m in with_region} == {
        ("ConnectionBegan", 2, "Hampden County"), ("ConnectionEnded", 2, "Hampden County")}


def test_a_remote_connection_says_remote_not_the_persons_region(world):
    peer = world.peer(regions=("Berkshire County",), remote=True)
    person = world.person(region="Franklin County")
    choice = world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    connection = world.matching.perform("accept", peer_caller(peer), {"choice_id": choice["choice_id"]})
    world.matching.perform("end_connection", peer_caller(peer), {"connection_id": connection["connection_id"]})
    published = [e for e in world.matching.integration_events(0, limit=1000) if e.type.startswith("Connection")]
    assert [(e.type, e.version, e.body["region"]) for e in published] == [
        ("ConnectionBegan", 2, "remote"), ("ConnectionEnded", 2, "remote")]
    assert "Franklin" not in str([e.as_message() for e in world.matching.integration_events(0, limit=1000)])


def test_a_connection_stored_before_regions_still_publishes_version_1_and_upcasts_to_region_none(world):
    from services.matching.domain import Connection
    from shared.contracts import latest
    old = Connection(connection_id=uuid.UUID(CHOICE), person_id=str(PERSON), peer_worker_id=str(PEER),
                     actor=person_caller(PERSON).as_actor())
    old.end(person_caller(PERSON).as_actor())
    world.matching.save(old)
    began, ended = [e for e in world.matching.integration_events(0, limit=1000) if e.type.startswith("Connection")]
    assert (began.version, ended.version) == (1, 1) and "region" not in began.body
    assert latest(began).version == 2 and latest(began).body["region"] is None
    assert latest(ended).body == {"connection_id": uuid.UUID(CHOICE), "region": None}
