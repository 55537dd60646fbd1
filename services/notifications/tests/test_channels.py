"""The two ways out, against real servers: what a failure says names no address, a refused
address is final, and a webhook's signature is Standard Webhooks' own. Quiet hours, unit by unit."""
from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage

import requests
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook

from services.notifications import messages
from services.notifications.channels import Mailer, Outbox, mailer, post_webhook, sign
from services.notifications.domain import Recipient
from services.notifications.settings import Settings
from services.notifications.tests.support import SmtpSink, WebhookReceiver, free_port
from shared.tests.conftest import isolated_env  # noqa: F401

ACTOR = {"user_id": "u", "role": "person", "organization_id": None, "correlation_id": "c"}
ADDRESS = "kept.private.synthetic@example.org"


def mail(settings, to=ADDRESS):
    return messages.email("chosen", "en", settings, to, "msg_1", "http://127.0.0.1/u")


def test_a_lot_goes_over_one_smtp_session():
    with SmtpSink() as smtp:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port)
        mailer = Mailer(settings)
        assert [mailer.send(mail(settings)) for _ in range(3)] == ["ok"] * 3
        mailer.close()
    assert len(smtp.messages) == 3 and smtp.messages[0]["To"] == ADDRESS


def test_a_server_that_is_not_there_fails_in_words_naming_no_address():
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), send_timeout=2)
    outcome = Mailer(settings).send(mail(settings))
    assert outcome == "failed: ConnectionRefusedError" and ADDRESS not in outcome


class Refusing:
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 (aiosmtpd's name)
        return "550 no such mailbox"


def test_an_address_the_server_refuses_is_refused_for_good():
    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port)
        outcome = Mailer(settings).send(mail(settings))
    finally:
        controller.stop()
    assert outcome.startswith("refused") and ADDRESS not in outcome


def test_a_webhook_is_signed_as_standard_webhooks_says_and_failures_say_why():
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = datetime.now(timezone.utc)
    headers = sign(secret, "msg_abc", at, '{"a":1}')
    assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}
    assert headers["webhook-id"] == "msg_abc" and headers["webhook-timestamp"] == str(int(at.timestamp()))
    with WebhookReceiver(statuses=[410]) as hooks, requests.Session() as session:
        assert post_webhook(session, hooks.url, secret, "msg_abc", '{"a":1}', 5) == \
            "failed: a private or local address"  # not unless allowed, checked again at every send
        assert hooks.received == []
        assert post_webhook(session, hooks.url, secret, "msg_abc", '{"a":1}', 5, True) == "failed: HTTP 410"
        assert post_webhook(session, hooks.url, secret, "msg_abc", '{"a":1}', 5, True) == "ok"
    with requests.Session() as session:
        assert post_webhook(session, f"http://127.0.0.1:{free_port()}/", secret, "m", "{}", 2, True) == \
            "failed: ConnectionError"


def quiet(start, end, zone=None):
    recipient = Recipient(key="u", actor=ACTOR)
    recipient.set_preferences(["email"], "en", {"start": start, "end": end}, zone, ACTOR)
    return recipient


def test_quiet_hours_across_midnight_end_the_next_morning_in_the_users_zone():
    night = quiet("22:00", "07:00")  # New York, the default zone
    late = datetime(2026, 12, 8, 4, 30, tzinfo=timezone.utc)  # 23:30 there
    assert night.in_quiet_hours(late, "America/New_York") == datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc)
    early = datetime(2026, 12, 8, 11, 0, tzinfo=timezone.utc)  # 06:00 there
    assert night.in_quiet_hours(early, "America/New_York") == datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc)
    assert night.in_quiet_hours(datetime(2026, 12, 8, 15, 0, tzinfo=timezone.utc), "America/New_York") is None
    madrid = quiet("22:00", "07:00", "Europe/Madrid")
    assert madrid.in_quiet_hours(late, "America/New_York") == datetime(2026, 12, 8, 6, 0, tzinfo=timezone.utc)
    assert madrid.in_quiet_hours(datetime(2026, 12, 8, 15, 0, tzinfo=timezone.utc), "America/New_York") is None


def test_without_an_smtp_server_each_email_is_kept_in_the_development_outbox(isolated_env):
    assert isinstance(mailer(Settings()), Outbox)
    message = EmailMessage()
    message["Message-ID"], message["Subject"] = "<n-1.abc@peernet.test>", "There is an update"
    message.set_content("Sign in to see it.")
    assert mailer(Settings()).send(message) == "ok"
    [kept] = (isolated_env / "mail").iterdir()
    assert kept.name == "n-1.abc_peernet.test.eml" and b"There is an update" in kept.read_bytes()
