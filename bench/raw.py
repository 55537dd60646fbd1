"""The baselines: what the raw broker and the raw event store can do here, now."""
from __future__ import annotations

import json
import time
import uuid

import amqp
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from kombu import Connection


class Dot(Aggregate):
    def __init__(self, name: str):
        self.name = name


def broker_rates(uri: str, count: int) -> dict:
    """Persistent publish, publish with a confirm each, batched confirms, consume+ack."""
    body = json.dumps({"source": "bench", "position": 1, "body": {"x": "y" * 200}})
    rates = {}
    with Connection(uri) as connection:
        channel = connection.channel()
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        channel.queue_declare(queue, durable=True, auto_delete=False)

        def publish(n, ch):
            for _ in range(n):
                ch.basic_publish(amqp.Message(body, delivery_mode=2, content_type="application/json"),
                                 exchange="", routing_key=queue)

        started = time.perf_counter()
        publish(count, channel)
        rates["publish_persistent"] = count / (time.perf_counter() - started)

        confirm = connection.channel()
        confirm.confirm_select()
        acked = [0]
        confirm.events["basic_ack"].add(lambda tag, multiple: acked.__setitem__(0, max(acked[0], tag)))
        few = max(200, count // 10)
        started = time.perf_counter()
        for sent in range(1, few + 1):
            publish(1, confirm)
            while acked[0] < sent:
                connection.drain_events(timeout=5)
        rates["publish_confirm_each"] = few / (time.perf_counter() - started)

        started = time.perf_counter()
        target = acked[0]
        for _ in range(count // 500):
            publish(500, confirm)
            target += 500
            while acked[0] < target:
                connection.drain_events(timeout=5)
        rates["publish_confirm_batched_500"] = (count // 500) * 500 / (time.perf_counter() - started)

        total = count + few + (count // 500) * 500
        received = [0]

        consumer = connection.channel()

        def on_message(message):
            consumer.basic_ack(message.delivery_tag)
            received[0] += 1

        consumer.basic_qos(0, 500, False)
        tag = consumer.basic_consume(queue, callback=on_message)
        started = time.perf_counter()
        while received[0] < total:
            connection.drain_events(timeout=5)
        rates["consume_ack"] = total / (time.perf_counter() - started)
        consumer.basic_cancel(tag)  # before the queue goes, or the broker cancels it under us
        channel.queue_delete(queue)
    return rates


def store_rate(env: dict, count: int) -> float:
    """Saves of one new aggregate each, on the same store and settings as the services."""
    application = Application(env=env)
    started = time.perf_counter()
    for index in range(count):
        application.save(Dot(name=f"dot {index}"))
    return count / (time.perf_counter() - started)
