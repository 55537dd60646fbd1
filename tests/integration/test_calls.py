"""Calls (shared.calls) to a real intake process over the real broker: answers, refusals
with the field named and nothing stored, unknown methods and services, many callers at once,
calls not kept on the broker's disk, forged callers published straight to the broker refused."""
import json
import threading
import time
import uuid

import pytest
from kombu import Connection, Consumer, Producer, Queue
from nameko.exceptions import MethodNotFound, UnknownService

from shared import signing
from shared.calls import CallClient, call_queue, replies_exchange
from shared.errors import InvalidInput, NotAllowed
from shared.signing import SignedContext
from tests.support import caller, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def intake(network_factory, tmp_path):
    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"},
                              services=("intake",))
    network.start()
    return network


@pytest.fixture
def client(amqp_uri, intake):
    client = CallClient(amqp_uri, timeout=20, namespace=intake.env["PEERNET_EXCHANGE"])
    yield client
    client.close()


def profile(peer_worker_id):
    return {"peer_worker_id": peer_worker_id, "display_name": "Rowan Example (synthetic)",
            "organization_id": "org-hampden-1", "experiences": [{"experience": "veteran", "visibility": "matching"}]}


def test_a_command_is_answered_and_stored(intake, client):
    peer_worker_id = str(uuid.uuid4())
    peer = caller("peer", user_id=peer_worker_id)
    assert client.call("intake", "record_peer_worker_profile", profile(peer_worker_id), caller=peer) == peer_worker_id
    assert client.call("intake", "positions", caller=caller("system"))["log"] == 1


def test_bad_input_names_the_field_and_stores_nothing(intake, client):
    peer_worker_id = str(uuid.uuid4())
    with pytest.raises(InvalidInput) as refused:
        client.call("intake", "record_peer_worker_profile", {**profile(peer_worker_id), "display_name": ""},
                    caller=caller("peer", user_id=peer_worker_id))
    assert "display_name" in refused.value.field_errors
    with pytest.raises(NotAllowed):
        client.call("intake", "record_peer_worker_profile", profile(peer_worker_id), caller=caller("person"))
    with pytest.raises(NotAllowed):  # no caller at all
        client.call("intake", "record_peer_worker_profile", profile(peer_worker_id), caller=None)
    assert client.call("intake", "positions", caller=caller("system"))["log"] == 0


def test_only_rpc_methods_can_be_called(intake, client):
    for method in ("health", "metrics", "__init__", "no_such_method"):
        with pytest.raises(MethodNotFound):
            client.call("intake", method, caller=caller("system"))


def test_a_service_that_never_ran_is_told_at_once(intake, client):
    started = time.monotonic()
    with pytest.raises(UnknownService):
        client.call("nobody-here", "positions", caller=caller("system"), timeout=15)
    assert time.monotonic() - started < 10  # told by the broker, not by the timeout


