"""Run one service as its own process: `python -m shared.run_service intake --port 8101`."""
import eventlet

eventlet.monkey_patch()  # before anything else opens a socket or a thread

import argparse  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from shared import config, logs  # noqa: E402
from shared.lifecycle import end_with_parent  # noqa: E402
from shared.network import SERVICE_CLASSES, load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=config.SERVICES)
    parser.add_argument("--port", type=int, required=True, help="port of /health and /metrics")
    args = parser.parse_args()
    logs.configure(args.service)  # nameko's loggers too: ServiceRunner configures none of its own

    runner = ServiceRunner({
        "AMQP_URI": config.amqp_uri(),
        "WEB_SERVER_ADDRESS": f"{config.bind_host()}:{args.port}",
        "max_workers": int(config.env("PEERNET_MAX_WORKERS", "10")),
    })
    runner.add_service(load(SERVICE_CLASSES[args.service]))
    stopping = eventlet.event.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.ready() or stopping.send())
    signal.signal(signal.SIGINT, lambda *_: stopping.ready() or stopping.send())
    runner.start()
    end_with_parent()
    logging.getLogger("peernet").info("%s listening on %s:%s", args.service, config.bind_host(), args.port)
    # A container that dies (say, the broker vanished while it sent a reply) ends
    # the process, so that its supervisor starts a fresh one.
    died = eventlet.spawn(runner.wait)
    died.link(lambda _: stopping.ready() or stopping.send("died"))
    if stopping.wait() == "died":
        logging.getLogger("peernet").error("%s container died; exiting to be restarted", args.service)
        sys.exit(3)
    runner.stop()


if __name__ == "__main__":
    main()
