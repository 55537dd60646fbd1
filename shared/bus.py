"""RabbitMQ plumbing for consumers: queues, the consuming loop, dead letters.

One durable queue per consuming service (`<exchange>.<service>`), bound to
`<source>.#` for each upstream it follows. Single-active-consumer keeps each
source in order when several instances of a service share the queue.
"""
from __future__ import annotations

import json
import logging
import select
import threading
import time

from kombu import Connection, Exchange, Queue
from kombu.mixins import ConsumerMixin

from shared import config
from shared.consumer import TrackedConsumer

log = logging.getLogger("peernet.bus")


def events_exchange() -> Exchange:
    return Exchange(config.exchange_name(), type="topic", durable=True)


def consumer_queue(service: str, sources: tuple[str, ...]) -> Queue:
    exchange = events_exchange()
    from kombu import binding

    return Queue(
        f"{config.exchange_name()}.{service}",
        bindings=[binding(exchange, routing_key=f"{source}.#") for source in sources],
        durable=True,
        queue_arguments={"x-queue-type": config.queue_type(), "x-single-active-consumer": True},
    )


def dead_letters_exchange() -> Exchange:
    """Dead letters go through an exchange of their own, routed by service name, not the default exchange
    (which reaches every queue): a service's broker user may send to its own dead letters and nowhere else."""
    return Exchange(f"{config.exchange_name()}.dead-letters", type="topic", durable=True)


def dead_letter_queue(service: str) -> Queue:
    return Queue(
        f"{config.exchange_name()}.{service}.dead-letters", exchange=dead_letters_exchange(), routing_key=service,
        durable=True, queue_arguments={"x-queue-type": config.queue_type()},
    )


class DeadLetterPublisher:
    """Sends a refused message, with the reason, to the service's dead-letter queue."""

    def __init__(self, connection: Connection, service: str):
        self.connection = connection
        self.queue = dead_letter_queue(service)

    def send(self, message, reason: str, source: str) -> None:
        body = message if isinstance(message, (dict, list, str)) else repr(message)
        with self.connection.Producer() as producer:
            producer.publish(
                json.dumps(body), exchange=self.queue.exchange, routing_key=self.queue.routing_key,
                declare=[self.queue], delivery_mode=2, content_type="application/json",
                headers={"x-reason": reason[:2000], "x-source": source},
                retry=True,
            )


class HoldingConsumer(ConsumerMixin):
    """Holds deliveries until nothing more waits on the socket, or `prefetch` are in hand,
    then hands them to `handle_held` together: one commit and one ack for what came together.

    Subclasses set `connection` and `prefetch`, deliver to `hold`, and call this
    class's `on_consume_ready` and `on_iteration` from their own.
    """

    received: list | tuple = ()  # (body, message) held; a fresh list on every connect
    consuming: Connection | None = None  # a clone of self.connection: its socket is the one to watch

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self.consuming = connection
        self.received = []  # unacked on the old channel: the broker delivers them again

    def on_iteration(self):
        if self.received and not frame_waiting(self.consuming):
            self.release_held()

    def hold(self, body, message):
        self.received.append((body, message))
        if len(self.received) >= self.prefetch:
            self.release_held()

    def release_held(self) -> None:
        received, self.received = self.received, []
        if received:
            self.handle_held(received)

    def handle_held(self, received: list) -> None:
        raise NotImplementedError


