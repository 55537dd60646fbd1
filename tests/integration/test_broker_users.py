"""Each service connects as its own broker user, allowed only its own queues (shared.broker_users): on the real
broker, a service's user is refused another service's queue, another service's events and the gateway's calls;
and a whole network runs with a user per process, as make run starts it."""
import json
import uuid

import amqp
import pytest
import requests
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Queue

from shared import broker_users
from shared.dev_tokens import mint_development_token
from tests.support import rabbitmqctl, wait_until

pytestmark = pytest.mark.integration
SECRET = "broker-users-secret-" + "b" * 32


@pytest.fixture
def users(amqp_uri, tmp_path):
    exchange = f"peernet.events.{tmp_path.name}"
    uris = broker_users.ensure_local(amqp_uri, exchange, tmp_path / "var")
    with Connection(amqp_uri) as admin:  # what the others would have declared: their queues, the exchanges
        channel = admin.channel()
        for name in (exchange, f"{exchange}.calls", f"{exchange}.dead-letters", broker_users.RPC_EXCHANGE):
            Exchange(name, "topic", durable=True)(channel).declare()
        Queue("rpc-supervision", Exchange(broker_users.RPC_EXCHANGE, "topic"), routing_key="supervision.*",
              durable=True)(channel).declare()
        for service in ("intake", "directory", "supervision"):
            Queue(f"{exchange}.{service}", Exchange(exchange, "topic"), routing_key="nothing.#",
                  durable=True)(channel).declare()
            Queue(f"{exchange}.{service}.calls", Exchange(f"{exchange}.calls", "topic"), routing_key=service,
                  durable=True)(channel).declare()
    yield exchange, uris
    with Connection(amqp_uri) as admin:
        admin.channel().queue_delete("rpc-supervision")
    broker_users.remove_local(broker_users.vhost_of(amqp_uri))


def attempt(uri: str, action) -> bool:
    """Whether the broker lets `uri`'s user do `action(channel)`; a refused publish shows at the next round trip."""
    with Connection(uri) as connection:
        channel = connection.channel()
        try:
            action(channel)
            channel.basic_qos(0, 1, False)  # a round trip: an asynchronous refusal closes the channel by now
            return True
        except AccessRefused:
            return False


def publish(exchange: str, routing_key: str):
    return lambda channel: channel.basic_publish(amqp.Message(json.dumps({"forged": True})), exchange=exchange,
                                                 routing_key=routing_key)


def consume(queue: str):
    return lambda channel: channel.basic_consume(queue, callback=lambda message: None)


def test_a_services_user_has_its_own_queues_and_events_and_nothing_else(users):
    exchange, uris = users
    intake = uris["intake"]
    assert attempt(intake, consume(f"{exchange}.intake"))
    assert attempt(intake, consume(f"{exchange}.intake.calls"))
    assert attempt(intake, publish(exchange, "intake.PersonEnrolled"))  # its relay publishes its events
    assert attempt(intake, publish(f"{exchange}.dead-letters", "intake"))
    # Refused: another service's queues, its events, its dead letters, the gateway's calls, the default exchange.
    assert not attempt(intake, consume(f"{exchange}.directory"))
    assert not attempt(intake, consume(f"{exchange}.directory.calls"))
    assert not attempt(intake, publish(exchange, "directory.OrganizationRegistered"))
    assert not attempt(intake, publish(f"{exchange}.dead-letters", "directory"))
    assert not attempt(intake, publish(f"{exchange}.calls", "directory"))
    assert not attempt(intake, publish("", f"{exchange}.directory"))  # the default exchange reaches every queue
    assert not attempt(intake, lambda channel: channel.queue_delete(f"{exchange}.directory"))
    assert not attempt(intake, lambda channel: channel.queue_bind(f"{exchange}.intake", f"{exchange}.calls",
                                                                  "directory"))


def test_a_service_binds_its_queue_only_to_the_events_of_the_services_it_follows(users):
    exchange, uris = users
    supervision = uris["supervision"]  # follows directory and matching
    assert attempt(supervision, lambda channel: channel.queue_bind(f"{exchange}.supervision", exchange, "matching.#"))
    assert not attempt(supervision, lambda channel: channel.queue_bind(f"{exchange}.supervision", exchange,
                                                                       "intake.#"))
    assert not attempt(supervision, lambda channel: channel.queue_bind(f"{exchange}.supervision", exchange, "#"))
    assert not attempt(uris["directory"], lambda channel: channel.queue_bind(f"{exchange}.directory", exchange,
                                                                             "directory.#"))  # follows no one


