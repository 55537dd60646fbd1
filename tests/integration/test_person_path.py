"""Issue 5's "Done when", end to end over RPC and the real broker on the whole
network, with SQLite and with PostgreSQL stores: a referral invitation,
acceptance, two items shared for matching and one kept private, a support
request; matching holds exactly the two items; a withdrawal reaches matching
within a second; the person's export shows all of it; "forget me" leaves no
readable personal field in any store."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared import config
from shared.crypto import FORGOTTEN, is_sealed, vault_from_env
from shared.errors import NotFound
from shared.network import application_for
from tests.support import wait_until

pytestmark = pytest.mark.integration

# Synthetic values unusual enough that finding one in clear anywhere means a leak.
NAME, CONTACT, REGION = "Juniper Example (synthetic)", "juniper.synthetic@example.org", "Examplevale County"
SHARED, PRIVATE = ("heard_voices", "immigrant_or_refugee"), "involuntary_hospitalization"
ORG = "org-examplevale-1"


def tokens(value) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in tokens(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in tokens(v)]
    return [value] if is_sealed(value) else []


def enrollment(person_id, referral_id) -> dict:
    return {"person_id": person_id, "referral_id": referral_id, "display_name": NAME, "contact": CONTACT,
            "region": REGION, "languages": ["Spanish"], "modalities": ["phone"], "agencies": [],
            "consent": {"purpose": "peer_support",
                        "may_see": {"matching": ["region", "languages", "modalities", "agencies", "experiences"],
                                    "referring_agency": ["display_name"]},
                        "expires_at": (datetime.now(timezone.utc) + timedelta(days=90)).isoformat()}}


def a_peer_sharing_every_item(rpc) -> str:
    """A peer who shares all three items (and one more) for matching: what both share,
    as matching explains an offer, is then exactly what matching holds for the person.
    Remote and elsewhere, so the person's region is theirs alone in every store."""
    peer_id = str(uuid.uuid4())
    peer = rpc("peer", user_id=peer_id)
    peer.intake.record_peer_worker_profile({
        "peer_worker_id": peer_id, "display_name": "Rowan Example (synthetic)", "organization_id": ORG,
        "experiences": [{"experience": item, "visibility": "matching"} for item in (*SHARED, PRIVATE, "veteran")]})
    peer.intake.set_availability({"peer_worker_id": peer_id, "capacity": 2, "modalities": ["phone"],
                                  "languages": ["Spanish"], "regions": ["Elsewhere County"], "remote": True})
    return peer_id


def shared_items(me, person_id, peer_id):
    offers = me.matching.my_offers(person_id)["offers"]
    return [o["shared_items"] for o in offers if o["peer_worker_id"] == peer_id]


def stored_events(app) -> list[dict]:
    return [vars(app.mapper.to_domain_event(n)) for n in app.recorder.select_notifications(start=1, limit=100_000)]


