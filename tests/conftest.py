import shared.errors  # noqa: F401  (so RPC errors come back as our own classes)
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from shared import broker_users, config
from shared.network import Network
from shared.signing import SignedContext
from tests.support import caller, free_port_base, private_database, private_vhost, require_broker


@pytest.fixture(scope="session")
def amqp_uri():
    uri = config.amqp_uri()
    require_broker(uri)
    with private_vhost(uri) as vhost_uri:
        yield vhost_uri


@pytest.fixture
def postgres():
    """A database of this test's own; each service keeps its own schema in it."""
    with private_database() as pg:
        yield pg


def postgres_env(pg) -> dict:
    return {"PEERNET_STORE": "postgres", "POSTGRES_HOST": pg.host, "POSTGRES_PORT": pg.port,
            "POSTGRES_USER": pg.user, "POSTGRES_PASSWORD": pg.password, "POSTGRES_DBNAME": pg.dbname}


@pytest.fixture(params=["sqlite", "postgres"])
def store_env(request, tmp_path):
    env = {"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite"}
    if request.param == "postgres":
        env.update(postgres_env(request.getfixturevalue("postgres")))
    return env


@pytest.fixture
def network_factory(amqp_uri, tmp_path):
    started = []

    def make(env: dict, services=config.SERVICES, exchange: str | None = None, own_users: bool = False) -> Network:
        """own_users: each process as its own broker user (shared.broker_users), as make run does."""
        network = Network(
            env={"AMQP_URI": amqp_uri, "PEERNET_EXCHANGE": exchange or f"peernet.events.{tmp_path.name}", **env},
            services=services, port_base=free_port_base(), log_dir=tmp_path / "logs", own_users=own_users,
        )
        started.append(network)
        return network

    yield make
    for network in started:
        network.stop()
    if any(network.broker_uris for network in started):
        broker_users.remove_local(broker_users.vhost_of(amqp_uri))


@pytest.fixture
def rpc(amqp_uri):
    proxies = []

    def proxy(role="system", **identity):
        cluster = ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20,
                                  context_data=SignedContext(caller(role, **identity)))
        proxies.append(cluster)
        return cluster.start()

    yield proxy
    for cluster in proxies:
        cluster.stop()
