"""Prometheus metrics every peernet process exposes on /metrics.

Labels never carry personal data: only service, source, method and outcome.
"""
from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest,
)

from shared import config

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    rpc_latency = Histogram(
        "peernet_rpc_latency_seconds", "Time to serve one RPC call",
        ["service", "method", "outcome"], buckets=LATENCY_BUCKETS,
    )
    handler_latency = Histogram(
        "peernet_handler_latency_seconds", "Time to apply one upstream event",
        ["service", "source"], buckets=LATENCY_BUCKETS,
    )
    events_stored = Counter("peernet_events_stored_total", "Events appended to the store", ["service"])
    events_published = Counter(
        "peernet_events_published_total", "Events confirmed by the broker", ["service"]
    )
    events_consumed = Counter(
        "peernet_events_consumed_total", "Upstream events applied", ["service", "source"]
    )
    duplicates_skipped = Counter(
        "peernet_duplicates_skipped_total", "Upstream events already applied", ["service", "source"]
    )
    gap_fills = Counter(
        "peernet_gap_fills_total", "Times a consumer read a missing range from the source", ["service", "source"]
    )
    dead_letters = Counter(
        "peernet_dead_letters_total", "Messages refused to the dead-letter queue", ["service", "source"]
    )
    relay_lag = Gauge("peernet_relay_lag_events", "Stored events not yet confirmed by the broker", ["service"])
    consumer_lag = Gauge(
        "peernet_consumer_lag_events", "Upstream events seen but not yet applied", ["service", "source"]
    )

    # A labelled series appears only when first touched: a dead-letter counter born at its first
    # dead letter makes increase() miss that one, and an absent series cannot be told from a silent
    # process. So each process makes its series at zero when it starts, for the labels it will use
    # (histograms too: a latency objective's rate() needs the series before the first slow call).
    def start_service(self, service: str, sources) -> None:
        self.events_stored.labels(service)
        for source in sources:
            for counter in (self.events_consumed, self.duplicates_skipped, self.gap_fills, self.dead_letters):
                counter.labels(service, source)
            self.handler_latency.labels(service, source)
            self.consumer_lag.labels(service, source).set(0)

    def start_calls(self, service: str, methods) -> None:
        """The latency of each method a service answers, served as it should be ("ok"); a refusal's
        outcome is the name of what refused it, known only when it happens."""
        for method in methods:
            self.rpc_latency.labels(service, method, "ok")

    def start_relay(self, service: str) -> None:
        self.events_published.labels(service)
        self.relay_lag.labels(service).set(0)


METRICS = Metrics()


def metrics_response() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # health probes would flood the log
        pass


def serve_health_and_metrics(port: int, is_healthy=None) -> WSGIServer:
    """/health and /metrics for a process that is not a nameko service (the relay), or /metrics
    alone (is_healthy None: the gateway's, apart from its public port)."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body, content_type = metrics_response()
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        if path == "/health" and is_healthy is not None:
            healthy, detail = is_healthy()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [detail.encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    server = make_server(config.bind_host(), port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