def rows_holding(pg: config.Postgres, secrets) -> list[tuple]:
    """(schema, table, secret) for every row of every table of the database (events, ledger, keys,
    tracking) whose text, or whose bytes shown as hex, holds one of the secrets in clear."""
    import psycopg

    found = []
    with psycopg.connect(pg.conninfo()) as db:
        tables = db.execute("SELECT table_schema, table_name FROM information_schema.tables "
                            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").fetchall()
        assert {schema for schema, _ in tables} >= set(config.SERVICES)
        for schema, table in tables:
            text = " ".join(row for (row,) in db.execute(f'SELECT t::text FROM "{schema}"."{table}" t'))
            found += [(schema, table, secret) for secret in secrets
                      if secret in text or secret.encode().hex() in text]
    return found


def test_a_persons_path_and_being_forgotten_across_the_network(store_env, network_factory, rpc, monkeypatch):
    network = network_factory(store_env)  # every service and its relay
    network.start()
    for name, value in store_env.items():  # so this process opens the same stores and vault
        monkeypatch.setenv(name, str(value))
    vault = vault_from_env()
    peer_id = a_peer_sharing_every_item(rpc)
    person_id = str(uuid.uuid4())
    admin = rpc("agency_admin", organization_id=ORG)
    me = rpc("person", user_id=person_id)

    made = admin.intake.refer_person({"display_name": NAME, "contact": CONTACT})
    referral_id, secret = made["referral_id"], made["invitation_secret"]
    assert me.intake.referral(referral_id, secret)["organization_id"] == ORG
    assert me.intake.accept_referral({**enrollment(person_id, referral_id), "invitation_secret": secret}) == person_id
    for code, visibility in ((SHARED[0], "matching"), (PRIVATE, "private"), (SHARED[1], "matching")):
        me.intake.share_person_experience({"person_id": person_id, "experience": code, "visibility": visibility})
    request_id = me.intake.request_support({"person_id": person_id})

    # Matching's projection: the peer shares every item, so what both share is all matching holds.
    wait_until(lambda: shared_items(me, person_id, peer_id) == [sorted(SHARED)], timeout=10,
               message="matching offering the peer with exactly the two items")
    offers = me.matching.my_offers(person_id)
    assert offers["request_id"] == str(request_id)
    assert PRIVATE not in json.dumps(offers) and "involuntary hospitalization" not in json.dumps(offers)

    started = time.monotonic()
    me.intake.withdraw_person_experience({"person_id": person_id, "experience": SHARED[1]})
    wait_until(lambda: shared_items(me, person_id, peer_id) == [[SHARED[0]]], timeout=1.0, interval=0.01,
               message="the withdrawal reaching matching")
    assert time.monotonic() - started < 1.0

    shown = admin.intake.disclose_person({"person_id": person_id, "audience": "referring_agency"})
    assert shown["fields"] == {"display_name": NAME}
    record = me.intake.person_record(person_id)
    assert record["details"]["display_name"] == NAME and record["details"]["contact"] == CONTACT
    assert record["referral_id"] == referral_id
    assert sorted((e["experience"], e["visibility"]) for e in record["experiences"]) == [
        (SHARED[0], "matching"), (PRIVATE, "private")]
    assert [(r["request_id"], r["status"]) for r in record["support_requests"]] == [(request_id, "open")]
    assert [d["to"]["organization_id"] for d in record["disclosures"]] == [ORG]
    assert record["what_matching_may_use"]["shared_for_matching"] == [SHARED[0]]

    me.intake.forget_me({"person_id": person_id})
    wait_until(lambda: me.matching.my_offers(person_id)["offers"] == [], timeout=5,
               message="matching dropping the forgotten person")
    # (1) every service's reads for the person: "forgotten" or nothing.
    forgotten = me.intake.person_record(person_id)
    assert forgotten["details"]["display_name"] == FORGOTTEN and forgotten["details"]["contact"] == FORGOTTEN
    assert forgotten["details"]["region"] == FORGOTTEN
    assert NAME not in json.dumps(forgotten) and CONTACT not in json.dumps(forgotten)
    assert me.matching.my_offers(person_id)["request_id"] is None
    assert me.matching.my_connections(person_id)["items"] == []
    system = rpc("system")
    with pytest.raises(NotFound):
        system.directory.workforce_record(person_id)
    auditor = rpc("state_auditor", user_id="auditor-example")
    wait_until(lambda: system.audit.history({"subject_id": person_id, "type": "PersonForgotten"})["entries"],
               timeout=5, message="audit recording the forgetting")
    auditor.audit.open_break_glass({"person_id": person_id, "reason": "legal_request", "reference": "LR-EX-1"})
    fields = auditor.audit.personal_fields({"person_id": person_id})["fields"]
    assert fields and {f["value"] for f in fields} == {FORGOTTEN}
    network.stop()

    # (2) the stores themselves, read back from disk or PostgreSQL.
    if store_env["PEERNET_STORE"] == "sqlite":
        files = [p for p in Path(store_env["PEERNET_VAR_DIR"]).rglob("*") if p.name.endswith((".sqlite", "-wal"))]
        assert any(p.name.startswith("intake") for p in files)
        for path in files:
            raw = path.read_bytes()
            for secret in (NAME, CONTACT, REGION, *SHARED, PRIVATE):
                assert secret.encode() not in raw, (path.name, secret)
    else:
        assert not rows_holding(config.Postgres.from_env(), (NAME, CONTACT, REGION, *SHARED, PRIVATE))
    for service in config.SERVICES:
        app = application_for(service)
        try:
            text = json.dumps(stored_events(app), default=str)
        finally:
            app.close()
        for secret in (NAME, CONTACT, REGION):
            assert secret not in text, service
        mine = [t for t in tokens(json.loads(text)) if f":{person_id}:" in t]
        assert all(vault.open(t) == FORGOTTEN for t in mine), service
        if service in ("intake", "matching"):
            assert mine, service  # the history is intact, only sealed
