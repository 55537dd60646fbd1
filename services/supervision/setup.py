"""Supervision, wired: the one place its store, settings, clock and handlers meet.
`setup(vault)` is what the nameko service, the tools and the tests build."""
from __future__ import annotations

from services.supervision import commands, queries
from services.supervision.application import SupervisionApplication
from services.supervision.settings import Settings
from shared.clock import Clock, utc_now
from shared.contracts.commands.supervision import OPERATIONS
from shared.handlers import bind

# Every operation of the access table, and the handler that does it.
HANDLERS = {
    "find_supervisor": queries.find_supervisor,
    "offer_supervisor": commands.offer_supervisor,
    "accept_supervision": commands.accept_supervision,
    "decline_supervision": commands.decline_supervision,
    "end_supervision": commands.end_supervision,
    "record_peer_support_relation": commands.record_peer_support_relation,
    "record_supervisor_training": commands.record_supervisor_training,
    "record_staff": commands.record_staff,
    "log_session": commands.log_session,
    "confirm_session": commands.confirm_session,
    "correct_session": commands.correct_session,
    "check_due": commands.check_due,
    "supervision_record": queries.supervision_record,
    "supervisor_load": queries.supervisor_load,
    "shortfall": queries.shortfall,
}


def setup(vault, env: dict | None = None, clock: Clock = utc_now) -> SupervisionApplication:
    settings = Settings.from_env(env)
    store = SupervisionApplication(vault, env, settings, clock)
    store.register(OPERATIONS, bind(HANDLERS, store=store, vault=vault, settings=settings, clock=clock))
    return store
