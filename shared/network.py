"""The processes that make up the network, and a supervisor to run them.

`make run` uses it to start everything locally; the integration, chaos and
benchmark suites use it to start real processes they can kill and restart.
"""
from __future__ import annotations

import ctypes
import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from shared import broker_users, config, signing
from shared.lifecycle import PARENT_PID
from shared.logs import MAX_BYTES, RotatingLines

ROOT = Path(__file__).resolve().parent.parent

APPLICATIONS = {
    "intake": "services.intake.setup:setup",
    "directory": "services.directory.setup:setup",
    "matching": "services.matching.setup:setup",
    "supervision": "services.supervision.setup:setup",
    "audit": "services.audit.setup:setup",
    "notifications": "services.notifications.setup:setup",
}
SERVICE_CLASSES = {
    "intake": "services.intake.service:IntakeService",
    "directory": "services.directory.service:DirectoryService",
    "matching": "services.matching.service:MatchingService",
    "supervision": "services.supervision.service:SupervisionService",
    "audit": "services.audit.service:AuditService",
    "notifications": "services.notifications.service:NotificationsService",
}
# The HTTP front door: no event store and no relay, so not one of config.SERVICES.
GATEWAY = "gateway"
# The web pages (Flask under gunicorn): they reach the services only through the gateway.
WEB = "web"
PROCESSES = (*config.SERVICES, GATEWAY, WEB)
WEB_APP = "services.web.wsgi:app"
WEB_SETTINGS = "python:services.web.gunicorn_settings"


