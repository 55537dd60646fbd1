"""Notifications as set up (services.notifications.setup), fed upstream events as the bus brings
them, sending to a real SMTP server (aiosmtpd) and a real webhook receiver in the test."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from services.notifications.domain import Recipient
from services.notifications.setup import setup
from services.notifications.tests.support import SmtpSink, WebhookReceiver
from shared import contracts
from shared.crypto import FORGOTTEN
from shared.errors import InvalidInput
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

START = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in New York
SYSTEM = Caller.system("notifications")


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now


class World:
    def __init__(self, app, clock):
        self.app, self.clock = app, clock
        self.positions: dict[str, int] = {}

    def send(self, source, type_, body, actor=None):
        self.positions[source] = self.positions.get(source, 0) + 1
        actor = actor or {"user_id": f"service:{source}", "role": "system", "organization_id": None,
                          "correlation_id": "c"}
        built = contracts.build(source=source, position=self.positions[source], type_=type_,
                                occurred_at=self.clock().isoformat(), actor=actor, subject_id="x", body=body)
        assert self.app.process_upstream(contracts.parse(built.as_message()))

    def chose(self, person, peer, deadline_hours=72):
        choice = str(uuid.uuid4())
        self.send("matching", "PeerAsked", {"person_id": person, "choice_id": choice, "peer_worker_id": peer,
                                            "deadline": (self.clock() + timedelta(hours=deadline_hours)).isoformat()},
                  actor={"user_id": person, "role": "person", "organization_id": None, "correlation_id": "c"})
        return choice

    def deliver(self, at=None):
        return self.app.perform("deliver_due", SYSTEM, (at or self.clock()).isoformat())


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def world(app_factory, smtp, clock):
    env = {**smtp.env(), "PEERNET_NOTIFY_RETRY_SECONDS": "10", "PEERNET_NOTIFY_PROGRAM": "Connect",
           "PEERNET_NOTIFY_WEBHOOK_PRIVATE": "yes",  # the test's receiver is on loopback
           "PEERNET_SMTP_FROM": "no-reply@example.org"}
    return World(app_factory(lambda vault, e: setup(vault, e, clock), env=env), clock)


def user(role="person"):
    return Caller(user_id=str(uuid.uuid4()), role=role)


def email_me(world, who: Caller, address="robin.synthetic@example.org", **more):
    return world.app.perform("set_preferences", who, {"channels": ["email"], "email": address, **more})


def test_a_peer_chosen_is_emailed_discreetly_once_and_reads_it_in_the_feed(world, smtp):
    peer, person = user("peer"), user()
    assert email_me(world, peer, language="es")["email_given"] is True
    world.chose(person.user_id, peer.user_id)
    assert world.deliver() == {"reminders": 0, "sent": 1, "failed": 0, "deferred": 0, "cancelled": 0}
    assert world.deliver()["sent"] == 0  # recorded: not sent again
    [mail] = smtp.messages
    assert mail["To"] == "robin.synthetic@example.org" and mail["Subject"] == "Connect: algo espera su respuesta"
    assert mail["Message-ID"].endswith("@example.org>") and mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    feed = world.app.perform("my_notifications", peer, {})
    assert feed["unread"] == 1 and feed["items"][0]["kind"] == "chosen"
    assert world.app.perform("mark_read", peer, {"all": True}) == {"unread": 0}
    assert world.app.perform("my_notifications", peer, {"unread_only": True})["items"] == []
    assert world.app.perform("my_notifications", person, {})["items"] == []  # their own choice tells them nothing


def test_a_crash_between_sending_and_recording_resends_with_the_same_message_id(world, smtp, monkeypatch):
    peer = user("peer")
    email_me(world, peer)
    world.chose(user().user_id, peer.user_id)
    save = world.app.save

    def crash(*aggregates, **kwargs):
        raise SystemExit("killed after sending")

    monkeypatch.setattr(world.app, "save", crash)
    with pytest.raises(SystemExit):
        world.deliver()
    monkeypatch.setattr(world.app, "save", save)
    assert world.deliver()["sent"] == 1
    assert world.deliver()["sent"] == 0
    assert len(smtp.messages) == 2 and len({m["Message-ID"] for m in smtp.messages}) == 1


def test_one_click_unsubscribe_stops_that_channel(world, smtp):
    peer = user("peer")
    email_me(world, peer)
    world.chose(user().user_id, peer.user_id)
    world.deliver()
    link = smtp.messages[0]["List-Unsubscribe"].strip("<>")
    assert world.app.perform("unsubscribe", SYSTEM, link.rpartition("/")[2]) == {"unsubscribed": "email"}
    assert world.app.perform("my_preferences", peer)["channels"] == []
    world.chose(user().user_id, peer.user_id)
    assert world.deliver()["sent"] == 0 and len(smtp.messages) == 1
    assert world.app.perform("my_notifications", peer, {})["unread"] == 2  # the feed still has it
    with pytest.raises(InvalidInput) as refused:
        world.app.perform("unsubscribe", SYSTEM, link.rpartition("/")[2][:-3] + "abc")
    assert "token" in refused.value.field_errors


def test_quiet_hours_hold_an_email_until_they_end(world, smtp, clock):
    peer = user("peer")
    email_me(world, peer, quiet_hours={"start": "09:00", "end": "17:00"})  # 10:00 in New York now
    world.chose(user().user_id, peer.user_id)
    assert world.deliver()["deferred"] == 1 and smtp.messages == []
    assert world.deliver(START + timedelta(hours=1))["sent"] == 0
    assert world.deliver(START + timedelta(hours=7, minutes=1))["sent"] == 1  # 17:01 there


def test_a_forgotten_person_receives_nothing_and_their_address_is_unreadable(world, smtp, vault):
    person, peer = user(), user("peer")
    email_me(world, person, address="forget.me.synthetic@example.org")
    choice = world.chose(person.user_id, peer.user_id)
    world.send("matching", "ChoiceAccepted", {"person_id": person.user_id, "choice_id": choice})
    token = world.app.repository.get(Recipient.create_id(person.user_id)).address
    world.send("intake", "PersonForgotten", {"person_id": person.user_id})
    assert world.deliver()["cancelled"] == 1 and smtp.messages == []
    assert vault.open(token) == FORGOTTEN
    world.send("matching", "PersonToldChoiceLapsed", {"person_id": person.user_id, "choice_id": choice})
    assert world.deliver()["sent"] == 0 and smtp.messages == []
    assert world.app.perform("my_notifications", person, {})["items"] == []


def test_revoked_consent_stops_sending_until_it_is_granted_again(world, smtp):
    person = user()
    email_me(world, person)
    world.send("intake", "PersonConsentRevoked", {"person_id": person.user_id})
    world.send("matching", "ChoiceAccepted", {"person_id": person.user_id, "choice_id": "c1"})
    assert world.deliver()["sent"] == 0
    world.send("intake", "PersonConsentGranted", {"person_id": person.user_id, "matching": None})
    world.send("matching", "ChoiceAccepted", {"person_id": person.user_id, "choice_id": "c2"})
    assert world.deliver()["sent"] == 1 and len(smtp.messages) == 1


def test_an_address_left_out_is_kept_and_removing_it_destroys_its_key(world, vault):
    person = user()
    email_me(world, person)
    token = world.app.repository.get(Recipient.create_id(person.user_id)).address
    assert vault.open(token) == "robin.synthetic@example.org"
    kept = world.app.perform("set_preferences", person, {"channels": ["email"], "language": "es"})
    assert kept["email_given"] is True and kept["language"] == "es" and vault.open(token) != FORGOTTEN
    assert world.app.perform("set_preferences", person, {"channels": [], "email": None})["email_given"] is False
    assert vault.open(token) == FORGOTTEN
    email_me(world, person, address="new.synthetic@example.org")
    email_me(world, person, address="newer.synthetic@example.org")  # the one before is shredded too
    assert [vault.open(t) for t in tokens_given(world, person)] == [
        FORGOTTEN, FORGOTTEN, "newer.synthetic@example.org"]


def tokens_given(world, who) -> list[str]:
    events = world.app.repository.event_store.get(Recipient.create_id(who.user_id))
    return [event.address for event in events if type(event).__name__ == "AddressGiven"]


def test_bad_preferences_name_the_field_and_store_nothing(world):
    person = user()
    before = world.app.max_position()
    for payload, field in (({"channels": ["email"]}, "email"), ({"channels": ["sms"]}, "channels"),
                           ({"channels": [], "timezone": "Mars/Olympus"}, "timezone"),
                           ({"channels": [], "quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
                           ({"channels": ["email"], "email": "not an address"}, "email")):
        with pytest.raises(InvalidInput) as refused:
            world.app.perform("set_preferences", person, payload)
        assert field in refused.value.field_errors
    assert world.app.max_position() == before


def test_the_peer_is_reminded_before_the_deadline_unless_they_answered(world, smtp):
    peer = user("peer")
    email_me(world, peer)
    world.chose(user().user_id, peer.user_id, deadline_hours=72)
    answered = world.chose(user().user_id, peer.user_id, deadline_hours=72)
    world.send("matching", "ChoiceAccepted", {"person_id": str(uuid.uuid4()), "choice_id": answered})
    world.deliver()
    assert world.deliver(START + timedelta(hours=47))["reminders"] == 0
    assert world.deliver(START + timedelta(hours=49))["reminders"] == 1  # 24 hours before (the default)
    kinds = [e["kind"] for e in world.app.perform("my_notifications", peer, {})["items"]]
    assert kinds == ["answer_due", "chosen", "chosen"]
    assert world.deliver(START + timedelta(hours=50))["reminders"] == 0


def test_a_credential_is_reminded_60_30_and_7_days_before_it_expires(world):
    peer = user("peer")
    credential(world, peer.user_id, "cred-1", "recovery_coach", (START + timedelta(days=90)).date().isoformat())
    fired = [world.deliver(START + timedelta(days=day))["reminders"] for day in (29, 31, 61, 84, 89)]
    assert fired == [0, 1, 1, 1, 0]


def test_an_organization_webhook_is_signed_retried_with_one_id_and_logged(world, clock):
    organization = "org-hilltown"
    admin = Caller(user_id="admin-1", role="agency_admin", organization_id=organization)
    with WebhookReceiver(statuses=[500]) as receiver:
        secret = world.app.perform("set_webhook", admin, {"url": receiver.url})["secret"]
        world.send("directory", "SupervisionAgreementProposed", {
            "agreement_id": str(uuid.uuid4()), "supervised_organization_id": "org-other",
            "supervising_organization_id": organization, "peer_worker_ids": [], "hours_per_month": 4,
            "start": "2026-12-01", "end": "2027-11-30", "cost": "300.00", "supervisor_id": None},
            actor={"user_id": "admin-2", "role": "agency_admin", "organization_id": "org-other",
                   "correlation_id": "c"})
        assert world.deliver()["failed"] == 1
        assert world.deliver(START + timedelta(seconds=5))["sent"] == 0  # waits out its backoff
        assert world.deliver(START + timedelta(seconds=11))["sent"] == 1
    assert len(receiver.received) == 2
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert len(ids) == 1
    for headers, body in receiver.received:
        Webhook(secret).verify(body, headers)  # raises if the signature does not hold
    assert receiver.payloads()[0]["type"] == "notification.action"
    log = world.app.perform("webhook_deliveries", admin, {})["items"]
    assert [entry["webhook_id"] for entry in log] == list(ids)
    assert [a["outcome"] for a in log[0]["attempts"]] == ["failed: HTTP 500", "ok"]
    other = Caller(user_id="admin-3", role="agency_admin", organization_id="org-other")
    assert world.app.perform("webhook_deliveries", other, {})["items"] == []
    assert world.app.perform("my_notifications", admin, {})["items"][0]["kind"] == "agreement_to_accept"


def test_offers_are_told_only_for_a_request_on_the_waitlist_and_once(world):
    person = user()
    request = {"person_id": person.user_id, "request_id": "r1", "peer_worker_ids": ["p1"], "relaxed": []}
    world.send("matching", "OffersMade", request)  # what the person just asked for: nothing new to tell
    world.send("matching", "PersonWaitlisted", {"person_id": person.user_id, "request_id": "r1"})
    world.send("matching", "OffersMade", request)  # a place freed: told
    world.send("matching", "OffersMade", request)  # offered again for the same request: told once
    kinds = [entry["kind"] for entry in world.app.perform("my_notifications", person, {})["items"]]
    assert kinds == ["offers_made"]


def credential(world, peer, credential_id, kind, expires):
    world.send("directory", "CredentialRecorded", {
        "peer_worker_id": peer, "credential_id": credential_id, "kind": kind, "state": "MA", "number": None,
        "issued": "2026-01-01", "expires": expires})


def test_a_renewed_credential_moves_its_reminders_and_the_old_ones_expiry_cancels_nothing(world):
    peer = user("peer").user_id
    credential(world, peer, "old", "recovery_coach", (START + timedelta(days=40)).date().isoformat())
    credential(world, peer, "new", "recovery_coach", (START + timedelta(days=400)).date().isoformat())
    world.send("directory", "CredentialExpired", {"peer_worker_id": peer, "credential_id": "old",
                                                  "kind": "recovery_coach", "expired_on": "2027-01-16",
                                                  "blocks_offers": False})
    assert world.deliver(START + timedelta(days=39))["reminders"] == 0  # the old one's 30 and 7 days: gone
    assert world.deliver(START + timedelta(days=341))["reminders"] == 1  # the new one's 60 days


def test_certify_by_tells_the_peer_and_each_employer_until_they_are_certified(world):
    peer = user("peer").user_id
    certify_by = (START + timedelta(days=90)).date().isoformat()
    for employment, organization in (("e1", "org-a"), ("e2", "org-b")):
        world.send("directory", "EmploymentBegan", {
            "peer_worker_id": peer, "employment_id": employment, "organization_id": organization,
            "role_title": "Specialist", "hours_per_week": 20, "start": "2026-12-01", "end": None,
            "certify_by": certify_by})
    world.send("directory", "EmploymentEnded", {"peer_worker_id": peer, "employment_id": "e2",
                                                "organization_id": "org-b", "left_on": "2026-12-10"})
    assert world.deliver(START + timedelta(days=61))["reminders"] == 2  # the peer and org-a, 30 days before
    admin_a = Caller(user_id="admin-a", role="agency_admin", organization_id="org-a")
    admin_b = Caller(user_id="admin-b", role="agency_admin", organization_id="org-b")
    assert [e["kind"] for e in world.app.perform("my_notifications", admin_a, {})["items"]] == ["certify_by"]
    assert world.app.perform("my_notifications", admin_b, {})["items"] == []
    credential(world, peer, "cps", "certified_peer_specialist", None)
    assert world.deliver(START + timedelta(days=84))["reminders"] == 0  # certified: the 7 days' one is gone


def test_a_webhook_may_not_point_into_the_network_unless_allowed(app_factory, clock):
    app = app_factory(lambda vault, e: setup(vault, e, clock))  # the default: private addresses refused
    admin = Caller(user_id="admin-1", role="agency_admin", organization_id="org-1")
    for url in ("http://127.0.0.1:8101/health", "http://10.0.0.7/", "http://[::1]/", "http://no-such-host.invalid/"):
        with pytest.raises(InvalidInput) as refused:
            app.perform("set_webhook", admin, {"url": url})
        assert "url" in refused.value.field_errors, url
    assert app.max_position() == 0
