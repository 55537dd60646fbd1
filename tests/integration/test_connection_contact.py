"""Issue 19, items 1 and 5, over the real broker with SQLite and PostgreSQL stores: a person and a peer
worker connect; intake follows matching's ConnectionBegan, so each sees how to reach the other, only what
that side chose to give; the person's disclosure log records the peer worker's read of their contact;
the connection ends and the contact is gone. A block keeps a person and a peer worker apart in offers,
and ends their connection."""
import json
import uuid

import pytest

from tests.support import wait_until

pytestmark = pytest.mark.integration

PERSON_CONTACT, PEER_PHONE = "robin.synthetic@example.org", "+1 413 555 0142"


def a_peer(rpc, name) -> tuple[str, object]:
    peer_id = str(uuid.uuid4())
    peer = rpc("peer", user_id=peer_id, organization_id="org-hampden-1")
    peer.intake.record_peer_worker_profile({"peer_worker_id": peer_id, "display_name": name,
                                            "organization_id": "org-hampden-1",
                                            "experiences": [{"experience": "veteran", "visibility": "matching"}]})
    peer.intake.set_availability({"peer_worker_id": peer_id, "capacity": 2, "modalities": ["phone"],
                                  "languages": ["English"], "regions": ["Hampden County"], "remote": False})
    return peer_id, peer


def a_person(rpc, connected_peer) -> tuple[str, object]:
    person_id = str(uuid.uuid4())
    me = rpc("person", user_id=person_id)
    me.intake.enroll({"person_id": person_id, "display_name": "Robin Example (synthetic)",
                      "contact": PERSON_CONTACT, "region": "Hampden County", "languages": ["English"],
                      "modalities": ["phone"], "agencies": [],
                      "consent": {"purpose": "peer_support", "expires_at": None, "may_see": {
                          "matching": ["region", "languages", "modalities", "experiences"],
                          "connected_peer": connected_peer}}})
    me.intake.share_person_experience({"person_id": person_id, "experience": "veteran", "visibility": "matching"})
    me.intake.request_support({"person_id": person_id})
    return person_id, me


def offered(me, person_id) -> list[str]:
    return [o["peer_worker_id"] for o in me.matching.my_offers(person_id)["offers"]]


def test_each_side_sees_the_others_chosen_contact_until_the_connection_ends(store_env, network_factory, rpc):
    network = network_factory(store_env, services=("intake", "matching"))
    network.start()
    peer_id, peer = a_peer(rpc, "Ana Example (synthetic)")
    peer.intake.set_work_contact({"peer_worker_id": peer_id, "use": "own", "phone": PEER_PHONE})
    person_id, me = a_person(rpc, ["contact"])
    wait_until(lambda: offered(me, person_id) == [peer_id], timeout=10, message="the peer offered to the person")

    choice = me.matching.choose({"person_id": person_id, "peer_worker_id": peer_id})
    connection_id = peer.matching.accept({"choice_id": choice["choice_id"]})["connection_id"]
    # waiting on the person's side: each of the peer's reads would be a line of the person's log
    wait_until(lambda: _readable(me, connection_id), timeout=10, message="intake following the connection")

    assert peer.intake.connection_contact(connection_id)["contact"] == {
        "use": "person", "display_name": None, "contact": PERSON_CONTACT}  # only what the person gave
    assert me.intake.connection_contact(connection_id)["contact"] == {
        "use": "own", "organization_id": "org-hampden-1", "phone": PEER_PHONE, "email": None}
    lines = [d for d in me.intake.person_record(person_id)["disclosures"] if d["audience"] == "connected_peer"]
    assert [(d["to"]["user_id"], d["fields"]) for d in lines] == [(peer_id, ["contact"])]

    me.matching.end_connection({"connection_id": connection_id})
    wait_until(lambda: not peer.intake.connection_contact(connection_id)["active"], timeout=10,
               message="intake following the ending")
    assert peer.intake.connection_contact(connection_id)["contact"] is None
    assert me.intake.connection_contact(connection_id)["contact"] is None
    published = json.dumps(rpc("system").intake.integration_events(0, 1000), default=str)
    assert PERSON_CONTACT not in published and PEER_PHONE not in published
    assert "ConnectionContactOpened" in published and "ConnectionContactClosed" in published


def _readable(side, connection_id) -> bool:
    try:
        return side.intake.connection_contact(connection_id)["active"]
    except Exception:  # NotFound until intake has followed the ConnectionBegan
        return False


def test_a_block_keeps_them_apart_in_offers_and_ends_their_connection(store_env, network_factory, rpc):
    network = network_factory(store_env, services=("intake", "matching"))
    network.start()
    peer_id, peer = a_peer(rpc, "Bo Example (synthetic)")
    other_id, _ = a_peer(rpc, "Cy Example (synthetic)")
    person_id, me = a_person(rpc, [])
    wait_until(lambda: sorted(offered(me, person_id)) == sorted([peer_id, other_id]), timeout=10,
               message="both peers offered")
    choice = me.matching.choose({"person_id": person_id, "peer_worker_id": peer_id})
    connection_id = peer.matching.accept({"choice_id": choice["choice_id"]})["connection_id"]
    wait_until(lambda: _readable(peer, connection_id), timeout=10, message="intake following the connection")
    assert peer.intake.connection_contact(connection_id)["contact"] is None  # the person will call

    assert peer.matching.block_person({"peer_worker_id": peer_id, "connection_id": connection_id}) == {"blocked": True}
    assert me.matching.my_connections(person_id)["items"][0]["active"] is False
    wait_until(lambda: not peer.intake.connection_contact(connection_id)["active"], timeout=10,
               message="the ended connection reaching intake")
    asked = me.matching.ask_for_offers({"person_id": person_id, "include_my_agencies": True})
    assert [o["peer_worker_id"] for o in asked["offers"]] == [other_id]  # a new request: never them again
