"""Run the gateway: `python -m services.gateway.run --port 8200 --metrics-port 8300`.

Beside shared.run_service because the gateway has no store and no relay; every
log line (JSON, shared.logs) carries the correlation id of the request it belongs to. Its /metrics is on a
port of its own, never on the public API's: only Prometheus should reach it.
"""
import eventlet

eventlet.monkey_patch()  # before anything else opens a socket or a thread

import eventlet.wsgi  # noqa: E402

# eventlet answers a header line over 8 KiB with a bare 400; let up to 64 KiB through to the
# gateway, which refuses an Authorization header over 8 KiB with a problem document.
eventlet.wsgi.MAX_HEADER_LINE = 64 * 1024
eventlet.wsgi.MAX_TOTAL_HEADER_SIZE = 96 * 1024

import argparse  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from services.gateway.service import GatewayService  # noqa: E402
from shared import config, logs  # noqa: E402
from shared.lifecycle import end_with_parent  # noqa: E402
from shared.metrics import serve_health_and_metrics  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port of the HTTP API")
    parser.add_argument("--metrics-port", type=int, required=True,
                        help="port of /metrics, on PEERNET_BIND_HOST (the API's port answers 404 there)")
    parser.add_argument("--host", default=config.env("PEERNET_GATEWAY_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logs.configure("gateway")
    # Its access lines are written outside the request, without the correlation id; ours have it.
    logging.getLogger("nameko.web.server").setLevel(logging.WARNING)

    runner = ServiceRunner({
        "AMQP_URI": config.amqp_uri(),
        "WEB_SERVER_ADDRESS": f"{args.host}:{args.port}",
        "max_workers": int(config.env("PEERNET_MAX_WORKERS", "10")),
    })
    runner.add_service(GatewayService)
    stopping = eventlet.event.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.ready() or stopping.send())
    signal.signal(signal.SIGINT, lambda *_: stopping.ready() or stopping.send())
    runner.start()
    serve_health_and_metrics(args.metrics_port)
    end_with_parent()
    logging.getLogger("peernet").info("gateway listening on http://%s:%s", args.host, args.port)
    stopping.wait()
    runner.stop()


if __name__ == "__main__":
    main()
