"""Audit as a nameko service: its access table's entrypoints, the timer that signs the head, and the
sources reached over RPC (the adapters its setup is given)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.timer import timer

from services.audit.settings import Settings
from services.audit.setup import setup
from services.audit.verify import SourceRefused
from shared.contracts.commands.audit import OPERATIONS
from shared.identity import Caller
from shared.lifecycle import PARENT_PID
from shared.network import ROOT
from shared.service import ApplicationProvider, ServiceBase, serves
from shared.signing import SignedContext

AT_ONCE = 1000  # positions per integration_events_at call (its limit)
SETTINGS = Settings.from_env()  # nameko's timer takes its interval when the class is made


class RpcSources:
    """The sources over one RPC connection, as the audit system: open it, use it, close it."""

    def __init__(self, uri: str, timeout: float = 30):
        self.config, self.timeout = {"AMQP_URI": uri}, timeout
        self.local, self.opened, self.lock = threading.local(), [], threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for cluster in self.opened:
            cluster.stop()

    def proxy(self):
        """A connection per thread (a proxy is not shared between threads): sources are checked at once."""
        if getattr(self.local, "proxy", None) is None:
            cluster = ClusterRpcProxy(self.config, timeout=self.timeout,
                                      context_data=SignedContext(Caller.system("audit").as_actor()))
            self.local.proxy = cluster.start()
            with self.lock:
                self.opened.append(cluster)
        return self.local.proxy

    def _call(self, source: str, method: str, *args):
        try:
            return getattr(self.proxy()[source], method)(*args)
        except RemoteError as error:  # the source answered, with an error: it cannot read this range
            raise SourceRefused(f"{error.exc_type}: {error.value}") from None

    def fetch_range(self, source: str, after: int, limit: int) -> list:
        return self._call(source, "integration_events", after, limit)

    def fetch_digests(self, source: str, after: int, limit: int) -> list:
        return self._call(source, "stored_digests", after, limit)

    def fetch_at(self, wanted: dict[str, list[int]]) -> dict[str, list]:
        return {source: [message for start in range(0, len(positions), AT_ONCE)
                         for message in self._call(source, "integration_events_at", positions[start:start + AT_ONCE])]
                for source, positions in wanted.items()}


class SourcesPerCall:
    """The sources over a connection opened for each call (the service's, and a rebuild's)."""

    def __init__(self, uri: str):
        self.uri = uri

    def _call(self, timeout: float, method: str, *args):
        with RpcSources(self.uri, timeout=timeout) as sources:
            return getattr(sources, method)(*args)

    def fetch_range(self, source: str, after: int, limit: int) -> list:
        return self._call(15, "fetch_range", source, after, limit)

    def fetch_digests(self, source: str, after: int, limit: int) -> list:
        return self._call(30, "fetch_digests", source, after, limit)

    def fetch_at(self, wanted: dict[str, list[int]]) -> dict[str, list]:
        """{source: positions} -> {source: events}: one connection for all of a break-glass read."""
        return self._call(15, "fetch_at", wanted)


def launch_job(job_id: str) -> None:
    """A verification runs in a process of its own: the service keeps answering, on the other core.
    It ends with this process (shared.lifecycle), and is then shown as interrupted."""
    process = subprocess.Popen([sys.executable, "-m", "services.audit.cli", "verify-job", job_id], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT), PARENT_PID: str(os.getpid())})
    threading.Thread(target=process.wait, name=f"verify-{job_id}-wait", daemon=True).start()


class AuditProvider(ApplicationProvider):
    """Audit's setup given the sources over this container's broker, and a process per verification job."""

    def __init__(self):
        super().__init__(self.build)

    def build(self, vault):
        return setup(vault, sources=SourcesPerCall(self.container.config["AMQP_URI"]), launch=launch_job)


@serves(OPERATIONS)
class AuditService(ServiceBase):
    name = "audit"
    application = AuditProvider()

    @timer(interval=SETTINGS.checkpoint_seconds)
    def sign_head(self):
        """Sign the head now and then, so that a quiet ledger's last entries are covered too."""
        self.application.checkpoint()
