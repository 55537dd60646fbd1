"""Chaos: a service cut off from the broker for 30 s mid-stream; nothing lost, nothing doubled.

The workload of test_chaos runs while matching and intake's relay reach the broker only
through a TCP proxy of the test's own (tests.faults.TcpProxy); intake itself, and the
clients, reach it directly. Mid-stream the proxy drops every connection and refuses new
ones for 30 s: intake goes on storing commands, its relay cannot publish them and matching
can neither consume nor answer. Then the proxy lets them through again, and both must come
back by themselves (no process restarted, by the test or by a supervisor) and matching must
catch up within a bound: its upstream positions exactly intake's, once each, in order, its
projection agreeing with intake's store.

A private vhost on the shared broker (the amqp_uri fixture): nobody else is disturbed.
The seed is printed in every assertion message; PEERNET_CHAOS_SEED replays a schedule.
"""
from __future__ import annotations

import json
import random
import time

import pytest
import requests

from tests.chaos.test_chaos import (
    CLIENT_THREADS, PEER_WORKERS, SEED, broker_shared, chunks_of, counted, errors_in_logs,
    make_peer_workers, sqlite_env,
    wait_for_matching_to_catch_up,
)
from tests.chaos.workload import (
    FaultFlow, profiles_over_rpc, retrying_toggles, same_processes, started_with_profiles)
from tests.faults import TcpProxy
from tests.support import wait_until

__all__ = ["broker_shared"]  # the fixture, so that a broker restart by test_chaos does not overlap

pytestmark = pytest.mark.chaos

SERVICES = ("intake", "matching")
DIRECT = ("intake",)
CUT_OFF = ("intake-relay", "matching", "matching-relay")  # through the proxy
CUT_SECONDS = 30.0
NOTICED_WITHIN = 20.0  # seconds for the relay to say the broker is gone
BACK_WITHIN = 120.0    # seconds for the processes to be healthy and commands to flow after the cut (a busy machine)


def relay_health(network, name: str) -> dict:
    try:
        return json.loads(requests.get(network.specs[name].health_url, timeout=2).text)
    except (requests.RequestException, ValueError):
        return {}


@pytest.mark.timeout(900)  # about a minute and a half here when the machine is quiet; never fail for slowness alone
def test_nothing_lost_nothing_doubled_when_a_service_is_cut_off_from_the_broker(
        broker_shared, network_factory, rpc, amqp_uri, tmp_path, monkeypatch):
    seed = SEED + 3
    rng = random.Random(seed)
    env = sqlite_env(tmp_path)
    with TcpProxy.for_amqp(amqp_uri) as proxy:
        # Two networks of the same services on the same stores and exchange: one process set
        # reaches the broker directly, the other through the proxy.
        direct = network_factory(env, services=SERVICES)
        cut_off = network_factory({**env, "AMQP_URI": proxy.amqp_uri(amqp_uri)}, services=SERVICES)
        workers = make_peer_workers(rng)
        pids = started_with_profiles(((direct, DIRECT), (cut_off, CUT_OFF)), workers, profiles_over_rpc(amqp_uri))
        system = rpc("system")  # direct: intake answers throughout
        cut = {}

        def context() -> str:
            return (f"seed {seed}; {flow.tally.commands} commands; cut {cut}; client outcomes "
                    f"{dict(flow.tally.counts)}; proxy: {proxy.connections} connections, {proxy.dropped} dropped; "
                    f"logs in {tmp_path / 'logs'}{errors_in_logs(tmp_path / 'logs')}")

        flow = FaultFlow(chunks_of(workers), retrying_toggles(amqp_uri))
        started = time.monotonic()
        flow.start()
        try:
            flow.wait_for_commands(100, timeout=60)
            time.sleep(rng.uniform(0.5, 2.0))
            log_at_cut = system.intake.positions()["log"]
            cut.update(commands=flow.tally.commands, dropped=proxy.cut())
            cut_at = time.monotonic()
            try:
                # The fault took: the relay says the broker is gone, while intake goes on storing.
                wait_until(lambda: relay_health(cut_off, "intake-relay").get("broker") is False,
                           timeout=NOTICED_WITHIN, interval=0.2, message="intake's relay noticed the cut")
                flow.wait_for_commands(flow.tally.commands + 100, timeout=CUT_SECONDS)
            except AssertionError as error:
                raise AssertionError(f"{error}; {context()}") from error
            time.sleep(max(0.0, CUT_SECONDS - (time.monotonic() - cut_at)))
            cut.update(seconds=round(time.monotonic() - cut_at, 1),
                       intake_events_meanwhile=system.intake.positions()["log"] - log_at_cut)
            proxy.mend()
            mended = time.monotonic()
            try:
                cut_off.wait_healthy(CUT_OFF, timeout=BACK_WITHIN)
                cut["healthy after"] = round(time.monotonic() - mended, 1)
                flow.wait_for_commands(flow.tally.commands + 100, timeout=BACK_WITHIN)
            except (RuntimeError, TimeoutError, AssertionError) as error:
                raise AssertionError(f"after the cut, the processes did not come back by themselves: "
                                     f"{error}; {context()}") from error
        except BaseException:
            flow.join(abort=True)
            raise
        flow.join()
        flow_seconds = time.monotonic() - started
        summary = (f"seed {seed}; {flow.tally.commands} commands in {flow_seconds:.1f}s by {CLIENT_THREADS} "
                   f"clients for {PEER_WORKERS} peer workers; cut off {cut}; client outcomes "
                   f"{dict(flow.tally.counts)}; proxy: {proxy.connections} connections, {proxy.dropped} dropped")
        print(summary)
        if flow.failed:
            raise AssertionError(f"a client failed: {flow.failed[0]!r}; {context()}") from flow.failed[0]
        assert cut["dropped"] > 0, f"nothing went through the proxy; {summary}"

        intake_log = wait_for_matching_to_catch_up(lambda: system, summary)
        summary += f"; matching caught up {time.monotonic() - mended:.1f}s after the cut ended"
        assert same_processes(direct, pids) | same_processes(cut_off, pids) == \
            {name: (pid, None) for name, pid in pids.items()}, f"a process exited; {context()}"
        direct.stop()
        cut_off.stop()

    stores, summary = counted(monkeypatch, env, workers, intake_log, summary)
    assert stores.matching_for_matching == stores.intake_for_matching, summary
    # Intake was never cut off: unless a call timed out (a very slow machine) and was sent
    # again, every command was answered once and stored as the client meant it.
    for worker in workers if not flow.tally.counts else ():
        assert stores.intake_for_matching[worker.id] == worker.intended_for_matching(), \
            f"peer worker {worker.id}; {summary}"
