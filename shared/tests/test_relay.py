"""The relay (outbox): publish in order, move the position only once confirmed."""
from __future__ import annotations

import json
import socket
import threading

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError as StoreDown
from kombu.exceptions import OperationalError

from services.intake.setup import setup as intake_setup
from shared.relay import POSITION_NAME, ConfirmingPublisher, Relay
from shared.tests.conftest import item, profile_payload

NAME = "Rowan Example"


class RecordingPublisher:
    """Records every batch, and the relay's position at the moment it was asked to publish."""

    def __init__(self, failures: int = 0, error=OSError("broker connection reset")):
        self.failures = failures
        self.error = error
        self.calls = 0
        self.batches: list[list[tuple]] = []
        self.attempts: list[list[int]] = []
        self.position_while_publishing: list[int] = []
        self.closed = 0
        self.relay: Relay | None = None
        self.stop_after_batches: int | None = None

    def check(self):
        """The relay's idle check that the broker is still there: nothing to do here."""

    def publish_batch(self, messages, meanwhile=None):
        self.calls += 1
        if meanwhile is not None:
            meanwhile()
        self.attempts.append([body["position"] for _, body, _ in messages])
        if self.relay is not None:
            self.position_while_publishing.append(self.relay.position())
        if self.calls <= self.failures:
            raise self.error
        self.batches.append(list(messages))
        if self.stop_after_batches is not None and len(self.batches) >= self.stop_after_batches:
            self.relay.stopping.set()

    def close(self):
        self.closed += 1

    def published_positions(self) -> list[int]:
        return [body["position"] for batch in self.batches for _, body, _ in batch]


@pytest.fixture
def intake(app_factory, peer, admin):
    app = app_factory(intake_setup)
    rowan = app.perform("record_peer_worker_profile", peer, profile_payload(NAME, [
        item("heard_voices", "matching"), item("homelessness", "private")], peer_worker_id=peer.user_id))
    # another of the organization's peer workers, recorded by its agency admin
    app.perform("record_peer_worker_profile", admin, profile_payload("Sky Sample", [item("veteran", "network")]))
    app.perform("share_experience", peer,
                {"peer_worker_id": str(rowan), "experience": "lgbtq", "visibility": "network"})
    app.perform("share_experience", peer,
                {"peer_worker_id": str(rowan), "experience": "heard_voices", "visibility": "private"})
    app.perform("withdraw_experience", peer, {"peer_worker_id": str(rowan), "experience": "homelessness"})
    assert app.max_position() == 5
    return app


def relay_with(intake, publisher, batch_size=500) -> Relay:
    relay = Relay(intake, publisher, batch_size=batch_size, poll_interval=0.001)
    publisher.relay = relay
    return relay


def test_publishes_every_event_and_then_moves_the_position(intake):
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher)
    assert relay.position() == 0
    assert relay.relay_once() == 5
    assert publisher.position_while_publishing == [0]  # not moved before the batch returned
    assert relay.position() == 5
    assert intake.recorder.max_tracking_id(POSITION_NAME) == 5
    assert publisher.published_positions() == [1, 2, 3, 4, 5]
    assert relay.relay_once() == 0  # nothing new
    assert publisher.calls == 1


def test_batches_follow_each_other_without_gaps(intake):
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher, batch_size=2)
    assert [relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
    assert publisher.attempts == [[1, 2], [3, 4], [5]]
    assert publisher.position_while_publishing == [0, 2, 4]
    assert relay.position() == 5


def test_a_failed_publish_does_not_move_the_position(intake):
    publisher = RecordingPublisher(failures=1)
    relay = relay_with(intake, publisher, batch_size=3)
    with pytest.raises(OSError):
        relay.relay_once()
    assert relay.position() == 0
    assert relay.relay_once() == 3  # the same events again: at-least-once
    assert publisher.attempts == [[1, 2, 3], [1, 2, 3]]
    assert relay.relay_once() == 2
    assert publisher.published_positions() == [1, 2, 3, 4, 5]
    assert relay.position() == 5


def test_a_failure_in_the_middle_publishes_that_batch_again(intake):
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher, batch_size=2)
    relay.relay_once()
    publisher.failures = publisher.calls + 1  # the next call fails
    with pytest.raises(OSError):
        relay.relay_once()
    assert relay.position() == 2
    relay.relay_once()
    relay.relay_once()
    assert publisher.attempts == [[1, 2], [3, 4], [3, 4], [5]]
    assert publisher.published_positions() == [1, 2, 3, 4, 5]  # nothing skipped


