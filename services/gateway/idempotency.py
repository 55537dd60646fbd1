"""Idempotency keys: a retried POST returns the first answer and changes nothing.

The `Idempotency-Key` request header (IETF draft "The Idempotency-Key HTTP Header
Field"), per caller: the first request with a key claims it and runs; once it has
succeeded, the same key with the same request answers what it answered then (status,
body, the headers that matter); the same key with another request is 422; while the
first still runs, 409. A request that did not succeed (a refusal, a 5xx, a 504 whose
outcome is unknown) lets the key go, so a retry runs again: where it creates
something, its id was derived from the key (`derived_id`), so the service refuses a
second one even then.

Kept durably, so that keys survive a gateway restart and are shared by every gateway
process: SQLite in var/ (`gateway_idempotency.sqlite`), or the `gateway` schema in
PostgreSQL when PEERNET_STORE (or PEERNET_STORE_GATEWAY) is postgres (SQLite too when it is memory:
keys outlive a restart whatever the services keep). A key is kept
PEERNET_GATEWAY_IDEMPOTENCY_HOURS (24) after its first use, then purged.

Privacy: nothing is stored in clear. The row's name is an HMAC of caller and key,
the request is kept as an HMAC of its method, address and canonical body (never the
body), and the answer, which may hold a person's fields, is sealed with AES-GCM under
a key derived from the secret and the caller's own key, which is not stored: the
table alone opens nothing. The secret is PEERNET_GATEWAY_IDEMPOTENCY_SECRET (a
development one is generated into var/); changing it forgets every key.

The gateway runs under eventlet, where SQLite's and psycopg's waits (a write lock another
gateway process holds, an fsync, the network) would stop every request of the process, not only
the one keyed: each claim, answer and release runs in eventlet's pool of real threads
(`tpool`), and the other requests go on meanwhile.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared import config

HEADER = "Idempotency-Key"
# A key is an sf-string in the draft ("..."); a bare token is accepted as well. Printable ASCII.
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')
# uuid5(NAMESPACE_URL, "https://peernet.invalid/ids/idempotency-key"): fixed for good, or a retry
# after an upgrade would make a second of what the first made.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://peernet.invalid/ids/idempotency-key")
# The answer's headers a replay gives back; the rest (correlation id, dates) are the replay's own.
KEPT_HEADERS = ("Content-Type", "Location", "Content-Location", "ETag")


def parse_key(value: str) -> str | None:
    """The key as sent, or None when it is not a key (1-255 printable ASCII characters)."""
    match = _KEY.match(value.strip())
    return match.group(1) if match else None


def derived_id(caller_id: str, key: str) -> str:
    """The id of what a keyed request creates: the same for every retry, another for another caller."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{caller_id}\n{key}"))


def _off_the_hub(method):
    """Under eventlet's monkey-patching (the gateway), run `method` in a real thread of eventlet's pool."""
    @functools.wraps(method)
    def offloaded(*args, **kwargs):
        if _green():
            from eventlet import tpool

            return tpool.execute(method, *args, **kwargs)
        return method(*args, **kwargs)
    return offloaded


def _green() -> bool:
    try:
        from eventlet import patcher
    except ImportError:
        return False
    return patcher.is_monkey_patched("thread")


class KeyInFlight(Exception):
    """The first request with this key has not finished (409)."""


class KeyReused(Exception):
    """This key came before with another request (422)."""


@dataclass
class Answer:
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""


