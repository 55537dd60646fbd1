"""Verification jobs on the real broker, with SQLite and PostgreSQL stores: started at once, followed
to their result; the second reads the sources' stored digests and still catches one altered byte at a
source, a changed kept digest and an altered ledger entry; a job whose audit process died is shown as
interrupted, and the next one runs. Break-glass reads a person's 60 events in one connection."""
import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.test_audit import SOURCES, alter, caught_up, enrollment, profile
from tests.support import wait_until

pytestmark = pytest.mark.integration


def finished(auditor, started: dict, timeout: float = 60) -> dict:
    return wait_until(lambda: (job := auditor.audit.verification({"verification_id": started["verification_id"]}))
                      ["state"] != "running" and job, timeout=timeout, interval=0.2, message="the verification ended")


def source_check(job: dict, source: str) -> dict:
    [check] = [s for s in job["result"]["sources"] if s["source"] == source]
    return check


def tamper_kept(store_env, statement: str) -> None:
    if store_env["PEERNET_STORE"] == "sqlite":
        with sqlite3.connect(Path(store_env["PEERNET_VAR_DIR"]) / "audit_ledger.sqlite") as db:
            db.execute(statement.replace("audit.", ""))
        return
    import psycopg

    conninfo = " ".join(f"{key}={store_env['POSTGRES_' + key.upper()]}"
                        for key in ("host", "port", "dbname", "user", "password"))
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute(statement)


def test_verification_jobs(store_env, network_factory, rpc):
    # Stale after 10 s of silence: short for the test, long enough that a busy machine's late
    # heartbeat (1 s) does not pass a running job for an interrupted one.
    network = network_factory({**store_env, "PEERNET_AUDIT_JOB_STALE_SECONDS": "10",
                               "PEERNET_AUDIT_JOB_HEARTBEAT_SECONDS": "1"}, services=(*SOURCES, "audit"))
    network.start()
    admin = rpc("agency_admin", organization_id="org-hampden-1")
    system, auditor = rpc("system"), rpc("state_auditor", user_id="auditor-7")
    for _ in range(3):
        peer_worker_id = str(uuid.uuid4())
        admin.intake.record_peer_worker_profile(profile(peer_worker_id))
        rpc("peer", user_id=peer_worker_id).intake.share_experience(
            {"peer_worker_id": peer_worker_id, "experience": "veteran", "visibility": "network"})
    me = str(uuid.uuid4())
    person = rpc("person", user_id=me)
    person.intake.enroll(enrollment(me))
    for n in range(59):  # a person with many events: break-glass reads them all in one connection
        person.intake.change_details({"person_id": me, "region": ("Berkshire County", "Hampden County")[n % 2]})
    wait_until(lambda: caught_up(system), timeout=30, message="audit caught up with every source")

    started = auditor.audit.start_verification({})
    assert started["state"] == "running" and started["entries_total"] >= 67
    first = finished(auditor, started)
    assert first["state"] == "done" and first["result"]["ok"], first["error"]
    assert first["entries_checked"] == first["entries_total"]
    assert {s["source"]: s["checked"] for s in first["sources"]}["intake"] == source_check(first, "intake")[
        "events_checked"] == system.intake.positions()["log"]

    auditor.audit.open_break_glass({"person_id": me, "reason": "complaint_investigation", "reference": "CI-88"})
    began = time.perf_counter()
    read = auditor.audit.personal_fields({"person_id": me})
    assert time.perf_counter() - began < 2
    regions = [f["value"] for f in read["fields"] if f["field"].endswith("region")]
    assert len(regions) == 60 and set(regions) == {"Berkshire County", "Hampden County"}, read["fields"][:3]

    # The second job compares stored digests: one altered byte at a source is still caught.
    where = "notification_id = 2" if store_env["PEERNET_STORE"] == "postgres" else "rowid = 2"
    alter(store_env, "intake.sqlite", "stored_events", "intake.intake_events", where, "state")
    second = finished(auditor, auditor.audit.start_verification({}))
    assert second["state"] == "done" and not second["result"]["ok"] and second["result"]["chain"]["ok"]
    assert source_check(second, "intake")["problem"]["kind"] == "altered_event"
    assert source_check(second, "intake")["problem"]["position"] == 2

    # A kept digest changed in the ledger's database breaks its seal; an altered entry breaks the chain.
    tamper_kept(store_env, f"UPDATE audit.ledger_source_digests SET stored_digest = '{'0' * 64}' "
                           "WHERE source = 'matching' AND position = 1")
    alter(store_env, "audit_ledger.sqlite", "ledger_entries", "audit.ledger_entries", "seq = 4", "user_id")
    third = finished(auditor, auditor.audit.start_verification({}))
    assert third["result"]["chain"]["problem"]["kind"] == "altered_entry"
    assert source_check(third, "matching")["problem"]["kind"] == "bad_source_digest"

    # The audit process dies while a job runs: the job ends with it and says so; the next one runs.
    running = auditor.audit.start_verification({})
    network.kill("audit")
    network.start("audit")
    interrupted = finished(auditor, running, timeout=45)
    assert interrupted["state"] == "interrupted" and interrupted["result"] is None
    assert finished(auditor, auditor.audit.start_verification({}))["state"] == "done"