def test_run_retries_after_a_broker_error_and_skips_nothing(intake):
    publisher = RecordingPublisher(failures=1)
    relay = relay_with(intake, publisher, batch_size=2)
    publisher.stop_after_batches = 3
    runner = threading.Thread(target=relay.run, daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive(), "the relay did not finish"
    assert publisher.attempts == [[1, 2], [1, 2], [3, 4], [5]]
    assert publisher.published_positions() == [1, 2, 3, 4, 5]
    assert publisher.closed >= 2  # the channel was dropped after the error, and at the end
    assert relay.position() == 5
    assert relay.broker_ok is True


def test_health_reports_the_lag(intake):
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher, batch_size=2)
    relay.relay_once()
    relay.broker_ok = True
    healthy, detail = relay.health()
    assert healthy is True
    assert json.loads(detail) == {"service": "intake-relay", "broker": True, "store": True, "lag": 3}


def test_health_says_the_store_does_not_answer(intake):
    relay = relay_with(intake, RecordingPublisher())
    relay.broker_ok = True
    intake.max_position = lambda: (_ for _ in ()).throw(StoreDown("connection refused"))
    healthy, detail = relay.health()
    assert healthy is False
    assert json.loads(detail) == {"service": "intake-relay", "broker": True, "store": False, "lag": None}


def test_run_waits_out_a_store_that_does_not_answer_and_skips_nothing(intake):
    # A database restarting: reads fail for a while (eventsourcing's own retries exhausted).
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher, batch_size=2)
    publisher.stop_after_batches = 3
    read, failures = intake.integration_events, []

    def reading(after, limit):
        if len(failures) < 3 and after == 2:
            failures.append(after)
            raise StoreDown("server closed the connection unexpectedly")
        return read(after, limit)

    intake.integration_events = reading
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(_run(relay)), daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert outcome == ["stopped"], f"the relay died: {outcome}"
    assert failures == [2, 2, 2]
    assert publisher.published_positions() == [1, 2, 3, 4, 5]
    assert relay.position() == 5 and relay.store_ok is True


def test_a_position_write_retried_after_it_landed_publishes_nothing_twice_or_less(intake):
    # The commit landed but its answer was lost with the connection; eventsourcing's retry of the
    # write then finds the position already there and raises IntegrityError.
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher, batch_size=2)
    publisher.stop_after_batches = 3
    insert, lost = intake.recorder.insert_tracking, []

    def inserting(tracking):
        insert(tracking)
        if not lost:
            lost.append(tracking.notification_id)
            raise IntegrityError(f"Failed to record tracking for {POSITION_NAME} {tracking.notification_id}")

    intake.recorder.insert_tracking = inserting
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(_run(relay)), daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert outcome == ["stopped"], f"the relay died: {outcome}"
    assert lost == [2]
    assert publisher.published_positions() == [1, 2, 3, 4, 5]  # from the stored position on: none again
    assert relay.position() == 5


def test_routing_keys_and_headers(intake):
    publisher = RecordingPublisher()
    relay_with(intake, publisher).relay_once()
    messages = publisher.batches[0]
    assert [key for key, _, _ in messages] == [
        "intake.PeerWorkerProfiled", "intake.PeerWorkerProfiled", "intake.PeerWorkerExperienceShared",
        "intake.PeerWorkerExperienceWithdrawn", "intake.PeerWorkerPrivateExperienceKept",
    ]
    for position, (key, body, headers) in enumerate(messages, start=1):
        assert key == f"intake.{body['type']}"
        assert headers == {"source": "intake", "position": position, "version": 1}
        assert body["source"] == "intake" and body["position"] == position


