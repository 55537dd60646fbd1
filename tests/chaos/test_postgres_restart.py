"""Chaos: PostgreSQL restarted mid-stream, every store on it; nothing lost, nothing doubled.

The workload of test_chaos (peer workers' items toggled through intake, each toggle one
intake event that must become one Candidate event in matching) runs with every store on a
PostgreSQL cluster of this test's own (tests.faults.PrivatePostgres), which the test stops
and starts several times (a clean stop and a crash, a few seconds down each). Clients may
see errors while it is down (counted, and retried); the services, relays and consumers
must come back by themselves: no process is restarted, by the test or by a supervisor.
At the end matching's upstream positions are exactly intake's, once each, in order, and
matching's projection agrees with intake's store; audit's ledger holds every position of
intake and of matching once, in order, in one unbroken sequence.

The seed is printed in every assertion message; PEERNET_CHAOS_SEED replays a schedule.
"""
from __future__ import annotations

import random
import time

import pytest
from nameko.exceptions import RpcTimeout

from shared.errors import InvalidInput
from tests.chaos.test_chaos import (
    CLIENT_THREADS, CONVERGE_WITHIN, PEER_WORKERS, SEED, PeerWorker, RetryingClient, broker_shared,
    chunks_of, counted, errors_in_logs, make_peer_workers, wait_for_matching_to_catch_up,
)
from tests.chaos.workload import (
    FaultFlow, log_positions, profiles_over_rpc, read_ledger, retrying_toggles, same_processes,
    started_with_profiles)
from tests.faults import PrivatePostgres
from tests.support import wait_until

__all__ = ["broker_shared"]  # the fixture, so that a broker restart by test_chaos does not overlap

pytestmark = pytest.mark.chaos

# Audit too: its ledger, on the same PostgreSQL, must hold every position of both once, in order.
SERVICES = ("intake", "matching", "audit")
PROCESSES = ("intake", "intake-relay", "matching", "matching-relay", "audit", "audit-relay")
OUTAGES = ("fast", "immediate", "fast")  # pg_ctl's stop modes: a clean shutdown, then as a crash
DOWN_SECONDS = (2.0, 5.0)
RECOVER_WITHIN = 120.0  # seconds for every process to be healthy and commands to flow again (a busy machine)


def record_newcomer(rpc, rng: random.Random, context) -> PeerWorker:
    """Once PostgreSQL is back, a new peer worker's profile (the vault seals their name): answered at once.

    Taken straight after an outage, it reaches what the toggles do not (the vault's connections):
    any error but a timeout on a busy machine fails the test.
    """
    newcomer = make_peer_workers(rng)[0]
    deadline, timed_out = time.monotonic() + RECOVER_WITHIN, False
    while True:
        try:
            assert rpc("peer", **newcomer.identity()).intake.record_peer_worker_profile(newcomer.profile()) == \
                newcomer.id
            return newcomer
        except RpcTimeout:
            if time.monotonic() > deadline:
                raise AssertionError(f"a new profile not recorded within {RECOVER_WITHIN}s; {context()}") from None
            timed_out = True  # slow, not wrong: ask again
        except InvalidInput:
            if not timed_out:
                raise
            return newcomer  # the call that timed out was stored after all
        except Exception as error:  # noqa: BLE001 - the failure under test
            raise AssertionError(f"a command after PostgreSQL came back failed: {error!r}; {context()}") from error


@pytest.fixture
def private_postgres():
    with PrivatePostgres() as pg:
        yield pg


