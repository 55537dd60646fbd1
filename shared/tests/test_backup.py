"""shared.backup on real SQLite stores (eventsourcing's recorder, the vault) in tmp_path: sealed files that
refuse any change, one moment for every store while writers go on, the manifest's checks, restore into an
empty var/ only, and forgetting that outlives a restore. The whole network's drill: tests/integration."""
from __future__ import annotations

import base64
import json
import os
import threading

import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking

from shared import backup, config
from shared.application import ServiceApplication
from shared.crypto import FORGOTTEN, vault_from_env
from shared.forgotten import ForgottenList, forgotten_list


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str):
        self.text = text


class Upstream(ServiceApplication):
    service = "intake"


class Downstream(ServiceApplication):
    service = "matching"
    follows = ("intake",)


@pytest.fixture(autouse=True)
def backup_key(monkeypatch, tmp_path):
    # Kept apart from var/, as an operator would: a restore into an empty var/ must still open the backup.
    monkeypatch.setenv("PEERNET_BACKUP_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    monkeypatch.setenv("PEERNET_FORGOTTEN_LIST", str(tmp_path / "kept-apart" / "forgotten-ids.list"))


def stores(vault):
    up, down = Upstream(vault), Downstream(vault)
    return up, down


def apply(up: Upstream, down: Downstream) -> None:
    """A consumer's step: one upstream event, then the downstream's own with its tracked position."""
    up.save(Note("upstream"))
    # As the tracked consumer records: its events and the upstream's position in one transaction.
    processing = ProcessingEvent(tracking=Tracking("intake", up.recorder.max_notification_id()))
    processing.collect_events(Note("downstream"))
    down._record(processing)


def rows(app) -> list[tuple]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in app.recorder.select_notifications(start=1, limit=10_000)]


# -- sealed files ---------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 10, backup.CHUNK, 2 * backup.CHUNK + 7])
def test_a_sealed_file_opens_to_the_same_bytes(tmp_path, size):
    clear = tmp_path / "clear"
    clear.write_bytes(os.urandom(size))
    key = backup.backup_key()
    digest, sealed_digest, sealed_size = backup.seal_file(clear, tmp_path / "sealed", "intake.sqlite", key)
    assert sealed_size == size and sealed_digest == backup.sha256_of(tmp_path / "sealed")
    assert backup.open_file(tmp_path / "sealed", tmp_path / "opened", "intake.sqlite", key) == digest
    assert (tmp_path / "opened").read_bytes() == clear.read_bytes()


def test_a_sealed_file_refuses_a_flipped_byte_a_cut_another_name_or_key(tmp_path):
    clear = tmp_path / "clear"
    clear.write_bytes(os.urandom(2 * backup.CHUNK + 100))
    key = backup.backup_key()
    backup.seal_file(clear, tmp_path / "sealed", "intake.sqlite", key)
    sealed = (tmp_path / "sealed").read_bytes()
    flipped = bytearray(sealed)
    flipped[len(flipped) // 2] ^= 1
    first_chunk_ends = len(backup.MAGIC) + 16 + backup.CHUNK + 16  # length, nonce, chunk, tag
    for altered in (bytes(flipped), sealed[:first_chunk_ends], sealed[:-1]):
        (tmp_path / "altered").write_bytes(altered)
        with pytest.raises(backup.BackupError):
            backup.open_file(tmp_path / "altered", tmp_path / "opened", "intake.sqlite", key)
    with pytest.raises(backup.BackupError):
        backup.open_file(tmp_path / "sealed", tmp_path / "opened", "matching.sqlite", key)
    with pytest.raises(backup.BackupError):
        backup.open_file(tmp_path / "sealed", tmp_path / "opened", "intake.sqlite", os.urandom(32))


# -- backup, check, restore -----------------------------------------------------------
def test_a_restore_brings_every_store_back_with_its_positions(tmp_path, monkeypatch):
    vault = vault_from_env()
    up, down = stores(vault)
    for _ in range(5):
        apply(up, down)
    up.recorder.insert_tracking(Tracking(backup.RELAY, 3))  # the relay confirmed three
    kept = vault.seal("person-kept", "Ash Example (synthetic)")
    before = {"intake": rows(up), "matching": rows(down)}

    manifest = backup.backup(tmp_path / "backups" / "one", quiet=True)
    assert manifest["positions"]["intake"] == {"log": 5, "relay": 3, "upstream": {}}
    assert manifest["positions"]["matching"] == {"log": 5, "relay": 0, "upstream": {"intake": 5}}
    names = {entry["name"] for entry in manifest["files"]}
    assert {"intake.sqlite", "matching.sqlite", "vault.sqlite", "cipher.key", "vault.key"} <= names
    for entry in manifest["files"]:  # nothing in clear in the backup
        assert (tmp_path / "backups" / "one" / f"{entry['name']}.enc").read_bytes()[:len(backup.MAGIC)] == backup.MAGIC
    assert not (tmp_path / "backups" / "one" / "intake.sqlite").exists()

    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path / "empty-var"))
    done = backup.restore(tmp_path / "backups" / "one", quiet=True, purge=False)
    assert done["manifest"]["positions"] == manifest["positions"]
    assert (tmp_path / "empty-var" / "cipher.key").read_text() == (tmp_path / "var" / "cipher.key").read_text()
    vault_after = vault_from_env()
    up_after, down_after = stores(vault_after)
    assert {"intake": rows(up_after), "matching": rows(down_after)} == before
    assert down_after.recorder.max_tracking_id("intake") == 5
    assert up_after.recorder.max_tracking_id(backup.RELAY) == 3
    assert vault_after.open(kept) == "Ash Example (synthetic)"


