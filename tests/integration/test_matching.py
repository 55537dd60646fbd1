"""Matching end to end over the real broker, with SQLite and PostgreSQL stores:
two peers and a person enrolled in intake, offers with their explanations, a
choice, a decline, the next choice, acceptance, an ending by the person and a
fresh offer; a withdrawal by the person changes the next offers; a refused
choice stores nothing."""
import uuid

import pytest

from shared.errors import Conflict, InvalidInput, NotAllowed
from tests.support import wait_until

pytestmark = pytest.mark.integration


def profile(peer_id, name, items):
    return {"peer_worker_id": peer_id, "display_name": name, "organization_id": "org-hampden-1",
            "experiences": [{"experience": item, "visibility": "matching"} for item in items]}


def availability(peer_id, capacity=1):
    return {"peer_worker_id": peer_id, "capacity": capacity, "modalities": ["phone", "video"],
            "languages": ["Spanish", "English"], "regions": ["Hampden County"], "remote": False}


def enrollment(person_id):
    return {"person_id": person_id, "display_name": "Sam Sample (synthetic)", "region": "Hampden County",
            "languages": ["Spanish"], "modalities": ["phone"], "agencies": [],
            "consent": {"purpose": "peer_support", "expires_at": None,
                        "may_see": {"matching": ["region", "languages", "modalities", "agencies", "experiences"]}}}


def test_offer_choose_decline_accept_end_and_offer_again(store_env, network_factory, rpc):
    network = network_factory(store_env, services=("intake", "matching"))
    network.start()
    system = rpc("system")
    close, other = str(uuid.uuid4()), str(uuid.uuid4())
    for peer_id, name, items in ((close, "Ana Example (synthetic)", ["heard_voices", "veteran"]),
                                 (other, "Bo Example (synthetic)", ["lgbtq"])):
        peer = rpc("peer", user_id=peer_id)
        peer.intake.record_peer_worker_profile(profile(peer_id, name, items))
        peer.intake.set_availability(availability(peer_id))
    person_id = str(uuid.uuid4())
    person = rpc("person", user_id=person_id)
    person.intake.enroll(enrollment(person_id))
    for item, visibility in (("heard_voices", "matching"), ("veteran", "private")):
        person.intake.share_person_experience({"person_id": person_id, "experience": item, "visibility": visibility})
    request_id = person.intake.request_support({"person_id": person_id})

    offers = wait_until(lambda: person.matching.my_offers(person_id)["offers"], timeout=10, message="offers")
    assert [o["peer_worker_id"] for o in offers] == [close, other]
    assert offers[0]["display_name"] == "Ana Example (synthetic)"
    assert offers[0]["why"] == ("you both chose to share: heard voices; you both speak Spanish; "
                                "both in Hampden County; you can both meet by phone")
    assert "veteran" not in str(offers)  # the person kept it private; the peer's own share is not shown either

    with pytest.raises(NotAllowed):
        rpc("person", user_id=str(uuid.uuid4())).matching.my_offers(person_id)
    before = system.matching.positions()["log"]
    with pytest.raises(InvalidInput) as refused:
        person.matching.choose({"person_id": person_id, "peer_worker_id": "not-an-id"})
    assert "peer_worker_id" in refused.value.field_errors
    with pytest.raises(Conflict):
        person.matching.choose({"person_id": person_id, "peer_worker_id": str(uuid.uuid4())})
    assert system.matching.positions()["log"] == before

    first = person.matching.choose({"person_id": person_id, "peer_worker_id": close})
    close_peer = rpc("peer", user_id=close)
    assert [r["choice_id"] for r in close_peer.matching.peer_requests(close)["items"]] == [first["choice_id"]]
    close_peer.matching.decline({"choice_id": first["choice_id"]})
    assert [o["peer_worker_id"] for o in person.matching.my_offers(person_id)["offers"]] == [other]

    second = person.matching.choose({"person_id": person_id, "peer_worker_id": other})
    other_peer = rpc("peer", user_id=other)
    connection = other_peer.matching.accept({"choice_id": second["choice_id"]})
    assert person.matching.my_connections(person_id)["items"][0]["active"] is True
    assert other_peer.matching.peer_connections(other)["items"][0]["connection_id"] == connection["connection_id"]
    assert rpc("state_auditor").matching.counts()["active_connections"] is None  # 1 to 10: suppressed

    person.matching.end_connection({"connection_id": connection["connection_id"]})
    assert person.matching.my_connections(person_id)["items"][0]["active"] is False
    fresh = person.matching.ask_for_offers({"person_id": person_id})
    assert [o["peer_worker_id"] for o in fresh["offers"]] == [close, other]

    person.intake.withdraw_person_experience({"person_id": person_id, "experience": "heard_voices"})
    person.intake.withdraw_support_request({"person_id": person_id, "request_id": str(request_id)})
    person.intake.request_support({"person_id": person_id})

    def without_shared_item():
        offers = person.matching.my_offers(person_id)["offers"]
        return offers and all(o["shared_items"] == [] for o in offers) and offers

    after = wait_until(without_shared_item, timeout=10, message="the withdrawal reaching the offers")
    assert "heard voices" not in after[0]["why"]


