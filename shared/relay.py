"""The relay: publishes a service's notification log to RabbitMQ (the outbox).

It reads stored events after its last confirmed position, publishes each as a
versioned integration event (persistent, routing key `<service>.<Type>`), waits
until the broker has confirmed the whole batch, and only then records the new
position in the service's own store. A crash at any moment loses nothing; at
worst a batch is published again, which consumers skip by position.

Run one per service: `python -m shared.relay intake`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import threading
import time

import amqp
from eventsourcing.persistence import PersistenceError, Tracking
from kombu import Connection
from kombu.exceptions import OperationalError

from shared import config, logs
from shared.application import ServiceApplication
from shared.lifecycle import end_with_parent
from shared.metrics import METRICS, serve_health_and_metrics

log = logging.getLogger("peernet.relay")
POSITION_NAME = "outbox-relay"


class BrokerRefused(Exception):
    """The broker nacked a message: the batch is published again."""


class ConfirmingPublisher:
    """Publishes batches on one channel in confirm mode and waits for all acks."""

    def __init__(self, uri: str, exchange: str, confirm_timeout: float = 30.0):
        self.uri, self.exchange, self.confirm_timeout = uri, exchange, confirm_timeout
        self.connection: Connection | None = None

    def _channel(self):
        if self.connection is None:
            self.connection = Connection(self.uri, heartbeat=0)
            self.connection.ensure_connection(max_retries=1)
            channel = self.connection.default_channel
            channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
            channel.confirm_select()
            self._sent = self._acked = 0
            self._nacked = False
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
        return self.connection.default_channel

    def _on_ack(self, delivery_tag, multiple):
        self._acked = max(self._acked, delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked = True

    def publish_batch(self, messages: list[tuple[str, dict, dict]], meanwhile=None) -> None:
        """messages: (routing key, body, headers). Returns once the broker confirmed all.

        `meanwhile()`, if given, runs after the last message went out and before
        the wait for confirms: work that the broker's confirming need not hold up.
        """
        channel = self._channel()
        for routing_key, body, headers in messages:
            channel.basic_publish(
                amqp.Message(
                    json.dumps(body, separators=(",", ":")),
                    content_type="application/json",
                    delivery_mode=2,
                    application_headers=headers,
                ),
                exchange=self.exchange,
                routing_key=routing_key,
            )
            self._sent += 1
        if meanwhile is not None:
            meanwhile()
        deadline = time.monotonic() + self.confirm_timeout
        while self._acked < self._sent and not self._nacked:
            if time.monotonic() > deadline:
                raise TimeoutError("broker did not confirm the batch in time")
            try:
                self.connection.drain_events(timeout=1)
            except socket.timeout:
                continue  # no confirm this second; the deadline decides when to give up
        if self._nacked:
            raise BrokerRefused("broker refused a message of the batch")

    def check(self) -> None:
        """Connect if need be and read what the broker sent: a dead connection raises here."""
        self._channel()
        try:
            self.connection.drain_events(timeout=0.001)
        except socket.timeout:
            pass

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:  # the connection may be gone already
                pass
        self.connection = None


class Relay:
    def __init__(self, application: ServiceApplication, publisher: ConfirmingPublisher,
                 batch_size: int = 500, poll_interval: float = 0.02):
        self.application = application
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.stopping = threading.Event()
        self.read_ahead: list = []  # the batch after the one being confirmed, read meanwhile
        self.broker_ok = False
        self.store_ok = True
        self.next_check = 0.0
        METRICS.start_relay(self.service)

    @property
    def service(self) -> str:
        return self.application.service

    def position(self) -> int:
        return self.application.recorder.max_tracking_id(POSITION_NAME) or 0

    def relay_once(self) -> int:
        """Publish the next batch, if any. Returns how many events were confirmed."""
        position = self.position()
        ahead, self.read_ahead = self.read_ahead, []
        if ahead and ahead[0].position == position + 1:
            events = ahead
        else:
            events = self.application.integration_events(after=position, limit=self.batch_size)
        # Only a full batch can leave more behind it: ask the store how much then.
        behind = self.application.max_position() - position if len(events) == self.batch_size else len(events)
        METRICS.relay_lag.labels(self.service).set(behind)
        if not events:
            if time.monotonic() >= self.next_check:  # idle: make sure the broker is still there
                self.publisher.check()
                self.next_check = time.monotonic() + 1.0
            return 0

        def read_next_batch():
            # While the broker confirms this batch; used only if this one is confirmed.
            if len(events) == self.batch_size:
                self.read_ahead = self.application.integration_events(after=events[-1].position,
                                                                      limit=self.batch_size)

        self.publisher.publish_batch([
            (event.routing_key, event.as_message(),
             {"source": event.source, "position": event.position, "version": event.version})
            for event in events
        ], meanwhile=read_next_batch)
        # Only now, after the broker confirmed, does the position move.
        self.application.recorder.insert_tracking(Tracking(POSITION_NAME, events[-1].position))
        METRICS.events_published.labels(self.service).inc(len(events))
        return len(events)

    IDLE_WAIT = 0.1  # the longest look-again wait: a quiet relay costs little, and its first event waits little

    def run(self) -> None:
        backoff, wait = 0.1, self.poll_interval
        while not self.stopping.is_set():
            try:
                published = self.relay_once()
                self.broker_ok = self.store_ok = True
                backoff = 0.1
                # Looks again soon while events come, less often the longer nothing has.
                wait = self.poll_interval if published else min(wait * 2, max(self.IDLE_WAIT, self.poll_interval))
                if published < self.batch_size:
                    self.stopping.wait(wait)
            except (OSError, OperationalError, amqp.exceptions.AMQPError, TimeoutError,
                    BrokerRefused, ConnectionError) as error:
                # The broker is down or refused: drop the channel and resume from
                # the last confirmed position once it is back.
                self.broker_ok = False
                log.warning("%s relay: broker unavailable (%s); retrying", self.service, error)
                self.publisher.close()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 2.0)
            except PersistenceError as error:
                # The store is down (a database restarting), or a position write whose commit
                # was lost with the connection was retried after it had landed: read the
                # position again once the store answers; what was published goes again at worst.
                self.store_ok = False
                self.read_ahead = []
                log.warning("%s relay: store unavailable (%s); retrying", self.service, error)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 2.0)
        self.publisher.close()

    def health(self) -> tuple[bool, str]:
        try:
            lag = self.application.max_position() - self.position()
        except PersistenceError:
            lag = None  # the store does not answer now
        detail = {"service": f"{self.service}-relay", "broker": self.broker_ok,
                  "store": self.store_ok and lag is not None, "lag": lag}
        return self.broker_ok and detail["store"], json.dumps(detail)


STOP_GRACE = 3.0  # seconds a stopping relay is given to finish the batch it is on


def main() -> None:
    from shared.network import application_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=config.SERVICES)
    parser.add_argument("--port", type=int, required=True, help="port of /health and /metrics")
    args = parser.parse_args()
    logs.configure(f"{args.service}-relay")

    relay = Relay(application_for(args.service), ConfirmingPublisher(config.amqp_uri(), config.exchange_name()))
    serve_health_and_metrics(args.port, relay.health)

    def stop(*_):
        relay.stopping.set()
        # A relay waiting on a store that has gone would wait out its pool's timeout before it saw the stop.
        # It holds nothing to save (its position moves only once the broker confirmed), so it goes soon anyway.
        leaving = threading.Timer(STOP_GRACE, os._exit, (0,))
        leaving.daemon = True
        leaving.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    end_with_parent()
    log.info("%s relay publishing to %s", args.service, config.exchange_name())
    relay.run()


if __name__ == "__main__":
    main()
