"""The ledger: audit's read model, one merged and ordered table of every event.

Each entry is written in the same transaction as the tracking position of its
source and the chain's new head, so a redelivered event is never entered
twice and a crash never leaves an entry without its position (the pattern of
eventsourcing's TrackingRecorder, over our own table). SQLite by default,
PostgreSQL when audit's store is postgres.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from typing import Iterator

from services.audit.chain import GENESIS, HASHED, entry_hash, now
from services.audit.signing import Signer

COLUMNS = HASHED + ("hash",)
CHECKPOINT_COLUMNS = ("seq", "hash", "signed_at", "key_id", "signature")
FILTERS = {  # filter name -> SQL condition
    "source": "source = ?", "type": "type = ?", "organization_id": "organization_id = ?",
    "subject_id": "subject_id = ?", "since": "occurred_at >= ?", "until": "occurred_at < ?",
}
JOB_COLUMNS = ("id", "state", "requested_by", "started_at", "updated_at", "finished_at", "progress", "result",
               "checkpoints")
SKIPPED = "DeadLettered"  # a position whose logged event broke its own contract
LOCK_KEY = 7_301_991  # serialises appends to the chain across audit instances (PostgreSQL)


class Ledger:
    placeholder = "?"

    def __init__(self, signer: Signer, checkpoint_every: int = 1000, projections: tuple = ()):
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        # Read models kept beside the ledger: each has ddl(ledger) and apply(ledger, db, event),
        # written in the entry's own transaction.
        self.projections = projections
        self.entries_table = self.table("ledger_entries")
        self.tracking_table = self.table("ledger_tracking")
        self.checkpoints_table = self.table("ledger_checkpoints")
        # What verification keeps of each source: the digest of each stored event it read in full,
        # sealed (signed) per source, and the verification jobs themselves.
        self.kept_table = self.table("ledger_source_digests")
        self.seals_table = self.table("ledger_source_seals")
        self.jobs_table = self.table("verification_jobs")

    def table(self, name: str) -> str:
        return name

    # -- the schema -----------------------------------------------------------
    def ddl(self) -> list[str]:
        e, t, c = self.entries_table, self.tracking_table, self.checkpoints_table
        return [
            f"CREATE TABLE IF NOT EXISTS {e} (seq BIGINT PRIMARY KEY, source TEXT NOT NULL, "
            "position BIGINT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL, "
            "occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, user_id TEXT, role TEXT, "
            "actor_organization_id TEXT, organization_id TEXT, correlation_id TEXT, "
            "subject_id TEXT NOT NULL, digest TEXT NOT NULL, hash TEXT NOT NULL, "
            "UNIQUE (source, position))",
            f"CREATE INDEX IF NOT EXISTS {self.index('type')} ON {e} (type, seq)",
            f"CREATE INDEX IF NOT EXISTS {self.index('org')} ON {e} (organization_id, seq)",
            f"CREATE INDEX IF NOT EXISTS {self.index('subject')} ON {e} (subject_id, seq)",
            f"CREATE INDEX IF NOT EXISTS {self.index('time')} ON {e} (occurred_at)",
            f"CREATE TABLE IF NOT EXISTS {t} (source TEXT PRIMARY KEY, position BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {c} (seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, "
            "signed_at TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.kept_table} (source TEXT NOT NULL, position BIGINT NOT NULL, "
            "stored_digest TEXT NOT NULL, PRIMARY KEY (source, position))",
            f"CREATE TABLE IF NOT EXISTS {self.seals_table} (source TEXT PRIMARY KEY, position BIGINT NOT NULL, "
            "hash TEXT NOT NULL, signature TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.jobs_table} (id TEXT PRIMARY KEY, state TEXT NOT NULL, "
            "requested_by TEXT, started_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT, "
            "progress TEXT NOT NULL, result TEXT, checkpoints TEXT)",
        ] + [statement for projection in self.projections for statement in projection.ddl(self)]

    def index(self, name: str) -> str:
        return f"ledger_by_{name}"

    def sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    # -- writing --------------------------------------------------------------
    def position_in(self, source: str) -> int:
        with self.reading() as db:
            row = db.execute(self.sql(f"SELECT position FROM {self.tracking_table} WHERE source = ?"),
                             (source,)).fetchone()
        return row[0] if row else 0

    def append(self, entry: dict, event=None) -> bool:
        """Enter one event after the chain's head. False if its position was entered already."""
        return self.append_all([(entry, event)]) == 1

    def append_all(self, entries: list[tuple[dict, object]]) -> int:
        """Enter (entry, event) pairs after the chain's head in one transaction, each entry's source
        position moved with it; how many were new (a position entered already is passed over).

        A consumer that is behind brings hundreds at once: one commit for them, not one each."""
        entered, insert = 0, self.sql(f"INSERT INTO {self.entries_table} ({', '.join(COLUMNS)}) "
                                      f"VALUES ({', '.join('?' for _ in COLUMNS)})")
        with self.writing() as db:
            seq, previous = self._head(db)
            tracked: dict[str, int] = {}
            for entry, event in entries:
                source = entry["source"]
                if source not in tracked:
                    row = db.execute(self.sql(f"SELECT position FROM {self.tracking_table} WHERE source = ?"),
                                     (source,)).fetchone()
                    tracked[source] = row[0] if row else 0
                if entry["position"] <= tracked[source]:
                    continue
                seq += 1
                row = {**entry, "seq": seq}
                row["hash"] = previous = entry_hash(previous, row)
                db.execute(insert, [row[name] for name in COLUMNS])
                tracked[source] = entry["position"]
                entered += 1
                if seq % self.checkpoint_every == 0:
                    self._checkpoint(db, seq, previous)
                if event is not None:
                    for projection in self.projections:
                        projection.apply(self, db, event)
            if entered:
                db.cursor().executemany(self.sql(
                    f"INSERT INTO {self.tracking_table} (source, position) VALUES (?, ?) "
                    "ON CONFLICT (source) DO UPDATE SET position = excluded.position"), list(tracked.items()))
        return entered

    def skip(self, source: str, position: int) -> bool:
        """A position the source's log holds but that breaks its contract: entered, without a digest."""
        return self.append({
            "source": source, "position": position, "type": SKIPPED, "version": 1,
            "occurred_at": now(), "recorded_at": now(), "user_id": None, "role": None,
            "actor_organization_id": None, "organization_id": None, "correlation_id": None,
            "subject_id": "", "digest": "",
        })

    def checkpoint(self) -> dict | None:
        """Sign the current head now (if it is not signed yet)."""
        with self.writing() as db:
            seq, hash_ = self._head(db)
            if seq == 0:
                return None
            exists = db.execute(self.sql(f"SELECT 1 FROM {self.checkpoints_table} WHERE seq = ?"),
                                (seq,)).fetchone()
            if not exists:
                self._checkpoint(db, seq, hash_)
        return {"seq": seq, "hash": hash_}

    def _checkpoint(self, db, seq: int, hash_: str) -> None:
        db.execute(self.sql(f"INSERT INTO {self.checkpoints_table} VALUES (?, ?, ?, ?, ?)"),
                   (seq, hash_, now(), self.signer.key_id, self.signer.sign(seq, hash_)))

    def _head(self, db) -> tuple[int, str]:
        row = db.execute(f"SELECT seq, hash FROM {self.entries_table} ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def clear(self) -> None:
        with self.writing() as db:
            for table in (self.entries_table, self.tracking_table, self.checkpoints_table, self.kept_table,
                          self.seals_table):
                db.execute(f"DELETE FROM {table}")
            for projection in self.projections:
                projection.clear(self, db)

    # -- reading --------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        with self.reading() as db:
            return self._head(db)

    def positions(self) -> dict[str, int]:
        with self.reading() as db:
            return dict(db.execute(f"SELECT source, position FROM {self.tracking_table}").fetchall())

    def checkpoints(self, after: int = 0, limit: int = 100) -> list[dict]:
        """Signed checkpoints after a seq, in seq order: read by the table's key, so a page costs the page
        however many checkpoints the ledger's life has signed."""
        with self.reading() as db:
            rows = db.execute(self.sql(f"SELECT {', '.join(CHECKPOINT_COLUMNS)} FROM {self.checkpoints_table} "
                                       "WHERE seq > ? ORDER BY seq LIMIT ?"), (after, limit)).fetchall()
        return [dict(zip(CHECKPOINT_COLUMNS, row)) for row in rows]

    def every_checkpoint(self, chunk: int = 20_000) -> Iterator[dict]:
        """Every signed checkpoint in seq order, a page at a time."""
        after = 0
        while page := self.checkpoints(after, chunk):
            yield from page
            after = page[-1]["seq"]

    def checkpoint_count(self) -> int:
        with self.reading() as db:
            return db.execute(f"SELECT COUNT(*) FROM {self.checkpoints_table}").fetchone()[0]

    def rows(self, chunk: int = 20_000) -> Iterator[tuple]:
        """Every entry in ledger order, as tuples of COLUMNS."""
        after = 0
        while True:
            with self.reading() as db:
                batch = db.execute(self.sql(f"SELECT {', '.join(COLUMNS)} FROM {self.entries_table} "
                                            "WHERE seq > ? ORDER BY seq LIMIT ?"), (after, chunk)).fetchall()
            if not batch:
                return
            yield from batch
            after = batch[-1][0]

    def linked(self, chunk: int = 20_000) -> Iterator[tuple]:
        """Every entry in ledger order as (seq, source, position, its HASHED columns as entry_hash joins
        them, hash): the joining done by the database, which is quicker at it (verify walks the chain so)."""
        joined = f" || {self.unit_separator} || ".join(self.as_text(name) for name in HASHED)
        after = 0
        while True:
            with self.reading() as db:
                batch = db.execute(self.sql(f"SELECT seq, source, position, {joined}, hash FROM {self.entries_table} "
                                            "WHERE seq > ? ORDER BY seq LIMIT ?"), (after, chunk)).fetchall()
            if not batch:
                return
            yield from batch
            after = batch[-1][0]

    def as_text(self, column: str) -> str:
        return f"ifnull({column}, '')"  # SQLite writes numbers as Python's str() does

    unit_separator = "char(31)"

    def query(self, filters: dict, after: int = 0, limit: int = 100) -> list[dict]:
        """Entries matching every given filter, in ledger order, after a seq."""
        conditions, values = ["seq > ?"], [after]
        for name, condition in FILTERS.items():
            if filters.get(name) is not None:
                conditions.append(condition)
                values.append(filters[name])
        statement = (f"SELECT {', '.join(COLUMNS)} FROM {self.entries_table} "
                     f"WHERE {' AND '.join(conditions)} ORDER BY seq LIMIT ?")
        with self.reading() as db:
            rows = db.execute(self.sql(statement), (*values, limit)).fetchall()
        return [dict(zip(COLUMNS, row)) for row in rows]

    def of_source_kept(self, source: str, after: int, limit: int, upto: int) -> list[tuple]:
        """(position, type, digest, kept stored digest or None) of one source's entries after a position;
        only digests up to the sealed position count."""
        with self.reading() as db:
            return db.execute(self.sql(
                f"SELECT e.position, e.type, e.digest, k.stored_digest FROM {self.entries_table} e "
                f"LEFT JOIN {self.kept_table} k ON k.source = e.source AND k.position = e.position "
                "AND k.position <= ? WHERE e.source = ? AND e.position > ? ORDER BY e.position LIMIT ?"),
                (upto, source, after, limit)).fetchall()

    def seal(self, source: str) -> dict | None:
        with self.reading() as db:
            row = db.execute(self.sql(f"SELECT position, hash, signature FROM {self.seals_table} WHERE source = ?"),
                             (source,)).fetchone()
        return dict(zip(("position", "hash", "signature"), row)) if row else None

    def keep(self, source: str, digests: list[tuple[int, str]], seal: dict) -> None:
        """Stored digests of a source's events just read in full, and the seal that now covers them."""
        with self.writing() as db:
            db.cursor().executemany(self.sql(f"INSERT INTO {self.kept_table} VALUES (?, ?, ?) ON CONFLICT "
                                             "(source, position) DO UPDATE SET stored_digest = excluded.stored_digest"),
                                    [(source, position, stored) for position, stored in digests])
            db.execute(self.sql(f"INSERT INTO {self.seals_table} VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE "
                                "SET position = excluded.position, hash = excluded.hash, "
                                "signature = excluded.signature"),
                       (source, seal["position"], seal["hash"], seal["signature"]))

    def save_job(self, job: dict) -> None:
        with self.writing() as db:
            db.execute(self.sql(f"INSERT INTO {self.jobs_table} ({', '.join(JOB_COLUMNS)}) VALUES "
                                f"({', '.join('?' for _ in JOB_COLUMNS)}) ON CONFLICT (id) DO UPDATE SET "
                                + ", ".join(f"{name} = excluded.{name}" for name in JOB_COLUMNS[1:])),
                       [job[name] for name in JOB_COLUMNS])

    def job(self, job_id: str) -> dict | None:
        with self.reading() as db:
            row = db.execute(self.sql(f"SELECT {', '.join(JOB_COLUMNS)} FROM {self.jobs_table} WHERE id = ?"),
                             (job_id,)).fetchone()
        return dict(zip(JOB_COLUMNS, row)) if row else None

    def count_by(self, *columns: str, where: dict | None = None) -> list[tuple]:
        """Counts of entries grouped by columns (for figures)."""
        conditions = [f"{name} = ?" for name in (where or {})] or ["1 = 1"]
        grouped = ", ".join(columns)
        with self.reading() as db:
            return db.execute(self.sql(f"SELECT {grouped}, COUNT(*) FROM {self.entries_table} "
                                       f"WHERE {' AND '.join(conditions)} GROUP BY {grouped}"),
                              tuple((where or {}).values())).fetchall()


class SQLiteLedger(Ledger):
    def __init__(self, path: str, signer: Signer, checkpoint_every: int = 1000, projections: tuple = ()):
        super().__init__(signer, checkpoint_every, projections)
        self.path = path
        self._local = threading.local()
        with self.writing() as db:
            for statement in self.ddl():
                db.execute(statement)

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False, uri=True)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL keeps it durable against a process crash
            self._local.db = db
        return db

    @contextmanager
    def writing(self):
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")  # the write lock first: the chain's head cannot move under us
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def reading(self):
        yield self._connection()

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class PostgresLedger(Ledger):
    placeholder = "%s"

    def __init__(self, conninfo: str, schema: str, signer: Signer, checkpoint_every: int = 1000,
                 projections: tuple = ()):
        from shared.postgres import connection_pool

        self.schema = schema
        super().__init__(signer, checkpoint_every, projections)
        self.pool = connection_pool(conninfo)  # checked: PostgreSQL may have restarted
        with self.writing() as db:
            db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            for statement in self.ddl():
                db.execute(statement)

    def table(self, name: str) -> str:
        return f'"{self.schema}".{name}'

    def as_text(self, column: str) -> str:
        return f"coalesce({column}::text, '')"

    unit_separator = "chr(31)"

    @contextmanager
    def writing(self):
        with self.pool.connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            yield db

    @contextmanager
    def reading(self):
        with self.pool.connection() as db:
            yield db

    def close(self) -> None:
        self.pool.close()
