"""Matching, wired: the one place its store, projection, settings, clock and
handlers meet. `setup(vault)` is what the nameko service, the tools and the
tests build."""
from __future__ import annotations

from services.matching import commands, queries
from services.matching.application import MatchingApplication
from services.matching.settings import Settings
from shared.clock import Clock, utc_now
from shared.contracts.commands.matching import OPERATIONS
from shared.handlers import bind

# Every operation of the access table, and the handler that does it.
HANDLERS = {
    "candidate": queries.candidate,
    "ask_for_offers": commands.ask_for_offers,
    "choose": commands.choose,
    "wait": commands.wait,
    "like_peer": commands.like_peer,
    "my_offers": queries.my_offers,
    "my_connections": queries.my_connections,
    "accept": commands.accept,
    "decline": commands.decline,
    "peer_requests": queries.peer_requests,
    "peer_connections": queries.peer_connections,
    "end_connection": commands.end_connection,
    "block_peer": commands.block_peer,
    "block_person": commands.block_person,
    "counts": queries.counts,
    "expire_due": commands.expire_due,
}


def setup(vault, env: dict | None = None, clock: Clock = utc_now) -> MatchingApplication:
    settings = Settings.from_env(env)
    store = MatchingApplication(vault, env, settings, clock)
    store.register(OPERATIONS, bind(HANDLERS, store=store, pool=store.pool, vault=vault, settings=settings,
                                    clock=clock))
    return store
