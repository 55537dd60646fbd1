"""The backup drill, on SQLite and on PostgreSQL, with every service running on the real broker:
commands, `python -m shared.backup backup` while the network runs, more commands, someone forgotten,
the network stopped and its stores restored into an empty var/ (a new database), the network started
again on the same broker. Then every event up to the backup is there byte for byte and nothing after
it, consumers and relays agree (each source's events in the ledger once, in order, none missing), the
person forgotten after the backup reads as forgotten, new commands flow, and audit verify passes."""
from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from shared import config
from shared.crypto import FORGOTTEN
from shared.errors import NotFound
from shared.network import ROOT
from tests.support import private_database, wait_until

pytestmark = pytest.mark.integration
# The services this drill drives (not every one of config.SERVICES: fewer PostgreSQL connections), and
# who follows whom among them.
SOURCES = ("intake", "directory", "matching", "supervision", "audit")
FOLLOWS = {service: config.FOLLOWS[service] for service in SOURCES}


def enrollment(person_id: str, name: str) -> dict:
    return {"person_id": person_id, "display_name": name, "contact": f"{person_id[:8]}@example.org",
            "region": "Hampden County", "languages": ["en"], "modalities": ["phone"], "agencies": [],
            "consent": {"purpose": "peer_support", "may_see": {"matching": ["region", "languages"]},
                        "expires_at": None}}


def profile(peer_worker_id: str) -> dict:
    return {"peer_worker_id": peer_worker_id, "display_name": "Quill Example (synthetic)",
            "organization_id": "org-hampden-1",
            "experiences": [{"experience": "heard_voices", "visibility": "matching"}]}


def caught_up(system) -> dict | bool:
    """Every consumer has applied every event of each upstream it follows, audit all of them."""
    logs = {source: system[source].positions()["log"] for source in SOURCES}
    for consumer, upstreams in FOLLOWS.items():
        held = system[consumer].positions()["upstream"]
        if any(held[source] != logs[source] for source in upstreams):
            return False
    return logs


def settled(system) -> dict | bool:
    """Caught up, and still the same a moment later: what a consumer does after applying an
    event (matching's clearing of a forgotten person) lands before the backup is taken."""
    first = caught_up(system)
    time.sleep(0.5)
    return first if first and caught_up(system) == first else False


def stored(system, source: str, upto: int) -> list:
    return system[source].stored_digests(0, 50_000)[:upto] if upto else []