def test_the_gateway_and_the_tools_call_and_read_their_replies_only(users):
    exchange, uris = users
    gateway, tools = uris["gateway"], uris["tools"]
    assert attempt(gateway, publish(f"{exchange}.calls", "intake"))
    assert not attempt(gateway, publish(exchange, "intake.PersonEnrolled"))
    assert not attempt(gateway, consume(f"{exchange}.intake"))
    assert not attempt(gateway, consume(f"{exchange}.intake.calls"))
    assert not attempt(gateway, publish("", f"{exchange}.intake.calls"))
    assert attempt(tools, lambda channel: channel.queue_purge(f"{exchange}.intake"))  # a restore empties them
    assert not attempt(tools, publish(exchange, "intake.PersonEnrolled"))
    assert not attempt(tools, consume(f"{exchange}.intake.calls"))


def test_a_network_runs_with_a_broker_user_per_process(network_factory, tmp_path, amqp_uri):
    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite",
                               "PEERNET_JWT_SECRET": SECRET}, services=("intake", "directory", "gateway", "web"),
                              own_users=True)
    network.start()
    gateway = f"http://127.0.0.1:{network.specs['gateway'].port}"

    def call(method, path, role, user_id=None, **kwargs):
        token = mint_development_token(role, user_id or str(uuid.uuid4()), None, secret=SECRET)
        return requests.request(method, gateway + path, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                                **kwargs)

    # The calls path (gateway -> directory), directory's relay, and intake's consumer of directory's events.
    made = call("POST", "/organizations", "state_auditor", json={
        "name": "Brookfield Peer Center (synthetic)", "kind": "peer_run_organization", "regions": ["Hampden"]})
    assert made.status_code == 201, made.text
    directory_log = call("GET", "/services/directory/positions", "state_auditor").json()["log"]
    wait_until(lambda: call("GET", "/services/intake/positions", "state_auditor").json()["upstream"].get(
        "directory", 0) >= directory_log, timeout=30, message="intake applied directory's events")
    person = str(uuid.uuid4())
    enrolled = call("POST", "/people", "person", person, json={
        "person_id": person, "display_name": "Robin Quill (synthetic)", "region": "Hampden", "languages": ["en"],
        "modalities": ["phone"], "consent": {"purpose": "peer_support", "may_see": {}}})
    assert enrolled.status_code == 201, enrolled.text

    vhost = broker_users.vhost_of(amqp_uri)
    connected = {line.split("\t")[0] for line in rabbitmqctl("list_connections", "user", "vhost").stdout.splitlines()
                 if line.endswith(f"\t{vhost}")}
    prefix = broker_users.user_prefix(vhost)
    assert {f"{prefix}intake", f"{prefix}directory", f"{prefix}gateway"} <= connected
    # The web pages reach the gateway only: they are not given the broker's address at all.
    with open(f"/proc/{network.processes['web'].pid}/environ", "rb") as environ:
        assert b"AMQP_URI" not in {entry.split(b"=")[0] for entry in environ.read().split(b"\0")}
    assert network.env["AMQP_URI"] == network.broker_uris["tools"]


def test_over_namekos_rpc_a_service_calls_only_the_services_it_follows_and_answers_reply_queues(users):
    _, uris = users
    supervision, rpc = uris["supervision"], broker_users.RPC_EXCHANGE  # supervision follows directory, matching
    assert attempt(supervision, publish(rpc, "directory.integration_events"))  # a catch-up read
    assert attempt(supervision, publish(rpc, str(uuid.uuid4())))  # an answer to a caller's reply queue
    assert not attempt(supervision, publish(rpc, "intake.integration_events"))
    assert not attempt(supervision, publish(rpc, "intake.record_peer_worker_profile"))
    assert not attempt(uris["directory"], publish(rpc, "intake.integration_events"))  # follows no one
    assert attempt(supervision, lambda channel: channel.queue_bind("rpc-supervision", rpc, "supervision.*"))
    assert not attempt(supervision, lambda channel: channel.queue_bind("rpc-supervision", rpc, "intake.*"))