def test_many_callers_on_one_client_each_get_their_own_answer(intake, client):
    peers = [str(uuid.uuid4()) for _ in range(40)]
    answers, failures = {}, []

    def record(peer_worker_id):
        try:
            answers[peer_worker_id] = client.call("intake", "record_peer_worker_profile", profile(peer_worker_id),
                                                  caller=caller("peer", user_id=peer_worker_id))
        except Exception as failure:
            failures.append(failure)

    threads = [threading.Thread(target=record, args=(peer,)) for peer in peers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert answers == {peer: peer for peer in peers}
    assert client.call("intake", "positions", caller=caller("system"))["log"] == len(peers)


def test_a_client_whose_connection_broke_says_so_once_and_connects_again(intake, client):
    system = caller("system")
    assert client.call("intake", "positions", caller=system)["log"] == 0
    client.publishing.connection.transport.sock.close()  # as when the broker went away
    with pytest.raises(ConnectionError):
        client.call("intake", "positions", caller=system)
    assert client.call("intake", "positions", caller=system)["log"] == 0


def test_a_call_is_not_kept_on_the_brokers_disk(amqp_uri, intake, client):
    """A call kept across a broker restart would run after its caller was told it failed."""
    outcome = []
    with Connection(amqp_uri) as connection:
        queue = call_queue("probe", client.namespace)(connection.default_channel)
        queue.declare()
        try:
            waiting = threading.Thread(target=lambda: outcome.append(
                pytest.raises(ConnectionError, client.call, "probe", "positions", caller=caller("system"))))
            waiting.start()  # nobody answers at `probe`: the call waits in its queue
            call = wait_until(lambda: queue.get(no_ack=True), timeout=10, message="the call reached its queue")
            client.close()  # the waiting call fails now, not at its timeout
            waiting.join()
        finally:
            queue.delete()
    assert call.properties["delivery_mode"] == 1  # transient
    assert len(outcome) == 1  # and its caller was told


def publish_raw(amqp_uri, namespace, body, timeout=15) -> dict:
    """A call as anyone holding the broker's credentials can send it: a kombu message straight to the queue."""
    replies = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        name = f"forger-{uuid.uuid4().hex}"  # answers come through the replies exchange, by queue name
        reply_queue = Queue(name, replies_exchange(namespace), routing_key=name, exclusive=True, auto_delete=True)
        with Consumer(channel, queues=[reply_queue], callbacks=[lambda reply, _: replies.append(reply)],
                      no_ack=True, accept=["json"]):
            Producer(connection.channel()).publish(
                body, exchange="", routing_key=call_queue("intake", namespace).name, reply_to=reply_queue.name,
                correlation_id=uuid.uuid4().hex, serializer="json", delivery_mode="transient")
            deadline = time.monotonic() + timeout
            while not replies and time.monotonic() < deadline:
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    pass
    assert replies, "intake did not answer the call published on the broker"
    return replies[0]


def test_a_call_published_straight_to_the_broker_needs_a_signed_caller(amqp_uri, intake, client):
    """Broker credentials are not enough: a caller claiming `system`, unsigned, expired, signed for another
    service or altered, is no caller; nothing is stored. The same message, signed, is taken."""
    peer_worker_id = str(uuid.uuid4())
    system = caller("system")

    def call(signed_caller):
        return publish_raw(amqp_uri, client.namespace, {"method": "record_peer_worker_profile",
                                                        "args": [profile(peer_worker_id)], "caller": signed_caller})

    good = signing.sign(system, "intake")
    payload, signature = good.split(".")
    forged_payload = signing._encode(json.dumps(
        {"c": system, "aud": "intake", "exp": int(time.time()) + 60}).encode())
    for forged in (system,                                                          # as today: plain, claiming system
                   json.dumps(system),
                   signing.sign(system, "intake", now=time.time() - signing.LIFETIME - 1),  # expired: a replay
                   signing.sign(system, "matching"),                                 # for another service
                   f"{forged_payload}.{signature}",                                  # another payload, same signature
                   f"{payload}.{signature[:-4]}AAAA"):                              # badly signed
        answer = call(forged)
        assert answer["result"] is None and answer["error"]["exc_type"] == "NotAllowed", (forged, answer)
    assert client.call("intake", "positions", caller=system)["log"] == 0  # nothing stored

    assert call(good) == {"result": peer_worker_id, "error": None}
    assert client.call("intake", "positions", caller=system)["log"] == 1


def test_nameko_rpc_needs_a_signed_caller_too(amqp_uri, intake, client):
    from nameko.standalone.rpc import ClusterRpcProxy

    system = caller("system")
    peer_worker_id = str(uuid.uuid4())
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20, context_data={"caller": system}) as forger:
        with pytest.raises(NotAllowed):
            forger.intake.record_peer_worker_profile(profile(peer_worker_id))
    assert client.call("intake", "positions", caller=system)["log"] == 0
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20, context_data=SignedContext(system)) as tool:
        assert tool.intake.record_peer_worker_profile(profile(peer_worker_id)) == peer_worker_id
    assert client.call("intake", "positions", caller=system)["log"] == 1
