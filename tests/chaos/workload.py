"""What the fault tests (PostgreSQL restarted, a service cut off from the broker, a cluster node stopped, the
disk alarm) share: starting the network and recording the peer workers' profiles, test_chaos's workload
with fewer commands (each fault test runs in about a minute), and reading what audit and a service's log
hold."""
from __future__ import annotations

import time

from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from shared.signing import SignedContext
from tests.chaos.test_chaos import Flow, PeerWorker, RetryingClient, notifications, toggling
from tests.support import caller

FAULT_MIN_COMMANDS = 800    # commands that change matching's projection, in total
FAULT_FLOW_DEADLINE = 400.0  # a hard cap on the command stream, far above a minute: a busy machine is slow


def started_with_profiles(networks, workers: list[PeerWorker], record_profile, timeout: float = 60.0,
                          supervised: bool = False) -> dict[str, int]:
    """Start each (network, its processes), supervised if asked (as an orchestrator would: a process that
    exits by itself is started again), then record every peer worker's profile with `record_profile`.
    Returns the processes' first pids, for same_processes."""
    for network, names in networks:
        network.start(*names, timeout=timeout)
        if supervised:
            network.supervise()
    pids = {name: network.processes[name].pid for network, names in networks for name in names}
    for worker in workers:
        record_profile(worker)
    return pids


def profiles_over_rpc(amqp_uri: str):
    """record_profile for started_with_profiles: through intake over nameko RPC, as the peer worker."""

    def record(worker: PeerWorker) -> None:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20,
                             context_data=SignedContext(caller("peer", **worker.identity()))) as proxy:
            assert proxy.intake.record_peer_worker_profile(worker.profile()) == worker.id

    return record


class FaultFlow(Flow):
    """test_chaos's Flow, done once the faults are over and FAULT_MIN_COMMANDS went through."""

    def start(self) -> None:
        super().start()
        self.deadline = time.monotonic() + FAULT_FLOW_DEADLINE

    def keep_going(self) -> bool:
        if self.failed or self.aborted.is_set():
            return False
        if time.monotonic() > self.deadline:
            self.failed.append(AssertionError(f"command stream still running after {FAULT_FLOW_DEADLINE}s"))
            return False
        return not (self.chaos_over.is_set() and self.tally.commands >= FAULT_MIN_COMMANDS)


def failed_as(error: Exception) -> str:
    """How a failed call is tallied: by what it was, the exception's class, or the service's for a remote error."""
    if isinstance(error, RemoteError):
        return f"failed: {error.exc_type} in the service"
    return f"failed: {type(error).__name__}"


def retrying_toggles(amqp_uri: str):
    """A client for Flow: each peer worker's toggles through intake, a call retried until it is answered."""
    return toggling(lambda worker, flow: RetryingClient(amqp_uri, flow, "peer", worker.identity(),
                                                        tallied_as=failed_as))


def read_ledger(auditor) -> list[dict]:
    """Audit's whole ledger, in order, through its history (as a state auditor)."""
    entries, cursor = [], 0
    while True:
        page = auditor.audit.history({"limit": 1000, "cursor": cursor})
        entries += page["entries"]
        if page["next_cursor"] is None:
            return entries
        cursor = page["next_cursor"]


def log_positions(service: str) -> list[int]:
    """The positions in a service's log, read from its store (the environment as read_stores set it)."""
    from shared.network import application_for

    app = application_for(service)
    try:
        return [n.id for n in notifications(app)]
    finally:
        app.close()


def same_processes(network, pids: dict) -> dict:
    """{name: (pid, exit code)} of the network's processes now, to compare with the first pids and None."""
    return {name: (process.pid, process.poll()) for name, process in network.processes.items() if name in pids}
