"""Every service's AccessRecorded enters the ledger about the person or peer worker read, by the reader."""
from __future__ import annotations

import uuid

from services.audit.setup import setup
from services.audit.tests.support import AUDITOR, Sources, catch_up, consumer
from services.matching.setup import setup as matching_setup
from services.matching.tests.support import World, peer_caller, person_caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


def test_a_peer_reading_a_persons_items_is_in_the_ledger_about_the_person_and_verifies(app_factory, vault):
    matching = app_factory(matching_setup)
    world = World(matching, vault)
    peer = world.peer(items=["veteran"])
    person = world.person(items=["veteran"])
    matching.perform("choose", person_caller(person), {"person_id": person, "peer_worker_id": peer})
    matching.perform("peer_requests", peer_caller(peer), uuid.UUID(peer))
    audit = app_factory(setup)
    catch_up(consumer(audit, Sources(matching=matching)))
    [entry] = audit.perform("history", AUDITOR, {"type": "AccessRecorded"})["entries"]
    assert (entry["source"], entry["subject_id"], entry["user_id"], entry["role"]) == (
        "matching", person, peer, "peer")
    assert entry["organization_id"] == "org-harbor"  # the reader's
    about = audit.perform("history", AUDITOR, {"subject_id": person})["entries"]
    assert [e["type"] for e in about][-1] == "AccessRecorded"
    assert audit.perform("verify", AUDITOR)["ok"]
