"""The gateway's Idempotency-Key store does not stop the gateway: while a keyed POST waits for the store
(here its SQLite file, write-locked by another process, as a second gateway would hold it), the real
gateway process goes on answering other requests."""
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from shared.dev_tokens import mint_development_token
from tests.support import wait_until

pytestmark = pytest.mark.integration
SECRET = "key-store-secret-" + "k" * 32


def test_a_post_waiting_for_the_key_store_does_not_hold_up_other_requests(network_factory, tmp_path):
    var = tmp_path / "var"
    network = network_factory({"PEERNET_VAR_DIR": str(var), "PEERNET_STORE": "sqlite", "PEERNET_JWT_SECRET": SECRET},
                              services=("gateway",))
    network.start()
    gateway = f"http://127.0.0.1:{network.specs['gateway'].port}"
    store = Path(var) / "gateway_idempotency.sqlite"
    wait_until(store.exists, timeout=30, message="the key store made")
    token = mint_development_token("state_auditor", str(uuid.uuid4()), None, secret=SECRET)
    answers = []

    def keyed_post():
        answers.append(requests.post(gateway + "/organizations", timeout=60, json={
            "name": "Millbrook Peer Center (synthetic)", "kind": "peer_run_organization", "regions": ["Hampden"]},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}))

    holder = sqlite3.connect(store, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the store's write lock: the POST's claim waits for it (up to 10 s)
    posting = threading.Thread(target=keyed_post)
    try:
        posting.start()
        time.sleep(0.5)  # the POST is in: its claim waits on the lock
        waits = []
        for _ in range(5):
            started = time.monotonic()
            assert requests.get(gateway + "/health", timeout=30).status_code == 200
            waits.append(time.monotonic() - started)
        # Answered while the POST still waits, and each well before the lock's 10 s: the process was not stopped.
        assert posting.is_alive() and not answers
        assert min(waits) < 2.0, waits
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    posting.join(timeout=60)
    # Its turn once the lock went: the key claimed, directory (not running here) said to be down, the key let go.
    assert answers and answers[0].status_code == 503, answers[0].text
