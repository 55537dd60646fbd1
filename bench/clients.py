"""Bench clients, in a module of their own so that spawned processes can import them.

They call intake as the gateway does (shared.calls); `nameko_trivial_calls`
measures nameko's own RPC on the same read, for comparison.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

from shared import config
from shared.signing import SignedContext
from tests.support import caller, private_vhost, require_broker

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
COMMANDS = int(os.environ.get("BENCH_COMMANDS", "6000"))
TOGGLED = ("heard_voices", "veteran", "homelessness", "trauma_survivor")


def toggle_own_items(args) -> int:
    """One client process: each of its peer workers toggles their own items, one command at a time."""
    uri, peers = args
    from shared.calls import CallClient

    quota = COMMANDS // CLIENTS
    client = CallClient(uri, timeout=30)
    callers = {peer: caller("peer", user_id=peer) for peer in peers}
    done = 0
    try:
        for round_ in range(quota // len(peers) + 1):
            for peer in peers:
                if done >= quota:
                    return done
                item = TOGGLED[(round_ // 2) % len(TOGGLED)]
                if round_ % 2 == 0:
                    client.call("intake", "share_experience",
                                {"peer_worker_id": peer, "experience": item, "visibility": "matching"},
                                caller=callers[peer])
                else:
                    client.call("intake", "withdraw_experience", {"peer_worker_id": peer, "experience": item},
                                caller=callers[peer])
                done += 1
        return done
    finally:
        client.close()


def trivial_calls(args) -> int:
    """A read that touches almost nothing (intake's positions), as the gateway calls it."""
    uri, count = args
    from shared.calls import CallClient

    client = CallClient(uri, timeout=30)
    try:
        for _ in range(count):
            client.call("intake", "positions", caller=caller("system"))
    finally:
        client.close()
    return count


def nameko_trivial_calls(args) -> int:
    """The same read over nameko's RPC."""
    uri, count = args
    import shared.errors  # noqa: F401
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": uri}, timeout=30, context_data=SignedContext(caller("system"))) as rpc:
        for _ in range(count):
            rpc.intake.positions()
    return count


@contextmanager
def private_bench():
    """What every part of make bench runs on: a private vhost and a temporary var/ of SQLite stores.
    Yields the broker's URI and the private vhost's."""
    uri = config.amqp_uri()
    require_broker(uri)
    with private_vhost(uri) as vhost_uri, tempfile.TemporaryDirectory() as var:
        os.environ.update(PEERNET_VAR_DIR=var, PEERNET_STORE="sqlite", AMQP_URI=vhost_uri,
                          PEERNET_EXCHANGE="bench.events")
        yield uri, vhost_uri