class IdempotencyStore:
    """Claims, answers and lets go of keys; the SQL is the same on SQLite and PostgreSQL."""

    PURGE_EVERY = 60.0  # seconds between purges of expired keys, per process

    def __init__(self, connect, placeholder: str, secret: bytes, hours: float = 24.0, lease: float = 60.0):
        self._connect = connect
        self._p = placeholder
        self._secret = secret
        self.ttl = hours * 3600
        self.lease = lease  # how long a claim holds when its gateway died before answering
        self._purged = 0.0
        self._create()

    # -- names ----------------------------------------------------------------
    def _mac(self, *parts: str) -> str:
        return hmac.new(self._secret, "\x1f".join(parts).encode("utf-8", "surrogatepass"),
                        hashlib.sha256).hexdigest()

    def fingerprint(self, caller_id: str, key: str, method: str, path: str, body) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return self._mac("request", caller_id, key, method, path, canonical)

    def _sealing_key(self, caller_id: str, key: str) -> bytes:
        return hmac.new(self._secret, f"answer\x1f{caller_id}\x1f{key}".encode(), hashlib.sha256).digest()

    # -- the cycle ------------------------------------------------------------
    @_off_the_hub
    def begin(self, caller_id: str, key: str, fingerprint: str) -> Answer | None:
        """None: claimed, go ahead. An Answer: the first answer, to give again. Raises KeyReused, KeyInFlight."""
        lookup, now = self._mac("lookup", caller_id, key), time.time()
        self._purge(now)
        p = self._p
        with self._connect() as db:
            if _rowcount(db, f"INSERT INTO idempotency_keys (lookup, fingerprint, state, lease_until, expires_at) "
                             f"VALUES ({p}, {p}, 'running', {p}, {p}) ON CONFLICT (lookup) DO NOTHING",
                         (lookup, fingerprint, now + self.lease, now + self.ttl)):
                return None
            row = db.execute(f"SELECT fingerprint, state, answer FROM idempotency_keys WHERE lookup = {p}",
                             (lookup,)).fetchone()
            # Expired, or claimed by a gateway that died before answering: taken over, in one statement.
            if row is None or _rowcount(
                    db, f"UPDATE idempotency_keys SET fingerprint = {p}, state = 'running', lease_until = {p}, "
                        f"expires_at = {p}, answer = NULL WHERE lookup = {p} AND (expires_at < {p} OR "
                        f"(state = 'running' AND lease_until < {p} AND fingerprint = {p}))",
                    (fingerprint, now + self.lease, now + self.ttl, lookup, now, now, fingerprint)):
                if row is None:  # purged in between: claim it afresh
                    return self.begin(caller_id, key, fingerprint)
                return None
        stored_fingerprint, state, sealed = row
        if not hmac.compare_digest(stored_fingerprint, fingerprint):
            raise KeyReused()
        if state == "running":
            raise KeyInFlight()
        return self._open(caller_id, key, lookup, bytes(sealed))

    @_off_the_hub
    def finish(self, caller_id: str, key: str, answer: Answer) -> None:
        """The request succeeded: its answer is what the key answers from now on."""
        lookup = self._mac("lookup", caller_id, key)
        sealed = self._seal(caller_id, key, lookup, answer)
        with self._connect() as db:
            db.execute(f"UPDATE idempotency_keys SET state = 'done', answer = {self._p} "
                       f"WHERE lookup = {self._p} AND state = 'running'", (sealed, lookup))

    @_off_the_hub
    def release(self, caller_id: str, key: str) -> None:
        """The request did not succeed: the key may be used again."""
        with self._connect() as db:
            db.execute(f"DELETE FROM idempotency_keys WHERE lookup = {self._p} AND state = 'running'",
                       (self._mac("lookup", caller_id, key),))

    # -- sealing ----------------------------------------------------------------
    def _seal(self, caller_id: str, key: str, lookup: str, answer: Answer) -> bytes:
        plain = json.dumps({"status": answer.status, "headers": answer.headers,
                            "body": base64.b64encode(answer.body).decode()}).encode()
        nonce = os.urandom(12)
        return nonce + AESGCM(self._sealing_key(caller_id, key)).encrypt(nonce, plain, lookup.encode())

    def _open(self, caller_id: str, key: str, lookup: str, sealed: bytes) -> Answer:
        plain = json.loads(AESGCM(self._sealing_key(caller_id, key)).decrypt(sealed[:12], sealed[12:],
                                                                             lookup.encode()))
        return Answer(plain["status"], plain["headers"], base64.b64decode(plain["body"]))

    # -- the table ----------------------------------------------------------------
    def _create(self) -> None:
        blob = "BYTEA" if self._p == "%s" else "BLOB"
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS idempotency_keys (lookup TEXT PRIMARY KEY, "
                       "fingerprint TEXT NOT NULL, state TEXT NOT NULL, lease_until DOUBLE PRECISION NOT NULL, "
                       f"expires_at DOUBLE PRECISION NOT NULL, answer {blob})")
            db.execute("CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at)")

    def _purge(self, now: float) -> None:
        if now - self._purged < self.PURGE_EVERY:
            return
        self._purged = now
        with self._connect() as db:
            db.execute(f"DELETE FROM idempotency_keys WHERE expires_at < {self._p}", (now,))

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT count(*) FROM idempotency_keys").fetchone()[0]


def _rowcount(db, statement: str, parameters: tuple) -> int:
    return db.execute(statement, parameters).rowcount


def sqlite_store(path, secret: bytes, **kw) -> IdempotencyStore:
    local = threading.local()

    class Connection:
        """One connection per thread (green thread under eventlet), a transaction per use."""

        def __enter__(self):
            db = getattr(local, "db", None)
            if db is None:
                db = local.db = sqlite3.connect(str(path), timeout=10, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")  # an answered key survives a power cut
            db.execute("BEGIN IMMEDIATE")
            self.db = db
            return db

        def __exit__(self, kind, error, traceback):
            self.db.execute("ROLLBACK" if kind else "COMMIT")

    return IdempotencyStore(Connection, "?", secret, **kw)


def postgres_store(pg: config.Postgres, secret: bytes, schema: str = "gateway", **kw) -> IdempotencyStore:
    import psycopg
    from psycopg import sql
    from psycopg_pool import ConnectionPool

    from shared.postgres import ensure_postgres_database

    ensure_postgres_database(pg)
    with psycopg.connect(pg.conninfo(), autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    pool = ConnectionPool(pg.conninfo(), min_size=1, max_size=4, open=True,
                          kwargs={"options": f"-c search_path={schema}"})
    return IdempotencyStore(lambda: _Transaction(pool), "%s", secret, **kw)


class _Transaction:
    def __init__(self, pool):
        self.pool = pool

    def __enter__(self):
        self.context = self.pool.connection()
        db = self.context.__enter__()  # commits at the end, rolls back on an error
        return db

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)


def secret_from_env() -> bytes:
    value = os.environ.get("PEERNET_GATEWAY_IDEMPOTENCY_SECRET", "").strip() or config.development_key(
        "idempotency.secret", lambda: secrets.token_urlsafe(32))
    return value.encode()


def store_from_env(lease: float = 60.0) -> IdempotencyStore:
    hours = float(config.env("PEERNET_GATEWAY_IDEMPOTENCY_HOURS", "24"))
    kind = config.store_kind("gateway")
    if kind == "postgres":
        return postgres_store(config.Postgres.from_env(), secret_from_env(), hours=hours, lease=lease)
    return sqlite_store(config.var_dir() / "gateway_idempotency.sqlite", secret_from_env(), hours=hours,
                        lease=lease)
