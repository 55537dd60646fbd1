"""Every counter a process will use exists at zero from its start, so that the first dead letter
(or gap, or duplicate) is an increase Prometheus sees, and a silent process is told from a missing one."""
from prometheus_client import REGISTRY

from shared.metrics import METRICS


def sample(name: str, **labels) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_a_service_starts_with_every_counter_and_lag_of_each_source_at_zero():
    METRICS.start_service("zeta-svc", ("alpha-src", "beta-src"))
    assert sample("peernet_events_stored_total", service="zeta-svc") == 0
    for source in ("alpha-src", "beta-src"):
        for name in ("peernet_dead_letters_total", "peernet_events_consumed_total",
                     "peernet_duplicates_skipped_total", "peernet_gap_fills_total", "peernet_consumer_lag_events"):
            assert sample(name, service="zeta-svc", source=source) == 0, (name, source)
    METRICS.dead_letters.labels("zeta-svc", "alpha-src").inc()
    METRICS.start_service("zeta-svc", ("alpha-src", "beta-src"))  # a second start keeps what was counted
    assert sample("peernet_dead_letters_total", service="zeta-svc", source="alpha-src") == 1


def test_a_relay_starts_with_published_and_lag_at_zero():
    METRICS.start_relay("zeta-svc")
    assert sample("peernet_events_published_total", service="zeta-svc") == 0
    assert sample("peernet_relay_lag_events", service="zeta-svc") == 0


def test_a_service_process_and_a_relay_make_their_series_when_they_start(monkeypatch):
    from types import SimpleNamespace

    from shared import service
    from shared.relay import Relay

    monkeypatch.setattr(service, "vault_from_env", lambda: None)
    provider = service.ApplicationProvider(lambda vault: SimpleNamespace(service="omega-svc", follows=("zeta-svc",)))
    provider.setup()
    assert sample("peernet_dead_letters_total", service="omega-svc", source="zeta-svc") == 0
    Relay(SimpleNamespace(service="omega-svc"), publisher=None)
    assert sample("peernet_events_published_total", service="omega-svc") == 0


def test_latency_histograms_exist_at_zero_from_the_start_too():
    METRICS.start_service("eta-svc", ("alpha-src",))
    assert sample("peernet_handler_latency_seconds_count", service="eta-svc", source="alpha-src") == 0
    assert sample("peernet_handler_latency_seconds_bucket", service="eta-svc", source="alpha-src", le="0.001") == 0
    METRICS.start_calls("eta-svc", ("positions", "enroll"))
    for method in ("positions", "enroll"):
        assert sample("peernet_rpc_latency_seconds_count", service="eta-svc", method=method, outcome="ok") == 0
    METRICS.rpc_latency.labels("eta-svc", "enroll", "ok").observe(0.002)
    METRICS.start_calls("eta-svc", ("positions", "enroll"))  # a second start keeps what was observed
    assert sample("peernet_rpc_latency_seconds_count", service="eta-svc", method="enroll", outcome="ok") == 1


def test_a_call_server_makes_the_latency_of_each_method_it_answers():
    from nameko.rpc import rpc

    from shared.calls import CallServer

    class ThetaService:
        name = "theta-svc"

        @rpc
        def positions(self):
            return {}

        def helper(self):  # not an entrypoint: no series
            return None

    CallServer(None, ThetaService, application=None, expected=())
    assert sample("peernet_rpc_latency_seconds_count", service="theta-svc", method="positions", outcome="ok") == 0
    assert sample("peernet_rpc_latency_seconds_count", service="theta-svc", method="helper", outcome="ok") is None
