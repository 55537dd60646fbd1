"""The gateway is one of the network's processes: its own port, started by `make run`."""
from shared import config
from shared.network import GATEWAY, PROCESSES, specs


def test_the_gateway_listens_at_base_plus_100_beside_the_services():
    by_name = {spec.name: spec for spec in specs(port_base=9000)}
    assert GATEWAY in PROCESSES and by_name[GATEWAY].port == 9100
    assert by_name[GATEWAY].args == ("-m", "services.gateway.run", "--port", "9100", "--metrics-port", "9200")
    assert by_name[GATEWAY].metrics_url == "http://127.0.0.1:9200/metrics"  # off the public API's port
    ports = [port for spec in by_name.values() for port in spec.ports]
    assert len(set(ports)) == len(ports)  # no two share a port


def test_a_network_of_services_only_has_no_gateway():
    assert GATEWAY not in {spec.name for spec in specs(config.SERVICES, port_base=9000)}