@pytest.mark.timeout(900)  # about a minute here when the machine is quiet; never fail for slowness alone
def test_nothing_lost_nothing_doubled_when_postgres_restarts(
        broker_shared, private_postgres, network_factory, rpc, amqp_uri, tmp_path, monkeypatch):
    pg = private_postgres
    seed = SEED + 2
    rng = random.Random(seed)
    # Every service's store, the vault too: PEERNET_STORE and the per-service overrides.
    env = {"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "postgres",
           **{f"PEERNET_STORE_{service.upper()}": "postgres" for service in SERVICES}, **pg.env()}
    network = network_factory(env, services=SERVICES)
    workers = make_peer_workers(rng)
    pids = started_with_profiles(((network, PROCESSES),), workers, profiles_over_rpc(amqp_uri))

    def context() -> str:
        return (f"seed {seed}; {flow.tally.commands} commands, outages so far {outages}; "
                f"client outcomes {dict(flow.tally.counts)}; logs in {tmp_path / 'logs'}"
                f"{errors_in_logs(tmp_path / 'logs')}; PostgreSQL's log: {pg.log_tail(5)!r}")

    flow = FaultFlow(chunks_of(workers), retrying_toggles(amqp_uri))
    outages, newcomers = [], []
    started = time.monotonic()
    flow.start()
    try:
        try:
            flow.wait_for_commands(50, timeout=60)
            for mode in OUTAGES:
                time.sleep(rng.uniform(0.5, 2.0))
                if flow.failed:
                    break
                before = flow.tally.commands
                down = time.monotonic()
                pg.stop(mode)
                time.sleep(rng.uniform(*DOWN_SECONDS))
                pg.start()
                up = time.monotonic()
                try:
                    network.wait_healthy(PROCESSES, timeout=RECOVER_WITHIN)
                    healthy = time.monotonic()
                    flow.wait_for_commands(flow.tally.commands + 100, timeout=RECOVER_WITHIN)
                except (RuntimeError, TimeoutError, AssertionError) as error:
                    raise AssertionError(f"after PostgreSQL's outage {len(outages) + 1} ({mode}) the network "
                                         f"did not come back by itself: {error}; {context()}") from error
                newcomers.append(record_newcomer(rpc, rng, context))
                outages.append({"mode": mode, "commands before": before, "down": round(up - down, 1),
                                "healthy after": round(healthy - up, 1),
                                "flowing again after": round(time.monotonic() - up, 1)})
        finally:
            if not pg.running():
                pg.start()
    except BaseException:
        flow.join(abort=True)
        raise
    flow.join()
    flow_seconds = time.monotonic() - started
    summary = (f"seed {seed}; {flow.tally.commands} commands in {flow_seconds:.1f}s by {CLIENT_THREADS} clients "
               f"for {PEER_WORKERS} peer workers; {len(outages)} PostgreSQL outages {outages}; "
               f"client outcomes {dict(flow.tally.counts)}")
    print(summary)
    if flow.failed:
        raise AssertionError(f"a client failed: {flow.failed[0]!r}; {context()}") from flow.failed[0]
    assert len(outages) == len(OUTAGES), summary
    # A write that landed as PostgreSQL went is answered as done (shared.application), never as a conflict.
    assert not [outcome for outcome in flow.tally.counts if "IntegrityError" in outcome], summary
    workers += newcomers  # recorded once each, after an outage: their profiles must agree too

    system = RetryingClient(amqp_uri, flow, "system")
    try:
        intake_log = wait_for_matching_to_catch_up(system._connect, summary, on_error=system.close)
        logs = {"intake": intake_log, "matching": system._connect().matching.positions()["log"]}

        def audit_caught_up():
            try:
                upstream = system._connect().audit.positions()["upstream"]
            except Exception:  # noqa: BLE001 - a reconnecting service; ask again
                system.close()
                return False
            return all(upstream[source] == log for source, log in logs.items())

        wait_until(audit_caught_up, timeout=CONVERGE_WITHIN, interval=0.5, message=f"audit caught up; {summary}")
        ledger = read_ledger(rpc("state_auditor", user_id="auditor-chaos"))
    finally:
        system.close()
    # Nobody restarted anything: the very processes started first are the ones running.
    assert same_processes(network, pids) == {name: (pid, None) for name, pid in pids.items()}, \
        f"a process exited; {context()}"
    network.stop()

    stores, summary = counted(monkeypatch, env, workers, intake_log, summary)
    assert [e["position"] for e in ledger if e["source"] == "intake"] == stores.intake_positions, summary
    assert [e["position"] for e in ledger if e["source"] == "matching"] == log_positions("matching"), summary
    assert [e["seq"] for e in ledger] == list(range(1, len(ledger) + 1)), summary
    # A command that failed may or may not have been stored (whole): intake's store decides.
    assert stores.matching_for_matching == stores.intake_for_matching, summary