class BusConsumer(HoldingConsumer):
    """Feeds the tracked consumer from the service's queue; catches up at start and now and then."""

    # An ack cost about as much as applying the event (a socket write under eventlet, and the broker's
    # work), and an event is acked only once its position is stored: so acks wait for a batch or a moment.
    # Redelivered after a crash, an applied event is a duplicate the tracked position skips.
    ACK_AFTER = 0.25  # seconds an applied event may wait for its ack while events come (idle: kombu's 1 s drain)
    ACK_EVERY = 50    # applied events acked together at most (well inside the prefetch)

    def __init__(self, connection: Connection, tracked: TrackedConsumer, queue: Queue,
                 catch_up_every: float = 10.0, prefetch: int = 200):
        self.connection = connection
        self.tracked = tracked
        self.queue = queue
        self.catch_up_every = catch_up_every
        self.prefetch = prefetch
        self.unacked: list = []  # the applied messages of this channel not acked yet, oldest first
        self.unacked_since = 0.0
        self.next_catch_up = 0.0
        self.checked_at: dict[str, int] = {}  # source -> our position at the last look; empty after a connect
        self.catching_up: threading.Thread | None = None

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[self.queue], callbacks=[self.hold],
                         prefetch_count=self.prefetch, accept=["json"])]

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        super().on_consume_ready(connection, channel, consumers, **kwargs)
        self.unacked = []  # the old channel's: the broker delivers them again, and they are duplicates
        self.next_catch_up = 0.0  # after every (re)connect, look at every log first
        self.checked_at.clear()

    def on_consume_end(self, connection, channel):
        if self.should_stop and channel.is_open:  # a clean stop leaves nothing to deliver again
            self.ack_applied()

    def on_connection_error(self, exc, interval):
        log.warning("%s: broker connection lost (%s); retrying in %ss", self.tracked.service, exc, interval)

    def on_iteration(self):
        super().on_iteration()
        if self.unacked and time.monotonic() - self.unacked_since >= self.ACK_AFTER:
            self.ack_applied()
        # Aside from the consuming loop, so that a source that is down (its RPC
        # timing out) holds up only its own events, not every source's.
        if time.monotonic() >= self.next_catch_up and not (self.catching_up and self.catching_up.is_alive()):
            self.next_catch_up = time.monotonic() + self.catch_up_every
            self.catching_up = threading.Thread(target=self.catch_up_all, daemon=True,
                                                name=f"catch-up-{self.tracked.service}")
            self.catching_up.start()

    def catch_up_all(self) -> None:
        """Read the logs of the sources whose events have stopped coming (all of them after a connect).

        While a source's events arrive, the bus is doing the work and a gap shows on
        the next message; reading its log as well would apply nothing new at twice the cost.
        """
        for source in self.tracked.sources:
            position = self.tracked.application.position_in(source)
            last_look = self.checked_at.get(source)
            self.checked_at[source] = position
            if last_look is not None and last_look != position:
                continue  # moving: the bus is delivering
            try:
                self.tracked.catch_up(source)
            except Exception as error:  # the source may be down; the bus and the next try will do
                log.info("%s: catching up from %s failed for now: %s", self.tracked.service, source, error)

    def handle_held(self, received: list) -> None:
        try:
            self.tracked.handle_batch([body for body, _ in received])
        except Exception:
            # Most likely the source is unreachable while filling a gap: wait, then
            # let the broker deliver them again rather than lose the order.
            log.exception("%s: could not apply %d messages; they will be delivered again",
                          self.tracked.service, len(received))
            time.sleep(1.0)
            self.ack_applied()  # what was applied before stays applied
            for _, message in received:
                message.requeue()
            return
        if not self.unacked:
            self.unacked_since = time.monotonic()
        self.unacked += [message for _, message in received]
        if len(self.unacked) >= self.ACK_EVERY:
            self.ack_applied()

    def ack_applied(self) -> None:
        unacked, self.unacked = self.unacked, []
        if unacked:
            unacked[-1].ack(multiple=True)


def frame_waiting(connection: Connection | None) -> bool:
    """Whether a frame is already on the connection's socket (py-amqp reads no further than the frame it needs)."""
    sock = getattr(getattr(getattr(connection, "connection", None), "transport", None), "sock", None)
    # A socket closed under us (fileno -1) has nothing waiting: whoever uses it next finds it closed.
    return sock is not None and sock.fileno() >= 0 and bool(select.select([sock], [], [], 0)[0])


def start_in_thread(consumer: ConsumerMixin, name: str) -> threading.Thread:
    thread = threading.Thread(target=consumer.run, name=name, daemon=True)
    thread.start()
    return thread
