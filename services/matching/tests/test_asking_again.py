"""Asking again keeps the offers the person has, and an empty list says why and what they can do."""
from __future__ import annotations

import pytest

from services.matching.setup import setup
from services.matching.domain import Seeker
from services.matching.tests.support import SYSTEM, World, person_caller
from shared.tests.conftest import app_factory, isolated_env, stored_events, vault  # noqa: F401


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def ask(world, person, **more):
    return world.matching.perform("ask_for_offers", person_caller(person), {"person_id": person, **more})


def test_asking_again_when_nobody_new_fits_keeps_the_offers_and_they_can_still_be_chosen(world):
    peer = world.peer()
    person = world.person()
    assert world.offered(person) == [peer]
    offered_before = len([e for e in stored_events(world.matching) if isinstance(e, Seeker.Offered)])

    again = ask(world, person)
    assert [o["peer_worker_id"] for o in again["offers"]] == [peer]
    assert again["reason"] is None and again["next_steps"] == ["choose"]
    # nothing new to offer: nothing stored
    assert len([e for e in stored_events(world.matching) if isinstance(e, Seeker.Offered)]) == offered_before
    choice = world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    assert choice["peer_worker_id"] == peer


def test_asking_again_adds_new_offers_to_those_still_open(world):
    first = world.peer(items=["veteran"])
    person = world.person(items=["veteran"])
    assert world.offered(person) == [first]
    later = world.peer()
    assert world.offered(ask(world, person) and person) == [first, later]
    world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": first})


def test_an_offer_whose_peer_no_longer_fits_is_not_kept(world):
    paused, other = world.peer(items=["veteran"]), world.peer()
    person = world.person(items=["veteran"])
    assert world.offered(person) == [paused, other]
    world.send("PeerWorkerPaused", {"peer_worker_id": paused})
    assert world.offered(ask(world, person) and person) == [other]


def test_no_open_request_says_so_and_to_ask(world):
    world.peer()
    person = world.person(request=False)
    answer = world.matching.perform("my_offers", SYSTEM, person)
    assert answer["offers"] == [] and answer["reason"] == "no_open_request"
    assert answer["next_steps"] == ["ask"]
    assert answer["note"]


def test_nobody_fits_says_so_and_to_wait(world):
    world.peer(languages=["fr"])
    person = world.person()
    answer = world.matching.perform("my_offers", SYSTEM, person)
    assert answer["offers"] == [] and answer["reason"] == "no_fitting_peer"
    assert answer["next_steps"] == ["wait"]
    assert "nobody" in answer["note"].lower()


def test_all_offered_once_every_fitting_peer_was_seen_and_the_waitlist_says_waiting(world):
    peer = world.peer()
    person = world.person()
    choice = world.matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    world.matching.perform("decline", world_peer_caller(peer), {"choice_id": choice["choice_id"]})
    answer = ask(world, person)
    assert answer["offers"] == [] and answer["reason"] == "all_offered"
    assert answer["next_steps"] == ["wait"]
    waiting = world.matching.perform("wait", person_caller(person), {"person_id": person})
    assert waiting["reason"] == "waiting" and waiting["next_steps"] == []


def test_peers_at_my_own_agencies_can_be_let_in_when_that_is_all_that_fits(world):
    world.peer(organization_id="org-harbor")
    person = world.person(agencies=["org-harbor"])
    answer = world.matching.perform("my_offers", SYSTEM, person)
    assert answer["reason"] == "no_fitting_peer"
    assert answer["next_steps"] == ["wait", "relax:include_my_agencies"]
    relaxed = ask(world, person, include_my_agencies=True)
    assert len(relaxed["offers"]) == 1 and relaxed["reason"] is None


def test_an_expired_consent_says_so(world):
    world.peer()
    person = world.person(request=False)
    view = world.view(person)
    view["consent_expires_at"] = "2020-01-01T00:00:00+00:00"
    world.send("PersonConsentChanged", {"person_id": person, "matching": view})
    world.request(person)
    answer = world.matching.perform("my_offers", SYSTEM, person)
    assert answer["reason"] == "consent_expired" and answer["next_steps"] == ["grant_consent"]
    unknown = world.matching.perform("my_offers", SYSTEM, "0c5bd7a4-8a3b-4a53-9d57-1f6f3f2b3a10")
    assert unknown["reason"] == "no_consent" and unknown["next_steps"] == ["grant_consent"]


def world_peer_caller(peer):
    from services.matching.tests.support import peer_caller
    return peer_caller(peer)
