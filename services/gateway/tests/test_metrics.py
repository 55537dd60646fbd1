"""The gateway's /metrics is apart from its public API: the API answers 404 there, and the
metrics port (--metrics-port) answers Prometheus and nothing else."""
import socket

import requests

from services.gateway.tests.conftest import bearer
from shared.metrics import serve_health_and_metrics


def test_the_public_api_has_no_metrics(client, backend):
    answer = client.get("/metrics")
    assert answer.status_code == 404 and answer.content_type == "application/problem+json"
    assert client.get("/metrics", headers=bearer("state_auditor")).status_code == 404
    assert "/metrics" not in client.get("/openapi.json").get_json()["paths"]


def test_the_metrics_port_serves_the_gateways_latency_per_route_and_no_health(client, backend):
    client.get("/vocabularies")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve_health_and_metrics(port)
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'peernet_gateway_request_latency_seconds_count{method="GET",route="readVocabularies",status="200"}' in text
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_each_routes_latency_exists_at_zero_from_the_start():
    from prometheus_client import REGISTRY

    from services.gateway.app import Gateway, Route
    from services.gateway.auth import development_verifier

    probe = Route("POST", "/zeta-probes", "makeZetaProbe", "Make a probe", "tests", lambda call: {}, None, status=201)
    Gateway([probe], development_verifier("unit-test-secret-" + "z" * 32))
    labels = {"route": "makeZetaProbe", "method": "POST", "status": "201"}
    assert REGISTRY.get_sample_value("peernet_gateway_request_latency_seconds_count", labels) == 0
    assert REGISTRY.get_sample_value("peernet_gateway_request_latency_seconds_bucket", {**labels, "le": "0.005"}) == 0