def test_no_message_carries_a_name_or_a_private_item_in_clear(intake, vault):
    publisher = RecordingPublisher()
    relay_with(intake, publisher).relay_once()
    for _, body, headers in publisher.batches[0]:
        text = json.dumps(body) + json.dumps(headers)
        assert NAME not in text and "Rowan" not in text and "Sky Sample" not in text
        assert "homelessness" not in text  # was private, then withdrawn: never published
    profiled = publisher.batches[0][0][1]["body"]
    assert vault.open(profiled["display_name"]) == NAME  # sealed, not dropped


def test_run_survives_the_error_kombu_raises_when_the_broker_is_unreachable(intake):
    # ConfirmingPublisher reconnects with Connection.ensure_connection, which raises
    # kombu.exceptions.OperationalError (not an OSError) while the broker is down.
    publisher = RecordingPublisher(failures=2, error=OperationalError("[Errno 111] Connection refused"))
    relay = relay_with(intake, publisher)
    publisher.stop_after_batches = 1
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(_run(relay)), daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive(), "the relay did not finish"
    assert outcome == ["stopped"], f"the relay died: {outcome}"
    assert publisher.attempts == [[1, 2, 3, 4, 5]] * 3
    assert relay.position() == 5


def test_run_keeps_retrying_with_the_real_publisher_while_the_broker_is_down(intake):
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    relay = Relay(intake, ConfirmingPublisher(f"amqp://guest:guest@127.0.0.1:{port}/", "peernet.events.test"),
                  poll_interval=0.001)
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(_run(relay)), daemon=True)
    runner.start()
    runner.join(timeout=3.5)  # one failed connection attempt takes about 2 s
    try:
        assert runner.is_alive(), f"the relay stopped while the broker was down: {outcome}"
        assert relay.broker_ok is False
        assert relay.position() == 0
    finally:
        relay.stopping.set()
        runner.join(timeout=10)


def _run(relay: Relay) -> str:
    try:
        relay.run()
    except Exception as error:  # what would end the relay process
        return f"{type(error).__module__}.{type(error).__name__}: {error}"
    return "stopped"


def test_the_next_batch_is_read_while_the_broker_confirms_this_one(intake):
    steps = []
    publisher = RecordingPublisher()
    relay = relay_with(intake, publisher, batch_size=2)
    read = intake.integration_events
    intake.integration_events = lambda after, limit: steps.append(f"read after {after}") or read(after, limit)
    publish = publisher.publish_batch

    def publishing(messages, meanwhile=None):
        steps.append(f"publish {[body['position'] for _, body, _ in messages]}")
        publish(messages, meanwhile)

    publisher.publish_batch = publishing
    assert [relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
    assert steps == ["read after 0", "publish [1, 2]", "read after 2", "publish [3, 4]", "read after 4",
                     "publish [5]", "read after 5"]
    assert publisher.published_positions() == [1, 2, 3, 4, 5]


class CountedWaits:
    """The relay's stop event, recording each wait it is asked for; set after `count` of them."""

    def __init__(self, count: int, meanwhile=lambda waits: None):
        self.count, self.meanwhile, self.waits = count, meanwhile, []

    def is_set(self) -> bool:
        return len(self.waits) >= self.count

    def set(self) -> None:
        self.count = 0

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.meanwhile(self.waits)


def test_a_quiet_relay_looks_less_often_and_a_new_event_brings_it_back_to_its_pace(intake, admin):
    def share_on_the_eighth_wait(waits):
        if len(waits) == 8:
            intake.perform("record_peer_worker_profile", admin, profile_payload("Quinn Sample", [
                item("veteran", "matching")]))

    relay = relay_with(intake, RecordingPublisher())
    relay.stopping = CountedWaits(12, share_on_the_eighth_wait)
    relay.run()
    waits = relay.stopping.waits
    assert waits[0] == relay.poll_interval  # the fixture's five events were just published
    assert waits[1:8] == sorted(waits[1:8]) and waits[7] == relay.IDLE_WAIT  # quiet: longer, up to the cap
    assert waits[8] == relay.poll_interval  # the new profile published: back to its pace
    assert relay.position() == 6
