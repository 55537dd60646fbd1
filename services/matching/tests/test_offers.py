"""Offers: hard limits, the score, explanations limited to what both shared, load spreading."""
from __future__ import annotations

import pytest

from services.matching.setup import setup
from services.matching.tests.support import SYSTEM, World
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def world(app_factory, vault):
    return World(app_factory(setup), vault)


def test_offers_rank_by_shared_items_and_explain_in_plain_words(world):
    close = world.peer(items=["heard_voices", "veteran"], languages=["Spanish", "English"], name="Ana Example")
    other = world.peer(items=["lgbtq"])
    person = world.person(items=["heard_voices", "homelessness"], languages=["spanish"])
    offers = world.matching.perform("my_offers", SYSTEM, person)
    assert [o["peer_worker_id"] for o in offers["offers"]] == [close]  # `other` shares no language
    [offer] = offers["offers"]
    assert offer["display_name"] == "Ana Example"
    assert offer["shared_items"] == ["heard_voices"]  # veteran: only the peer shared it; homelessness: only the person
    assert offer["why"] == ("you both chose to share: heard voices; you both speak Spanish; both in Hampden County; "
                            "you can both meet by phone")
    assert offer["languages"] == ["es"]  # codes; events stored before codes carry names, normalized when read
    assert "veteran" not in str(offers) and "homelessness" not in str(offers)
    assert offers["relaxed"] == [] and offers["note"] is None
    assert other not in world.offered(person)


def test_hard_limits_language_modality_place_capacity_pause(world):
    fits = world.peer()
    world.peer(languages=["French"])
    world.peer(modalities=["video"])
    world.peer(regions=["Berkshire County"])
    world.peer(capacity=0)
    paused = world.peer()
    world.send("PeerWorkerPaused", {"peer_worker_id": paused})
    remote = world.peer(regions=["Berkshire County"], remote=True)
    person = world.person()
    assert sorted(world.offered(person)) == sorted([fits, remote])


def test_what_was_relaxed_is_said(world):
    remote = world.peer(regions=["Suffolk County"], remote=True)
    person = world.person(items=["veteran"])
    offers = world.matching.perform("my_offers", SYSTEM, person)
    assert [o["peer_worker_id"] for o in offers["offers"]] == [remote]
    assert offers["relaxed"] == ["shared experience", "same place"]
    assert offers["note"].startswith("Nothing fits closely")
    assert "they offer support remotely" in offers["offers"][0]["why"]


def test_the_short_list_is_three_by_default_and_configurable(app_factory, vault):
    world = World(app_factory(setup), vault)
    for _ in range(5):
        world.peer(capacity=5)
    assert len(world.offered(world.person())) == 3
    two = World(app_factory(setup, env={"PEERNET_OFFERS": "2"}), vault)
    for _ in range(5):
        two.peer(capacity=5)
    assert len(two.offered(two.person())) == 2


def test_no_peer_employed_where_the_person_receives_services_unless_they_choose(world):
    from services.matching.tests.support import person_caller
    world.peer(organization_id="org-harbor")
    elsewhere = world.peer(organization_id="org-elsewhere")
    employed_by_harbor = world.peer(organization_id="org-elsewhere")
    world.send("EmploymentBegan", {"peer_worker_id": employed_by_harbor, "employment_id": "e1",
                                   "organization_id": "org-harbor", "role_title": "Recovery Coach",
                                   "hours_per_week": 20, "start": "2026-01-05", "end": None, "certify_by": None},
               source="directory")
    person = world.person(agencies=["org-harbor"])
    assert world.offered(person) == [elsewhere]
    world.matching.perform("ask_for_offers", person_caller(person), {"person_id": person, "include_my_agencies": True})
    assert len(world.offered(person)) == 3


