"""The gateway's own metrics, beside the shared ones: labels carry the route's
operation id, never the path as sent (ids in paths would make one series per person)."""
from prometheus_client import Histogram

from shared.metrics import LATENCY_BUCKETS

REQUEST_LATENCY = Histogram(
    "peernet_gateway_request_latency_seconds", "Time to answer one HTTP request",
    ["route", "method", "status"], buckets=LATENCY_BUCKETS,
)


def start(routes) -> None:
    """Each route's latency series at zero from the start, with its answer when all goes well (shared.metrics)."""
    for route in routes:
        REQUEST_LATENCY.labels(route.operation, route.method, str(route.status))
