"""Chaos: each notification delivered once as the receiver sees it, while the notifier is
SIGKILLed again and again mid-stream.

Directory is asked, over RPC, for hundreds of supervision agreements between two synthetic
organizations; each proposal notifies both (the system proposed it, so neither knows yet), and
each organization chose email (a real SMTP server, aiosmtpd, in this test) and a webhook (a real
HTTP server in this test): over 1,000 notifications, each sent twice over. Meanwhile the test
SIGKILLs the notifier several times, between sending a lot and recording it too. At the end every
notification reached both receivers at least once, and none arrived under two ids: each
webhook's notification came with one webhook-id only, and the emails carry exactly as many
distinct Message-IDs as there were notifications.

Synthetic organizations only. PEERNET_CHAOS_SEED replays a kill schedule.
"""
from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from collections import defaultdict

import pytest

from services.notifications.tests.support import SmtpSink, WebhookReceiver
from tests.chaos.test_chaos import broker_shared  # noqa: F401  (no broker restart while this runs)
from tests.support import wait_until

pytestmark = pytest.mark.chaos

SEED = int(os.environ.get("PEERNET_CHAOS_SEED", "20261205"))
PROPOSALS = 510            # two notifications each: 1,020 notifications, 2,040 sends
KILLS = 5
CONVERGE_WITHIN = 120.0
PROCESSES = ("directory", "directory-relay", "notifications", "notifications-relay")


def test_every_notification_at_least_once_and_never_under_two_ids_while_the_notifier_is_killed(
        broker_shared, network_factory, rpc, tmp_path):  # noqa: F811
    rng = random.Random(SEED)
    with SmtpSink() as smtp, WebhookReceiver() as hooks:
        env = {"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite", **smtp.env(),
               "PEERNET_STORE_DIRECTORY": "sqlite", "PEERNET_STORE_NOTIFICATIONS": "sqlite",
               # Small lots, often: many lots are in flight when a kill comes.
               "PEERNET_NOTIFY_INTERVAL": "0.1", "PEERNET_NOTIFY_BATCH": "15", "PEERNET_NOTIFY_RETRY_SECONDS": "1",
               "PEERNET_NOTIFY_WEBHOOK_PRIVATE": "yes"}
        network = network_factory(env, services=("directory", "notifications"))
        network.start(*PROCESSES)
        system = rpc("system")
        supervised, supervising = (system.directory.register_organization({
            "name": f"Chaos Organization {n} (synthetic)", "kind": "agency", "regions": ["Testshire County"]})
            for n in (1, 2))
        peer_worker = str(uuid.uuid4())
        system.directory.record_employment({"peer_worker_id": peer_worker, "organization_id": supervised,
                                            "role_title": "Specialist", "hours_per_week": 20,
                                            "start": "2026-01-05", "certification_required": False})
        for organization in (supervised, supervising):
            admin = rpc("agency_admin", organization_id=organization)
            admin.notifications.set_preferences({"channels": ["email"], "email": f"{organization}@example.org"})
            admin.notifications.set_webhook({"url": hooks.url})

        proposed, failures = [], []

        def propose():
            proxy = rpc("system")
            try:
                for _ in range(PROPOSALS):
                    proposed.append(proxy.directory.propose_supervision({
                        "supervised_organization_id": supervised, "supervising_organization_id": supervising,
                        "peer_worker_ids": [peer_worker], "hours_per_month": 4, "start": "2027-01-01",
                        "end": "2027-12-31", "cost": "300.00"}))
            except Exception as error:  # directory is never killed here: any error fails the test
                failures.append(error)

        client = threading.Thread(target=propose, daemon=True)
        client.start()
        kills = []
        wait_until(lambda: len(hooks.received) >= 20, timeout=60, message="the first webhooks")
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.5))
            network.kill("notifications")
            kills.append((len(proposed), len(hooks.received), len(smtp.messages)))
            time.sleep(rng.uniform(0.0, 0.5))
            network.start("notifications")
        client.join(120)
        assert not failures, failures
        expected = 2 * PROPOSALS
        summary = (f"seed {SEED}; {len(proposed)} proposals, {KILLS} kills (proposals, webhooks, emails "
                   f"so far): {kills}")

        def ids_by_notification():
            seen = defaultdict(set)
            for headers, body in list(hooks.received):
                seen[json.loads(body)["data"]["notification_id"]].add(headers["webhook-id"])
            return seen

        def done():
            return (len(ids_by_notification()) >= expected
                    and len({m["Message-ID"] for m in list(smtp.messages)}) >= expected)

        wait_until(done, timeout=CONVERGE_WITHIN, interval=0.5, message=f"every notification delivered; {summary}")
        time.sleep(2)  # anything still sent after the last one arrived is counted too
        network.stop()

    webhooks = ids_by_notification()
    message_ids = [m["Message-ID"] for m in smtp.messages]
    resent = (len(hooks.received) - len(webhooks), len(message_ids) - len(set(message_ids)))
    print(f"{summary}; {expected} notifications; webhooks {len(hooks.received)} received, emails "
          f"{len(message_ids)} received; sent again (webhooks, emails): {resent}")
    assert len(proposed) == PROPOSALS and len(kills) == KILLS, summary
    assert len(webhooks) == expected, summary
    assert all(len(ids) == 1 for ids in webhooks.values()), f"a notification under two webhook-ids; {summary}"
    assert len(set(message_ids)) == expected, f"{len(set(message_ids))} Message-IDs for {expected}; {summary}"
    assert {m["To"] for m in smtp.messages} == {f"{supervised}@example.org", f"{supervising}@example.org"}
