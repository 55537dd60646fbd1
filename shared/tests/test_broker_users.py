"""The broker users' table (shared.broker_users): who connects as whom, and the definitions the nodes load."""
import base64
import hashlib

from shared import broker_users, config
from shared.network import specs


def test_every_process_but_the_web_pages_has_a_user_and_a_relay_is_its_service():
    users = {spec.name: broker_users.principal_of(spec.name) for spec in specs(port_base=9000)}
    assert users["intake-relay"] == users["intake"] == "intake" and users["gateway"] == "gateway"
    assert users["web"] is None  # it reaches the gateway only
    assert set(users.values()) - {None} | {"tools"} == set(broker_users.PRINCIPALS)


def test_a_uri_keeps_its_nodes_and_vhost_as_another_user():
    uri = "amqp://peernet:admin@rabbit1:5672/;amqp://peernet:admin@rabbit2:5672/"
    again = broker_users.with_user(uri, "peernet-intake", "p@ss/word")
    assert again == ("amqp://peernet-intake:p%40ss%2Fword@rabbit1:5672/;"
                     "amqp://peernet-intake:p%40ss%2Fword@rabbit2:5672/")
    assert broker_users.credentials(again) == ("peernet-intake", "p@ss/word")
    assert broker_users.vhost_of("amqp://a:b@h/peernet-test") == "peernet-test" and broker_users.vhost_of(uri) == "/"


def test_definitions_hold_rabbitmqs_salted_hash_never_the_password():
    made = broker_users.definitions({"intake": ("peernet-intake", "secret-1")}, "/", "peernet.events",
                                    administrator=("peernet", "secret-0"))
    assert "secret-1" not in str(made) and "secret-0" not in str(made)
    (user,) = [user for user in made["users"] if user["name"] == "peernet-intake"]
    raw = base64.b64decode(user["password_hash"])
    assert raw[4:] == hashlib.sha256(raw[:4] + b"secret-1").digest()
    assert {(p["user"], p["configure"]) for p in made["permissions"]} >= {("peernet", ".*")}
    (events,) = [rule for rule in made["topic_permissions"] if rule["exchange"] == "peernet.events"]
    assert events["write"] == "^intake\\."  # its relay publishes its own events, no other service's


def test_no_user_but_a_service_may_publish_events_and_none_the_default_exchange():
    for principal in broker_users.PRINCIPALS:
        allowed = broker_users.permissions(principal, "peernet.events")
        assert "amq" not in allowed["write"] and ".*" not in allowed["write"]
        assert ("peernet\\.events|" in allowed["write"]) == (principal in config.SERVICES)


def test_a_clusters_definitions_mirror_namekos_rpc_queues_and_a_single_brokers_do_not():
    users = {"intake": ("peernet-intake", "secret-1")}
    (policy,) = broker_users.definitions(users, "peernet", "peernet.events", cluster=True)["policies"]
    assert (policy["vhost"], policy["pattern"], policy["apply-to"]) == ("peernet", "^rpc-", "queues")
    assert policy["definition"]["ha-mode"] == "all"
    assert "policies" not in broker_users.definitions(users, "peernet", "peernet.events")
