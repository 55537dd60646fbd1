"""Audit on the real broker, with SQLite and PostgreSQL stores: every event of every service enters
the ledger once and in order; verify (RPC and CLI) catches one altered byte at a source and one
altered ledger entry; a state auditor sees a person's fields only through break-glass."""
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from shared.errors import NotAllowed
from shared.network import ROOT
from tests.support import wait_until

pytestmark = pytest.mark.integration
SOURCES = ("intake", "directory", "matching")
NAME = "Rowan Quillfeather-Example"


def profile(peer_worker_id):
    return {"peer_worker_id": peer_worker_id, "display_name": NAME, "organization_id": "org-hampden-1",
            "experiences": [{"experience": "heard_voices", "visibility": "matching"}]}


def enrollment(person_id):
    return {"person_id": person_id, "display_name": "Sky Harrowgate-Example", "contact": "sky@example.org",
            "region": "Hampden County", "languages": ["en"], "modalities": ["phone"], "agencies": [],
            "consent": {"purpose": "peer_support", "may_see": {"matching": ["region", "languages"]},
                        "expires_at": None}}


def caught_up(system):
    logs = {source: system[source].positions()["log"] for source in SOURCES}
    upstream = system.audit.positions()["upstream"]
    return all(upstream[source] == logs[source] for source in SOURCES) and logs


def alter(store_env, sqlite_file: str, table: str, pg_table: str, where: str, column: str) -> None:
    """Flip one bit in the middle of one stored value, straight in the store."""
    def flipped(value):
        data = bytearray(value.encode() if isinstance(value, str) else bytes(value))
        data[len(data) // 2] ^= 1
        return data.decode() if isinstance(value, str) else bytes(data)

    if store_env["PEERNET_STORE"] == "sqlite":
        with sqlite3.connect(Path(store_env["PEERNET_VAR_DIR"]) / sqlite_file) as db:
            [value] = db.execute(f"SELECT {column} FROM {table} WHERE {where}").fetchone()
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (flipped(value),))
        return
    import psycopg

    conninfo = " ".join(f"{key}={store_env['POSTGRES_' + key.upper()]}"
                        for key in ("host", "port", "dbname", "user", "password"))
    with psycopg.connect(conninfo, autocommit=True) as db:
        [value] = db.execute(f"SELECT {column} FROM {pg_table} WHERE {where}").fetchone()
        db.execute(f"UPDATE {pg_table} SET {column} = %s WHERE {where}", (flipped(value),))


def test_ledger_verify_and_break_glass(store_env, network_factory, rpc, amqp_uri):
    network = network_factory(store_env, services=(*SOURCES, "audit"))
    network.start()
    admin = rpc("agency_admin", organization_id="org-hampden-1")
    system, auditor = rpc("system"), rpc("state_auditor", user_id="auditor-7")
    people = [str(uuid.uuid4()) for _ in range(3)]
    for peer_worker_id in people:
        admin.intake.record_peer_worker_profile(profile(peer_worker_id))
        rpc("peer", user_id=peer_worker_id).intake.share_experience(
            {"peer_worker_id": peer_worker_id, "experience": "veteran", "visibility": "network"})
    admin.directory.register_organization({"name": "Hampden Peer Center", "kind": "agency", "regions": ["hampden"]})
    wait_until(lambda: system.matching.positions()["upstream"]["intake"] == 6, timeout=10, message="matching")
    logs = wait_until(lambda: caught_up(system), timeout=20, message="audit caught up with every source")

    # Every event of every service, once, in order per source, and nothing personal.
    entries = auditor.audit.history({"limit": 1000})["entries"]
    for source in SOURCES:
        assert [e["position"] for e in entries if e["source"] == source] == list(range(1, logs[source] + 1))
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert NAME not in str(entries)
    assert auditor.audit.verify()["ok"]
    profiled = auditor.audit.figures()["peer_workers_profiled_by_organization"]
    assert [(r["row"], r["cells"]) for r in profiled["rows"]] == [("org-hampden-1", {"peer workers": "1-10"})]

    # Break-glass: refused without a reason; with one, the name, and the access is in the ledger.
    person = people[0]
    with pytest.raises(NotAllowed):
        auditor.audit.personal_fields({"person_id": person})
    auditor.audit.open_break_glass({"person_id": person, "reason": "legal_request", "reference": "LR-2026-7"})
    shown = auditor.audit.personal_fields({"person_id": person})
    assert [(f["field"], f["value"]) for f in shown["fields"]] == [("display_name", NAME)]
    wait_until(lambda: [e["type"] for e in auditor.audit.history({"subject_id": person, "source": "audit"})["entries"]]
               == ["BreakGlassOpened", "PersonalDataRead"], timeout=10, message="break-glass in the ledger")

    # A person receiving support is told: intake follows audit into their disclosure log.
    me = str(uuid.uuid4())
    person_rpc = rpc("person", user_id=me)
    person_rpc.intake.enroll(enrollment(me))
    wait_until(lambda: auditor.audit.history({"subject_id": me, "source": "intake"})["entries"], timeout=10,
               message="the enrollment in the ledger")
    auditor.audit.open_break_glass({"person_id": me, "reason": "complaint_investigation", "reference": "CI-88"})
    read = auditor.audit.personal_fields({"person_id": me})
    assert "Hampden County" in [f["value"] for f in read["fields"]]
    log = wait_until(lambda: len(d := person_rpc.intake.person_record(me)["disclosures"]) == 2 and d,
                     timeout=10, message="break-glass in the person's disclosure log")
    assert [(d["audience"], d["to"]["access"], d["to"]["user_id"], d["to"]["reference"]) for d in log] == [
        ("state_audit", "opened", "auditor-7", "CI-88"), ("state_audit", "read", "auditor-7", "CI-88")]
    assert log[1]["fields"] == sorted({f["field"] for f in read["fields"]})

    # One altered byte at a source (intake's second stored event) and one altered ledger entry.
    where = "notification_id = 2" if store_env["PEERNET_STORE"] == "postgres" else "rowid = 2"
    alter(store_env, "intake.sqlite", "stored_events", "intake.intake_events", where, "state")
    alter(store_env, "audit_ledger.sqlite", "ledger_entries", "audit.ledger_entries", "seq = 4", "user_id")
    result = auditor.audit.verify()
    assert not result["ok"]
    assert result["chain"]["problem"]["kind"] == "altered_entry" and result["chain"]["problem"]["seq"] == 4
    [intake] = [s for s in result["sources"] if s["source"] == "intake"]
    assert intake["problem"]["kind"] == "altered_event" and intake["problem"]["position"] == 2

    cli = subprocess.run([sys.executable, "-m", "services.audit.cli", "verify"], cwd=ROOT, timeout=60,
                         env={**network.env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert cli.returncode == 1, cli.stderr
    assert "altered_entry: entry 4" in cli.stdout and "intake: ALTERED_EVENT" in cli.stdout
    assert "position 2" in cli.stdout