def load(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def application_for(service: str, env: dict | None = None):
    from shared.crypto import vault_from_env

    return load(APPLICATIONS[service])(vault_from_env(), env)


@dataclass(frozen=True)
class ProcessSpec:
    name: str          # "intake" or "intake-relay"
    args: tuple
    port: int
    env: tuple = ()    # (name, value) pairs this process gets beside the network's own environment
    metrics_port: int | None = None  # where /metrics is when not on `port` (the gateway's, off its public API)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port or self.port}/metrics"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,) if self.metrics_port is None else (self.port, self.metrics_port)


def specs(services=PROCESSES, port_base: int | None = None, bind_host: str | None = None) -> list[ProcessSpec]:
    """Every process of the network: services at base+1.., relays at base+101.., the gateway at
    base+100 (its /metrics at base+200) and the web pages at base itself (8100 by default, the
    address people open)."""
    base = port_base or int(config.env("PEERNET_PORT_BASE", "8100"))
    gateway_url, web_url = f"http://127.0.0.1:{base + 100}", f"http://127.0.0.1:{base}/"
    result = []
    for index, service in enumerate(config.SERVICES):
        if service not in services:
            continue
        service_port, relay_port = base + 1 + index, base + 101 + index
        # Notifications' messages link to the pages: sign in, one-click unsubscribe.
        env = (("PEERNET_WEB_URL", web_url),) if service == "notifications" else ()
        result.append(ProcessSpec(service, ("-m", "shared.run_service", service, "--port", str(service_port)),
                                  service_port, env=env))
        result.append(ProcessSpec(f"{service}-relay", ("-m", "shared.relay", service, "--port", str(relay_port)), relay_port))
    if GATEWAY in services:
        result.append(ProcessSpec(GATEWAY, ("-m", "services.gateway.run", "--port", str(base + 100),
                                            "--metrics-port", str(base + 200)), base + 100,
                                  env=(("PEERNET_WEB_URL", web_url),), metrics_port=base + 200))
    if WEB in services:
        bind = f"{bind_host or config.bind_host()}:{base}"
        result.append(ProcessSpec(WEB, ("-m", "gunicorn", "--config", WEB_SETTINGS, "--bind", bind, WEB_APP), base,
                                  env=(("PEERNET_GATEWAY_URL", gateway_url), ("PEERNET_WEB_URL", web_url))))
    return result


def _end_with_this_thread() -> None:
    """In the child before exec: SIGTERM when the thread that started it is gone (Linux's
    PR_SET_PDEATHSIG). For gunicorn, which is not our code and so cannot call end_with_parent;
    its workers follow their master by themselves."""
    if _libc is not None:
        _libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


try:
    _libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
except OSError:
    _libc = None


class Network:
    """Starts, watches, kills and restarts the network's processes."""

    def __init__(self, env: dict | None = None, services=PROCESSES, port_base: int | None = None,
                 log_dir: Path | None = None, own_users: bool = False):
        self.environ = dict(os.environ)
        self.given_env = dict(env or {})
        # The signing key of this process (shared.signing): the network and the tools run with its env agree.
        self.env = {**self.environ, **signing.environment(), **self.given_env, "PYTHONPATH": str(ROOT)}
        # own_users: each process connects as its own broker user (shared.broker_users), made now on the local
        # broker; the tools run with self.env as theirs. Otherwise every process uses AMQP_URI's user.
        self.broker_uris: dict[str, str] = {}
        if own_users:
            self.broker_uris = self._broker_users()
            self.env["AMQP_URI"] = self.broker_uris[broker_users.TOOLS]
        self.specs = {spec.name: spec for spec in specs(services, port_base)}
        self.processes: dict[str, subprocess.Popen] = {}
        self.log_dir = log_dir
        self.log_max_bytes = int(config.env("PEERNET_LOG_MAX_BYTES", str(MAX_BYTES)))
        self._sinks: dict[str, RotatingLines] = {}
        self.restarts: dict[str, int] = {}
        self.supervising = False
        self._watching = threading.Event()
        self._lock = threading.RLock()

    def _broker_users(self) -> dict[str, str]:
        # The passwords go into this network's var/.
        var = Path(self.env["PEERNET_VAR_DIR"]).resolve() if self.env.get("PEERNET_VAR_DIR") else config.var_dir()
        return broker_users.ensure_local(self.env.get("AMQP_URI") or config.DEFAULT_AMQP_URI,
                                         self.env.get("PEERNET_EXCHANGE") or config.exchange_name(), var)

    def start(self, *names: str, timeout: float = 60.0) -> None:
        names = names or tuple(self.specs)
        with self._lock:
            for name in names:
                self._spawn(name)
        self.wait_healthy(names, timeout)

    def _spawn(self, name: str) -> None:
        # Through a pipe to a file rotated by size: this process is the one writer of each file.
        output = subprocess.DEVNULL if self.log_dir is None else subprocess.PIPE
        spec = self.specs[name]
        # The process's own addresses (spec.env) win over the shell's, but not over what the caller gave.
        env = {**self.environ, **signing.environment(), **dict(spec.env), **self.given_env, "PYTHONPATH": str(ROOT),
               PARENT_PID: str(os.getpid())}
        if self.broker_uris:  # its own broker user; the web pages reach the gateway only, never the broker
            principal = broker_users.principal_of(name)
            if principal is None:
                env.pop("AMQP_URI", None)
            else:
                env["AMQP_URI"] = self.broker_uris[principal]
        self.processes[name] = subprocess.Popen(
            (sys.executable, *spec.args), env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_end_with_this_thread if spec.name == WEB else None,
        )
        if self.log_dir is not None:
            threading.Thread(target=self._keep_output, args=(name, self.processes[name].stdout),
                             name=f"log-{name}", daemon=True).start()

    def _keep_output(self, name: str, output) -> None:
        with self._lock:
            if name not in self._sinks:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                self._sinks[name] = RotatingLines(self.log_dir / f"{name}.log", name, self.log_max_bytes)
            sink = self._sinks[name]
        with output:
            for line in iter(output.readline, b""):
                sink.write(line)

    def supervise(self, interval: float = 0.5) -> None:
        """Restart, in the background, any process that exits by itself (as an orchestrator would)."""

        def watch():
            while not self._watching.wait(interval):
                with self._lock:
                    for name, process in list(self.processes.items()):
                        if process.poll() is not None:
                            self.restarts[name] = self.restarts.get(name, 0) + 1
                            self._spawn(name)

        self.supervising = True
        threading.Thread(target=watch, name="network-supervisor", daemon=True).start()

    def wait_healthy(self, names, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(names)
        while waiting:
            for name in list(waiting):
                process = self.processes[name]
                if process.poll() is not None:
                    if self.supervising:
                        continue  # the supervisor will start it again
                    raise RuntimeError(f"{name} exited with {process.returncode} before it was healthy"
                                       + (f"; see {self.log_dir / (name + '.log')}" if self.log_dir else ""))
                if self.is_healthy(name):
                    waiting.discard(name)
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"not healthy after {timeout}s: {', '.join(sorted(waiting))}")
            time.sleep(0.1)

    def is_healthy(self, name: str) -> bool:
        try:
            return requests.get(self.specs[name].health_url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to clean up, as in a crash. Not restarted until start(name)."""
        with self._lock:
            process = self.processes.pop(name)
            process.kill()
        process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        self._watching.set()
        with self._lock:
            processes = list(self.processes.values())
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
