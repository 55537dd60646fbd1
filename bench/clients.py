"""Bench clients, in a module of their own so that spawned processes can import them."""
from __future__ import annotations

import os

from tests.support import caller

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
COMMANDS = int(os.environ.get("BENCH_COMMANDS", "6000"))
TOGGLED = ("heard_voices", "veteran", "homelessness", "trauma_survivor")


def toggle_own_items(args) -> int:
    """One client process: each of its peer workers toggles their own items, one command at a time."""
    uri, peers = args
    import shared.errors  # noqa: F401
    from nameko.standalone.rpc import ClusterRpcProxy

    quota = COMMANDS // CLIENTS
    proxies = {peer: ClusterRpcProxy({"AMQP_URI": uri}, timeout=30,
                                     context_data={"caller": caller("peer", user_id=peer)}) for peer in peers}
    rpcs = {peer: proxy.start() for peer, proxy in proxies.items()}
    done = 0
    try:
        for round_ in range(quota // len(peers) + 1):
            for peer in peers:
                if done >= quota:
                    return done
                item = TOGGLED[(round_ // 2) % len(TOGGLED)]
                if round_ % 2 == 0:
                    rpcs[peer].intake.share_experience({"peer_worker_id": peer, "experience": item, "visibility": "matching"})
                else:
                    rpcs[peer].intake.withdraw_experience({"peer_worker_id": peer, "experience": item})
                done += 1
        return done
    finally:
        for proxy in proxies.values():
            proxy.stop()


def trivial_calls(args) -> int:
    """The raw nameko RPC baseline: a read that touches almost nothing (intake's positions)."""
    uri, count = args
    import shared.errors  # noqa: F401
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": uri}, timeout=30, context_data={"caller": caller("system")}) as rpc:
        for _ in range(count):
            rpc.intake.positions()
    return count
