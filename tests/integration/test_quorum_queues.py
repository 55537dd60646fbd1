"""PEERNET_QUEUE_TYPE=quorum, as on a RabbitMQ cluster: the consuming service's queue
and its dead-letter queue are quorum queues on the real broker, and events still
flow from the relay to the consumer (single-active-consumer and all)."""
import json
import uuid
from urllib.parse import unquote, urlsplit

import pytest
from kombu import Connection

from shared.bus import dead_letter_queue
from tests.integration.test_first_flow import profile
from tests.support import rabbitmqctl, wait_until

pytestmark = pytest.mark.integration


def queues(amqp_uri: str) -> dict[str, str]:
    """name -> "type arguments", as the broker itself reports them."""
    vhost = unquote(urlsplit(amqp_uri).path[1:]) or "/"
    listed = rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "type", "arguments").stdout
    return {line.split("\t", 1)[0]: line.split("\t", 1)[1] for line in listed.splitlines() if "\t" in line}


def test_quorum_queues_carry_events_and_dead_letters(network_factory, rpc, tmp_path, amqp_uri, monkeypatch):
    exchange = f"peernet.events.{uuid.uuid4().hex[:8]}"
    # Here too, so that reading the dead letters declares the queue as the service does.
    monkeypatch.setenv("PEERNET_EXCHANGE", exchange)
    monkeypatch.setenv("PEERNET_QUEUE_TYPE", "quorum")
    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite",
                               "PEERNET_QUEUE_TYPE": "quorum"},
                              services=("intake", "matching"), exchange=exchange)
    network.start()
    system = rpc("system")
    system.intake.record_peer_worker_profile(profile(str(uuid.uuid4())))
    # Stored by intake, published by its relay, consumed from the quorum queue by matching.
    wait_until(lambda: system.matching.positions()["upstream"]["intake"] == 1, timeout=10, message="event consumed")

    broken = {"source": "intake", "position": 2, "type": "PeerWorkerProfiled", "version": 1}
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(json.dumps(broken), exchange=exchange, routing_key="intake.PeerWorkerProfiled",
                                      content_type="application/json", delivery_mode=2)
        refused = connection.SimpleQueue(dead_letter_queue("matching")).get(timeout=10)
        assert refused.headers["x-source"] == "intake"
        refused.ack()

    listed = queues(amqp_uri)
    consuming, dead_letters = listed[f"{exchange}.matching"], listed[f"{exchange}.matching.dead-letters"]
    assert consuming.startswith("quorum") and "x-single-active-consumer" in consuming
    assert dead_letters.startswith("quorum")
