"""Notifications delivered per second to a real SMTP server (aiosmtpd in this process), beside
raw SMTP sends of the same messages over one connection to the same server, in the same run.

The notifier is set up as the service sets it up, on SQLite (encrypted, synchronous=FULL): N
peer workers each give an email address, N choices reach it as matching publishes them, then
`deliver_due` runs as the timer runs it (lots of PEERNET_NOTIFY_BATCH, each sent and then
recorded in one transaction) until every notification has reached the server.

`python -m bench.notifications` runs it alone; `make bench` runs it with the rest.
"""
from __future__ import annotations

import os
import smtplib
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from tqdm import tqdm

NOTIFICATIONS = int(os.environ.get("BENCH_NOTIFICATIONS", "2000"))


def run(count: int = NOTIFICATIONS) -> dict:
    from services.notifications import messages
    from services.notifications.setup import setup
    from services.notifications.tests.support import SmtpSink
    from shared import config, contracts
    from shared.crypto import vault_from_env
    from shared.identity import Caller

    with SmtpSink() as smtp, tempfile.TemporaryDirectory() as var:
        os.environ.update(PEERNET_VAR_DIR=var, PEERNET_STORE="sqlite")
        env = {**smtp.env(), "SQLITE_DBNAME": str(config.var_dir() / "notifications-bench.sqlite")}
        store = setup(vault_from_env(), env)
        system = Caller.system("bench")
        peers = [str(uuid.uuid4()) for _ in range(count)]
        for peer in tqdm(peers, desc="notifications: preferences", leave=False):
            store.perform("set_preferences", Caller(user_id=peer, role="peer"),
                          {"channels": ["email"], "email": f"bench-{peer[:8]}@example.org"})
        deadline = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
        actor = {"user_id": "service:matching", "role": "system", "organization_id": None, "correlation_id": "b"}
        events = [contracts.parse(contracts.build(
            source="matching", position=n, type_="PeerAsked", occurred_at=datetime.now(timezone.utc).isoformat(),
            actor=actor, subject_id=peer, body={"person_id": str(uuid.uuid4()), "choice_id": str(uuid.uuid4()),
                                                "peer_worker_id": peer, "deadline": deadline}).as_message())
            for n, peer in enumerate(peers, start=1)]
        started = time.perf_counter()
        for first in range(0, count, 500):  # as the bus consumer applies what arrived together
            store.process_upstream_batch(events[first:first + 500])
        applied = time.perf_counter() - started

        started = time.perf_counter()
        with tqdm(total=count, desc="notifications: delivering", leave=False) as progress:
            while len(smtp.messages) < count:
                sent = store.perform("deliver_due", system)["sent"]
                progress.update(sent)
                if not sent:
                    time.sleep(0.01)
        delivered = time.perf_counter() - started
        sample = list(smtp.raw)

        # The raw part: the same number of the same messages, one connection, nothing recorded.
        message = messages.email("chosen", "en", store.settings, "bench@example.org", "msg_raw",
                                 "http://127.0.0.1/unsubscribe")
        before = len(smtp.messages)
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", smtp.port) as raw:
            for _ in range(count):
                raw.send_message(message)
        raw_seconds = time.perf_counter() - started
        assert len(smtp.messages) - before == count
    return {"notifications": count, "applied_per_s": count / applied, "delivered_per_s": count / delivered,
            "raw_smtp_per_s": count / raw_seconds, "bytes_per_message": sum(map(len, sample)) // len(sample)}


def print_rows(figures: dict) -> None:
    rows = [
        ("notifications: upstream events applied (a notification each)", figures["applied_per_s"], "events/s", ""),
        ("notifications: delivered to the SMTP server, recorded", figures["delivered_per_s"], "emails/s",
         f"{figures['delivered_per_s'] / figures['raw_smtp_per_s']:.2f}x raw SMTP"),
        ("raw SMTP: the same message, one connection", figures["raw_smtp_per_s"], "emails/s", ""),
    ]
    for name, value, unit, ratio in rows:
        print(f"  {name:<66} {value:>10,.1f} {unit:<11} {ratio}")


if __name__ == "__main__":
    figures = run()
    print(f"{figures['notifications']} notifications, {figures['bytes_per_message']} bytes each:")
    print_rows(figures)
