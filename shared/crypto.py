"""Personal fields encrypted with a key per person (crypto-shredding).

Each person (or peer worker) has their own key, kept in the vault: outside
every event store, wrapped with the vault key. Personal fields are stored and
published only as sealed tokens. Forgetting a person destroys their key, so
every copy of their data, in every service's events and projections, becomes
unreadable at once while the events themselves stay for audit.

The vault stands in for a key management service: on one machine it is a
SQLite file under var/, at scale a PostgreSQL schema shared by the services.
"""
from __future__ import annotations

import sqlite3
import threading
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken

from shared import config
from shared.forgotten import ForgottenList, PostgresForgottenList, forgotten_list
from shared.sqlite_store import ddl_lock

FORGOTTEN = "forgotten"
TOKEN_PREFIX = "pii1"


class KeyStorage(Protocol):
    def get(self, subject_id: str) -> bytes | None: ...
    def put_if_absent(self, subject_id: str, wrapped_key: bytes) -> None: ...
    def delete(self, subject_id: str) -> bool: ...


class SQLiteKeyStorage:
    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        # A service and its relay open the vault together: switching a new file to WAL takes a lock
        # SQLite's busy timeout does not wait for ("database is locked"), so one at a time.
        with ddl_lock(path), self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS person_keys "
                "(subject_id TEXT PRIMARY KEY, wrapped_key BLOB NOT NULL)"
            )

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def get(self, subject_id):
        row = self._connection().execute(
            "SELECT wrapped_key FROM person_keys WHERE subject_id=?", (subject_id,)
        ).fetchone()
        return row[0] if row else None

    def put_if_absent(self, subject_id, wrapped_key):
        self._connection().execute(
            "INSERT OR IGNORE INTO person_keys VALUES (?, ?)", (subject_id, wrapped_key)
        )

    def delete(self, subject_id):
        cursor = self._connection().execute(
            "DELETE FROM person_keys WHERE subject_id=?", (subject_id,)
        )
        return cursor.rowcount > 0


class PostgresKeyStorage:
    def __init__(self, postgres: config.Postgres):
        from shared.postgres import connection_pool, postgres_ddl_lock

        with postgres_ddl_lock(postgres) as db:
            db.execute("CREATE SCHEMA IF NOT EXISTS vault")
            db.execute(
                "CREATE TABLE IF NOT EXISTS vault.person_keys "
                "(subject_id TEXT PRIMARY KEY, wrapped_key BYTEA NOT NULL)"
            )
        self.pool = connection_pool(postgres.conninfo())  # checked: PostgreSQL may have restarted

    def get(self, subject_id):
        with self.pool.connection() as db:
            row = db.execute(
                "SELECT wrapped_key FROM vault.person_keys WHERE subject_id=%s", (subject_id,)
            ).fetchone()
        return bytes(row[0]) if row else None

    def put_if_absent(self, subject_id, wrapped_key):
        with self.pool.connection() as db:
            db.execute(
                "INSERT INTO vault.person_keys VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (subject_id, wrapped_key),
            )

    def delete(self, subject_id):
        with self.pool.connection() as db:
            return db.execute(
                "DELETE FROM vault.person_keys WHERE subject_id=%s", (subject_id,)
            ).rowcount > 0


class MemoryKeyStorage:
    def __init__(self):
        self.keys: dict[str, bytes] = {}

    def get(self, subject_id):
        return self.keys.get(subject_id)

    def put_if_absent(self, subject_id, wrapped_key):
        self.keys.setdefault(subject_id, wrapped_key)

    def delete(self, subject_id):
        return self.keys.pop(subject_id, None) is not None


class PersonKeyVault:
    """Seals and opens personal fields with the key of the person they are about."""

    def __init__(self, storage: KeyStorage, vault_key: str,
                 forgotten: ForgottenList | PostgresForgottenList | None = None):
        self.storage = storage
        self.wrapper = Fernet(vault_key.encode())
        self.forgotten = forgotten  # where each forgetting is kept, to outlive a restore of an older vault

    def _key(self, subject_id: str, create: bool) -> Fernet | None:
        wrapped = self.storage.get(subject_id)
        if wrapped is None and create:
            self.storage.put_if_absent(subject_id, self.wrapper.encrypt(Fernet.generate_key()))
            wrapped = self.storage.get(subject_id)
        if wrapped is None:
            return None
        return Fernet(self.wrapper.decrypt(wrapped))

    def seal(self, subject_id: str, value: str) -> str:
        key = self._key(subject_id, create=True)
        if key is None:
            raise RuntimeError("the vault lost a key it just created")
        return f"{TOKEN_PREFIX}:{subject_id}:{key.encrypt(value.encode()).decode()}"

    def seal_if_kept(self, subject_id: str, value: str) -> str | None:
        """Sealed with the person's key while they have one; None once forgotten. Never makes a key, so a
        person forgotten a moment ago gets none back."""
        key = self._key(subject_id, create=False)
        return None if key is None else f"{TOKEN_PREFIX}:{subject_id}:{key.encrypt(value.encode()).decode()}"

    def open(self, token: str | None) -> str | None:
        """The clear value, or FORGOTTEN when the person's key was destroyed."""
        if token is None:
            return None
        subject_id, ciphertext = split_token(token)
        key = self._key(subject_id, create=False)
        if key is None:
            return FORGOTTEN
        try:
            return key.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            # Sealed under a key since destroyed and made anew: still forgotten.
            return FORGOTTEN

    def open_all(self, tokens: list[str]) -> list[str]:
        """Many values at once: each person's key is read and unwrapped once, not once a value."""
        keys: dict[str, Fernet | None] = {}
        opened = []
        for token in tokens:
            subject_id, ciphertext = split_token(token)
            if subject_id not in keys:
                keys[subject_id] = self._key(subject_id, create=False)
            try:
                opened.append(FORGOTTEN if keys[subject_id] is None
                              else keys[subject_id].decrypt(ciphertext.encode()).decode())
            except InvalidToken:
                opened.append(FORGOTTEN)
        return opened

    def forget(self, subject_id: str) -> bool:
        """Destroy the person's key. True if there was one."""
        if self.forgotten is not None:
            self.forgotten.add(subject_id)  # first: a key gone but not listed would come back with a backup
        return self.storage.delete(subject_id)

    def is_forgotten(self, subject_id: str) -> bool:
        return self.storage.get(subject_id) is None


def split_token(token: str) -> tuple[str, str]:
    """(subject id, ciphertext). Fernet tokens hold no ':', subject ids may."""
    prefix, _, rest = token.partition(":")
    subject_id, _, ciphertext = rest.rpartition(":")
    if prefix != TOKEN_PREFIX or not subject_id or not ciphertext:
        raise ValueError("not a sealed personal field")
    return subject_id, ciphertext


def is_sealed(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        _, ciphertext = split_token(value)
    except ValueError:
        return False
    return ciphertext.startswith("gAAAA")  # every Fernet token starts so (version byte 0x80)


def vault_from_env() -> PersonKeyVault:
    # The vault follows the store kind of the whole network, not of one service.
    kind = config.env("PEERNET_STORE", "sqlite")
    if kind == "postgres":
        storage: KeyStorage = PostgresKeyStorage(config.Postgres.from_env())
    elif kind == "memory":
        storage = MemoryKeyStorage()
    else:
        storage = SQLiteKeyStorage(str(config.var_dir() / "person_keys.sqlite"))
    # In memory nothing outlives the process, so there is nothing to restore over.
    return PersonKeyVault(storage, config.vault_key(), None if kind == "memory" else forgotten_list())
