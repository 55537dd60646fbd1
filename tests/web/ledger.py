"""A ledger of a real size for the state auditor's verification, filled in bulk and honestly.

In a running network most ledger entries are the access log: every read of someone's data is an
`AccessRecorded` event of the service read. Here intake's access log gets them in bulk through
intake's own code (`record_access`, the lot saved together in one transaction per batch) into the
running network's own intake store: reads of peer workers' profiles by synthetic state auditors.
Intake's relay publishes them, every service that follows intake takes them off the bus as it
would any, and audit enters them in its ledger (chained, checkpoints signed). Nothing is written
to the ledger but by audit itself, so what the verification then checks is a real ledger against
real source logs. (Intake, not directory: directory replays its own log into memory, access
records too, and its first read after 100,000 of them would keep the other tests waiting.)
"""
from __future__ import annotations

import time

import requests

from shared.dev_tokens import mint_development_token
from shared.identity import Caller
from shared.network import application_for

BATCH = 10_000  # records saved in one transaction


def ledger_size(network, token: str) -> tuple[int, int]:
    """(entries audit has entered, intake's log position): each source position is one entry."""
    def positions(service: str) -> dict:
        answer = requests.get(f"{network.gateway_url}/services/{service}/positions", timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    return sum(positions("audit")["upstream"].values()), positions("intake")["log"]


def fill_ledger(network, monkeypatch, at_least: int, secret: str, subjects: list[str],
                timeout: float = 1200) -> int:
    """Intake's access log grown until audit's ledger holds `at_least` entries: synthetic state
    auditors each reading the given peer workers' profiles. Answers the ledger's size once audit
    has entered every one of them."""
    token = mint_development_token("state_auditor", "ledger-filler", secret=secret)
    entered, _ = ledger_size(network, token)
    missing = at_least - entered
    if missing > 0:
        for name, value in network.network.given_env.items():  # the network's own store and keys
            monkeypatch.setenv(name, str(value))
        intake = application_for("intake")
        readers, per_lot = -(-missing // len(subjects)), BATCH // len(subjects)
        try:
            for first in range(0, readers, per_lot):
                with intake.saving_together():  # one transaction for the lot, as a service's batch
                    for reader in range(first, min(readers, first + per_lot)):
                        intake.record_access(
                            Caller(user_id=f"ledger-reader-{reader}", role="state_auditor"), "peer_worker_profile",
                            [(subject, "peer_worker", ["display_name"]) for subject in subjects])
        finally:
            intake.close()
    deadline = time.monotonic() + timeout
    while True:  # intake's relay publishes them; audit enters them as they come
        entered, log = ledger_size(network, token)
        if entered >= at_least:
            return entered
        assert time.monotonic() < deadline, f"audit entered {entered} of {at_least} within {timeout} s " \
                                            f"(intake's log at {log})"
        time.sleep(1)
