"""Chaos: nothing lost and nothing doubled between intake and matching while the
relay, the consumer and the broker are brought down mid-stream.

Thousands of commands change intake; every one of them becomes exactly one
event in intake's log and must become exactly one event in matching's store
(each Candidate event records the intake position it came from). Meanwhile the
test SIGKILLs intake's relay and matching (test 1), or stops the broker
(test 2). At the end matching's store is opened directly, from this process:
its upstream positions must be exactly intake's positions, once each, in
order, and matching's projection must agree with intake's profiles.

Synthetic peer workers only. The seed of the chaos schedule is printed in
every assertion message; set PEERNET_CHAOS_SEED to replay a schedule.

Stopping the broker stops it for everyone on this machine. Chaos runs on one
machine take a file lock (exclusive while the broker is stopped and started,
shared otherwise) so that they at least do not break one another; other suites
running at the same time will still see the outage.
"""
from __future__ import annotations

import fcntl
import json
import os
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from shared.errors import InvalidInput
from shared.identity import Caller
from shared.signing import SignedContext
from shared.experiences import EXPERIENCE_CODES
from tests.support import caller, can_manage_broker, rabbitmqctl, wait_until

pytestmark = pytest.mark.chaos

SEED = int(os.environ.get("PEERNET_CHAOS_SEED", "20250611"))
SERVICES = ("intake", "matching")
PROCESSES = ("intake", "intake-relay", "matching", "matching-relay")
ORGANIZATION = "org-chaos-synthetic"
PEER_WORKERS = 20
CLIENT_THREADS = 5          # each owns PEER_WORKERS / CLIENT_THREADS peer workers
MIN_COMMANDS = 2000         # commands that change matching's projection, in total
KILLS_EACH = 4              # SIGKILLs of intake-relay and of matching, each
BROKER_RESTARTS = 3
CONVERGE_WITHIN = 60.0      # seconds for matching to catch up once the commands are done
FLOW_DEADLINE = 150.0       # hard cap on one test's command stream
BROKER_LOCK = Path(tempfile.gettempdir()) / "peernet-chaos-broker.lock"
BROKER_LOCK_WAIT = 180.0


@contextmanager
def broker_lock(exclusive: bool):
    """Between chaos runs on this machine: one may stop the broker only while no other runs."""
    with open(BROKER_LOCK, "a") as handle:
        deadline = time.monotonic() + BROKER_LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another chaos run held {BROKER_LOCK} for more than {BROKER_LOCK_WAIT}s")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def broker_shared():
    with broker_lock(exclusive=False):
        yield


@pytest.fixture
def broker_exclusive():
    with broker_lock(exclusive=True):
        yield


# -- the workload ---------------------------------------------------------------
@dataclass
class PeerWorker:
    """One synthetic peer worker and the item its client toggles for matching."""

    id: str
    kept_for_matching: str      # shared for matching from the start, never touched
    kept_private: str
    kept_for_network: str
    toggled: str                # shared for matching, withdrawn, shared, ...
    toggles: int = 0            # commands that succeeded so far

    def profile(self) -> dict:
        return {
            "peer_worker_id": self.id,
            "display_name": f"Synthetic Peer {self.id[:8]}",
            "organization_id": ORGANIZATION,
            "experiences": [
                {"experience": self.kept_for_matching, "visibility": "matching"},
                {"experience": self.kept_private, "visibility": "private"},
                {"experience": self.kept_for_network, "visibility": "network"},
            ],
        }

    def identity(self) -> dict:
        """A peer worker changes only their own profile: each calls as themself."""
        return {"user_id": self.id, "organization_id": ORGANIZATION}

    def next_command(self) -> tuple[str, dict]:
        if self.toggles % 2 == 0:
            return "share_experience", {"peer_worker_id": self.id, "experience": self.toggled,
                                        "visibility": "matching"}
        return "withdraw_experience", {"peer_worker_id": self.id, "experience": self.toggled}

    def intended_for_matching(self) -> list[str]:
        """What the client meant: the toggled item is shared after an odd number of toggles."""
        return sorted([self.kept_for_matching] + ([self.toggled] if self.toggles % 2 else []))


def make_peer_workers(rng: random.Random) -> list[PeerWorker]:
    workers = []
    for _ in range(PEER_WORKERS):
        matching, private, network, toggled = rng.sample(EXPERIENCE_CODES, 4)
        workers.append(PeerWorker(str(UUID(int=rng.getrandbits(128), version=4)), matching, private, network, toggled))
    return workers


