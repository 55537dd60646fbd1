"""shared.crypto: per-person keys, sealed tokens, and forgetting (crypto-shredding)."""
from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import crypto
from shared.crypto import (
    FORGOTTEN,
    TOKEN_PREFIX,
    MemoryKeyStorage,
    PersonKeyVault,
    SQLiteKeyStorage,
    is_sealed,
    vault_from_env,
)

NAME = "Rowan Example"


def subject() -> str:
    return str(uuid.uuid4())


def test_seal_then_open_gives_the_value_back(vault):
    person = subject()
    token = vault.seal(person, NAME)
    assert vault.open(token) == NAME
    assert is_sealed(token)
    assert token.startswith(f"{TOKEN_PREFIX}:{person}:")


def test_the_token_never_contains_the_clear_value(vault):
    token = vault.seal(subject(), NAME)
    assert NAME not in token
    assert "Rowan" not in token and "Example" not in token


def test_sealing_twice_gives_different_tokens_that_both_open(vault):
    person = subject()
    first, second = vault.seal(person, NAME), vault.seal(person, NAME)
    assert first != second  # Fernet is randomised: equal names are not linkable by token
    assert vault.open(first) == vault.open(second) == NAME


@settings(max_examples=75, deadline=None, database=None)
@given(value=st.text(max_size=300))
def test_round_trip_over_arbitrary_text(value):
    vault = PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())
    token = vault.seal("3f0c1b52-6a57-4c58-9d0e-0d3f2b8e9a10", value)
    assert is_sealed(token)
    assert vault.open(token) == value
    if len(value) >= 4:
        assert value not in token.split(":", 2)[2]


def test_open_none_is_none(vault):
    assert vault.open(None) is None


def test_opening_something_not_sealed_is_refused(vault):
    with pytest.raises(ValueError):
        vault.open("plain:some-subject:text")


def test_forget_then_open_says_forgotten_not_an_error(vault):
    person = subject()
    token = vault.seal(person, NAME)
    assert vault.is_forgotten(person) is False
    assert vault.forget(person) is True
    assert vault.open(token) == FORGOTTEN == "forgotten"
    assert vault.is_forgotten(person) is True


def test_sealing_for_someone_kept_only_never_gives_a_forgotten_person_a_key_again(vault):
    person = subject()
    vault.seal(person, "first")
    assert vault.open(vault.seal_if_kept(person, "Rowan")) == "Rowan"
    vault.forget(person)
    assert vault.seal_if_kept(person, "Rowan") is None and vault.is_forgotten(person)
    assert vault.seal_if_kept(subject(), "never had a key") is None


def test_forgetting_twice_or_someone_unknown_says_there_was_no_key(vault):
    person = subject()
    vault.seal(person, NAME)
    assert vault.forget(person) is True
    assert vault.forget(person) is False
    assert vault.forget(subject()) is False


def test_forgetting_one_person_leaves_another_readable(vault):
    rowan, sky = subject(), subject()
    rowan_token = vault.seal(rowan, NAME)
    sky_token = vault.seal(sky, "Sky Sample")
    vault.forget(rowan)
    assert vault.open(rowan_token) == FORGOTTEN
    assert vault.open(sky_token) == "Sky Sample"
    assert vault.is_forgotten(sky) is False


def test_a_key_made_anew_after_forgetting_does_not_open_old_tokens(vault):
    person = subject()
    old = vault.seal(person, NAME)
    vault.forget(person)
    new = vault.seal(person, "Rowan Example-Renamed")  # makes a new key for the same person
    assert vault.is_forgotten(person) is False
    assert vault.open(new) == "Rowan Example-Renamed"
    assert vault.open(old) == FORGOTTEN


def test_a_token_is_tied_to_its_subject_key(vault):
    rowan, sky = subject(), subject()
    vault.seal(sky, "Sky Sample")  # sky has a key of her own
    token = vault.seal(rowan, NAME)
    moved = token.replace(rowan, sky)
    assert vault.open(moved) == FORGOTTEN  # sky's key does not open rowan's value


