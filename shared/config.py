"""Configuration from environment variables, with documented defaults.

| variable                      | default                                  | meaning |
| ----------------------------- | ---------------------------------------- | ------- |
| AMQP_URI                      | amqp://guest:guest@localhost:5672/       | the RabbitMQ broker; a cluster's nodes separated by ";" (kombu fails over to the next) |
| PEERNET_VAR_DIR               | ./var                                    | SQLite stores, development keys |
| PEERNET_STORE                 | sqlite                                   | sqlite, postgres or memory, for every service |
| PEERNET_STORE_<SERVICE>       | PEERNET_STORE                            | the same, for one service (e.g. PEERNET_STORE_MATCHING) |
| POSTGRES_HOST/PORT/DBNAME/USER/PASSWORD | 127.0.0.1/5432/peernet/postgres/"" | PostgreSQL; each service uses its own schema |
| PEERNET_CIPHER_KEY            | generated into var/cipher.key            | AES key that encrypts every stored event at rest |
| PEERNET_VAULT_KEY             | generated into var/vault.key             | Fernet key that wraps the per-person keys |
| PEERNET_QUEUE_TYPE            | classic                                  | classic, or quorum on a RabbitMQ cluster |
| PEERNET_EXCHANGE              | peernet.events                           | topic exchange for integration events |
| PEERNET_BIND_HOST             | 127.0.0.1                                | where services and relays serve /health and /metrics (0.0.0.0 in a container) |
| PEERNET_WEB_URL               | http://127.0.0.1:<PEERNET_PORT_BASE>/    | the web pages' address (they listen on the port base itself, 8100 by default); the gateway's / points there |

Each service documents its own settings (PEERNET_AUDIT_*, PEERNET_JWT_SECRET, ...)
in its README.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from eventsourcing.cryptography import AESCipher

SERVICES = ("intake", "directory", "matching", "supervision", "audit", "notifications")
# The services whose events each one applies: its queue is bound to theirs (shared.bus), and its broker user
# may bind to no others (shared.broker_users). Audit keeps every service's events in the ledger, its own
# break-glass too; intake follows the others for the reads of a person's data that go in their disclosure
# log; supervision reads directory's workforce and agreements and matching's connections (dual relationships).
FOLLOWS = {
    "intake": ("audit", "matching", "directory", "supervision"),
    "directory": (),
    "matching": ("intake", "directory"),
    "supervision": ("directory", "matching"),
    "audit": ("intake", "directory", "matching", "supervision", "audit"),
    "notifications": ("intake", "directory", "matching", "supervision"),
}
DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def amqp_uri() -> str:
    return env("AMQP_URI", DEFAULT_AMQP_URI)


def exchange_name() -> str:
    return env("PEERNET_EXCHANGE", "peernet.events")


def queue_type() -> str:
    kind = env("PEERNET_QUEUE_TYPE", "classic")
    if kind not in ("classic", "quorum"):
        raise ValueError(f"PEERNET_QUEUE_TYPE must be classic or quorum, not {kind!r}")
    return kind


def bind_host() -> str:
    # Loopback unless told: a probe or a scraper from outside a container needs 0.0.0.0.
    return env("PEERNET_BIND_HOST", "127.0.0.1")


def token_claim_names() -> tuple[str, str]:
    """The claims that carry the peernet role and the organization (PEERNET_JWT_ROLE_CLAIM, ..._ORGANIZATION_CLAIM)."""
    return env("PEERNET_JWT_ROLE_CLAIM", "role"), env("PEERNET_JWT_ORGANIZATION_CLAIM", "organization_id")


def web_url() -> str:
    return env("PEERNET_WEB_URL", f"http://127.0.0.1:{env('PEERNET_PORT_BASE', '8100')}/")


def var_dir() -> Path:
    path = Path(env("PEERNET_VAR_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Postgres:
    host: str
    port: str
    dbname: str
    user: str
    password: str

    @classmethod
    def from_env(cls) -> "Postgres":
        return cls(
            host=env("POSTGRES_HOST", "127.0.0.1"),
            port=env("POSTGRES_PORT", "5432"),
            dbname=env("POSTGRES_DBNAME", "peernet"),
            user=env("POSTGRES_USER", "postgres"),
            password=os.environ.get("POSTGRES_PASSWORD", ""),
        )

    def conninfo(self) -> str:
        return (
            f"host={self.host} port={self.port} dbname={self.dbname} "
            f"user={self.user} password={self.password}"
        )


def store_kind(service: str) -> str:
    variable = f"PEERNET_STORE_{service.upper()}"
    if not os.environ.get(variable, "").strip():
        variable = "PEERNET_STORE"
    kind = env(variable, "sqlite")
    if kind not in ("sqlite", "postgres", "memory"):
        raise ValueError(f"{variable} must be sqlite, postgres or memory, not {kind!r}")
    return kind


def development_key(filename: str, make_key, folder: Path | None = None) -> str:
    """A key kept in var/ (or `folder`) so that a developer's stores stay readable between runs."""
    path = (folder or var_dir()) / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Processes start together: write aside, then link into place, which
        # fails if another process got there first, so every one reads one key.
        draft = path.with_name(f".{filename}.{os.getpid()}")
        draft.write_text(make_key())
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def cipher_key() -> str:
    return os.environ.get("PEERNET_CIPHER_KEY", "").strip() or development_key(
        "cipher.key", lambda: AESCipher.create_key(32)
    )


def vault_key() -> str:
    return os.environ.get("PEERNET_VAULT_KEY", "").strip() or development_key(
        "vault.key", lambda: Fernet.generate_key().decode()
    )


def application_env(service: str) -> dict[str, str]:
    """The eventsourcing environment for one service's Application."""
    kind = store_kind(service)
    settings = {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": cipher_key(),
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        # Cached aggregates are fast-forwarded from the store on every get, so
        # another instance's writes are still seen; reads stop replaying histories.
        "AGGREGATE_CACHE_MAXSIZE": env("PEERNET_AGGREGATE_CACHE", "10000"),
    }
    if kind == "sqlite":
        settings.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(var_dir() / f"{service}.sqlite"),
            SQLITE_LOCK_TIMEOUT="30",
        )
    elif kind == "postgres":
        pg = Postgres.from_env()
        settings.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_HOST=pg.host,
            POSTGRES_PORT=pg.port,
            POSTGRES_DBNAME=pg.dbname,
            POSTGRES_USER=pg.user,
            POSTGRES_PASSWORD=pg.password,
            POSTGRES_SCHEMA=service,
        )
    else:
        settings["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    return settings
