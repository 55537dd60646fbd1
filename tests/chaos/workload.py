"""What the fault tests (PostgreSQL restarted, a service cut off from the broker) share: test_chaos's
workload with fewer commands (each fault test runs in about a minute), and reading what audit and
a service's log hold."""
from __future__ import annotations

import time

from nameko.exceptions import RemoteError

from shared.errors import InvalidInput
from tests.chaos.test_chaos import Flow, RetryingClient, notifications, toggling

FAULT_MIN_COMMANDS = 800    # commands that change matching's projection, in total
FAULT_FLOW_DEADLINE = 400.0  # a hard cap on the command stream, far above a minute: a busy machine is slow


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


class CountingClient(RetryingClient):
    """test_chaos's RetryingClient, counting each failed try by what it was (the fault tests report them)."""

    def call(self, method: str, item: dict) -> str:
        while True:
            try:
                getattr(self._connect().intake, method)(item)
                return "ok"
            except InvalidInput:
                if method != "withdraw_experience":
                    raise
                return "nothing to withdraw"  # its first try was stored after all
            except Exception as error:  # noqa: BLE001 - timed out, refused, or failed in the service: again
                self.flow.tally.add(f"failed: {failure(error)}")
                self.close()
                if time.monotonic() > self.flow.deadline or self.flow.aborted.is_set():
                    raise
                time.sleep(0.2)


def failure(error: Exception) -> str:
    """What a failed call was, in a few words: the exception's class, or the service's for a remote error."""
    if isinstance(error, RemoteError):
        return f"{error.exc_type} in the service"
    return type(error).__name__


def retrying_toggles(amqp_uri: str):
    """A client for Flow: each peer worker's toggles through intake, a call retried until it is answered."""
    return toggling(lambda worker, flow: CountingClient(amqp_uri, flow, "peer", worker.identity()))


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
