"""Audit as a nameko service: a thin adapter over AuditApplication, for state auditors."""
from __future__ import annotations

from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.timer import timer

from services.audit.application import AuditApplication
from services.audit.verify import SourceRefused
from shared import config
from shared.identity import Caller
from shared.service import CALLER_KEY, EXPECTED, ApplicationProvider, ServiceBase, require


def rpc_fetch_range(uri: str):
    """(source, after, limit) -> the source's integration events, over RPC as the audit system."""

    def fetch(source: str, after: int, limit: int) -> list:
        context = {CALLER_KEY: Caller.system("audit").as_actor()}
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=15, context_data=context) as proxy:
            try:
                return proxy[source].integration_events(after, limit)
            except RemoteError as error:  # the source answered, with an error: it cannot read this range
                raise SourceRefused(f"{error.exc_type}: {error.value}") from None

    return fetch


class AuditProvider(ApplicationProvider):
    """The Application, its tracked consumer, and a way to reach the sources for checks."""

    def setup(self):
        super().setup()
        self.application.fetch_range = rpc_fetch_range(self.container.config["AMQP_URI"])


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
