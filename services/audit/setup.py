"""Audit, wired: the one place its store, ledger projection, settings, clock, handlers and the way to
reach the sources meet. `setup(vault)` is what the nameko service, the tools and the tests build;
the service gives it the sources over RPC and a process per verification job, a tool its own
connection, a test the source Applications themselves."""
from __future__ import annotations

from typing import Callable

from services.audit import commands, queries
from services.audit.application import AuditApplication, Sources
from services.audit.settings import Settings
from shared.clock import Clock, utc_now
from shared.contracts.commands.audit import OPERATIONS
from shared.handlers import bind

# Every operation of the access table, and the handler that does it.
HANDLERS = {
    "history": queries.history,
    "export": queries.export,
    "verify": queries.verify,
    "start_verification": commands.start_verification,
    "verification": queries.verification,
    "checkpoints": queries.checkpoints,
    "figures": queries.figures,
    "open_break_glass": commands.open_break_glass,
    "personal_fields": commands.personal_fields,
}


def setup(vault, env: dict | None = None, clock: Clock = utc_now, sources: Sources | None = None,
          launch: Callable[[str], None] | None = None) -> AuditApplication:
    settings = Settings.from_env(env)
    store = AuditApplication(vault, env, settings, clock, sources, launch)
    store.register(OPERATIONS, bind(HANDLERS, store=store, projection=store.figures, vault=vault,
                                    settings=settings, clock=clock))
    return store
