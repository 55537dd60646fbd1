"""Chaos: the broker's disk alarm raised mid-stream, then cleared.

While a disk (or memory) alarm is on, RabbitMQ blocks every connection that
publishes. Here the broker is a node of the test's own (tests/broker_nodes.py),
never the machine's shared one, and its alarm is raised by setting its free-disk
limit far above the free space (`rabbitmqctl set_disk_free_limit`), then lowered
again. Meanwhile the chaos workload toggles peer workers' items through the
gateway, over HTTP, and the test writes more commands straight into intake's
store, so that intake's relay has events to publish while the broker takes none.

What must hold:
- the gateway answers every request quickly, with a 503 problem document saying
  the network is not accepting changes now, rather than holding it until its
  call timeout;
- the relay waits (its position stays behind intake's log while the alarm is
  on) and loses nothing;
- once the alarm clears, everything flows again, and matching's store holds
  every intake position exactly once, in order, agreeing with intake.

The seed is printed in every assertion message; PEERNET_CHAOS_SEED replays it.
"""
from __future__ import annotations

import random
import statistics
import time
import uuid

import pytest
import requests

from shared.dev_tokens import mint_development_token
from shared.identity import Caller
from shared.network import GATEWAY, Network
from tests.broker_nodes import private_nodes
from tests.chaos.test_chaos import (
    CLIENT_THREADS, ORGANIZATION, PEER_WORKERS, SEED, PeerWorker, RetryingClient, chunks_of, counted,
    errors_in_logs, make_peer_workers, sqlite_env, toggling,
    wait_for_matching_to_catch_up)
from tests.chaos.workload import FaultFlow, started_with_profiles
from tests.support import free_port_base, wait_until

pytestmark = pytest.mark.chaos

PROCESSES = ("intake", "intake-relay", "matching", "matching-relay", GATEWAY)
SECRET = "disk-alarm-development-secret-" + "d" * 32
NO_DISK_IS_THAT_LARGE = "1000000GB"
NORMAL_LIMIT = "50MB"
ANSWERED_WITHIN = 2.5       # seconds: a blocked request's 503, against the gateway's 10 s call timeout
WRITTEN_DURING_ALARM = 40   # commands stored straight into intake while the broker is blocked
QUIET = 3.0                 # seconds the relay must have held them back before the alarm clears


@pytest.fixture(scope="module")
def broker():
    with private_nodes(1) as (node,):
        yield node


class HttpClient:
    """One peer worker's commands through the gateway; a 503 is timed, checked and sent again."""

    def __init__(self, base_url: str, worker: PeerWorker, flow: FaultFlow, answers: list):
        self.base_url, self.worker, self.flow, self.answers = base_url, worker, flow, answers
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + mint_development_token(
            "peer", worker.id, ORGANIZATION, secret=SECRET)

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, item: dict) -> str:
        path = {"share_experience": "shared-experiences", "withdraw_experience": "experience-withdrawals"}[method]
        body = {key: value for key, value in item.items() if key != "peer_worker_id"}
        key = str(uuid.uuid4())  # the same on every try of this command
        while True:
            started = time.monotonic()
            answer = self.session.post(f"{self.base_url}/peer-workers/{self.worker.id}/{path}", json=body,
                                       headers={"Idempotency-Key": key}, timeout=30)
            took = time.monotonic() - started
            if answer.ok:
                return "ok"
            if answer.status_code == 422 and method == "withdraw_experience":
                return "nothing to withdraw"  # a first try the gateway answered 503 for was done after all
            if answer.status_code != 503:
                raise AssertionError(f"{method}: {answer.status_code} after {took:.1f}s: {answer.text[:300]}")
            self.answers.append((took, answer.headers.get("Content-Type"), answer.headers.get("Retry-After"),
                                 answer.json().get("detail", "")))
            self.flow.tally.add("503")
            if time.monotonic() > self.flow.deadline or self.flow.aborted.is_set():
                raise AssertionError(f"{method}: still 503 at the end of the command stream")
            time.sleep(0.2)


