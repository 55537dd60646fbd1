"""Audit as a nameko service: a thin adapter over AuditApplication, for state auditors."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.timer import timer

from services.audit.application import AuditApplication
from services.audit.verify import SourceRefused
from shared import config
from shared.identity import Caller
from shared.lifecycle import PARENT_PID
from shared.network import ROOT
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require
from shared.signing import SignedContext

AT_ONCE = 1000  # positions per integration_events_at call (its limit)


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


def rpc_fetch_range(uri: str):
    """(source, after, limit) -> the source's integration events, a connection per call (rebuild, tools)."""

    def fetch(source: str, after: int, limit: int) -> list:
        with RpcSources(uri, timeout=15) as sources:
            return sources.fetch_range(source, after, limit)

    return fetch


def rpc_fetch_digests(uri: str):
    """(source, after, limit) -> the source's stored digests, a connection per call (the verify RPC)."""

    def fetch(source: str, after: int, limit: int) -> list:
        with RpcSources(uri, timeout=30) as sources:
            return sources.fetch_digests(source, after, limit)

    return fetch


def rpc_fetch_at(uri: str):
    """{source: positions} -> {source: events}: one connection for all of a break-glass read."""

    def fetch(wanted: dict[str, list[int]]) -> dict[str, list]:
        with RpcSources(uri, timeout=15) as sources:
            return sources.fetch_at(wanted)

    return fetch


def launch_job(job_id: str) -> None:
    """A verification runs in a process of its own: the service keeps answering, on the other core.
    It ends with this process (shared.lifecycle), and is then shown as interrupted."""
    process = subprocess.Popen([sys.executable, "-m", "services.audit.cli", "verify-job", job_id], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT), PARENT_PID: str(os.getpid())})
    threading.Thread(target=process.wait, name=f"verify-{job_id}-wait", daemon=True).start()


class AuditProvider(ApplicationProvider):
    """The Application, its tracked consumer, and a way to reach the sources for checks."""

    def setup(self):
        super().setup()
        uri = self.container.config["AMQP_URI"]
        self.application.fetch_range = rpc_fetch_range(uri)
        self.application.fetch_digests = rpc_fetch_digests(uri)
        self.application.fetch_at = rpc_fetch_at(uri)
        self.application.jobs.launch = launch_job


class AuditService(ServiceBase):
    name = "audit"
    application = AuditProvider(AuditApplication)

    @timer(interval=float(config.env("PEERNET_AUDIT_CHECKPOINT_SECONDS", "300")))
    def sign_head(self):
        """Sign the head now and then, so that a quiet ledger's last entries are covered too."""
        self.application.checkpoint()

    @rpc(expected_exceptions=EXPECTED)
    def history(self, query=None):
        require(self.caller, "state_auditor", "system")
        return self.application.history(query or {})

    @rpc(expected_exceptions=EXPECTED)
    def export(self, query):
        require(self.caller, "state_auditor", "system")
        return self.application.export(query)

    @rpc(expected_exceptions=EXPECTED)
    def verify(self, sources=True, checkpoints=None):
        require(self.caller, "state_auditor", "system")
        return self.application.verify(sources=bool(sources), checkpoints=checkpoints)

    @rpc(expected_exceptions=EXPECTED)
    def start_verification(self, request=None):
        """Start verifying the chain and every source; follow it with verification(id)."""
        require(self.caller, "state_auditor", "system")
        return self.application.start_verification(request, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def verification(self, query):
        require(self.caller, "state_auditor", "system")
        return self.application.verification(query)

    @rpc(expected_exceptions=EXPECTED)
    def checkpoints(self):
        """Signed checkpoints and the public key, for the state to keep elsewhere."""
        require(self.caller, "state_auditor", "system")
        self.application.checkpoint()
        return {"public_key": self.application.signer.public_key,
                "checkpoints": self.application.ledger.checkpoints()}

    @rpc(expected_exceptions=EXPECTED)
    def figures(self):
        require(self.caller, "state_auditor", "system")
        return self.application.figures()

    @rpc(expected_exceptions=EXPECTED)
    def open_break_glass(self, access):
        require(self.caller, "state_auditor")
        return self.application.open_break_glass(access, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def personal_fields(self, person):
        require(self.caller, "state_auditor")
        return self.application.personal_fields(person, self.caller)
