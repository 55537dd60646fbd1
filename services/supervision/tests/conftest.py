"""Unit fixtures: an isolated environment, a vault, and supervision's Application in memory
(copied from shared/tests/conftest.py, which this service does not edit)."""
from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet

from services.supervision.application import SupervisionApplication
from services.supervision.setup import setup
from services.supervision.tests.support import Directory
from shared.crypto import MemoryKeyStorage, PersonKeyVault


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("PEERNET_", "POSTGRES_")) or name == "AMQP_URI":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path / "var"))


@pytest.fixture
def vault() -> PersonKeyVault:
    return PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())


@pytest.fixture
def make_app(vault):
    def make(**settings) -> SupervisionApplication:
        return setup(vault, {"PERSISTENCE_MODULE": "eventsourcing.popo", **settings})
    return make


@pytest.fixture
def app(make_app) -> SupervisionApplication:
    return make_app()


@pytest.fixture
def directory(app) -> Directory:
    return Directory(app)
