"""What the integration, chaos and benchmark suites share: a private vhost on
the real broker, a private PostgreSQL database, free ports, and RPC as a caller."""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from kombu import Connection

from shared import broker_users, config

BROKER_HELP = (
    "No RabbitMQ broker answers at {uri}. Start one: `make broker` (installs and starts "
    "Debian's rabbitmq-server when missing), or `rabbitmq-server -detached`, or set AMQP_URI."
)
POSTGRES_HELP = (
    "No PostgreSQL answers at {host}:{port} as {user}. Start it: "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set POSTGRES_HOST/PORT/USER."
)


def require_broker(uri: str) -> None:
    try:
        with Connection(uri, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:
        raise RuntimeError(BROKER_HELP.format(uri=uri) + f" ({error})") from None


def rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(("rabbitmqctl", "-q", *args), capture_output=True, text=True, check=check, timeout=120)


def can_manage_broker() -> bool:
    return shutil.which("rabbitmqctl") is not None and rabbitmqctl("status", check=False).returncode == 0


def remove_abandoned_vhosts() -> None:
    """Delete the vhosts of test runs that were killed before they could (their process is gone)."""
    for name in rabbitmqctl("list_vhosts", check=False).stdout.split():
        parts = name.split("-")
        if name.startswith("peernet-test-") and len(parts) == 4 and parts[2].isdigit() \
                and not os.path.exists(f"/proc/{parts[2]}"):
            rabbitmqctl("delete_vhost", name, check=False)
            broker_users.remove_local(name)  # and the broker users a network of its own made there


@contextmanager
def private_vhost(uri: str):
    """A vhost of our own, so tests never take messages from a running `make run`."""
    if not can_manage_broker():
        yield uri  # a remote broker: use the vhost in AMQP_URI as it is
        return
    remove_abandoned_vhosts()
    vhost = f"peernet-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    rabbitmqctl("add_vhost", vhost)
    user = urlsplit(uri).username or "guest"
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    parts = urlsplit(uri)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + vhost, "", ""))
    finally:
        rabbitmqctl("delete_vhost", vhost, check=False)


def require_postgres(pg: config.Postgres) -> None:
    import psycopg

    admin = config.Postgres(pg.host, pg.port, "postgres", pg.user, pg.password)
    try:
        psycopg.connect(admin.conninfo(), connect_timeout=3).close()
    except Exception as error:
        raise RuntimeError(POSTGRES_HELP.format(host=pg.host, port=pg.port, user=pg.user) + f" ({error})") from None


@contextmanager
def private_database():
    import psycopg

    pg = config.Postgres.from_env()
    require_postgres(pg)
    name = f"peernet_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = config.Postgres(pg.host, pg.port, "postgres", pg.user, pg.password)
    with psycopg.connect(admin.conninfo(), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield config.Postgres(pg.host, pg.port, name, pg.user, pg.password)
    finally:
        with psycopg.connect(admin.conninfo(), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port_base(span: int = 210) -> int:
    """A base port such that every port the network would use above it is free now."""
    from shared.network import specs

    offsets = [port for spec in specs(port_base=1) for port in spec.ports]
    # Below the kernel's ephemeral range (32768 up), where outgoing connections
    # could take a port between this check and the service binding it.
    for _ in range(200):
        base = random.randrange(10000, 32768 - span)
        if all(_port_free(base + offset - 1) for offset in offsets):
            return base
    raise RuntimeError("no free ports found")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_until(predicate, timeout: float, interval: float = 0.02, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout}s")
        time.sleep(interval)


def caller(role: str = "system", user_id: str = "test-runner", organization_id: str | None = None) -> dict:
    return {"user_id": user_id, "role": role, "organization_id": organization_id,
            "correlation_id": uuid.uuid4().hex}
