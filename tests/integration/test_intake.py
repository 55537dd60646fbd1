"""A person's path through intake, end to end over RPC and the real broker,
with SQLite and with PostgreSQL stores: a referral invitation, acceptance,
two items shared for matching and one kept private, a support request, a
withdrawal seen on the bus within a second, the person's export, and
"forget me" leaving no readable personal field in any store."""
from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from kombu import Connection, Exchange, Queue

from shared.crypto import FORGOTTEN, is_sealed
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.network import application_for

pytestmark = pytest.mark.integration

SERVICES = ("intake", "matching")
# Synthetic values unusual enough that finding one in clear anywhere means a leak.
NAME, CONTACT, REGION = "Jordan Sample (synthetic)", "jordan.synthetic@example.org", "Testshire County"
HOPES = "someone who has been through the hospital too"


class BusTap:
    """Our own queue on the network's exchange: sees what intake publishes."""

    def __init__(self, uri: str, exchange: str):
        self.messages: queue.Queue = queue.Queue()
        self.connection = Connection(uri)
        self.queue = Queue(f"tap-{uuid.uuid4().hex[:8]}", Exchange(exchange, type="topic", durable=True),
                           routing_key="intake.#", exclusive=True, auto_delete=True)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the tap did not start"

    def _run(self):
        with self.connection.Consumer(self.queue, callbacks=[self._on_message], accept=["json"]):
            self.ready.set()
            while not self.stopping.is_set():
                try:
                    self.connection.drain_events(timeout=0.2)
                except TimeoutError:
                    continue
                except OSError:
                    continue  # socket.timeout on older kombu

    def _on_message(self, body, message):
        self.messages.put(json.loads(body) if isinstance(body, (str, bytes)) else body)
        message.ack()

    def until(self, type_: str, timeout: float = 5.0) -> list[dict]:
        """Every message up to and including the next of `type_`."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(message)
            if message["type"] == type_:
                return seen
        raise AssertionError(f"no {type_} on the bus within {timeout}s; saw {[m['type'] for m in seen]}")

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        self.connection.release()


def tokens(value) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in tokens(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in tokens(v)]
    return [value] if is_sealed(value) else []


def enrollment(person_id, referral_id):
    return {"person_id": person_id, "referral_id": referral_id, "display_name": NAME, "contact": CONTACT,
            "region": REGION, "languages": ["es"], "modalities": ["phone", "group"], "agencies": ["org-hampden-1"],
            "consent": {"purpose": "peer_support",
                        "may_see": {"matching": ["region", "languages", "modalities", "agencies", "experiences"],
                                    "referring_agency": ["display_name"]},
                        "expires_at": (datetime.now(timezone.utc) + timedelta(days=90)).isoformat()}}


@pytest.fixture
def network_and_tap(store_env, network_factory, amqp_uri, monkeypatch):
    network = network_factory(store_env, services=SERVICES)
    tap = BusTap(amqp_uri, network.env["PEERNET_EXCHANGE"])
    network.start()
    for name, value in store_env.items():  # so this process opens the same stores and vault
        monkeypatch.setenv(name, str(value))
    yield network, tap
    tap.close()


def test_a_persons_path_end_to_end(network_and_tap, rpc):
    from shared.crypto import vault_from_env

    network, tap = network_and_tap
    vault = vault_from_env()
    person_id = str(uuid.uuid4())
    admin = rpc("agency_admin", organization_id="org-hampden-1")
    me = rpc("person", user_id=person_id)

    made = admin.intake.refer_person({"display_name": NAME, "contact": CONTACT})
    referral_id, secret = made["referral_id"], made["invitation_secret"]
    [invited] = tap.until("ReferralInvited")
    assert NAME not in json.dumps(invited) and CONTACT not in json.dumps(invited)

    assert me.intake.accept_referral({**enrollment(person_id, referral_id), "invitation_secret": secret}) == person_id
    for code, visibility in (("heard_voices", "matching"), ("involuntary_hospitalization", "private"),
                             ("immigrant_or_refugee", "matching")):
        me.intake.share_person_experience({"person_id": person_id, "experience": code, "visibility": visibility})
    request_id = me.intake.request_support({"person_id": person_id, "hopes": HOPES})
    published = tap.until("SupportRequested")
    assert [m["type"] for m in published] == [
        "PersonEnrolled", "ReferralAccepted", "PersonExperienceShared", "PersonPrivateExperienceKept",
        "PersonExperienceShared", "SupportRequested"]
    text = json.dumps(published)
    for secret in (NAME, CONTACT, REGION, HOPES, "involuntary_hospitalization"):
        assert secret not in text
    # What matching may hold: exactly the two items shared for matching.
    for_matching = {vault.open(m["body"]["experience"]) for m in published if m["type"] == "PersonExperienceShared"}
    assert for_matching == {"heard_voices", "immigrant_or_refugee"}
    assert vault.open(published[0]["body"]["matching"]["region"]) == REGION

    started = time.monotonic()
    me.intake.withdraw_person_experience({"person_id": person_id, "experience": "immigrant_or_refugee"})
    [withdrawn] = tap.until("PersonExperienceWithdrawn", timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert vault.open(withdrawn["body"]["experience"]) == "immigrant_or_refugee"

    shown = admin.intake.disclose_person({"person_id": person_id, "audience": "referring_agency"})
    assert shown["fields"] == {"display_name": NAME}
    record = me.intake.person_record(person_id)
    assert record["details"]["display_name"] == NAME and record["referral_id"] == referral_id
    assert sorted((e["experience"], e["visibility"]) for e in record["experiences"]) == [
        ("heard_voices", "matching"), ("involuntary_hospitalization", "private")]
    assert record["support_requests"][0] == {"request_id": request_id, "hopes": HOPES,
                                             "expires_at": published[-1]["body"]["expires_at"], "status": "open"}
    assert [d["to"]["organization_id"] for d in record["disclosures"]] == ["org-hampden-1"]
    assert record["what_matching_may_use"]["shared_for_matching"] == ["heard_voices"]

    me.intake.forget_me({"person_id": person_id})
    tap.until("PersonForgotten")
    assert me.intake.person_record(person_id)["details"]["region"] == FORGOTTEN
    for service in SERVICES:  # every store of the network, read back from disk or PostgreSQL
        app = application_for(service)
        stored = [vars(app.mapper.to_domain_event(n))
                  for n in app.recorder.select_notifications(start=1, limit=10_000)]
        text = json.dumps(stored, default=str)
        for secret in (NAME, CONTACT, REGION, HOPES):
            assert secret not in text, service
        mine = [t for t in tokens(json.loads(text)) if f":{person_id}:" in t]
        assert all(vault.open(t) == FORGOTTEN for t in mine)
        if service == "intake":
            assert len(mine) >= 9  # name, contact, region, language, agency, three items, hopes
    assert network.is_healthy("matching")  # person events did not upset a consumer that ignores them


def test_refusals_over_rpc_store_nothing_and_time_does_its_part(network_and_tap, rpc):
    network, tap = network_and_tap
    person_id = str(uuid.uuid4())
    me = rpc("person", user_id=person_id)
    system = rpc("system")
    before = system.intake.positions()["log"]
    with pytest.raises(InvalidInput) as refused:
        me.intake.enroll({**enrollment(person_id, None), "diagnosis": "F33.1"})
    assert "diagnosis" in refused.value.field_errors  # no diagnosis is asked or stored
    with pytest.raises(NotAllowed):
        rpc("person", user_id=str(uuid.uuid4())).intake.person_record(person_id)
    with pytest.raises(NotAllowed):
        rpc("peer").intake.enroll({})
    with pytest.raises(NotFound):
        me.intake.person_record(person_id)
    assert system.intake.positions()["log"] == before

    payload = enrollment(person_id, None)
    del payload["referral_id"]
    payload["consent"]["expires_at"] = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    me.intake.enroll(payload)
    tap.until("PersonEnrolled")
    lapsed = system.intake.expire_due((datetime.now(timezone.utc) + timedelta(days=3)).isoformat())
    assert lapsed == {"PersonConsentLapsed": 1}
    tap.until("PersonConsentLapsed")
    assert me.intake.person_record(person_id)["consent"]["status"] == "lapsed"
