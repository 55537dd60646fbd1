"""The access log on the real broker, SQLite and PostgreSQL: a peer worker reading a person's shared
items through matching ends up in that person's disclosure log in intake and in audit's ledger."""
import uuid

import pytest

from tests.support import wait_until

pytestmark = pytest.mark.integration


def enrollment(person_id):
    return {"person_id": person_id, "display_name": "Sam Sample (synthetic)", "region": "Hampden County",
            "languages": ["Spanish"], "modalities": ["phone"], "agencies": [],
            "consent": {"purpose": "peer_support", "expires_at": None,
                        "may_see": {"matching": ["region", "languages", "modalities", "experiences"]}}}


def test_a_peer_reading_a_persons_items_is_in_their_disclosure_log_and_the_ledger(store_env, network_factory, rpc):
    network_factory(store_env, services=("intake", "matching", "audit")).start()
    peer_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
    peer, person = rpc("peer", user_id=peer_id, organization_id="org-hampden-1"), rpc("person", user_id=person_id)
    peer.intake.record_peer_worker_profile({
        "peer_worker_id": peer_id, "display_name": "Ana Example (synthetic)", "organization_id": "org-hampden-1",
        "experiences": [{"experience": "heard_voices", "visibility": "matching"}]})
    peer.intake.set_availability({"peer_worker_id": peer_id, "capacity": 1, "modalities": ["phone"],
                                  "languages": ["Spanish"], "regions": ["Hampden County"], "remote": False})
    person.intake.enroll(enrollment(person_id))
    person.intake.share_person_experience({"person_id": person_id, "experience": "heard_voices",
                                           "visibility": "matching"})
    person.intake.request_support({"person_id": person_id})
    wait_until(lambda: person.matching.my_offers(person_id)["offers"], timeout=10, message="offers")
    person.matching.choose({"person_id": person_id, "peer_worker_id": peer_id})
    assert person.intake.person_record(person_id)["disclosures"] == []  # reading your own is not logged

    [request] = peer.matching.peer_requests(peer_id)["items"]
    assert request["shared_items"] == ["heard_voices"]
    for _ in range(5):  # polling again within the hour adds nothing
        peer.matching.peer_requests(peer_id)

    log = wait_until(lambda: person.intake.person_record(person_id)["disclosures"], timeout=15,
                     message="the read in the person's disclosure log")
    assert [(d["audience"], d["to"], d["fields"]) for d in log] == [
        ("access_log", {"user_id": peer_id, "role": "peer", "organization_id": "org-hampden-1", "access": "read",
                        "via": "matching.peer_requests"}, ["languages", "modalities", "shared_items"])]
    auditor = rpc("state_auditor")
    entries = wait_until(lambda: auditor.audit.history({"subject_id": person_id, "type": "AccessRecorded"})[
        "entries"], timeout=15, message="the read in audit's ledger")
    assert [(e["source"], e["user_id"], e["role"], e["actor_organization_id"]) for e in entries] == [
        ("matching", peer_id, "peer", "org-hampden-1")]
    wait_until(lambda: auditor.audit.history({"subject_id": person_id, "type": "PersonDataDisclosed"})["entries"],
               timeout=15, message="intake's disclosure line in the ledger too")
    assert "heard_voices" not in str(auditor.audit.history({"subject_id": person_id})["entries"])
