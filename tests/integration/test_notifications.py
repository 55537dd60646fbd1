"""Notifications on the real broker, as make run starts them, on SQLite and on PostgreSQL: a
person chooses a peer worker over RPC, the peer accepts, and each is emailed (a real SMTP server,
aiosmtpd, in the test) only that there is an update; once the person is forgotten nothing more
reaches them, and their address is nowhere in clear: not in any store, not in any log. An
organization's webhook (a real HTTP server in the test) is signed as Standard Webhooks says and
its delivery log tells its admin every try."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import json

import pytest
from standardwebhooks.webhooks import Webhook

from services.notifications.tests.support import SmtpSink, WebhookReceiver
from services.notifications.tests.test_messages import sensitive_words_in
from tests.support import wait_until

pytestmark = pytest.mark.integration

SERVICES = ("intake", "matching", "notifications")
PERSON_EMAIL, PEER_EMAIL = "quinn.unusual.synthetic@example.org", "rowan.unusual.synthetic@example.org"


def rows_holding(pg, secret: str) -> list[tuple]:
    """(schema, table) of every row of every table of the test's database holding the secret in clear."""
    import psycopg

    with psycopg.connect(pg.conninfo()) as db:
        tables = db.execute("SELECT table_schema, table_name FROM information_schema.tables "
                            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").fetchall()
        assert {schema for schema, _ in tables} >= {*SERVICES, "vault"}
        return [(schema, table) for schema, table in tables
                if any(secret in row or secret.encode().hex() in row
                       for (row,) in db.execute(f'SELECT t::text FROM "{schema}"."{table}" t'))]


def enroll(me, person_id):
    return me.intake.enroll({
        "person_id": person_id, "display_name": "Quinn (synthetic)", "region": "Testshire County",
        "languages": ["English"], "modalities": ["phone"],
        "consent": {"purpose": "peer_support", "may_see": {"matching": ["region", "languages", "modalities"]},
                    "expires_at": (datetime.now(timezone.utc) + timedelta(days=90)).isoformat()}})


def to(smtp, address):
    return [m for m in smtp.messages if m["To"] == address]


def test_chosen_accepted_emailed_discreetly_and_a_forgotten_person_gets_nothing(
        store_env, request, tmp_path, network_factory, rpc):
    with SmtpSink() as smtp:
        env = {**store_env, **smtp.env(), "PEERNET_NOTIFY_INTERVAL": "0.2", "PEERNET_NOTIFY_PROGRAM": "Connect"}
        network = network_factory(env, services=SERVICES)
        network.start()
        peer_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
        peer, me = rpc("peer", user_id=peer_id), rpc("person", user_id=person_id)
        peer.intake.record_peer_worker_profile({"peer_worker_id": peer_id, "display_name": "Rowan (synthetic)",
                                                "organization_id": "org-testshire"})
        peer.intake.set_availability({"peer_worker_id": peer_id, "capacity": 2, "modalities": ["phone"],
                                      "languages": ["English"], "regions": ["Testshire County"], "remote": True})
        peer.notifications.set_preferences({"channels": ["email"], "email": PEER_EMAIL})
        enroll(me, person_id)
        me.notifications.set_preferences({"channels": ["email"], "email": PERSON_EMAIL, "language": "es"})
        me.intake.request_support({"person_id": person_id})
        wait_until(lambda: [o["peer_worker_id"] for o in me.matching.my_offers(person_id)["offers"]] == [peer_id],
                   timeout=15, message="matching offering the peer")
        choice = me.matching.choose({"person_id": person_id, "peer_worker_id": peer_id})
        wait_until(lambda: to(smtp, PEER_EMAIL), timeout=15, message="the peer emailed that someone waits")
        peer.matching.accept({"choice_id": choice["choice_id"]})
        wait_until(lambda: to(smtp, PERSON_EMAIL), timeout=15, message="the person emailed that there is news")

        [told_peer], [told_person] = to(smtp, PEER_EMAIL), to(smtp, PERSON_EMAIL)
        assert told_peer["Subject"] == "Connect: something is waiting for your answer"
        assert told_person["Subject"] == "Connect: tiene una novedad"
        for mail in (told_peer, told_person):
            for text in (mail.as_string(), mail.get_content(), mail["Subject"], mail["From"]):  # raw and decoded
                assert sensitive_words_in(text) == []
            assert mail["List-Unsubscribe"] and mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert [e["kind"] for e in me.notifications.my_notifications({})["items"]] == ["choice_accepted"]
        assert peer.notifications.my_notifications({})["unread"] == 1

        me.intake.forget_me({"person_id": person_id})
        wait_until(lambda: me.notifications.my_notifications({})["items"] == [], timeout=15,
                   message="notifications forgetting the person")
        # Forgetting ends the person's connections: the peer is told, the person is not.
        wait_until(lambda: peer.notifications.my_notifications({})["items"][0]["kind"] == "connection_ended",
                   timeout=15, message="the peer told the connection ended")
        wait_until(lambda: len(to(smtp, PEER_EMAIL)) == 2, timeout=15, message="the peer emailed of it")
        network.stop()
    assert to(smtp, PERSON_EMAIL) == [told_person]
    needle = PERSON_EMAIL.encode()
    places = [p for p in Path(tmp_path).rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert places == [], f"the forgotten person's address in clear in {places}"
    if store_env["PEERNET_STORE"] == "postgres":
        assert rows_holding(request.getfixturevalue("postgres"), PERSON_EMAIL) == []


def test_an_organizations_webhook_is_signed_and_its_log_tells_every_try(tmp_path, network_factory, rpc):
    with WebhookReceiver(statuses=[503]) as hooks:
        env = {"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite",
               "PEERNET_NOTIFY_INTERVAL": "0.2", "PEERNET_NOTIFY_RETRY_SECONDS": "0.5",
               "PEERNET_NOTIFY_WEBHOOK_PRIVATE": "yes"}
        network = network_factory(env, services=("directory", "notifications"))
        network.start()
        system = rpc("system")
        supervised, supervising = (system.directory.register_organization({
            "name": f"Webhook Organization {n} (synthetic)", "kind": "agency", "regions": ["Testshire County"]})
            for n in (1, 2))
        peer_worker = str(uuid.uuid4())
        system.directory.record_employment({"peer_worker_id": peer_worker, "organization_id": supervised,
                                            "role_title": "Specialist", "hours_per_week": 20,
                                            "start": "2026-01-05", "certification_required": False})
        admin = rpc("agency_admin", organization_id=supervising)
        secret = admin.notifications.set_webhook({"url": hooks.url})["secret"]
        rpc("agency_admin", organization_id=supervised).directory.propose_supervision({
            "supervised_organization_id": supervised, "supervising_organization_id": supervising,
            "peer_worker_ids": [peer_worker], "hours_per_month": 4, "start": "2027-01-01", "end": "2027-12-31",
            "cost": "300.00"})
        wait_until(lambda: [e["status"] for e in admin.notifications.webhook_deliveries({})["items"]] == ["sent"],
                   timeout=15, message="the webhook refused once, then taken")
        log = admin.notifications.webhook_deliveries({})["items"]
        network.stop()
    (first, body), (again, _) = hooks.received
    assert first["webhook-id"] == again["webhook-id"] == log[0]["webhook_id"]
    assert Webhook(secret).verify(body, first)["type"] == "notification.action"  # raises unless signed so
    assert sensitive_words_in(body.decode()) == []
    assert [a["outcome"] for a in log[0]["attempts"]] == ["failed: HTTP 503", "ok"]
    # The proposer's organization knows: only the other one was told.
    assert len(log) == 1