def test_directory_credentials_and_employers_reach_the_offers(store_env, network_factory, rpc):
    network = network_factory({**store_env, "PEERNET_EXPIRED_CREDENTIAL_BLOCKS_OFFERS": "yes"},
                              services=("intake", "directory", "matching"))
    network.start()
    system = rpc("system")
    agency = system.directory.register_organization({"name": "Hampden Recovery Center (synthetic)",
                                                     "kind": "agency", "regions": ["Hampden County"]})
    peer_id = str(uuid.uuid4())
    peer = rpc("peer", user_id=peer_id)
    peer.intake.record_peer_worker_profile(profile(peer_id, "Cy Example (synthetic)", ["veteran"]))
    peer.intake.set_availability(availability(peer_id, capacity=2))
    system.directory.record_employment({"peer_worker_id": peer_id, "organization_id": agency,
                                        "role_title": "Recovery Coach", "hours_per_week": 20,
                                        "start": "2026-01-05", "certification_required": False})
    system.directory.record_credential({"peer_worker_id": peer_id, "kind": "recovery_coach",
                                        "issued": "2020-01-01", "expires": "2021-01-01"})  # expired: blocks
    wait_until(lambda: system.matching.positions()["upstream"]["directory"] >= system.directory.positions()["log"],
               timeout=10, message="matching caught up with directory")

    person_id, receiving_services_there = str(uuid.uuid4()), str(uuid.uuid4())
    for who, agencies in ((person_id, []), (receiving_services_there, [agency])):
        person = rpc("person", user_id=who)
        person.intake.enroll({**enrollment(who), "agencies": agencies})
        person.intake.request_support({"person_id": who})
    person = rpc("person", user_id=person_id)
    wait_until(lambda: person.matching.my_offers(person_id)["request_id"], timeout=10, message="a request")
    assert person.matching.my_offers(person_id)["offers"] == []  # the state said expired credentials block

    system.directory.record_credential({"peer_worker_id": peer_id, "kind": "recovery_coach",
                                        "issued": "2026-01-01", "expires": "2030-01-01"})
    wait_until(lambda: system.matching.positions()["upstream"]["directory"] >= system.directory.positions()["log"],
               timeout=10, message="matching caught up with the renewal")
    offers = person.matching.ask_for_offers({"person_id": person_id})["offers"]
    assert [o["peer_worker_id"] for o in offers] == [peer_id]
    other = rpc("person", user_id=receiving_services_there)
    assert other.matching.ask_for_offers({"person_id": receiving_services_there})["offers"] == []
    assert [o["peer_worker_id"] for o in other.matching.ask_for_offers(
        {"person_id": receiving_services_there, "include_my_agencies": True})["offers"]] == [peer_id]