def shared_backup(command: list[str], env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "shared.backup", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_backup_more_commands_forget_restore(store_env, network_factory, rpc, tmp_path):
    with contextlib.ExitStack() as stack:
        drill(store_env, network_factory, rpc, tmp_path, stack)


def drill(store_env, network_factory, rpc, tmp_path, stack):
    # Kept apart from the stores: a file beside them on SQLite, a database of its own on PostgreSQL.
    apart = {"PEERNET_BACKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
             "PEERNET_FORGOTTEN_LIST": str(tmp_path / "kept-apart" / "forgotten-ids.list")}
    if store_env["PEERNET_STORE"] == "postgres":
        listed = stack.enter_context(private_database())
        user = f"{listed.user}:{listed.password}" if listed.password else listed.user
        apart["PEERNET_FORGOTTEN_LIST"] = f"postgresql://{user}@{listed.host}:{listed.port}/{listed.dbname}"
    network = network_factory({**store_env, **apart}, services=SOURCES)
    network.start(timeout=120)
    system, admin = rpc("system"), rpc("agency_admin", organization_id="org-hampden-1")
    auditor = rpc("state_auditor", user_id="auditor-drill")

    # Before the backup: a peer worker, three people; one of them will be forgotten after it.
    admin.intake.record_peer_worker_profile(profile(str(uuid.uuid4())))
    admin.directory.register_organization({"name": "Drill Peer Center", "kind": "agency", "regions": ["hampden"]})
    forgotten, kept, also = (str(uuid.uuid4()) for _ in range(3))
    for person_id, name in ((forgotten, "Fern Example (synthetic)"), (kept, "Kit Example (synthetic)"),
                            (also, "Ash Example (synthetic)")):
        rpc("person", user_id=person_id).intake.enroll(enrollment(person_id, name))
    rpc("person", user_id=also).intake.forget_me({"person_id": also})  # forgotten before: in the backup already
    logs = wait_until(lambda: settled(system), timeout=30, message="every consumer caught up")

    made = shared_backup(["backup", "--to", str(tmp_path / "backup")], network.env)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    heads = {source: manifest["positions"][source]["log"] for source in SOURCES}
    assert heads == logs, made.stdout
    before = {source: stored(system, source, heads[source]) for source in SOURCES}
    shared_backup(["check", "--from", str(tmp_path / "backup")], network.env)

    # After the backup: more commands, and someone forgotten. All of it but the forgetting is lost.
    later = str(uuid.uuid4())
    rpc("person", user_id=later).intake.enroll(enrollment(later, "Lark Example (synthetic)"))
    admin.directory.register_organization({"name": "After Peer Center", "kind": "agency", "regions": ["hampden"]})
    rpc("person", user_id=forgotten).intake.forget_me({"person_id": forgotten})
    assert rpc("person", user_id=forgotten).intake.person_record(forgotten)["details"]["display_name"] == FORGOTTEN
    wait_until(lambda: caught_up(system), timeout=30, message="caught up after the backup")
    early = subprocess.run([sys.executable, "-m", "shared.backup", "restore", "--from", str(tmp_path / "backup")],
                           cwd=ROOT, env={**network.env, "PEERNET_VAR_DIR": str(tmp_path / "too-early")},
                           capture_output=True, text=True, timeout=300)
    assert early.returncode == 1 and "the network is running" in early.stderr, early.stdout + early.stderr
    network.stop()

    with private_database() if store_env["PEERNET_STORE"] == "postgres" else contextlib.nullcontext() as empty:
        restored_env = {**store_env, **apart, "PEERNET_VAR_DIR": str(tmp_path / "restored-var")}
        if empty is not None:
            restored_env["POSTGRES_DBNAME"] = empty.dbname
        # The same broker and exchange: the queues, with whatever of the lost timeline waits there, are purged.
        back = network_factory(restored_env, services=SOURCES)
        restored = shared_backup(["restore", "--from", str(tmp_path / "backup")], back.env)
        assert "forgotten again: 1 keys" in restored.stdout, restored.stdout
        again = subprocess.run([sys.executable, "-m", "shared.backup", "restore", "--from", str(tmp_path / "backup")],
                               cwd=ROOT, env=back.env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 1 and "not empty" in again.stderr
        back.start(timeout=120)

        # Every event up to the backup, byte for byte, and nothing of what came after it: after it,
        # only what the restored network does by itself. Intake records again the forgetting of the
        # person forgotten since the backup (forget_listed at start), and matching clears them.
        assert {source: stored(system, source, heads[source]) for source in SOURCES} == before
        again = wait_until(lambda: system.intake.integration_events(heads["intake"], 10) or False, timeout=30,
                           message="intake records the forgetting again")
        assert [(event["type"], event["subject_id"]) for event in again] == [("PersonForgotten", forgotten)]
        assert system.directory.positions()["log"] == heads["directory"]  # it follows nobody: nothing new
        with pytest.raises(NotFound):
            rpc("person", user_id=later).intake.person_record(later)
        # Forgotten after the backup: still forgotten; forgotten before: too; the others read in clear.
        assert rpc("person", user_id=forgotten).intake.person_record(forgotten)["details"]["display_name"] == FORGOTTEN
        assert rpc("person", user_id=also).intake.person_record(also)["details"]["display_name"] == FORGOTTEN
        assert rpc("person", user_id=kept).intake.person_record(kept)["details"]["display_name"] == \
            "Kit Example (synthetic)"

        # New commands flow; every consumer catches up; the ledger holds each position once, none missing.
        after = str(uuid.uuid4())
        rpc("person", user_id=after).intake.enroll(enrollment(after, "Wren Example (synthetic)"))
        def grown():
            logs = caught_up(system)
            return logs if logs and logs["intake"] > heads["intake"] else False

        logs = wait_until(grown, timeout=60, message="caught up after the restore")
        entries, cursor = [], 0
        while True:
            page = auditor.audit.history({"limit": 1000, "cursor": cursor})
            entries += page["entries"]
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        for source in SOURCES:
            assert [e["position"] for e in entries if e["source"] == source] == list(range(1, logs[source] + 1))
        assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
        verified = subprocess.run([sys.executable, "-m", "services.audit.cli", "verify"], cwd=ROOT, env=back.env,
                                  capture_output=True, text=True, timeout=120)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        back.stop()