def test_restore_refuses_a_target_that_holds_a_store_unless_forced(tmp_path):
    vault = vault_from_env()
    up, down = stores(vault)
    apply(up, down)
    backup.backup(tmp_path / "b", quiet=True)
    apply(up, down)  # the live stores are now ahead of the backup
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(tmp_path / "b", quiet=True, purge=False)
    assert up.recorder.max_notification_id() == 2
    del up, down
    backup.restore(tmp_path / "b", force=True, quiet=True, purge=False)
    up, down = stores(vault_from_env())
    assert up.recorder.max_notification_id() == 1 and down.recorder.max_tracking_id("intake") == 1


def test_check_refuses_an_altered_file_or_manifest_and_another_key(tmp_path, monkeypatch):
    vault = vault_from_env()
    apply(*stores(vault))
    where = tmp_path / "b"
    backup.backup(where, quiet=True)
    assert backup.check(where)["positions"]["matching"]["upstream"] == {"intake": 1}

    sealed = where / "intake.sqlite.enc"
    original = sealed.read_bytes()
    sealed.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.check(where)
    sealed.write_bytes(original)

    manifest = json.loads((where / "manifest.json").read_text())
    manifest["positions"]["intake"]["log"] = 0  # as if it had been copied before matching
    (where / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="MAC"):
        backup.check(where)
    assert backup.positions_problems(manifest["positions"]) == [
        "matching has applied intake up to #1, but intake's copy ends at #0"]

    monkeypatch.setenv("PEERNET_BACKUP_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    with pytest.raises(backup.BackupError, match="MAC"):
        backup.check(where)


def test_every_backup_is_of_one_moment_while_a_consumer_keeps_writing(tmp_path):
    """Copied one after the other, the upstream first, the downstream would often hold a position past
    the upstream's copy; with every store's write lock taken at once, never."""
    vault = vault_from_env()
    up, down = stores(vault)
    apply(up, down)
    stop, failures = threading.Event(), []

    def consume():
        try:
            while not stop.is_set():
                apply(up, down)
        except Exception as error:  # reported below, not lost in the thread
            failures.append(error)

    writer = threading.Thread(target=consume)
    writer.start()
    try:
        manifests = [backup.backup(tmp_path / f"b{n}", quiet=True) for n in range(8)]
    finally:
        stop.set()
        writer.join(30)
    assert not failures
    heads = [m["positions"]["intake"]["log"] for m in manifests]
    assert heads == sorted(heads) and heads[-1] > heads[0], "the consumer kept writing meanwhile"
    for manifest in manifests:  # backup() refuses copies that disagree; and the manifest says so too
        assert manifest["positions"]["matching"]["upstream"]["intake"] <= manifest["positions"]["intake"]["log"]


def test_a_consumer_step_between_two_copies_waits_for_the_moment_to_pass(tmp_path, monkeypatch):
    """The worst interleaving, forced: just before the downstream's copy starts, a consumer applies a new
    upstream event. Were the copies not of one moment, the downstream's would hold #2 and the upstream's
    end at #1; the write locks make the step wait until every copy has its snapshot."""
    import sqlite3

    vault = vault_from_env()
    up, down = stores(vault)
    apply(up, down)
    downstream = str(config.var_dir() / "matching.sqlite")
    opened, steps, real_connect = [], [], sqlite3.connect

    def connect(database, *args, **kwargs):
        if threading.current_thread() is threading.main_thread() and str(database) == downstream:
            opened.append(database)
            if len(opened) == 2:  # the lock first, then the reader whose snapshot is the copy
                step = threading.Thread(target=apply, args=(up, down))
                step.start()
                step.join(1.0)
                steps.append(step)
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    manifest = backup.backup(tmp_path / "b", quiet=True)
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    steps[0].join(30)
    assert manifest["positions"]["intake"]["log"] == 1
    assert manifest["positions"]["matching"]["upstream"] == {"intake": 1}
    assert down.recorder.max_tracking_id("intake") == 2, "the step went through once the moment passed"


def test_a_long_transaction_elsewhere_never_keeps_writers_waiting_on_the_backup(tmp_path):
    """The locks are all taken or none is held: a store busy for longer than the wait gives back the
    others, and the backup tries again, then says so."""
    import sqlite3

    apply(*stores(vault_from_env()))
    var = config.var_dir()
    busy = sqlite3.connect(var / "matching.sqlite", isolation_level=None)
    busy.execute("BEGIN IMMEDIATE")
    every = [store for store in backup.stores() if store.kind == "sqlite" and (var / store.where).exists()]
    with pytest.raises(backup.BackupError, match="write lock"):
        with backup.one_moment(every, var, None, wait=0.1, attempts=2):
            pass
    writer = sqlite3.connect(var / "intake.sqlite", timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # intake's lock was given back
    writer.execute("ROLLBACK")
    busy.execute("ROLLBACK")
    assert backup.backup(tmp_path / "b", quiet=True)["positions"]["matching"]["upstream"] == {"intake": 1}


def test_restore_refuses_keys_other_than_the_ones_the_stores_were_written_under(tmp_path, monkeypatch):
    from eventsourcing.cryptography import AESCipher

    apply(*stores(vault_from_env()))
    backup.backup(tmp_path / "b", quiet=True)
    other = tmp_path / "other-var"
    other.mkdir()
    (other / "cipher.key").write_text(AESCipher.create_key(32))
    monkeypatch.setenv("PEERNET_VAR_DIR", str(other))
    with pytest.raises(backup.BackupError, match="cipher.key differs"):
        backup.restore(tmp_path / "b", quiet=True, purge=False)
    (other / "cipher.key").unlink()
    monkeypatch.setenv("PEERNET_CIPHER_KEY", AESCipher.create_key(32))
    with pytest.raises(backup.BackupError, match="cipher key differs"):
        backup.restore(tmp_path / "b", quiet=True, purge=False)


# -- forgetting survives a restore ---------------------------------------------------
def test_a_person_forgotten_after_the_backup_stays_forgotten_after_a_restore(tmp_path, monkeypatch):
    vault = vault_from_env()
    up, down = stores(vault)
    apply(up, down)
    forgotten_later = vault.seal("person-forgotten-later", "Briar Example (synthetic)")
    kept = vault.seal("person-kept", "Cedar Example (synthetic)")
    forgotten_before = vault.seal("person-forgotten-before", "Dale Example (synthetic)")
    vault.forget("person-forgotten-before")
    backup.backup(tmp_path / "b", quiet=True)

    assert vault.forget("person-forgotten-later")
    assert forgotten_list().ids() == ["person-forgotten-before", "person-forgotten-later"]
    # The disk is lost: var/ is gone, the list (kept apart) is not.
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path / "new-var"))
    done = backup.restore(tmp_path / "b", quiet=True, purge=False)
    assert done["keys_destroyed_again"] == 1
    restored = vault_from_env()
    assert restored.open(forgotten_later) == FORGOTTEN and restored.is_forgotten("person-forgotten-later")
    assert restored.open(forgotten_before) == FORGOTTEN
    assert restored.open(kept) == "Cedar Example (synthetic)"


def test_the_forgotten_list_is_appended_and_holds_ids_only(tmp_path):
    listed = ForgottenList(tmp_path / "list")
    assert listed.ids() == []
    for subject_id in ("a", "b", "a"):
        listed.add(subject_id)
    assert listed.ids() == ["a", "b"]
    assert [line.split("\t")[0] for line in (tmp_path / "list").read_text().splitlines()] == ["a", "b", "a"]
    with pytest.raises(ValueError):
        listed.add("c\nd")


def test_the_memory_vault_keeps_no_list(monkeypatch):
    monkeypatch.setenv("PEERNET_STORE", "memory")
    vault = vault_from_env()
    vault.seal("person-m", "Elm Example (synthetic)")
    vault.forget("person-m")
    assert not config.var_dir().joinpath("forgotten-ids.list").exists()
    assert forgotten_list().ids() == []
