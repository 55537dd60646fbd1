"""Chaos: a RabbitMQ cluster of three nodes loses the node everyone is connected to,
mid-stream, and gets it back: nothing lost, nothing doubled, order kept.

The three nodes are the test's own (tests/broker_nodes.py: their own names, ports
and data, started in parallel once for this module, clustered, stopped and removed
at the end), never the machine's shared broker. The network runs with quorum queues
and an AMQP_URI that lists the three nodes: kombu, under nameko, the relays and the
calls path, connects to the first that answers. Everyone starts on the first node;
the test stops that node while the chaos workload (tests/chaos/test_chaos.py)
toggles peer workers' items in intake, checks that commands still go through while
it is down, brings it back, and counts as the other chaos tests do: matching's store
holds every intake position exactly once, in order, and agrees with intake.

The seed is printed in every assertion message; PEERNET_CHAOS_SEED replays it.
"""
from __future__ import annotations

import json
import random
import time

import pytest

from shared.broker_users import RPC_MIRRORING
from shared.network import Network
from tests.broker_nodes import private_nodes
from tests.chaos.test_chaos import (
    CLIENT_THREADS, PEER_WORKERS, PROCESSES, SEED, SERVICES, RetryingClient, chunks_of, counted,
    errors_in_logs, make_peer_workers, sqlite_env, wait_for_matching_to_catch_up,
    wait_healthy_under_supervision)
from tests.chaos.workload import FaultFlow, profiles_over_rpc, retrying_toggles, started_with_profiles
from tests.support import free_port_base

pytestmark = pytest.mark.chaos

FLOWING_AGAIN_WITHIN = 60.0  # seconds for commands to go through again after the node went or came back


# The deploy files' definitions mirror nameko's RPC queues on every node (shared.broker_users).
RPC_QUEUES_POLICY = ("set_policy", "--apply-to", RPC_MIRRORING["apply-to"], RPC_MIRRORING["name"],
                     RPC_MIRRORING["pattern"], json.dumps(RPC_MIRRORING["definition"]))


@pytest.fixture(scope="module")
def cluster():
    started = time.monotonic()
    with private_nodes(3) as nodes:
        nodes[0].ctl(*RPC_QUEUES_POLICY)
        print(f"three nodes started and clustered in {time.monotonic() - started:.1f}s")
        yield nodes


def failover_uri(nodes) -> str:
    """Every node, the first first: kombu's failover list (AMQP_URI as deploy/amqp.env.example has it)."""
    return ";".join(node.uri for node in nodes)


def test_nothing_lost_nothing_doubled_when_a_cluster_node_is_stopped(cluster, tmp_path, monkeypatch):
    seed = SEED + 2
    rng = random.Random(seed)
    first = cluster[0]
    uri = failover_uri(cluster)
    env = {**sqlite_env(tmp_path), "AMQP_URI": uri, "PEERNET_QUEUE_TYPE": "quorum",
           "PEERNET_EXCHANGE": f"peernet.events.{tmp_path.name}"}
    network = Network(env=env, services=SERVICES, port_base=free_port_base(), log_dir=tmp_path / "logs")
    try:
        workers = make_peer_workers(rng)
        started_with_profiles(((network, PROCESSES),), workers, profiles_over_rpc(uri), timeout=120, supervised=True)

        flow = FaultFlow(chunks_of(workers), retrying_toggles(uri))
        outage = {}
        started = time.monotonic()
        flow.start()
        try:
            flow.wait_for_commands(50, timeout=60)
            time.sleep(rng.uniform(0.5, 2.0))
            # Everyone connected to the first node in the list: the one whose loss matters.
            outage["connections on it"] = first.connections()
            outage["commands before"] = flow.tally.commands
            down = time.monotonic()
            first.stop()
            outage["stopping took"] = round(time.monotonic() - down, 1)
            try:
                # The other two are a majority: quorum queues elect new leaders, clients fail over.
                flow.wait_for_commands(flow.tally.commands + 100, timeout=FLOWING_AGAIN_WITHIN)
                outage["flowing while down after"] = round(time.monotonic() - down, 1)
                time.sleep(rng.uniform(0.5, 2.0))
                outage["commands while down"] = flow.tally.commands - outage["commands before"]
            finally:
                back = time.monotonic()
                first.start()
                first.wait()
                outage["back after"] = round(time.monotonic() - back, 1)
            wait_healthy_under_supervision(network, PROCESSES, timeout=60)
            flow.wait_for_commands(flow.tally.commands + 100, timeout=FLOWING_AGAIN_WITHIN)
            outage["down"] = round(back - down, 1)
        except BaseException as error:
            flow.join(abort=True)
            raise AssertionError(
                f"seed {seed}: the network did not carry on through the node's outage: {error!r}; {outage}; "
                f"{flow.tally.commands} commands; processes restarted by the supervisor {dict(network.restarts)}; "
                f"logs in {tmp_path / 'logs'}{errors_in_logs(tmp_path / 'logs')}") from error
        flow.join()
        summary = (f"seed {seed}; {flow.tally.commands} commands in {time.monotonic() - started:.1f}s by "
                   f"{CLIENT_THREADS} clients for {PEER_WORKERS} peer workers; node {first.name} stopped and "
                   f"started: {outage}; processes restarted by the supervisor {dict(network.restarts)}; "
                   f"client outcomes {dict(flow.tally.counts)}")
        print(summary)
        if flow.failed:
            raise AssertionError(f"a client failed: {flow.failed[0]!r}; {summary}") from flow.failed[0]
        assert outage["connections on it"] > 0, summary
        assert outage["commands while down"] >= 100, summary

        system = RetryingClient(uri, flow, "system")
        try:
            intake_log = wait_for_matching_to_catch_up(system._connect, summary, on_error=system.close)
        finally:
            system.close()
    finally:
        network.stop()

    stores, summary = counted(monkeypatch, env, workers, intake_log, summary)
    # A retried command may or may not have been applied the first time: intake's store decides.
    assert stores.matching_for_matching == stores.intake_for_matching, summary
