"""A peer worker's profile recorded in intake appears in matching's projection,
over the real broker, with SQLite and with PostgreSQL stores."""
import time
import uuid

import pytest

from shared.errors import InvalidInput, NotAllowed
from tests.support import wait_until

pytestmark = pytest.mark.integration


def profile(peer_worker_id, **changes):
    return {"peer_worker_id": peer_worker_id, "display_name": "Rowan Example (synthetic)",
            "organization_id": "org-hampden-1",
            "experiences": [{"experience": "heard_voices", "visibility": "matching"},
                            {"experience": "veteran", "visibility": "private"},
                            {"experience": "homelessness", "visibility": "network"}], **changes}


def test_profile_reaches_matching_within_a_second_and_withdrawal_follows(store_env, network_factory, rpc):
    network = network_factory(store_env, services=("intake", "matching"))
    network.start()
    peer_worker_id = str(uuid.uuid4())
    peer = rpc("peer", user_id=peer_worker_id)
    system = rpc("system")

    started = time.monotonic()
    assert peer.intake.record_peer_worker_profile(profile(peer_worker_id)) == peer_worker_id

    def listed():
        try:
            return system.matching.candidate(peer_worker_id)
        except Exception:
            return None

    candidate = wait_until(listed, timeout=5, message="candidate in matching")
    assert time.monotonic() - started < 1.0
    # Only what was shared for matching; private and network-only items never reach matching.
    assert candidate["shared_for_matching"] == ["heard_voices"]
    assert candidate["display_name"] == "Rowan Example (synthetic)"

    peer.intake.withdraw_experience({"peer_worker_id": peer_worker_id, "experience": "heard_voices"})
    wait_until(lambda: system.matching.candidate(peer_worker_id)["shared_for_matching"] == [],
               timeout=2, message="withdrawal in matching")
    peer.intake.share_experience({"peer_worker_id": peer_worker_id, "experience": "veteran", "visibility": "matching"})
    wait_until(lambda: system.matching.candidate(peer_worker_id)["shared_for_matching"] == ["veteran"],
               timeout=2, message="newly shared item in matching")


def test_bad_input_names_the_field_and_stores_nothing(store_env, network_factory, rpc):
    network = network_factory(store_env, services=("intake",))
    network.start()
    admin = rpc("agency_admin", organization_id="org-hampden-1")
    system = rpc("system")
    before = system.intake.positions()["log"]

    with pytest.raises(InvalidInput) as refused:
        admin.intake.record_peer_worker_profile(profile(str(uuid.uuid4()), display_name=""))
    assert "display_name" in refused.value.field_errors

    with pytest.raises(InvalidInput) as refused:
        admin.intake.record_peer_worker_profile(
            profile(str(uuid.uuid4()), experiences=[{"experience": "schizophrenia", "visibility": "matching"}]))
    assert "experiences" in refused.value.field_errors  # a diagnosis is not an experience item

    with pytest.raises(InvalidInput) as refused:
        admin.intake.record_peer_worker_profile({**profile(str(uuid.uuid4())), "notes": "free text about a person"})
    assert "notes" in refused.value.field_errors  # no free-text remarks are accepted

    with pytest.raises(InvalidInput) as refused:
        rpc("peer").intake.share_experience({"peer_worker_id": "not-an-id", "experience": "veteran", "visibility": "matching"})
    assert "peer_worker_id" in refused.value.field_errors

    with pytest.raises(NotAllowed):  # another organization's peer worker
        admin.intake.record_peer_worker_profile(profile(str(uuid.uuid4()), organization_id="org-elsewhere"))

    assert system.intake.positions()["log"] == before


def test_a_call_without_a_caller_is_refused(network_factory, store_env, amqp_uri):
    from nameko.standalone.rpc import ClusterRpcProxy

    network = network_factory(store_env, services=("intake",))
    network.start()
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as anonymous:
        with pytest.raises(NotAllowed):
            anonymous.intake.record_peer_worker_profile(profile(str(uuid.uuid4())))


def test_a_call_that_cannot_be_answered_is_dropped_and_the_service_lives_on(network_factory, tmp_path, amqp_uri,
                                                                            rpc):
    import amqp
    from kombu import Connection

    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"},
                              services=("intake",))
    network.start()
    pid = network.processes["intake"].pid
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        # No content type; no reply queue; and a content type kombu refuses to decode (it drops that one itself).
        for properties in ({"reply_to": "nobody"}, {"content_type": "application/json"},
                           {"content_type": "application/x-unknown", "reply_to": "nobody"}):
            channel.basic_publish(amqp.Message(b'{"args": [], "kwargs": {}}', **properties),
                                  exchange="nameko-rpc", routing_key="intake.positions")
    # Dropped with a warning, not the container's death (restarted, it died again on the same message).
    assert rpc("system").intake.positions()["log"] == 0
    assert network.processes["intake"].pid == pid
    wait_until(lambda: (tmp_path / "logs" / "intake.log").read_text().count(
        "dropped a call that cannot be answered") == 2, timeout=10, message="the calls that cannot be answered dropped")
