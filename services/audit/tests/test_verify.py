"""Tamper evidence: one altered byte anywhere, in a source's store or in the ledger, is found."""
from __future__ import annotations

import sqlite3

import pytest

from services.audit import cli
from services.audit.setup import setup
from services.audit.chain import entry_hash
from services.audit.cli import report
from services.audit.ledger import SQLiteLedger
from services.audit.settings import Settings
from services.audit.signing import Signer, new_key, signing_key
from services.audit.tests.support import ADMIN, AUDITOR, Sources, alter_one_byte, audited_network, catch_up, consumer, profile
from services.intake.setup import setup as intake_setup
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def audited(app_factory, isolated_env):
    return audited_network(app_factory, isolated_env)


def ledger_db(audit) -> sqlite3.Connection:
    return sqlite3.connect(audit.ledger.path, isolation_level=None)


def test_an_untouched_network_passes(audited):
    intake, audit = audited
    result = audit.perform("verify", AUDITOR)
    assert result["ok"], result
    assert result["chain"]["entries_verified"] == 10 and result["chain"]["checkpoints"] == 2
    [intake_check] = [s for s in result["sources"] if s["source"] == "intake"]
    assert intake_check == {"source": "intake", "ok": True, "events_checked": 10, "problem": None}
    assert report(result)[-1] == "verify: passed"


def test_one_altered_byte_of_a_stored_event_at_the_source_is_caught(audited):
    intake, audit = audited
    # The 7th stored event: its state blob is AES-GCM ciphertext, so the source can no longer read it.
    alter_one_byte(intake.env["SQLITE_DBNAME"], "SELECT rowid, state FROM stored_events WHERE rowid = 7",
                   "stored_events", "state")
    result = audit.perform("verify", AUDITOR)
    assert not result["ok"]
    assert result["chain"]["ok"]  # the ledger itself is intact
    [check] = [s for s in result["sources"] if s["source"] == "intake"]
    assert check["problem"]["kind"] == "altered_event"
    assert check["problem"]["position"] == 7 and check["events_checked"] == 6
    assert any("intake: ALTERED_EVENT" in line and "position 7" in line for line in report(result))


def test_an_event_changed_at_the_source_without_the_cipher_differs_from_its_digest(app_factory, tmp_path):
    plain = {"CIPHER_TOPIC": "", "CIPHER_KEY": "", "COMPRESSOR_TOPIC": ""}
    intake = app_factory(intake_setup, store="sqlite", env=plain, var_dir=tmp_path / "plain")
    audit = app_factory(setup)
    payload = profile()
    intake.perform("record_peer_worker_profile", ADMIN, payload)
    catch_up(consumer(audit, Sources(intake=intake)))
    db = sqlite3.connect(intake.env["SQLITE_DBNAME"])
    db.execute("UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'org-harbor', 'org-harbos') AS BLOB)")
    db.commit()
    [check] = [s for s in audit.perform("verify", AUDITOR)["sources"] if s["source"] == "intake"]
    assert check["problem"]["kind"] == "altered_event" and "digest" in check["problem"]["detail"]


def test_one_altered_byte_of_a_ledger_entry_is_caught(audited):
    _, audit = audited
    alter_one_byte(audit.ledger.path, "SELECT seq, user_id FROM ledger_entries WHERE seq = 3",
                   "ledger_entries", "user_id", key_column="seq")
    chain = audit.perform("verify", AUDITOR, False)["chain"]
    assert not chain["ok"]
    assert chain["problem"]["kind"] == "altered_entry" and chain["problem"]["seq"] == 3
    assert chain["entries_verified"] == 2


def test_a_removed_entry_is_a_broken_link(audited):
    _, audit = audited
    ledger_db(audit).execute("DELETE FROM ledger_entries WHERE seq = 5")
    problem = audit.perform("verify", AUDITOR, False)["chain"]["problem"]
    assert problem["kind"] == "broken_link" and problem["seq"] == 5


def test_a_rewritten_chain_does_not_reach_its_signed_checkpoint(audited):
    _, audit = audited
    db = ledger_db(audit)
    db.execute("UPDATE ledger_entries SET type = 'PeerWorkerExperienceWithdrawn' WHERE seq = 2")
    previous = "0" * 64
    for row in list(audit.ledger.rows()):  # recompute every hash, as a careful forger would
        fixed = entry_hash(previous, row[:-1])
        db.execute("UPDATE ledger_entries SET hash = ? WHERE seq = ?", (fixed, row[0]))
        previous = fixed
    problem = audit.perform("verify", AUDITOR, False)["chain"]["problem"]
    assert problem["kind"] == "bad_checkpoint" and problem["seq"] == 4
    assert "rewritten" in problem["detail"]


def test_checkpoints_kept_elsewhere_catch_a_rewrite_with_the_ledgers_checkpoints_gone(audited):
    _, audit = audited
    kept = audit.ledger.checkpoints()
    db = ledger_db(audit)
    db.execute("DELETE FROM ledger_checkpoints")
    db.execute("DELETE FROM ledger_entries WHERE seq > 6")
    assert audit.perform("verify", AUDITOR, False)["chain"]["ok"]  # internally consistent, shorter
    problem = audit.perform("verify", AUDITOR, False, kept)["chain"]["problem"]
    assert problem["kind"] == "broken_link" and "checkpoint names entry 8" in problem["detail"]


def test_a_checkpoint_signed_with_another_key_is_refused(audited):
    _, audit = audited
    forged = Signer(new_key())
    head_seq, head_hash = audit.ledger.head()
    kept = [{"seq": head_seq, "hash": head_hash, "key_id": forged.key_id, "signature": forged.sign(head_seq, head_hash),
             "signed_at": "2026-01-01T00:00:00Z"}]
    problem = audit.perform("verify", AUDITOR, False, kept)["chain"]["problem"]
    assert problem["kind"] == "bad_checkpoint" and "another key" in problem["detail"]


def test_a_missing_source_event_is_reported(audited):
    intake, audit = audited
    sqlite3.connect(intake.env["SQLITE_DBNAME"], isolation_level=None).execute(
        "DELETE FROM stored_events WHERE rowid = 10")
    [check] = [s for s in audit.perform("verify", AUDITOR)["sources"] if s["source"] == "intake"]
    assert check["problem"]["kind"] == "missing_event" and check["problem"]["position"] == 10


def test_an_unreachable_source_is_not_called_altered(audited):
    _, audit = audited

    def down(source, after, limit):
        raise ConnectionError("broker gone")

    audit.fetch_range = down
    [check] = [s for s in audit.perform("verify", AUDITOR)["sources"] if s["source"] == "intake"]
    assert not check["ok"] and check["problem"]["kind"] == "unreachable"


def test_the_cli_passes_a_sound_ledger_and_fails_a_broken_one(isolated_env, capsys):
    ledger = SQLiteLedger(str(isolated_env.resolve() / "audit_ledger.sqlite"),
                          Signer(signing_key(Settings.from_env().signing_key)))
    for position in (1, 2, 3):
        ledger.skip("intake", position)
    assert cli.main(["verify", "--chain-only"]) == 0
    assert "chain: ok, 3 entries" in capsys.readouterr().out
    ledger._connection().execute("UPDATE ledger_entries SET source = 'directory' WHERE seq = 2")
    assert cli.main(["verify", "--chain-only"]) == 1
    out = capsys.readouterr().out
    assert "altered_entry: entry 2" in out and "verify: FAILED" in out
