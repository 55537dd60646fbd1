"""PostgreSQL helpers: the database and schemas each service needs, made safely, and pools that
outlive the server restarting."""
from __future__ import annotations

from contextlib import contextmanager

from shared import config


def postgres_from(env: dict) -> config.Postgres:
    return config.Postgres(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"], password=env.get("POSTGRES_PASSWORD", ""),
    )


@contextmanager
def postgres_ddl_lock(pg: config.Postgres):
    """Serialise schema changes on a database across processes (creating it if needed)."""
    import psycopg

    ensure_postgres_database(pg)
    with psycopg.connect(pg.conninfo(), autocommit=True) as db:
        db.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK_KEY,))
        try:
            yield db
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK_KEY,))


DDL_LOCK_KEY = 7_301_990  # any constant shared by every peernet process


def ensure_postgres_database(pg: config.Postgres) -> None:
    import psycopg
    from psycopg import sql

    admin = config.Postgres(pg.host, pg.port, "postgres", pg.user, pg.password)
    with psycopg.connect(admin.conninfo(), autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname=%s", (pg.dbname,)).fetchone()
        if not exists:
            try:
                db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(pg.dbname)))
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass


def connection_pool(conninfo: str, min_size: int = 1, max_size: int = 4, **kwargs):
    """A psycopg pool whose connections are checked before they are handed out.

    A restarted server leaves every pooled connection dead, and the first use of each
    would fail (a command refused after the database is back); the check costs one round
    trip and replaces a dead connection with a new one. (The event stores' own pools are
    eventsourcing's, which retries instead.)
    """
    from psycopg_pool import ConnectionPool

    return ConnectionPool(conninfo, min_size=min_size, max_size=max_size, open=True,
                          check=ConnectionPool.check_connection, **kwargs)