class Tally:
    """Thread-safe counters the clients and the chaos loop share."""

    def __init__(self):
        self._lock = threading.Lock()
        self.commands = 0
        self.counts: Counter = Counter()

    def command_done(self) -> None:
        with self._lock:
            self.commands += 1

    def add(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.counts[what] += n


@dataclass
class Flow:
    """Client threads issuing toggles until the chaos is over and enough commands went through."""

    chunks: list
    client: object              # callable(chunk, flow) run in each thread
    tally: Tally = field(default_factory=Tally)
    chaos_over: threading.Event = field(default_factory=threading.Event)
    aborted: threading.Event = field(default_factory=threading.Event)
    failed: list = field(default_factory=list)
    threads: list = field(default_factory=list)
    deadline: float = 0.0

    def keep_going(self) -> bool:
        if self.failed or self.aborted.is_set():
            return False
        if time.monotonic() > self.deadline:
            self.failed.append(AssertionError(f"command stream still running after {FLOW_DEADLINE}s"))
            return False
        return not (self.chaos_over.is_set() and self.tally.commands >= MIN_COMMANDS)

    def start(self) -> None:
        self.deadline = time.monotonic() + FLOW_DEADLINE
        for index, chunk in enumerate(self.chunks):
            thread = threading.Thread(target=self._run, args=(chunk,), name=f"chaos-client-{index}", daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, chunk) -> None:
        try:
            self.client(chunk, self)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            self.failed.append(error)

    def wait_for_commands(self, at_least: int, timeout: float = 30.0) -> None:
        wait_until(lambda: self.tally.commands >= at_least or self.failed, timeout=timeout,
                   interval=0.01, message=f"{at_least} commands through")

    def join(self, abort: bool = False) -> None:
        """Let the clients finish; with abort (the chaos loop failed), stop them now."""
        if abort:
            self.aborted.set()
        self.chaos_over.set()
        for thread in self.threads:
            thread.join(timeout=FLOW_DEADLINE + 30)
        assert not any(thread.is_alive() for thread in self.threads), "a client thread hangs"


def chunks_of(workers: list[PeerWorker]) -> list[list[PeerWorker]]:
    return [workers[index::CLIENT_THREADS] for index in range(CLIENT_THREADS)]


# -- reading the stores directly ------------------------------------------------
def sqlite_env(tmp_path) -> dict:
    # Per-service overrides too, so an outer PEERNET_STORE_<SERVICE> cannot send a store elsewhere.
    return {"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite",
            "PEERNET_STORE_INTAKE": "sqlite", "PEERNET_STORE_MATCHING": "sqlite"}


def notifications(app):
    after = 0
    while True:
        page = app.recorder.select_notifications(start=after, limit=500, inclusive_of_start=False)
        if not page:
            return
        yield from page
        after = page[-1].id


@dataclass
class Stores:
    intake_positions: list[int]
    upstream_positions: list[int]           # of every Candidate event in matching's store, in its order
    intake_for_matching: dict[str, list[str]]
    matching_for_matching: dict[str, list[str]]
    matching_tracked: int


def read_stores(monkeypatch, env: dict, workers: list[PeerWorker]) -> Stores:
    """Open intake's and matching's SQLite stores in this process (the network is stopped)."""
    from services.matching.domain import Candidate
    from shared.network import application_for

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    intake, matching = application_for("intake"), application_for("matching")
    try:
        intake_positions = [n.id for n in notifications(intake)]
        upstream = []
        for notification in notifications(matching):
            event = matching.mapper.to_domain_event(notification)
            if isinstance(event, Candidate.Event):  # every one records the intake position it came from
                upstream.append(event.upstream_position)
        intake_for_matching, matching_for_matching = {}, {}
        for worker in workers:
            profile = intake.perform("peer_worker_profile", Caller.system("intake"), UUID(worker.id))
            intake_for_matching[worker.id] = sorted(
                item["experience"] for item in profile["experiences"] if item["visibility"] == "matching")
            candidate = matching.perform("candidate", Caller.system("matching"), UUID(worker.id))
            matching_for_matching[worker.id] = sorted(candidate["shared_for_matching"])
        return Stores(intake_positions, upstream, intake_for_matching, matching_for_matching,
                      matching.position_in("intake"))
    finally:
        intake.close()
        matching.close()


def describe_positions(expected: list[int], actual: list[int]) -> str:
    counts = Counter(actual)
    missing = sorted(set(expected) - set(counts))
    doubled = sorted(p for p, n in counts.items() if n > 1)
    unknown = sorted(set(counts) - set(expected))
    backwards = [(a, b) for a, b in zip(actual, actual[1:]) if b <= a]
    return (f"missing {len(missing)} {missing[:20]}, doubled {len(doubled)} {doubled[:20]}, "
            f"unknown {len(unknown)} {unknown[:20]}, out of order {len(backwards)} {backwards[:10]}")


def counted(monkeypatch, env: dict, workers: list[PeerWorker], intake_log: int, summary: str) -> tuple[Stores, str]:
    """Both stores read once the network is stopped, each intake position asserted in matching once, in
    order; the summary gains what was counted."""
    stores = read_stores(monkeypatch, env, workers)
    differs = sum(stores.intake_for_matching[w.id] != w.intended_for_matching() for w in workers)
    summary += (f"; intake log {intake_log} events, matching {len(stores.upstream_positions)} Candidate events; "
                f"peer workers whose intake state differs from the client's intent (late retries): {differs}")
    print(summary)
    assert_exactly_once_in_order(stores, summary)
    return stores, summary


def toggling(client_for):
    """A client for Flow: each peer worker's toggles, one at a time, through `client_for(worker, flow)`."""

    def client(chunk: list[PeerWorker], flow: Flow) -> None:
        clients = {worker.id: client_for(worker, flow) for worker in chunk}
        try:
            while flow.keep_going():
                for worker in chunk:
                    method, item = worker.next_command()
                    outcome = clients[worker.id].call(method, item)
                    if outcome != "ok":
                        flow.tally.add(outcome)
                    worker.toggles += 1
                    flow.tally.command_done()
        finally:
            for each in clients.values():
                each.close()

    return client


def assert_exactly_once_in_order(stores: Stores, summary: str) -> None:
    assert stores.intake_positions, summary
    assert stores.upstream_positions == stores.intake_positions, (
        f"matching's store does not hold every intake event exactly once, in order: "
        f"{describe_positions(stores.intake_positions, stores.upstream_positions)}; {summary}")
    assert all(a < b for a, b in zip(stores.upstream_positions, stores.upstream_positions[1:])), summary
    assert stores.matching_tracked == stores.intake_positions[-1], summary


def wait_for_matching_to_catch_up(system_proxy_factory, summary, on_error=lambda: None) -> int:
    """Until matching has processed intake's whole log; returns that position."""
    state = {}

    def caught_up():
        try:
            proxy = system_proxy_factory()
            intake_log = proxy.intake.positions()["log"]
            state["upstream"] = proxy.matching.positions()["upstream"]["intake"]
            state["log"] = intake_log
            return intake_log if state["upstream"] == intake_log else None
        except Exception as error:  # noqa: BLE001 - a reconnecting service; ask again
            state["error"] = repr(error)
            on_error()
            return None

    try:
        return wait_until(caught_up, timeout=CONVERGE_WITHIN, interval=0.2, message="matching caught up")
    except AssertionError:
        raise AssertionError(f"matching did not catch up with intake within {CONVERGE_WITHIN}s: "
                             f"{state}; {summary}") from None


# -- 1. processes killed --------------------------------------------------------
def test_nothing_lost_nothing_doubled_when_relay_and_consumer_are_killed(
        broker_shared, network_factory, rpc, tmp_path, monkeypatch):
    rng = random.Random(SEED)
    env = sqlite_env(tmp_path)
    network = network_factory(env, services=SERVICES)
    network.start(*PROCESSES)

    workers = make_peer_workers(rng)
    # One proxy per peer worker, built here (the fixture is not thread-safe) and
    # then used by one client thread only.
    proxies = {worker.id: rpc("peer", **worker.identity()) for worker in workers}
    for worker in workers:
        assert proxies[worker.id].intake.record_peer_worker_profile(worker.profile()) == worker.id

    def client(chunk: list[PeerWorker], flow: Flow) -> None:
        while flow.keep_going():
            for worker in chunk:
                method, item = worker.next_command()
                # intake is never killed here: any error fails the test.
                getattr(proxies[worker.id].intake, method)(item)
                worker.toggles += 1
                flow.tally.command_done()

    flow = Flow(chunks_of(workers), client)
    plan = ["intake-relay"] * KILLS_EACH + ["matching"] * KILLS_EACH
    rng.shuffle(plan)
    kills = []
    started = time.monotonic()
    flow.start()
    try:
        flow.wait_for_commands(50)
        for target in plan:
            time.sleep(rng.uniform(0.1, 1.2))
            if flow.failed:
                break
            network.kill(target)
            kills.append((target, flow.tally.commands))
            time.sleep(rng.uniform(0.0, 0.8))  # events pile up while it is down
            network.start(target)
    except BaseException:
        flow.join(abort=True)
        raise
    flow.join()
    flow_seconds = time.monotonic() - started
    summary = (f"seed {SEED}; {flow.tally.commands} commands in {flow_seconds:.1f}s by {CLIENT_THREADS} clients "
               f"for {PEER_WORKERS} peer workers; {len(kills)} kills (target, commands so far): {kills}")
    print(summary)
    if flow.failed:
        raise AssertionError(f"a client failed: {flow.failed[0]!r}; {summary}") from flow.failed[0]
    assert len(kills) == len(plan) and all(commands < flow.tally.commands for _, commands in kills), summary

    system = rpc("system")
    intake_log = wait_for_matching_to_catch_up(lambda: system, summary)
    for worker in workers:
        assert sorted(system.matching.candidate(worker.id)["shared_for_matching"]) == \
            worker.intended_for_matching(), f"peer worker {worker.id}; {summary}"
    network.stop()

    stores, summary = counted(monkeypatch, env, workers, intake_log, summary)
    # Every command made exactly one intake event (plus one per profile).
    assert len(stores.intake_positions) == PEER_WORKERS + flow.tally.commands, summary
    for worker in workers:
        intended = worker.intended_for_matching()
        assert stores.intake_for_matching[worker.id] == intended, f"intake, peer worker {worker.id}; {summary}"
        assert stores.matching_for_matching[worker.id] == intended, f"matching, peer worker {worker.id}; {summary}"


# -- 2. broker restarted ---------------------------------------------------------
def errors_in_logs(log_dir, limit: int = 6) -> str:
    """The processes' CRITICAL and uncaught-error lines (JSON, shared.logs), to say why one did not come back."""
    found = []
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            entry = json.loads(line)
            if entry.get("level") == "CRITICAL" or "died" in entry.get("message", ""):
                cause = (entry.get("exc_info") or "").strip().splitlines()[-1:] or [""]
                found.append(f"{path.stem}: {entry['message'][:160]} -> {cause[0][:120]}")
    return ("; from the logs: " + " | ".join(found[:limit])) if found else ""


def wait_healthy_under_supervision(network, names, timeout: float) -> None:
    """Network.wait_healthy, while the supervisor may still be replacing a process that exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            network.wait_healthy(names, timeout=max(0.1, deadline - time.monotonic()))
            return
        except RuntimeError:  # "exited before it was healthy": the supervisor starts it again
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class RetryingClient:
    """One thread's RPC client: a call is retried, on a new proxy, until it gets an answer. Each failed try
    is tallied as `tallied_as(error)` says (the fault tests tell them apart)."""

    def __init__(self, amqp_uri: str, flow: Flow, role: str, identity: dict | None = None, timeout: float = 8.0,
                 tallied_as: Callable[[Exception], str] = lambda error: "failed calls"):
        self.config = {"AMQP_URI": amqp_uri}
        self.flow, self.role, self.identity, self.timeout = flow, role, identity or {}, timeout
        self.tallied_as = tallied_as
        self.cluster: ClusterRpcProxy | None = None
        self.proxy = None

    def _connect(self):
        if self.proxy is None:
            cluster = ClusterRpcProxy(self.config, timeout=self.timeout,
                                      context_data=SignedContext(caller(self.role, **self.identity)))
            self.proxy = cluster.start()
            self.cluster = cluster
        return self.proxy

    def close(self) -> None:
        cluster, self.cluster, self.proxy = self.cluster, None, None
        if cluster is not None:
            try:
                cluster.stop()
            except Exception:  # noqa: BLE001 - the connection is gone with the broker
                pass

    def call(self, method: str, item: dict) -> str:
        """'ok', or 'nothing to withdraw' for a withdrawal intake no longer had to make."""
        while True:
            try:
                getattr(self._connect().intake, method)(item)
                return "ok"
            except InvalidInput:
                # Only a withdrawal whose first try was applied after all (or a stale
                # request delivered late) finds nothing to withdraw; anything else is a bug.
                if method != "withdraw_experience":
                    raise
                return "nothing to withdraw"
            except Exception as error:  # noqa: BLE001 - connection lost, timed out, refused: try again
                self.flow.tally.add(self.tallied_as(error))
                self.close()
                if time.monotonic() > self.flow.deadline or self.flow.aborted.is_set():
                    raise
                time.sleep(0.2)


def test_nothing_lost_nothing_doubled_when_the_broker_restarts(
        broker_exclusive, network_factory, rpc, amqp_uri, tmp_path, monkeypatch):
    if not can_manage_broker():
        pytest.skip("needs rabbitmqctl on the broker's machine to stop and start it")
    rng = random.Random(SEED + 1)
    env = sqlite_env(tmp_path)
    network = network_factory(env, services=SERVICES)
    network.start(*PROCESSES)
    # As an orchestrator would: a process that exits by itself (a nameko container
    # that died with the broker's connection, say) is started again.
    network.supervise()

    workers = make_peer_workers(rng)
    for worker in workers:
        assert rpc("peer", **worker.identity()).intake.record_peer_worker_profile(worker.profile()) == worker.id

    flow = Flow(chunks_of(workers),
                toggling(lambda worker, flow: RetryingClient(amqp_uri, flow, "peer", worker.identity())))
    restarts = []
    started = time.monotonic()
    flow.start()
    try:
        try:
            flow.wait_for_commands(50)
            for _ in range(BROKER_RESTARTS):
                time.sleep(rng.uniform(0.5, 2.0))
                if flow.failed:
                    break
                before = flow.tally.commands
                down = time.monotonic()
                rabbitmqctl("stop_app")
                time.sleep(rng.uniform(0.5, 2.0))
                rabbitmqctl("start_app")
                rabbitmqctl("await_startup")
                up = time.monotonic()
                # Every process, relays included, must come back on its own, and the
                # clients' commands must go through again before the next outage.
                try:
                    wait_healthy_under_supervision(network, PROCESSES, timeout=60)
                    healthy = time.monotonic()
                    flow.wait_for_commands(flow.tally.commands + 100, timeout=60)
                except (RuntimeError, TimeoutError, AssertionError) as error:
                    raise AssertionError(
                        f"after broker restart {len(restarts) + 1}, the network did not come back by itself: "
                        f"{error}; seed {SEED + 1}, restarts so far {restarts}, {flow.tally.commands} commands, "
                        f"processes restarted by the supervisor {dict(network.restarts)}; "
                        f"logs in {tmp_path / 'logs'}{errors_in_logs(tmp_path / 'logs')}") from error
                restarts.append({"commands before": before, "down": round(up - down, 1),
                                 "healthy after": round(healthy - up, 1),
                                 "flowing again after": round(time.monotonic() - up, 1)})
        finally:
            # Whatever happened, leave the broker running (start_app on a running broker is a no-op).
            rabbitmqctl("start_app", check=False)
            rabbitmqctl("await_startup", check=False)
    except BaseException:
        flow.join(abort=True)
        raise
    flow.join()
    flow_seconds = time.monotonic() - started
    summary = (f"seed {SEED + 1}; {flow.tally.commands} commands in {flow_seconds:.1f}s by {CLIENT_THREADS} "
               f"clients for {PEER_WORKERS} peer workers; {len(restarts)} broker restarts {restarts}; "
               f"processes restarted by the supervisor {dict(network.restarts)}; "
               f"client outcomes {dict(flow.tally.counts)}")
    print(summary)
    if flow.failed:
        raise AssertionError(f"a client failed: {flow.failed[0]!r}; {summary}") from flow.failed[0]
    assert len(restarts) == BROKER_RESTARTS, summary
    assert all(r["commands before"] < flow.tally.commands for r in restarts), summary

    # The test's own proxies died with the broker: ask on fresh ones.
    system = RetryingClient(amqp_uri, flow, "system")
    try:
        intake_log = wait_for_matching_to_catch_up(system._connect, summary, on_error=system.close)
    finally:
        system.close()
    wait_healthy_under_supervision(network, PROCESSES, timeout=30)
    network.stop()

    stores, summary = counted(monkeypatch, env, workers, intake_log, summary)
    # A retried command may or may not have been applied the first time: intake's store decides.
    assert stores.matching_for_matching == stores.intake_for_matching, summary
