"""`make run`: start every service and its relay, the gateway and the web pages, wait
until all are healthy, print where each listens (the web pages first), and stop them
all cleanly on Ctrl-C.

What it prints on standard output is the banner for people; what happens to the
network (a process that did not start or was restarted) is logged as JSON lines
on standard error (shared.logs), as every process of the network logs.
"""
from __future__ import annotations

import logging
import re
import signal
import sys
import time

from shared import broker_users, config, logs
from shared.network import GATEWAY, WEB, Network


log = logging.getLogger("peernet.launcher")


def main() -> int:
    logs.configure("launcher")
    log_dir = config.var_dir() / "logs"
    # A broker user per service on a local broker (shared.broker_users); a remote one is the operator's to set up.
    own_users = broker_users.can_manage(config.amqp_uri())
    network = Network(log_dir=log_dir, own_users=own_users)
    users = (f"a user per service (passwords in {config.var_dir()}/broker-*.password)" if own_users else
             "AMQP_URI's user for every process (not a local broker: see shared/broker_users.py for its users)")
    print(f"Starting peernet: broker {_without_password(config.amqp_uri())} as {users}, stores under "
          f"{config.var_dir()} ({config.store_kind('intake')}), logs in {log_dir}/", flush=True)
    try:
        network.start(timeout=90)
    except (RuntimeError, TimeoutError) as error:
        log.error("peernet did not start: %s", error)
        network.stop()
        return 1
    web = network.specs.get(WEB)
    if web is not None:
        rule = "=" * 64
        print(f"\n  {rule}\n  peernet is running: open {web.url} in a browser\n  {rule}")
    print("\n  process              health and metrics")
    for spec in network.specs.values():
        metrics = "" if spec.name == WEB else "   /metrics" if spec.metrics_port is None else f"   {spec.metrics_url}"
        print(f"  {spec.name:<20} {spec.health_url}{metrics}")
    gateway = network.specs.get(GATEWAY)
    if gateway is not None:
        print(f"\n  HTTP API             http://127.0.0.1:{gateway.port}/  (reference: /docs, OpenAPI: /openapi.json)")
        print("  development token    make token ROLE=peer USER=<peer worker id>   "
              "(roles: person, peer, supervisor, agency_admin ORG=<id>, state_auditor)")
        print(f"  first call           curl -H \"Authorization: Bearer $(make -s token ROLE=state_auditor USER=me)\" "
              f"http://127.0.0.1:{gateway.port}/services")
    print("\nEvery service answers nameko RPC on the broker. Ctrl-C stops the network.", flush=True)

    network.supervise()
    reported = dict(network.restarts)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping:
            for name, count in list(network.restarts.items()):
                if reported.get(name) != count:
                    log.warning("%s exited and was restarted (%dx); see %s", name, count, log_dir / f"{name}.log",
                                extra={"process": name, "restarts": count})
                    reported[name] = count
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    print("\nStopping peernet...", flush=True)
    network.stop()
    print("Stopped.")
    return 0


def _without_password(uri: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", uri)


if __name__ == "__main__":
    sys.exit(main())
