"""The ledger: every event of every source once, in order, with a digest and nothing personal."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from services.audit.setup import setup
from services.audit.chain import canonical, entry_hash
from services.audit.ledger import COLUMNS
from services.audit.tests.support import ADMIN, AUDITOR, NAME, Sources, catch_up, consumer, profile
from services.directory.setup import setup as directory_setup
from services.intake.setup import setup as intake_setup
from services.matching.setup import setup as matching_setup
from shared import contracts
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def network(app_factory, isolated_env):
    intake = app_factory(intake_setup, store="sqlite")
    directory = app_factory(directory_setup, store="sqlite")
    matching = app_factory(matching_setup, store="sqlite")
    audit = app_factory(setup, env={"PEERNET_AUDIT_CHECKPOINT_EVERY": "3",
                                    "AUDIT_LEDGER_DBNAME": str(isolated_env / "audit_ledger.sqlite")})
    sources = Sources(intake=intake, directory=directory, matching=matching, audit=audit)
    return sources, consumer(audit, sources)


def fill(sources: Sources, profiles: int = 3) -> list[str]:
    intake, directory, matching = (sources.apps[name] for name in ("intake", "directory", "matching"))
    ids = []
    for _ in range(profiles):
        payload = profile()
        ids.append(str(intake.perform("record_peer_worker_profile", ADMIN, payload)))
        intake.perform("share_experience", Caller.system("intake"), {  # the peer worker's items: not their admin's
            "peer_worker_id": payload["peer_worker_id"], "experience": "veteran", "visibility": "network"})
    directory.perform("register_organization", ADMIN, {"name": "Harbor Peer Center",
                                                       "kind": "peer_run_organization", "regions": ["hampden"]})
    for event in intake.integration_events(0, 100):  # matching builds its candidates from intake
        matching.process_upstream(contracts.parse(event.as_message()))
    return ids


def test_every_event_of_every_source_is_entered_once_in_order(network):
    sources, tracked = network
    fill(sources)
    audit = tracked.application
    assert catch_up(tracked) > 0
    assert catch_up(tracked) == 0  # a second pass enters nothing twice
    for source in ("intake", "directory", "matching"):
        stored = [event.position for event in sources.apps[source].integration_events(0, 1000)]
        entered = [e["position"] for e in
                   audit.perform("history", AUDITOR, {"source": source, "limit": 1000})["entries"]]
        assert entered == stored and stored, source
    # Redelivery from the bus is a duplicate too.
    first = sources.apps["intake"].integration_events(0, 1)[0].as_message()
    assert tracked.handle(first) == "duplicate"
    seqs = [e["seq"] for e in audit.perform("history", AUDITOR, {"limit": 1000})["entries"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert audit.ledger.positions() == {s: sources.apps[s].max_position() for s in ("intake", "directory", "matching")}


def test_an_entry_says_who_did_what_to_which_subject_with_a_digest(network):
    sources, tracked = network
    [peer_worker_id, *_] = fill(sources, profiles=1)
    catch_up(tracked)
    entry = tracked.application.perform("history", AUDITOR,
                                        {"source": "intake", "type": "PeerWorkerProfiled"})["entries"][0]
    assert entry["user_id"] == ADMIN.user_id and entry["role"] == "agency_admin"
    assert entry["organization_id"] == "org-harbor" and entry["actor_organization_id"] == "org-harbor"
    assert entry["correlation_id"] == ADMIN.correlation_id
    assert entry["subject_id"] == peer_worker_id
    event = sources.apps["intake"].integration_events(0, 1)[0]
    assert entry["digest"] == hashlib.sha256(canonical(contracts.parse(event.as_message()))).hexdigest()
    assert entry["occurred_at"].endswith("Z") and len(entry["occurred_at"]) == 27


def test_the_ledger_holds_no_personal_field_not_even_sealed(network, isolated_env):
    sources, tracked = network
    fill(sources)
    catch_up(tracked)
    tracked.application.ledger.close()
    raw = b"".join(p.read_bytes() for p in Path(isolated_env).glob("audit_ledger.sqlite*"))
    assert raw
    assert NAME.encode() not in raw and b"Quillfeather" not in raw
    assert b"pii1:" not in raw  # only a digest of each body is kept
    assert b"heard_voices" not in raw


def test_the_chain_links_every_entry_to_the_one_before(network):
    sources, tracked = network
    fill(sources)
    catch_up(tracked)
    previous = "0" * 64
    for row in tracked.application.ledger.rows():
        assert row[-1] == entry_hash(previous, row[:-1])
        previous = row[-1]
    assert len(COLUMNS) == len(row)


def test_rebuild_by_replay_enters_the_same_events(network):
    sources, tracked = network
    fill(sources)
    catch_up(tracked)
    audit = tracked.application
    before = [(e["source"], e["position"], e["digest"])
              for e in audit.perform("history", AUDITOR, {"limit": 1000})["entries"]]
    assert audit.rebuild(progress=False) == len(before)
    after = [(e["source"], e["position"], e["digest"])
             for e in audit.perform("history", AUDITOR, {"limit": 1000})["entries"]]
    assert sorted(after) == sorted(before)
    assert audit.perform("verify", AUDITOR)["ok"]


def test_a_position_whose_logged_event_breaks_its_contract_is_entered_without_a_digest(network):
    sources, tracked = network
    fill(sources, profiles=1)
    broken = {**sources.apps["intake"].integration_events(0, 1)[0].as_message(), "body": {"nonsense": 1}}
    sources.fetch_range = lambda source, after, limit: [broken] if source == "intake" and after == 0 else []
    tracked.fetch_range = sources.fetch_range
    tracked.catch_up("intake")
    [entry] = tracked.application.perform("history", AUDITOR, {"source": "intake"})["entries"]
    assert (entry["position"], entry["type"], entry["digest"]) == (1, "DeadLettered", "")
    assert json.dumps(broken) not in json.dumps(entry)


def test_an_in_memory_network_gets_an_in_memory_ledger(app_factory, isolated_env):
    first, second = app_factory(setup), app_factory(setup)
    first.ledger.skip("intake", 1)
    assert (first.position_in("intake"), second.position_in("intake")) == (1, 0)
    assert not list(Path(isolated_env).glob("audit_ledger*"))


def test_a_lot_brought_together_is_entered_in_one_transaction_each_position_once(network):
    sources, tracked = network
    fill(sources)
    audit = tracked.application
    messages = [event.as_message() for event in sources.apps["intake"].integration_events(0, 1000)]
    events = [contracts.parse(message) for message in messages]
    assert len(events) >= 6
    assert audit.process_upstream_batch(events[:2]) == 2
    commits = []
    audit.ledger._connection().set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    # Redelivered with what follows: only the new positions are entered, in one commit.
    assert audit.process_upstream_batch(events) == len(events) - 2
    audit.ledger._connection().set_trace_callback(None)
    assert commits == ["COMMIT"]
    entries = audit.perform("history", AUDITOR, {"source": "intake", "limit": 1000})["entries"]
    assert [e["position"] for e in entries] == [event.position for event in events]
    previous = "0" * 64
    for row in audit.ledger.rows():
        assert row[-1] == entry_hash(previous, row[:-1])
        previous = row[-1]
    # A checkpoint every 3 entries, signed inside the lot as it passed them.
    assert [c["seq"] for c in audit.ledger.checkpoints()] == list(range(3, len(events) + 1, 3))
    assert audit.ledger.positions()["intake"] == events[-1].position
