"""SQLite for services that run under eventlet: a commit's wait for the disk leaves the hub free.

SQLite's commit waits for fsync. Under eventlet that wait would stop every green
thread of the process (RPC replies, the bus consumer, /health) for the length
of a disk flush. Here the commit runs in eventlet's pool of real threads; the
pool's writer lock (green, like every lock after monkey patching) still lets one
transaction write at a time, so SQLite sees exactly what it saw before.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from eventlet import patcher, tpool
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory


class GreenCommitConnection(SQLiteConnection):
    def commit(self) -> None:
        tpool.execute(self._sqlite_conn.commit)


class GreenCommitPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        return GreenCommitConnection(sqlite_conn=connection._sqlite_conn, max_age=self.max_age)


class Factory(SQLiteFactory):
    """eventsourcing's SQLite factory; in a monkey-patched process, with commits off the hub."""

    def __init__(self, env):
        super().__init__(env)
        plain = self.datastore.pool
        if patcher.is_monkey_patched("thread") and not plain.is_sqlite_memory_mode:
            self.datastore.pool = GreenCommitPool(db_name=plain.db_name, lock_timeout=plain.lock_timeout,
                                                  max_age=plain.max_age, pre_ping=plain.pre_ping)
            plain.close()


@contextmanager
def ddl_lock(db_name: str):
    """Hold a lock beside a SQLite file while its tables are made.

    A service and its relay start together: both create the tables, and
    eventsourcing's tracking-table migration refuses the second writer.
    """
    if not db_name or ":memory:" in db_name or "mode=memory" in db_name:
        yield
        return
    with open(Path(db_name).with_name(Path(db_name).name + ".ddl-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