def test_a_subject_id_with_a_colon_still_round_trips(vault):
    # The API takes any string as subject id; a token must open for the same subject.
    person = f"person:{uuid.uuid4()}"
    token = vault.seal(person, NAME)
    assert vault.open(token) == NAME


def test_sqlite_key_storage_persists_across_instances(tmp_path):
    path = str(tmp_path / "person_keys.sqlite")
    vault_key = Fernet.generate_key().decode()
    person, other = subject(), subject()
    first = PersonKeyVault(SQLiteKeyStorage(path), vault_key)
    token = first.seal(person, NAME)
    other_token = first.seal(other, "Sky Sample")
    first.forget(other)

    again = PersonKeyVault(SQLiteKeyStorage(path), vault_key)
    assert again.open(token) == NAME
    assert again.open(other_token) == FORGOTTEN  # forgetting persisted too
    assert again.forget(person) is True
    assert PersonKeyVault(SQLiteKeyStorage(path), vault_key).open(token) == FORGOTTEN


def test_sqlite_key_storage_keeps_the_first_key_put(tmp_path):
    storage = SQLiteKeyStorage(str(tmp_path / "keys.sqlite"))
    storage.put_if_absent("someone", b"first")
    storage.put_if_absent("someone", b"second")
    assert storage.get("someone") == b"first"
    assert storage.get("nobody") is None
    assert storage.delete("someone") is True
    assert storage.get("someone") is None


@pytest.mark.parametrize("storage_kind", ["memory", "sqlite"])
def test_the_wrapped_key_in_storage_is_not_the_raw_key(tmp_path, storage_kind):
    storage = MemoryKeyStorage() if storage_kind == "memory" else SQLiteKeyStorage(str(tmp_path / "k.sqlite"))
    vault_key = Fernet.generate_key().decode()
    vault = PersonKeyVault(storage, vault_key)
    person = subject()
    token = vault.seal(person, NAME)

    wrapped = bytes(storage.get(person))
    raw = Fernet(vault_key.encode()).decrypt(wrapped)  # only the vault key unwraps it
    assert raw not in wrapped
    assert Fernet(raw).decrypt(token.split(":", 2)[2].encode()).decode() == NAME
    with pytest.raises(Exception):
        Fernet(wrapped)  # what is stored is not usable as a key by itself
    # another vault key cannot unwrap it
    stranger = PersonKeyVault(storage, Fernet.generate_key().decode())
    with pytest.raises(Exception):
        stranger.open(token)


def test_the_raw_key_is_not_in_the_sqlite_file(tmp_path):
    path = tmp_path / "keys.sqlite"
    vault_key = Fernet.generate_key().decode()
    storage = SQLiteKeyStorage(str(path))
    vault = PersonKeyVault(storage, vault_key)
    person = subject()
    vault.seal(person, NAME)
    raw = Fernet(vault_key.encode()).decrypt(bytes(storage.get(person)))
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("keys.sqlite"))
    assert person.encode() in on_disk  # the row is there ...
    assert raw not in on_disk  # ... but only wrapped


def test_vault_from_env_follows_the_network_store(monkeypatch, isolated_env):
    monkeypatch.setenv("PEERNET_STORE", "memory")
    assert isinstance(vault_from_env().storage, MemoryKeyStorage)
    monkeypatch.setenv("PEERNET_STORE", "sqlite")
    first = vault_from_env()
    assert isinstance(first.storage, SQLiteKeyStorage)
    assert first.storage.path == str(isolated_env.resolve() / "person_keys.sqlite")
    token = first.seal(subject(), NAME)
    assert vault_from_env().open(token) == NAME  # same file, same development vault key


def test_is_sealed(vault):
    assert is_sealed(vault.seal(subject(), NAME))
    assert not is_sealed(f"{crypto.TOKEN_PREFIX}:{NAME}")  # clear text dressed as a token
    assert not is_sealed(f"{crypto.TOKEN_PREFIX}:x:y")
    assert not is_sealed(NAME)
    assert not is_sealed(None)
    assert not is_sealed(42)
