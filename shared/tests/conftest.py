"""Fixtures for the unit and service tests: no broker, no PostgreSQL.

Every test gets an environment of its own: the variables shared.config reads
are cleared and PEERNET_VAR_DIR points into tmp_path, so no test writes keys
or stores into the working tree and none depends on the developer's shell.
The service test modules import these fixtures by name.
"""
from __future__ import annotations

import os
import uuid

import pytest
from cryptography.fernet import Fernet

from shared.crypto import MemoryKeyStorage, PersonKeyVault
from shared.identity import Caller

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
CONFIG_PREFIXES = ("PEERNET_", "POSTGRES_")
CONFIG_NAMES = ("AMQP_URI",)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No PEERNET_*/POSTGRES_*/AMQP_URI from outside; var/ lives in tmp_path."""
    for name in list(os.environ):
        if name.startswith(CONFIG_PREFIXES) or name in CONFIG_NAMES:
            monkeypatch.delenv(name, raising=False)
    var = tmp_path / "var"
    monkeypatch.setenv("PEERNET_VAR_DIR", str(var))
    return var


@pytest.fixture
def vault() -> PersonKeyVault:
    """A vault over memory, wrapped with a fresh Fernet key."""
    return PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())


@pytest.fixture
def app_factory(vault, tmp_path, monkeypatch):
    """Build a service Application: in memory (popo) or on SQLite under tmp_path.

    `app_factory(setup)` (a service's setup, or its Application class) is in
    memory; `store="sqlite"` keeps the store in `<var_dir>/<service>.sqlite`
    with the real cipher config from shared.config.application_env; `var_dir`
    chooses another directory (a second, separate store); `env` is merged over
    everything.
    """

    def make(app_class, store: str = "popo", env: dict | None = None, var_dir=None,
             with_vault: PersonKeyVault | None = None):
        if var_dir is not None:
            monkeypatch.setenv("PEERNET_VAR_DIR", str(var_dir))
        merged: dict = {}
        if store == "popo":
            merged.update(POPO)
        elif store == "sqlite":
            monkeypatch.setenv("PEERNET_STORE", "sqlite")
        else:
            raise ValueError(f"unknown test store {store!r}")
        merged.update(env or {})
        return app_class(with_vault or vault, merged)

    return make


def peer_worker(organization_id: str = "org-harbor", **caller_fields) -> Caller:
    """A peer worker as a caller: their user id is their own peer_worker_id, as the gateway passes it.

    A peer may change only the profile whose peer_worker_id is their user id, so
    record theirs with `profile_payload(..., peer_worker_id=caller.user_id)`.
    """
    return Caller(user_id=str(uuid.uuid4()), role="peer", organization_id=organization_id, **caller_fields)


@pytest.fixture
def peer() -> Caller:
    """A peer worker of org-harbor, acting on their own profile."""
    return peer_worker()


@pytest.fixture
def admin() -> Caller:
    """An agency admin of org-harbor: may change the profiles of org-harbor's peer workers."""
    return Caller(user_id="admin-user-1", role="agency_admin", organization_id="org-harbor")


def profile_payload(display_name: str = "Rowan Example", experiences=None, **overrides) -> dict:
    payload = {
        "peer_worker_id": str(uuid.uuid4()),
        "display_name": display_name,
        "organization_id": "org-harbor",
        "experiences": list(experiences or []),
    }
    payload.update(overrides)
    return payload


def item(experience: str, visibility: str) -> dict:
    return {"experience": experience, "visibility": visibility}


def notification_count(app) -> int:
    return len(app.recorder.select_notifications(start=1, limit=10_000))


def stored_events(app) -> list:
    """Every stored domain event, in notification order."""
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    return [app.mapper.to_domain_event(n) for n in notifications]