def profiles_over_http(base_url: str):
    """record_profile for started_with_profiles: through the gateway, as the peer worker."""

    def record(worker: PeerWorker) -> None:
        token = mint_development_token("peer", worker.id, ORGANIZATION, secret=SECRET)
        answer = requests.post(f"{base_url}/peer-workers", json=worker.profile(), timeout=30,
                               headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text

    return record


def http_toggles(base_url: str, answers: list):
    return toggling(lambda worker, flow: HttpClient(base_url, worker, flow, answers))


def test_nothing_lost_nothing_doubled_through_the_brokers_disk_alarm(broker, tmp_path, monkeypatch):
    seed = SEED + 3
    rng = random.Random(seed)
    env = {**sqlite_env(tmp_path), "AMQP_URI": broker.uri, "PEERNET_JWT_SECRET": SECRET,
           "PEERNET_EXCHANGE": f"peernet.events.{tmp_path.name}"}
    network = Network(env=env, services=PROCESSES, port_base=free_port_base(), log_dir=tmp_path / "logs")
    base_url = f"http://127.0.0.1:{network.specs[GATEWAY].port}"
    workers = make_peer_workers(rng)
    apart = make_peer_workers(rng)[:5]  # changed straight in intake's store while the alarm is on
    try:
        started_with_profiles(((network, PROCESSES),), workers + apart, profiles_over_http(base_url), timeout=120)

        answers: list = []
        flow = FaultFlow(chunks_of(workers), http_toggles(base_url, answers))
        alarm = {}
        started = time.monotonic()
        flow.start()
        try:
            flow.wait_for_commands(50, timeout=60)
            time.sleep(rng.uniform(0.5, 2.0))
            alarm["commands before"] = flow.tally.commands
            raised = time.monotonic()
            broker.ctl("set_disk_free_limit", NO_DISK_IS_THAT_LARGE)
            try:
                wait_until(lambda: "disk space alarm" in broker.ctl("status").stdout or flow.failed,
                           timeout=60, interval=0.5, message="the disk alarm on")
                alarm["commands by then"] = flow.tally.commands
                # Every client is refused, none hangs.
                wait_until(lambda: flow.tally.counts["503"] >= 2 * CLIENT_THREADS or flow.failed,
                           timeout=30, interval=0.1, message="503 answers while the broker is blocked")
                alarm["relay held back"] = write_while_blocked(env, apart, rng, monkeypatch)
                alarm["commands since"] = flow.tally.commands - alarm["commands by then"]
                alarm["reading while blocked"] = read_while_blocked(base_url, workers[0])
            finally:
                broker.ctl("set_disk_free_limit", NORMAL_LIMIT)
                alarm["on for"] = round(time.monotonic() - raised, 1)
            cleared = time.monotonic()
            flow.wait_for_commands(flow.tally.commands + 100, timeout=60)
            alarm["flowing again after"] = round(time.monotonic() - cleared, 1)
        except BaseException as error:
            flow.join(abort=True)
            raise AssertionError(
                f"seed {seed}: {error!r}; {alarm}; {flow.tally.commands} commands, {dict(flow.tally.counts)}; "
                f"logs in {tmp_path / 'logs'}{errors_in_logs(tmp_path / 'logs')}") from error
        flow.join()
        waits = sorted(took for took, *_ in answers)
        summary = (f"seed {seed}; {flow.tally.commands} commands through the gateway in "
                   f"{time.monotonic() - started:.1f}s by {CLIENT_THREADS} clients for {PEER_WORKERS} peer "
                   f"workers, {WRITTEN_DURING_ALARM} more straight into intake while blocked; alarm {alarm}; "
                   f"client outcomes {dict(flow.tally.counts)}; 503 answered in median "
                   f"{statistics.median(waits) if waits else 0:.2f}s, at most {max(waits, default=0):.2f}s")
        print(summary)
        if flow.failed:
            raise AssertionError(f"a client failed: {flow.failed[0]!r}; {summary}") from flow.failed[0]
        assert answers, summary
        for took, content_type, retry_after, detail in answers:
            assert took < ANSWERED_WITHIN, summary
            assert content_type == "application/problem+json" and retry_after, summary
            assert "not accepting changes right now" in detail, summary

        system = RetryingClient(broker.uri, flow, "system")
        try:
            intake_log = wait_for_matching_to_catch_up(system._connect, summary, on_error=system.close)
        finally:
            system.close()
    finally:
        network.stop()

    stores, summary = counted(monkeypatch, env, workers + apart, intake_log, summary)
    assert len(stores.intake_positions) >= len(workers + apart) + WRITTEN_DURING_ALARM, summary
    assert stores.matching_for_matching == stores.intake_for_matching, summary


def write_while_blocked(env: dict, apart: list[PeerWorker], rng, monkeypatch) -> dict:
    """Commands stored in intake's store by this process: its relay has them to publish and the broker takes
    none. Returns the positions seen: the relay's must stay where it was for QUIET seconds."""
    from shared.network import application_for

    with monkeypatch.context() as scoped:
        for name, value in env.items():
            scoped.setenv(name, value)
        intake = application_for("intake")
        try:
            for _ in range(WRITTEN_DURING_ALARM):
                worker = rng.choice(apart)
                method, item = worker.next_command()
                intake.perform(method, Caller(worker.id, "peer", ORGANIZATION), item)
                worker.toggles += 1
            head = intake.max_position()
            relayed = intake.recorder.max_tracking_id("outbox-relay") or 0
            time.sleep(QUIET)
            still = intake.recorder.max_tracking_id("outbox-relay") or 0
        finally:
            intake.close()
    assert relayed == still < head, f"the relay moved while the broker was blocked: {relayed} -> {still} of {head}"
    return {"log": head, "relayed": still}


def read_while_blocked(base_url: str, worker: PeerWorker) -> str:
    """A read needs a call on the bus too: answered, or refused at once, never held."""
    token = mint_development_token("peer", worker.id, ORGANIZATION, secret=SECRET)
    started = time.monotonic()
    answer = requests.get(f"{base_url}/peer-workers/{worker.id}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    took = time.monotonic() - started
    assert answer.status_code in (200, 503) and took < ANSWERED_WITHIN, (answer.status_code, took, answer.text)
    return f"{answer.status_code} in {took:.2f}s"
