"""PostgreSQL restarted under the pools that are not eventsourcing's: the first use afterwards works.

On a cluster of the test's own (tests.faults.PrivatePostgres), never the machine's.
"""
from __future__ import annotations

import pytest

from shared import config
from shared.crypto import PostgresKeyStorage
from shared.postgres import connection_pool, ensure_postgres_database
from tests.faults import PrivatePostgres


@pytest.fixture(scope="module")
def private_postgres():
    with PrivatePostgres() as pg:
        yield pg


def settings(pg: PrivatePostgres) -> config.Postgres:
    env = pg.env()
    return config.Postgres(env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"],
                           env["POSTGRES_USER"], env["POSTGRES_PASSWORD"])


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_pooled_connection_left_by_a_restart_is_replaced_before_use(private_postgres, mode):
    pg = settings(private_postgres)
    ensure_postgres_database(pg)
    pool = connection_pool(pg.conninfo(), min_size=2, max_size=2)
    try:
        with pool.connection() as db:
            before = db.execute("SELECT pg_backend_pid()").fetchone()[0]
        private_postgres.stop(mode)
        private_postgres.start()
        for _ in range(3):  # each pooled connection in turn
            with pool.connection() as db:
                assert db.execute("SELECT pg_backend_pid()").fetchone()[0] != before
    finally:
        pool.close()


def test_the_vault_answers_at_once_after_postgres_restarts(private_postgres):
    storage = PostgresKeyStorage(settings(private_postgres))
    try:
        storage.put_if_absent("subject-synthetic-1", b"wrapped-1")
        private_postgres.stop("fast")
        private_postgres.start()
        assert storage.get("subject-synthetic-1") == b"wrapped-1"
        storage.put_if_absent("subject-synthetic-2", b"wrapped-2")
        assert storage.delete("subject-synthetic-1") is True
        assert storage.get("subject-synthetic-1") is None
    finally:
        storage.pool.close()
