"""What an intake store holds on disk: nothing personal in clear, with or without the cipher."""
from __future__ import annotations

import uuid
from pathlib import Path

from services.intake.application import IntakeApplication
from services.intake.setup import setup as intake_setup
from shared.identity import Caller
from shared.crypto import FORGOTTEN, TOKEN_PREFIX
from shared.tests.conftest import item, notification_count, peer_worker, profile_payload, stored_events

SYSTEM = Caller.system("intake")


NAME = "Rowan Quillfeather-Example"  # distinctive enough that a chance match is impossible
EXPERIENCES = [item("heard_voices", "matching"), item("involuntary_hospitalization", "private"),
               item("grief_and_loss", "network")]
CODES = [e["experience"] for e in EXPERIENCES]
CIPHER_OFF = {"CIPHER_TOPIC": "", "CIPHER_KEY": "", "COMPRESSOR_TOPIC": ""}


def raw_store(app: IntakeApplication) -> bytes:
    """The bytes of the SQLite file and of its write-ahead log and journal, if any."""
    path = Path(app.env["SQLITE_DBNAME"])
    files = [path] + [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    data = b"".join(f.read_bytes() for f in files if f.exists())
    assert data, f"nothing on disk at {path}"
    return data


def record(app: IntakeApplication, peer) -> uuid.UUID:
    """The peer worker records their own profile and keeps one more item private."""
    peer_worker_id = app.perform("record_peer_worker_profile", peer,
                                 profile_payload(NAME, EXPERIENCES, peer_worker_id=peer.user_id))
    app.perform("share_experience", peer, {"peer_worker_id": str(peer_worker_id), "experience": "veteran",
                                           "visibility": "private"})
    return peer_worker_id


def test_with_the_cipher_nothing_personal_is_on_disk(app_factory, peer, isolated_env):
    app = app_factory(intake_setup, store="sqlite")
    assert app.env["SQLITE_DBNAME"] == str(isolated_env.resolve() / "intake.sqlite")
    assert app.mapper.cipher is not None and app.mapper.compressor is not None
    peer_worker_id = record(app, peer)
    assert app.perform("peer_worker_profile", SYSTEM, peer_worker_id)["display_name"] == NAME  # it is stored ...

    raw = raw_store(app)
    assert NAME.encode() not in raw  # ... but not readable on disk
    assert b"Quillfeather" not in raw
    for code in CODES + ["veteran"]:
        assert code.encode() not in raw, code
    assert TOKEN_PREFIX.encode() + b":" not in raw  # even the sealed token is under the cipher
    # and so is the actor. A peer's user id is their peer_worker_id, which the store's index column
    # holds only as undashed hex; the correlation id is in nothing but the actor.
    assert peer.user_id.encode() not in raw
    assert peer.correlation_id.encode() not in raw


def test_without_the_cipher_sealing_alone_keeps_the_name_off_disk(app_factory, peer, tmp_path):
    app = app_factory(intake_setup, store="sqlite", env=CIPHER_OFF, var_dir=tmp_path / "plain")
    assert app.mapper.cipher is None and app.mapper.compressor is None
    peer_worker_id = record(app, peer)

    raw = raw_store(app)
    assert f"{TOKEN_PREFIX}:{peer_worker_id}:".encode() in raw  # the sealed token is there in clear
    assert b"heard_voices" in raw  # proof that this store is readable without a key
    assert peer.correlation_id.encode() in raw  # the actor too
    assert NAME.encode() not in raw
    assert b"Quillfeather" not in raw


def test_forgetting_a_peer_worker_keeps_every_event(app_factory, peer, vault, tmp_path):
    app = app_factory(intake_setup, store="sqlite", env=CIPHER_OFF, var_dir=tmp_path / "plain")
    peer_worker_id = record(app, peer)
    sky = peer_worker()
    other_id = app.perform("record_peer_worker_profile", sky, profile_payload("Sky Sample", peer_worker_id=sky.user_id))
    before = notification_count(app)
    events_before = [(e.originator_id, e.originator_version, type(e)) for e in stored_events(app)]

    assert vault.forget(str(peer_worker_id)) is True

    profile = app.perform("peer_worker_profile", SYSTEM, peer_worker_id)
    assert profile["display_name"] == FORGOTTEN
    assert profile["experiences"] == [
        {"experience": "grief_and_loss", "visibility": "network"},
        {"experience": "heard_voices", "visibility": "matching"},
        {"experience": "involuntary_hospitalization", "visibility": "private"},
        {"experience": "veteran", "visibility": "private"},
    ]
    assert app.perform("peer_worker_profile", SYSTEM, other_id)["display_name"] == "Sky Sample"
    assert notification_count(app) == before == 3
    assert [(e.originator_id, e.originator_version, type(e)) for e in stored_events(app)] == events_before
    assert f"{TOKEN_PREFIX}:{peer_worker_id}:".encode() in raw_store(app)  # the token stays stored

    # A new application on the same file, as after a restart: still forgotten, still all there.
    again = app_factory(intake_setup, store="sqlite", env=CIPHER_OFF, var_dir=tmp_path / "plain")
    assert again.perform("peer_worker_profile", SYSTEM, peer_worker_id)["display_name"] == FORGOTTEN
    assert notification_count(again) == before
    # and the published form of the forgotten profile carries only the unreadable token
    profiled = again.integration_events(0)[0]
    assert profiled.body["display_name"].startswith(f"{TOKEN_PREFIX}:{peer_worker_id}:")
    assert vault.open(profiled.body["display_name"]) == FORGOTTEN