def test_an_expired_credential_blocks_only_when_the_state_said_so(world):
    blocked, kept = world.peer(), world.peer()
    for peer, blocks in ((blocked, True), (kept, False)):
        world.send("CredentialExpired", {"peer_worker_id": peer, "credential_id": f"c-{peer}", "kind": "cps",
                                         "expired_on": "2026-10-01", "blocks_offers": blocks}, source="directory")
    person = world.person()
    assert world.offered(person) == [kept]
    world.send("CredentialRecorded", {"peer_worker_id": blocked, "credential_id": "c-new", "kind": "cps",
                                      "state": "MA", "number": None, "issued": "2026-11-01",
                                      "expires": "2028-11-01"}, source="directory")
    assert world.matching.pool.fits(world.matching.pool.people[person], world.matching.pool.peers[blocked])


def test_a_peer_with_one_place_is_not_the_top_offer_to_many(world):
    popular = world.peer(items=["veteran"], capacity=1)
    second = world.peer(capacity=3)
    first = world.person(items=["veteran"])
    assert world.offered(first)[0] == popular
    later = world.person(items=["veteran"])
    assert world.offered(later) == [second, popular]  # still offered, not first


def test_withdrawals_of_either_side_change_the_next_offers(world):
    peer = world.peer(items=["veteran"])
    person = world.person(items=["veteran"])
    assert world.matching.perform("my_offers", SYSTEM, person)["offers"][0]["shared_items"] == ["veteran"]
    world.send("PersonExperienceWithdrawn", {"person_id": person, "experience": world.vault.seal(person, "veteran")})
    world.request(person)
    assert world.matching.perform("my_offers", SYSTEM, person)["offers"][0]["shared_items"] == []
    world.send("PeerWorkerExperienceWithdrawn", {"peer_worker_id": peer, "experience": "veteran"})
    world.send("PersonExperienceShared", {"person_id": person, "experience": world.vault.seal(person, "veteran")})
    world.request(person)
    assert world.matching.perform("my_offers", SYSTEM, person)["offers"][0]["shared_items"] == []


def test_forgetting_and_revoking_leave_nothing_readable(world, vault):
    world.peer(items=["veteran"])
    forgotten, revoking = world.person(items=["veteran"]), world.person(items=["veteran"])
    vault.forget(forgotten)
    world.send("PersonForgotten", {"person_id": forgotten})
    world.send("PersonConsentRevoked", {"person_id": revoking})
    for person in (forgotten, revoking):
        assert person not in world.matching.pool.people
        assert world.matching.perform("my_offers", SYSTEM, person)["offers"] == []
    rebuilt = world.matching.rebuild()
    assert forgotten not in rebuilt.people and revoking not in rebuilt.people
    stored = b"".join(n.state for n in world.matching.recorder.select_notifications(start=1, limit=10_000))
    assert b"Sam Sample" not in stored and b"Hampden" not in stored  # only sealed tokens are kept


def test_past_its_expiry_a_consent_allows_no_offers_even_before_intake_says_so(world):
    world.peer()
    person = world.person(request=False)
    view = world.view(person)
    view["consent_expires_at"] = "2020-01-01T00:00:00+00:00"
    world.send("PersonConsentChanged", {"person_id": person, "matching": view})
    world.request(person)
    assert world.offered(person) == []


def test_a_request_in_the_same_batch_as_the_peers_it_fits_is_offered_them(world):
    world.hold()
    close = world.peer(items=["heard_voices"])
    other = world.peer()
    person = world.person(items=["heard_voices"])
    assert world.apply_held() == 6
    assert world.offered(person) == [close, other]


def test_a_language_code_meets_the_same_language_named_in_words(world):
    named = world.peer(languages=["Spanish"])  # as stored before languages were codes
    coded = world.peer(languages=["es"])
    world.peer(languages=["pt"])
    person = world.person(languages=["es"])
    assert sorted(world.offered(person)) == sorted([named, coded])
    creole = world.peer(languages=["Haitian Creole"])
    assert world.offered(world.person(languages=["ht"])) == [creole]
