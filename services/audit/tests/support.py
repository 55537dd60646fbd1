"""What the audit unit tests share: real source Applications on encrypted SQLite, fed to audit
through the real TrackedConsumer, as the bus and the log RPC would."""
from __future__ import annotations

import sqlite3
import uuid

from services.audit.verify import SourceRefused
from shared.consumer import TrackedConsumer
from shared.identity import Caller

AUDITOR = Caller(user_id="auditor-1", role="state_auditor")
ADMIN = Caller(user_id="admin-user-1", role="agency_admin", organization_id="org-harbor")
NAME = "Rowan Quillfeather-Example"  # synthetic, distinctive enough that a chance match is impossible


class NoDeadLetters:
    def __init__(self):
        self.sent = []

    def send(self, message, reason, source):
        self.sent.append((message, reason, source))


class Sources:
    """Source Applications by name; fetch_range answers like the integration_events RPC."""

    def __init__(self, **apps):
        self.apps = apps

    def fetch_range(self, source, after, limit):
        app = self.apps.get(source)
        if app is None:
            return []
        try:
            return [event.as_message() for event in app.integration_events(after, limit)]
        except Exception as error:  # as nameko's RemoteError: the source answered with an error
            raise SourceRefused(repr(error)) from None

    def fetch_digests(self, source, after, limit):
        app = self.apps.get(source)
        return [] if app is None else app.stored_digests(after, limit)

    def fetch_at(self, wanted):
        return {source: [event.as_message() for event in self.apps[source].integration_events_at(positions)]
                for source, positions in wanted.items() if source in self.apps}


def consumer(audit, sources: Sources) -> TrackedConsumer:
    audit.fetch_range, audit.fetch_digests = sources.fetch_range, sources.fetch_digests
    audit.fetch_at = sources.fetch_at
    return TrackedConsumer(audit, audit.follows, sources.fetch_range, NoDeadLetters())


def catch_up(tracked: TrackedConsumer) -> int:
    return sum(tracked.catch_up(source) for source in tracked.sources)


def profile(name: str = NAME, organization_id: str = "org-harbor") -> dict:
    return {"peer_worker_id": str(uuid.uuid4()), "display_name": name, "organization_id": organization_id,
            "experiences": [{"experience": "heard_voices", "visibility": "matching"}]}


def alter_one_byte(db_path: str, sql_select: str, table: str, column: str, key_column: str = "rowid") -> None:
    """Flip one byte of one stored value, as someone with write access to the file could."""
    db = sqlite3.connect(db_path)
    key, value = db.execute(sql_select).fetchone()
    data = bytearray(value if isinstance(value, bytes) else value.encode())
    data[len(data) // 2] ^= 0x01
    altered = bytes(data) if isinstance(value, bytes) else data.decode()
    db.execute(f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?", (altered, key))
    db.commit()
    db.close()


def audited_network(app_factory, var_dir) -> tuple:
    """Intake (SQLite) with five peer workers, each with an item shared with the network, and
    audit caught up with it, a checkpoint every 4 entries: what the verification tests check."""
    from services.audit.setup import setup
    from services.intake.setup import setup as intake_setup

    intake = app_factory(intake_setup, store="sqlite")
    audit = app_factory(setup, env={"PEERNET_AUDIT_CHECKPOINT_EVERY": "4",
                                    "AUDIT_LEDGER_DBNAME": str(var_dir / "audit_ledger.sqlite")})
    for _ in range(5):
        payload = profile()
        intake.perform("record_peer_worker_profile", ADMIN, payload)
        intake.perform("share_experience", Caller.system("intake"), {  # the peer worker's items: not their admin's
            "peer_worker_id": payload["peer_worker_id"], "experience": "veteran", "visibility": "network"})
    catch_up(consumer(audit, Sources(intake=intake, audit=audit)))
    return intake, audit
