"""The bus consumer on the real broker: what arrived together is handed over together, and acked (a clean
stop acks what was applied)."""
from __future__ import annotations

import threading
import uuid

from kombu import Connection, Producer

from shared.bus import BusConsumer, consumer_queue, events_exchange, start_in_thread
from tests.support import wait_until


class RecordingTracked:
    """Stands in for the tracked consumer (tested on its own): records what it is handed."""

    service = "matching"
    sources = ("intake",)

    def __init__(self):
        self.batches: list[list[int]] = []
        self.lock = threading.Lock()
        self.application = self

    def position_in(self, source):
        return 0

    def catch_up(self, source, upto=None):
        return 0

    def handle_batch(self, messages):
        with self.lock:
            self.batches.append([message["position"] for message in messages])
        return ["applied"] * len(messages)

    def handed_over(self) -> list[int]:
        with self.lock:
            return [position for batch in self.batches for position in batch]


def test_a_backlog_is_handed_over_in_order_in_batches_and_every_message_acked(amqp_uri, monkeypatch):
    monkeypatch.setenv("PEERNET_EXCHANGE", f"bus-batches-{uuid.uuid4().hex[:8]}")
    queue = consumer_queue("matching", ("intake",))
    count = 1000
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=events_exchange())
        for position in range(1, count + 1):
            producer.publish({"source": "intake", "position": position}, routing_key="intake.Example",
                             serializer="json")

    tracked = RecordingTracked()
    bus = BusConsumer(Connection(amqp_uri), tracked, queue, prefetch=200)
    start_in_thread(bus, name="consumer-test")
    try:
        wait_until(lambda: len(tracked.handed_over()) >= count, timeout=30, message="the backlog handed over")
    finally:
        bus.should_stop = True

    assert tracked.handed_over() == list(range(1, count + 1))
    assert max(len(batch) for batch in tracked.batches) > 1
    assert len(tracked.batches) < count
    assert all(len(batch) <= 200 for batch in tracked.batches)
    with Connection(amqp_uri) as connection:  # nothing left unacked to come back
        wait_until(lambda: queue(connection.channel()).queue_declare(passive=True).message_count == 0,
                   timeout=10, message="every message acked")
        queue(connection.channel()).delete()


def one_handed_over(amqp_uri, bus: BusConsumer, tracked: RecordingTracked) -> None:
    """Once the consumer is ready, one event published; it is handed over alone."""
    wait_until(lambda: bus.consuming is not None, timeout=10, message="the consumer ready")
    with Connection(amqp_uri) as connection:
        Producer(connection.channel(), exchange=events_exchange()).publish(
            {"source": "intake", "position": 1}, routing_key="intake.Example", serializer="json")
    wait_until(lambda: tracked.handed_over() == [1], timeout=10, message="the lone message handed over")


def test_a_single_message_is_handed_over_without_waiting_for_more(amqp_uri, monkeypatch):
    monkeypatch.setenv("PEERNET_EXCHANGE", f"bus-batches-{uuid.uuid4().hex[:8]}")
    queue = consumer_queue("matching", ("intake",))
    tracked = RecordingTracked()
    bus = BusConsumer(Connection(amqp_uri), tracked, queue, prefetch=200)
    start_in_thread(bus, name="consumer-test")
    try:
        one_handed_over(amqp_uri, bus, tracked)
    finally:
        bus.should_stop = True
        with Connection(amqp_uri) as connection:
            queue(connection.channel()).delete()


def test_a_clean_stop_acks_what_was_applied_so_nothing_is_delivered_again(amqp_uri, monkeypatch):
    monkeypatch.setenv("PEERNET_EXCHANGE", f"bus-batches-{uuid.uuid4().hex[:8]}")
    queue = consumer_queue("matching", ("intake",))
    tracked = RecordingTracked()
    bus = BusConsumer(Connection(amqp_uri), tracked, queue, prefetch=200)
    bus.ACK_AFTER = 3600  # the ack waits: only the stop can give it
    consuming = start_in_thread(bus, name="consumer-test")
    try:
        one_handed_over(amqp_uri, bus, tracked)
        wait_until(lambda: bus.unacked, timeout=10, message="its ack waiting")  # applied, then held
        bus.should_stop = True
        consuming.join(timeout=10)
        assert not consuming.is_alive()
        with Connection(amqp_uri) as connection:
            assert queue(connection.channel()).queue_declare(passive=True).message_count == 0
    finally:
        bus.should_stop = True
        with Connection(amqp_uri) as connection:
            queue(connection.channel()).delete()
