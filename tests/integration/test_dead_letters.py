"""A message that does not fit its contract goes to the dead-letter queue with the
reason, on the real broker, and the consumer goes on with the next event."""
import json
import uuid

import pytest
from kombu import Connection

from tests.integration.test_first_flow import profile
from tests.support import wait_until

pytestmark = pytest.mark.integration


def test_an_invalid_message_is_dead_lettered_with_its_reason_and_processing_goes_on(
        network_factory, rpc, tmp_path, amqp_uri):
    exchange = f"peernet.events.{uuid.uuid4().hex[:8]}"
    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"},
                              services=("intake", "matching"), exchange=exchange)
    network.start()
    system = rpc("system")
    first = str(uuid.uuid4())
    system.intake.record_peer_worker_profile(profile(first))
    wait_until(lambda: system.matching.positions()["upstream"]["intake"] == 1, timeout=5, message="first event")

    # A message claiming position 2 arrives broken: a display name in clear breaks the contract.
    broken = {"source": "intake", "position": 2, "type": "PeerWorkerProfiled", "version": 1,
              "occurred_at": "2026-11-24T00:00:00+00:00",
              "actor": {"user_id": "x", "role": "system", "organization_id": None, "correlation_id": "c"},
              "subject_id": str(uuid.uuid4()),
              "body": {"peer_worker_id": str(uuid.uuid4()), "organization_id": "org", "display_name": "In Clear",
                       "shared_for_matching": [], "shared_with_network": []}}
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(json.dumps(broken), exchange=exchange, routing_key="intake.PeerWorkerProfiled",
                                      content_type="application/json", delivery_mode=2)
        dead_letters = connection.SimpleQueue(f"{exchange}.matching.dead-letters")
        refused = dead_letters.get(timeout=10)
        assert "display_name" in refused.headers["x-reason"]
        assert refused.headers["x-source"] == "intake"
        refused.ack()
        dead_letters.close()

    # Intake's log holds nothing at position 2 yet: the forged message must not take its place.
    assert system.matching.positions()["upstream"]["intake"] == 1
    second = str(uuid.uuid4())
    system.intake.record_peer_worker_profile(profile(second))
    wait_until(lambda: system.matching.positions()["upstream"]["intake"] == 2, timeout=5, message="processing goes on")
    assert system.matching.candidate(second)["shared_for_matching"] == ["heard_voices"]
