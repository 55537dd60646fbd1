"""Verification as a job: started at once, followed, its result read; the digests kept of each
source's stored events make a later verification quick, and any change to them, to the ledger or
to a source's store is still found."""
from __future__ import annotations

import sqlite3
import time

import pytest

from services.audit.chain import entry_hash, link
from services.audit.tests.support import AUDITOR, alter_one_byte, audited_network
from shared.errors import InvalidInput, NotFound
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def audited(app_factory, isolated_env):
    return audited_network(app_factory, isolated_env)


def finished(audit, started: dict, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    query = {"verification_id": started["verification_id"]}
    while (job := audit.perform("verification", AUDITOR, query))["state"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job


def intake_check(job: dict) -> dict:
    [check] = [s for s in job["result"]["sources"] if s["source"] == "intake"]
    return check


def test_a_job_answers_at_once_and_ends_with_todays_answer(audited):
    _, audit = audited
    started = audit.perform("start_verification", AUDITOR, {})
    assert started["state"] == "running" and started["requested_by"] == "auditor-1"
    assert started["entries_total"] == 10 and started["result"] is None
    job = finished(audit, started)
    assert job["state"] == "done" and job["result"]["ok"], job
    assert job["entries_checked"] == job["entries_total"] == 10 and job["finished_at"]
    assert {"source": "intake", "checked": 10, "total": 10} in job["sources"]
    assert intake_check(job) == {"source": "intake", "ok": True, "events_checked": 10, "problem": None}


def test_the_second_verification_compares_kept_digests_and_reads_nothing_in_full(audited):
    _, audit = audited
    assert finished(audit, audit.perform("start_verification", AUDITOR, {}))["result"]["ok"]
    read_in_full = []
    fetch_range = audit.fetch_range
    audit.fetch_range = lambda *args: read_in_full.append(args) or fetch_range(*args)
    assert finished(audit, audit.perform("start_verification", AUDITOR, {}))["result"]["ok"]
    assert read_in_full == []


def test_an_event_altered_at_the_source_after_it_was_verified_is_caught(audited):
    intake, audit = audited
    assert finished(audit, audit.perform("start_verification", AUDITOR, None))["result"]["ok"]
    alter_one_byte(intake.env["SQLITE_DBNAME"], "SELECT rowid, state FROM stored_events WHERE rowid = 7",
                   "stored_events", "state")
    job = finished(audit, audit.perform("start_verification", AUDITOR, None))
    assert job["state"] == "done" and not job["result"]["ok"] and job["result"]["chain"]["ok"]
    check = intake_check(job)
    assert check["problem"]["kind"] == "altered_event" and check["problem"]["position"] == 7
    assert check["events_checked"] == 6


def test_a_tampered_ledger_entry_is_caught_by_the_job(audited):
    _, audit = audited
    alter_one_byte(audit.ledger.path, "SELECT seq, digest FROM ledger_entries WHERE seq = 3",
                   "ledger_entries", "digest", key_column="seq")
    job = finished(audit, audit.perform("start_verification", AUDITOR, {}))
    assert not job["result"]["ok"]
    chain = job["result"]["chain"]
    assert chain["problem"]["kind"] == "altered_entry" and chain["problem"]["seq"] == 3
    # The source still has what it published: the entry's digest no longer matches it.
    assert intake_check(job)["problem"]["kind"] == "altered_event"
    assert intake_check(job)["problem"]["position"] == 3


@pytest.mark.parametrize("tamper", [
    "UPDATE ledger_source_digests SET stored_digest = lower(hex(randomblob(32))) "
    "WHERE source = 'intake' AND position = 4",
    "DELETE FROM ledger_source_digests WHERE source = 'intake' AND position = 4",
    "UPDATE ledger_source_seals SET hash = lower(hex(randomblob(32))) WHERE source = 'intake'",
    "UPDATE ledger_source_seals SET position = 5 WHERE source = 'intake'",
])
def test_a_tampered_kept_digest_or_seal_is_caught_by_the_job(audited, tamper):
    _, audit = audited
    assert finished(audit, audit.perform("start_verification", AUDITOR, {}))["result"]["ok"]
    sqlite3.connect(audit.ledger.path, isolation_level=None).execute(tamper)
    job = finished(audit, audit.perform("start_verification", AUDITOR, {}))
    assert not job["result"]["ok"] and job["result"]["chain"]["ok"]
    assert intake_check(job)["problem"]["kind"] == "bad_source_digest"


def test_a_kept_digest_changed_together_with_the_source_event_breaks_the_seal(audited):
    intake, audit = audited
    assert finished(audit, audit.perform("start_verification", AUDITOR, {}))["result"]["ok"]
    alter_one_byte(intake.env["SQLITE_DBNAME"], "SELECT rowid, state FROM stored_events WHERE rowid = 7",
                   "stored_events", "state")
    [(now,)] = [(d,) for p, d in intake.stored_digests(6, 1)]
    sqlite3.connect(audit.ledger.path, isolation_level=None).execute(
        "UPDATE ledger_source_digests SET stored_digest = ? WHERE source = 'intake' AND position = 7", (now,))
    check = intake_check(finished(audit, audit.perform("start_verification", AUDITOR, {})))
    assert check["problem"]["kind"] == "bad_source_digest"


def test_a_job_whose_process_died_is_interrupted_not_running_forever(audited, monkeypatch):
    _, audit = audited
    audit.jobs.launch = lambda job_id: None  # started, then its process is gone before it begins
    started = audit.perform("start_verification", AUDITOR, {})
    assert audit.perform("verification", AUDITOR, {"verification_id": started["verification_id"]})["state"] == "running"
    monkeypatch.setattr(audit.jobs, "stale_seconds", 0)
    job = audit.perform("verification", AUDITOR, {"verification_id": started["verification_id"]})
    assert job["state"] == "interrupted" and job["result"] is None


def test_a_job_that_fails_says_why(audited):
    _, audit = audited
    audit.fetch_digests = None
    job = finished(audit, audit.perform("start_verification", AUDITOR, {}))
    assert job["state"] == "failed" and "fetch_digests" in job["error"] and job["result"] is None


def test_checkpoints_kept_elsewhere_go_to_the_job(audited):
    _, audit = audited
    kept = audit.ledger.checkpoints()
    sqlite3.connect(audit.ledger.path, isolation_level=None).execute("DELETE FROM ledger_entries WHERE seq > 6")
    job = finished(audit, audit.perform("start_verification", AUDITOR, {"checkpoints": kept}))
    problem = job["result"]["chain"]["problem"]
    assert problem["kind"] == "broken_link" and "checkpoint names entry 8" in problem["detail"]


def test_unknown_jobs_and_bad_requests_are_refused(audited):
    _, audit = audited
    with pytest.raises(NotFound):
        audit.perform("verification", AUDITOR, {"verification_id": "6f1c2f39-3f5e-4a55-9d4e-0d8c6c1f6b11"})
    with pytest.raises(InvalidInput):
        audit.perform("start_verification", AUDITOR, {"checkpoints": [{"seq": "x"}]})


def test_the_database_joins_each_entry_as_entry_hash_does(audited):
    _, audit = audited
    audit.ledger.skip("directory", 1)  # an entry with empty and missing columns too
    for row, (seq, source, position, text, stored) in zip(audit.ledger.rows(), audit.ledger.linked(), strict=True):
        assert (seq, source, position, stored) == (row[0], row[1], row[2], row[-1])
        assert link("0" * 64, text) == entry_hash("0" * 64, row[:-1])
