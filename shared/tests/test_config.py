"""shared.config: every documented variable, its default and its override."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from eventsourcing.cryptography import AESCipher

from shared import config

REPO = Path(__file__).resolve().parents[2]


def documented_variables() -> list[str]:
    rows = [line for line in config.__doc__.splitlines() if line.startswith("| ") and "---" not in line]
    return [row.split("|")[1].strip() for row in rows[1:]]


def test_the_docstring_documents_the_variables_tested_here():
    assert documented_variables() == [
        "AMQP_URI", "PEERNET_VAR_DIR", "PEERNET_STORE", "PEERNET_STORE_<SERVICE>",
        "POSTGRES_HOST/PORT/DBNAME/USER/PASSWORD", "PEERNET_CIPHER_KEY", "PEERNET_VAULT_KEY",
        "PEERNET_QUEUE_TYPE", "PEERNET_EXCHANGE", "PEERNET_BIND_HOST", "PEERNET_WEB_URL",
    ]


def test_the_web_pages_are_at_the_port_base_unless_told(monkeypatch):
    monkeypatch.delenv("PEERNET_WEB_URL", raising=False)
    monkeypatch.setenv("PEERNET_PORT_BASE", "9100")
    assert config.web_url() == "http://127.0.0.1:9100/"
    monkeypatch.setenv("PEERNET_WEB_URL", "https://peers.example.org/")
    assert config.web_url() == "https://peers.example.org/"


def test_bind_host_is_loopback_unless_told(monkeypatch):
    assert config.bind_host() == "127.0.0.1"
    monkeypatch.setenv("PEERNET_BIND_HOST", "0.0.0.0")
    assert config.bind_host() == "0.0.0.0"


# --- AMQP_URI, PEERNET_EXCHANGE, PEERNET_QUEUE_TYPE ------------------------------------


def test_amqp_uri_default_and_override(monkeypatch):
    assert config.amqp_uri() == "amqp://guest:guest@localhost:5672/"
    monkeypatch.setenv("AMQP_URI", "amqp://relay:secret@broker.example:5673/peernet")
    assert config.amqp_uri() == "amqp://relay:secret@broker.example:5673/peernet"


def test_exchange_default_and_override(monkeypatch):
    assert config.exchange_name() == "peernet.events"
    monkeypatch.setenv("PEERNET_EXCHANGE", "peernet.events.staging")
    assert config.exchange_name() == "peernet.events.staging"


def test_a_blank_variable_means_its_default(monkeypatch):
    monkeypatch.setenv("PEERNET_EXCHANGE", "   ")
    monkeypatch.setenv("AMQP_URI", "")
    assert config.exchange_name() == "peernet.events"
    assert config.amqp_uri() == config.DEFAULT_AMQP_URI


def test_queue_type_default_and_override(monkeypatch):
    assert config.queue_type() == "classic"
    monkeypatch.setenv("PEERNET_QUEUE_TYPE", "quorum")
    assert config.queue_type() == "quorum"


@pytest.mark.parametrize("bad", ["stream", "Quorum", "lazy"])
def test_a_bad_queue_type_is_refused_naming_the_variable(monkeypatch, bad):
    monkeypatch.setenv("PEERNET_QUEUE_TYPE", bad)
    with pytest.raises(ValueError) as refused:
        config.queue_type()
    assert "PEERNET_QUEUE_TYPE" in str(refused.value)
    assert repr(bad) in str(refused.value)


# --- PEERNET_VAR_DIR ------------------------------------------------------------------


def test_var_dir_defaults_to_var_under_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("PEERNET_VAR_DIR")
    monkeypatch.chdir(tmp_path)
    assert config.var_dir() == (tmp_path / "var").resolve()
    assert (tmp_path / "var").is_dir()


def test_var_dir_override_is_made_with_its_parents(monkeypatch, tmp_path):
    wanted = tmp_path / "deep" / "er" / "state"
    monkeypatch.setenv("PEERNET_VAR_DIR", str(wanted))
    assert config.var_dir() == wanted.resolve()
    assert wanted.is_dir()


# --- PEERNET_STORE and PEERNET_STORE_<SERVICE> -------------------------------------------


def test_store_defaults_to_sqlite_in_var_dir_for_every_service(isolated_env):
    for service in config.SERVICES:
        assert config.store_kind(service) == "sqlite"
        settings = config.application_env(service)
        assert settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
        assert settings["SQLITE_DBNAME"] == str(isolated_env.resolve() / f"{service}.sqlite")
        assert settings["SQLITE_LOCK_TIMEOUT"] == "30"
        assert not any(key.startswith("POSTGRES_") for key in settings)


def test_store_memory_for_every_service(monkeypatch):
    monkeypatch.setenv("PEERNET_STORE", "memory")
    for service in config.SERVICES:
        settings = config.application_env(service)
        assert settings["PERSISTENCE_MODULE"] == "eventsourcing.popo"
        assert "SQLITE_DBNAME" not in settings


def test_store_postgres_gives_each_service_its_own_schema(monkeypatch):
    monkeypatch.setenv("PEERNET_STORE", "postgres")
    for service in config.SERVICES:
        settings = config.application_env(service)
        assert settings["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert settings["POSTGRES_SCHEMA"] == service
        assert (settings["POSTGRES_HOST"], settings["POSTGRES_PORT"], settings["POSTGRES_DBNAME"],
                settings["POSTGRES_USER"], settings["POSTGRES_PASSWORD"]) == (
                    "127.0.0.1", "5432", "peernet", "postgres", "")


def test_store_per_service_overrides_the_network_wide_one(monkeypatch):
    monkeypatch.setenv("PEERNET_STORE", "sqlite")
    monkeypatch.setenv("PEERNET_STORE_MATCHING", "memory")
    assert config.store_kind("matching") == "memory"
    assert config.application_env("matching")["PERSISTENCE_MODULE"] == "eventsourcing.popo"
    for service in set(config.SERVICES) - {"matching"}:
        assert config.store_kind(service) == "sqlite"


def test_store_per_service_falls_back_to_the_network_wide_one(monkeypatch):
    monkeypatch.setenv("PEERNET_STORE", "memory")
    monkeypatch.setenv("PEERNET_STORE_INTAKE", "  ")
    assert config.store_kind("intake") == "memory"


@pytest.mark.parametrize("bad", ["mysql", "SQLite", "popo"])
def test_a_bad_store_is_refused_naming_the_variable(monkeypatch, bad):
    monkeypatch.setenv("PEERNET_STORE", bad)
    with pytest.raises(ValueError) as refused:
        config.store_kind("intake")
    assert "PEERNET_STORE" in str(refused.value)
    assert repr(bad) in str(refused.value)
    with pytest.raises(ValueError):
        config.application_env("intake")


def test_a_bad_per_service_store_is_refused_naming_that_variable(monkeypatch):
    # PEERNET_STORE itself is fine here: the message must point at the variable that is not.
    monkeypatch.setenv("PEERNET_STORE", "sqlite")
    monkeypatch.setenv("PEERNET_STORE_MATCHING", "mysql")
    with pytest.raises(ValueError) as refused:
        config.store_kind("matching")
    assert "'mysql'" in str(refused.value)
    assert "PEERNET_STORE_MATCHING" in str(refused.value)


# --- POSTGRES_* ---------------------------------------------------------------------------


def test_postgres_defaults():
    assert config.Postgres.from_env() == config.Postgres("127.0.0.1", "5432", "peernet", "postgres", "")


def test_postgres_overrides_reach_the_application_env(monkeypatch):
    overrides = {"POSTGRES_HOST": "db.example", "POSTGRES_PORT": "6543", "POSTGRES_DBNAME": "peernet_east",
                 "POSTGRES_USER": "peernet_app", "POSTGRES_PASSWORD": "s3cret-example"}
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PEERNET_STORE", "postgres")
    pg = config.Postgres.from_env()
    assert pg == config.Postgres("db.example", "6543", "peernet_east", "peernet_app", "s3cret-example")
    assert pg.conninfo() == ("host=db.example port=6543 dbname=peernet_east "
                             "user=peernet_app password=s3cret-example")
    settings = config.application_env("supervision")
    assert {name: settings[name] for name in overrides} == overrides
    assert settings["POSTGRES_SCHEMA"] == "supervision"


# --- PEERNET_CIPHER_KEY and PEERNET_VAULT_KEY -------------------------------------------


def test_cipher_key_default_is_generated_into_var_and_works(isolated_env):
    key = config.cipher_key()
    assert (isolated_env / "cipher.key").read_text().strip() == key
    cipher = AESCipher(_cipher_env(key))
    assert cipher.decrypt(cipher.encrypt(b"at rest")) == b"at rest"
    settings = config.application_env("intake")
    assert settings["CIPHER_KEY"] == key
    assert settings["CIPHER_TOPIC"] == "eventsourcing.cryptography:AESCipher"
    assert settings["COMPRESSOR_TOPIC"] == "eventsourcing.compressor:ZlibCompressor"


def test_cipher_key_override_is_used_and_nothing_is_generated(monkeypatch, isolated_env):
    given = AESCipher.create_key(32)
    monkeypatch.setenv("PEERNET_CIPHER_KEY", given)
    assert config.cipher_key() == given
    assert config.application_env("matching")["CIPHER_KEY"] == given
    assert not (isolated_env / "cipher.key").exists()


def test_vault_key_default_is_generated_into_var_and_is_a_fernet_key(isolated_env):
    key = config.vault_key()
    assert (isolated_env / "vault.key").read_text().strip() == key
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"wrapped")) == b"wrapped"


def test_vault_key_override_is_used_and_nothing_is_generated(monkeypatch, isolated_env):
    given = Fernet.generate_key().decode()
    monkeypatch.setenv("PEERNET_VAULT_KEY", given)
    assert config.vault_key() == given
    assert not (isolated_env / "vault.key").exists()


def test_cipher_and_vault_keys_differ():
    assert config.cipher_key() != config.vault_key()


@pytest.mark.parametrize("read, filename", [(config.cipher_key, "cipher.key"), (config.vault_key, "vault.key")])
def test_a_development_key_is_created_once_private_and_without_leftovers(isolated_env, read, filename):
    first = read()
    created = isolated_env / filename
    inode = created.stat().st_ino
    second = read()
    assert first == second
    assert created.stat().st_ino == inode  # not written again
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    assert [p.name for p in isolated_env.iterdir()] == [filename]  # no draft left behind


def test_a_concurrent_creator_wins_and_both_read_its_key(monkeypatch, isolated_env):
    """The other process links its key into place between our check and our link."""
    theirs = Fernet.generate_key().decode()
    real_link = os.link
    linked = []

    def other_process_links_first(source, target):
        Path(target).write_text(theirs + "\n")
        linked.append(target)
        return real_link(source, target)  # now fails: the file exists

    monkeypatch.setattr(config.os, "link", other_process_links_first)
    ours = config.vault_key()
    assert linked, "the race was not simulated"
    assert ours == theirs
    monkeypatch.setattr(config.os, "link", real_link)
    assert config.vault_key() == theirs  # a later start reads the same key too
    assert [p.name for p in isolated_env.iterdir()] == ["vault.key"]


def test_two_processes_read_the_same_key(isolated_env):
    code = "from shared import config; print(config.cipher_key()); print(config.vault_key())"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        outputs.append(out.split())
    assert outputs[0] == outputs[1]
    assert outputs[0] == [config.cipher_key(), config.vault_key()]


def _cipher_env(key: str):
    from eventsourcing.utils import Environment

    return Environment(env={"CIPHER_KEY": key})
