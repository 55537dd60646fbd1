"""A write that landed as the store's connection went is stored, not an error.

eventsourcing retries an insert when the database connection fails; if the commit had
landed, the retry conflicts with its own rows. Here the recorder commits and then
raises IntegrityError as that retry does, on a real SQLite store with the cipher on.
"""
import uuid

import pytest
from eventsourcing.persistence import IntegrityError

from services.intake.setup import setup as intake_setup
from shared.identity import Caller

SYSTEM = Caller("test-runner", "system")


def profile(peer_worker_id: str) -> dict:
    return {"peer_worker_id": peer_worker_id, "display_name": "Synthetic Peer", "organization_id": "org-synthetic"}


def landing_then_conflicting(recorder):
    """insert_events that commits, then fails as eventsourcing's retry after a lost commit does."""
    real = recorder.insert_events

    def insert_events(stored_events, **kwargs):
        real(stored_events, **kwargs)
        recorder.insert_events = real
        raise IntegrityError("UNIQUE constraint failed: the retry found its own rows")
    return insert_events


def test_a_command_whose_write_landed_succeeds_once(app_factory):
    intake = app_factory(intake_setup, store="sqlite")
    peer = str(uuid.uuid4())
    before = intake.max_position()
    intake.recorder.insert_events = landing_then_conflicting(intake.recorder)
    intake.perform("record_peer_worker_profile", SYSTEM, profile(peer))
    assert intake.max_position() == before + 1  # stored once
    # The aggregate reads as saved, and the next command on it is not a conflict.
    intake.perform("share_experience", SYSTEM, {"peer_worker_id": peer, "experience": "veteran",
                                                "visibility": "matching"})
    assert intake.max_position() == before + 2


def test_another_writers_rows_stay_a_conflict(app_factory, tmp_path):
    intake = app_factory(intake_setup, store="sqlite")
    rival = app_factory(intake_setup, store="sqlite")  # a second instance on the same store
    peer = str(uuid.uuid4())
    intake.perform("record_peer_worker_profile", SYSTEM, profile(peer))
    real = intake.recorder.insert_events

    def rival_writes_first(stored_events, **kwargs):
        intake.recorder.insert_events = real
        rival.perform("share_experience", SYSTEM, {"peer_worker_id": peer, "experience": "veteran",
                                                   "visibility": "matching"})
        return real(stored_events, **kwargs)

    intake.recorder.insert_events = rival_writes_first
    before = intake.max_position()
    with pytest.raises(IntegrityError):
        intake.perform("share_experience", SYSTEM, {"peer_worker_id": peer, "experience": "grief_and_loss",
                                                    "visibility": "matching"})
    assert intake.max_position() == before + 1  # the rival's event only
