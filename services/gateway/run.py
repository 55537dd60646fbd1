"""Run the gateway: `python -m services.gateway.run --port 8200 --metrics-port 8300`.

Beside shared.run_service because the gateway has no store and no relay; every
log line (JSON, shared.logs) carries the correlation id of the request it belongs to. Its /metrics is on a
port of its own, never on the public API's: only Prometheus should reach it.

The gateway is served by eventlet's WSGI server straight (service.GatewayApp), with
HTTP/1.1 keep-alive; nameko's worker per request cost more CPU than the request.
"""
import eventlet

eventlet.monkey_patch()  # before anything else opens a socket or a thread

import eventlet.wsgi  # noqa: E402

# eventlet answers a header line over 8 KiB itself; let up to 64 KiB through to the gateway, which
# refuses an Authorization header over 8 KiB with a problem document (and Protocol, longer ones).
eventlet.wsgi.MAX_HEADER_LINE = 64 * 1024
eventlet.wsgi.MAX_TOTAL_HEADER_SIZE = 96 * 1024

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import uuid  # noqa: E402

from services.gateway.problems import KINDS, PROBLEM_TYPE, problem_type  # noqa: E402
from services.gateway.service import GatewayApp  # noqa: E402
from shared import config, logs  # noqa: E402
from shared.lifecycle import end_with_parent  # noqa: E402
from shared.metrics import serve_health_and_metrics  # noqa: E402

log = logging.getLogger("peernet.gateway")
MAX_CONNECTIONS = 1024  # green threads, one per open connection (eventlet's default)


class Protocol(eventlet.wsgi.HttpProtocol):
    """eventlet's HTTP/1.1, with headers too large to read answered as a problem document, not a bare 400."""

    def parse_request(self):
        try:
            return super().parse_request()
        except (eventlet.wsgi.HeaderLineTooLong, eventlet.wsgi.HeadersTooLarge) as error:
            line = isinstance(error, eventlet.wsgi.HeaderLineTooLong)
            detail = (f"a header line is longer than {eventlet.wsgi.MAX_HEADER_LINE // 1024} KiB" if line else
                      f"the headers are longer than {eventlet.wsgi.MAX_TOTAL_HEADER_SIZE // 1024} KiB in all")
            correlation_id = uuid.uuid4().hex
            body = json.dumps({"type": problem_type(400), "title": KINDS[400][1], "status": 400,
                               "detail": detail + ": send a shorter request", "instance": getattr(self, "path", None),
                               "correlation_id": correlation_id, "errors": [
                                   {"field": "(headers)", "message": "too long to read"}]}).encode()
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: "
                             + PROBLEM_TYPE.encode() + b"\r\nX-Correlation-Id: " + correlation_id.encode()
                             + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            log.info("request", extra={"method": getattr(self, "command", None), "path": getattr(self, "path", None),
                                       "route": "unread", "status": 400,
                                       "duration_ms": 0.0, "role": None})
            self.close_connection = 1
            return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port of the HTTP API")
    parser.add_argument("--metrics-port", type=int, required=True,
                        help="port of /metrics, on PEERNET_BIND_HOST (the API's port answers 404 there)")
    parser.add_argument("--host", default=config.env("PEERNET_GATEWAY_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logs.configure("gateway")

    app = GatewayApp(config.amqp_uri())
    listener = eventlet.listen((args.host, args.port), backlog=1024)
    connections = eventlet.GreenPool(MAX_CONNECTIONS)
    server = eventlet.spawn(eventlet.wsgi.server, listener, app, protocol=Protocol, log_output=False,
                            custom_pool=connections, debug=False, socket_timeout=60)
    stopping = eventlet.event.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.ready() or stopping.send())
    signal.signal(signal.SIGINT, lambda *_: stopping.ready() or stopping.send())
    serve_health_and_metrics(args.metrics_port)
    end_with_parent()
    logging.getLogger("peernet").info("gateway listening on http://%s:%s", args.host, args.port)
    stopping.wait()
    server.kill()  # no new requests
    # The requests under way are answered; a client's idle kept-alive connection is not waited for
    # (the pool's waitall would wait up to its socket timeout), it closes as the process ends.
    with eventlet.Timeout(15, False):
        while app.under_way:
            eventlet.sleep(0.02)
    app.close()


if __name__ == "__main__":
    main()
