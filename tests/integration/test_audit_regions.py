"""Connections by month and region on the real broker, SQLite and PostgreSQL: matching publishes
version 2 of its connection events with the region, audit counts them suppressed."""
import uuid
from datetime import datetime, timezone

import pytest

from tests.support import wait_until

pytestmark = pytest.mark.integration


def profile(peer_id):
    return {"peer_worker_id": peer_id, "display_name": "Ana Example (synthetic)", "organization_id": "org-hampden-1",
            "experiences": [{"experience": "heard_voices", "visibility": "matching"}]}


def availability(peer_id, remote):
    return {"peer_worker_id": peer_id, "capacity": 2, "modalities": ["phone"], "languages": ["Spanish"],
            "regions": ["Hampden County"], "remote": remote}


def enrollment(person_id, region):
    return {"person_id": person_id, "display_name": "Sam Sample (synthetic)", "region": region,
            "languages": ["Spanish"], "modalities": ["phone"], "agencies": [],
            "consent": {"purpose": "peer_support", "expires_at": None,
                        "may_see": {"matching": ["region", "languages", "modalities", "experiences"]}}}


def connect(rpc, peer_id, region):
    person_id = str(uuid.uuid4())
    person = rpc("person", user_id=person_id)
    person.intake.enroll(enrollment(person_id, region))
    person.intake.request_support({"person_id": person_id})
    wait_until(lambda: person.matching.my_offers(person_id)["offers"], timeout=10, message="offers")
    choice = person.matching.choose({"person_id": person_id, "peer_worker_id": peer_id})
    return rpc("peer", user_id=peer_id).matching.accept({"choice_id": choice["choice_id"]})["connection_id"]


def test_connections_started_and_ended_by_month_and_region(store_env, network_factory, rpc):
    network_factory(store_env, services=("intake", "matching", "audit")).start()
    auditor, system = rpc("state_auditor"), rpc("system")
    peer_id = str(uuid.uuid4())
    peer = rpc("peer", user_id=peer_id)
    peer.intake.record_peer_worker_profile(profile(peer_id))
    peer.intake.set_availability(availability(peer_id, remote=True))
    near = connect(rpc, peer_id, "Hampden County")
    connect(rpc, peer_id, "Franklin County")  # a remote connection: not the person's county
    peer.matching.end_connection({"connection_id": near})

    log = system.matching.positions()["log"]
    wait_until(lambda: system.audit.positions()["upstream"]["matching"] == log, timeout=15, message="audit")
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    figures = auditor.audit.figures()
    started = figures["connections_started_by_month_and_region"]
    assert started["rows"] == [{"row": month, "cells": {"Hampden County": "1-10", "remote": "1-10"},
                                "total": "2-20"}]
    assert figures["connections_ended_by_month_and_region"]["rows"] == [
        {"row": month, "cells": {"Hampden County": "1-10"}, "total": "1-10"}]
    assert "connections_by_month" not in figures
    entered = auditor.audit.history({"source": "matching", "type": "ConnectionBegan"})["entries"]
    assert [e["version"] for e in entered] == [2, 2]
    assert {e["subject_id"] for e in auditor.audit.history({"type": "ConnectionEnded"})["entries"]} == {near}
