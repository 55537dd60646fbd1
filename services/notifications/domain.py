"""Notifications' aggregates: plain Python, no broker, no nameko, no SMTP.

- Recipient: one user (a person, a peer worker, a supervisor) or one organization: their feed
  (read and unread), the channels they chose, language, quiet hours, the contact address they
  gave (sealed under a key of its own, so removing it or forgetting the person shreds it), an
  organization's webhook endpoint, and whether anything may be sent at all (consent, forgotten).
- Delivery: one notification by one channel. Its id is derived from the notification and the
  channel, and is the message's stable id outside (the email's Message-ID, the webhook-id):
  a send that was not recorded is sent again with the same id.
- Reminder: something that falls due later (a peer's deadline to answer, a credential's
  expiry, a certify-by deadline): scheduled, then fired or cancelled.
- Pair: the two sides of a connection, so its ending can tell the other side.
- Waiting: a person's request on the waitlist, so that offers made for it later are told once.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

CHANNELS = ("email", "webhook")
# What each kind of notification is, outside peernet: only one of these words ever leaves.
CATEGORIES = {
    "offers_made": "update",          # a waitlisted request offered peers at last
    "choice_accepted": "update",
    "choice_declined": "update",
    "choice_lapsed": "update",
    "chosen": "action",               # a person chose this peer worker
    "answer_due": "reminder",         # before the peer worker's deadline to answer
    "connection_ended": "update",
    "supervision_offered": "action",
    "session_to_confirm": "action",
    "agreement_to_accept": "action",
    "credential_expiring": "reminder",
    "certify_by": "reminder",
    "supervision_overdue": "reminder",
}
KINDS = tuple(CATEGORIES)
FEED_KEPT = 500  # a feed keeps the newest this many


def derived_id(kind: str, key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"peernet:notifications:{kind}:{key}")


def organization_key(organization_id: str) -> str:
    return f"organization:{organization_id}"


class Recipient(Aggregate):
    @event("Opened")
    def __init__(self, key: str, actor: dict):
        self.key = key  # a user id, or organization:<id>
        self.feed: list[dict] = []
        self.channels: list[str] = []
        self.language = "en"
        self.quiet_hours: dict | None = None  # {"start": "22:00", "end": "07:00"}
        self.timezone: str | None = None
        self.address: str | None = None          # sealed token
        self.address_subject: str | None = None  # the vault key it is sealed under
        self.webhook: dict | None = None         # {"url", "secret": sealed token, "subject"}
        self.silenced = False                    # consent revoked or lapsed
        self.forgotten = False

    @staticmethod
    def create_id(key: str, **_) -> UUID:
        return derived_id("recipient", key)

    @property
    def organization(self) -> bool:
        return self.key.startswith("organization:")

    @property
    def may_receive(self) -> bool:
        return not (self.forgotten or self.silenced)

    def channels_open(self) -> list[str]:
        """The channels a notification goes out by now."""
        if not self.may_receive:
            return []
        open_ = [c for c in self.channels if c == "email" and self.address]
        if self.webhook is not None:
            open_.append("webhook")
        return open_

    @event("Notified")
    def notify(self, notification_id: str, kind: str, at: str, about: dict, actor: dict):
        self.feed.append({"notification_id": notification_id, "kind": kind, "at": at, "about": about,
                          "read": False})
        del self.feed[:-FEED_KEPT]

    @event("Read")
    def read(self, notification_ids: list[str], actor: dict):
        wanted = set(notification_ids)
        for entry in self.feed:
            if entry["notification_id"] in wanted:
                entry["read"] = True

    @event("PreferencesSet")
    def set_preferences(self, channels: list[str], language: str, quiet_hours: dict | None,
                        timezone: str | None, actor: dict):
        self.channels, self.language, self.quiet_hours, self.timezone = channels, language, quiet_hours, timezone

    @event("AddressGiven")
    def give_address(self, address: str, subject: str, actor: dict):
        self.address, self.address_subject = address, subject

    @event("AddressRemoved")
    def remove_address(self, actor: dict):
        """The vault key the address was sealed under is destroyed by whoever calls this."""
        self.address = self.address_subject = None

    @event("Unsubscribed")
    def unsubscribe(self, channel: str, actor: dict):
        if channel == "webhook":
            self.webhook = None
        else:
            self.channels = [c for c in self.channels if c != channel]

    @event("WebhookSet")
    def set_webhook(self, url: str, secret: str, subject: str, actor: dict):
        self.webhook = {"url": url, "secret": secret, "subject": subject}

    @event("Silenced")
    def silence(self, actor: dict):
        self.silenced = True

    @event("Allowed")
    def allow(self, actor: dict):
        self.silenced = False

    @event("Forgotten")
    def forget(self, actor: dict):
        """Nothing is kept to show or send: the feed goes, the address's key is destroyed by the caller."""
        self.forgotten = True
        self.feed, self.channels = [], []
        self.address = self.address_subject = self.webhook = None

    def in_quiet_hours(self, now: datetime, default_timezone: str) -> datetime | None:
        """When the quiet hours around `now` end, or None when it is not quiet now."""
        if not self.quiet_hours:
            return None
        zone = ZoneInfo(self.timezone or default_timezone)
        local = now.astimezone(zone)
        start, end = (time.fromisoformat(self.quiet_hours[k]) for k in ("start", "end"))
        clock = local.time()
        quiet = start <= clock < end if start <= end else (clock >= start or clock < end)
        if not quiet:
            return None
        ends = datetime.combine(local.date(), end, tzinfo=zone)
        if ends <= local:
            ends += timedelta(days=1)
        return ends


class Delivery(Aggregate):
    """One notification by one channel; `message_id` is what the receiver sees, the same every try."""

    @event("Planned")
    def __init__(self, notification_id: str, channel: str, recipient: str, kind: str, due: str, actor: dict):
        self.notification_id, self.channel, self.recipient, self.kind = notification_id, channel, recipient, kind
        self.due = due           # ISO time: not before
        self.status = "pending"  # pending, sent, failed (gave up), cancelled
        self.attempts: list[dict] = []

    @staticmethod
    def create_id(notification_id: str, channel: str, **_) -> UUID:
        return derived_id("delivery", f"{notification_id}:{channel}")

    @property
    def message_id(self) -> str:
        return f"msg_{self.id.hex}"

    # Each later event repeats what the delivery is, so its published form says it without the first.
    def sent(self, at: str, outcome: str, actor: dict):
        self._sent(self.notification_id, self.channel, at, outcome, actor)

    def failed(self, at: str, outcome: str, retry_at: str | None, actor: dict):
        self._failed(self.notification_id, self.channel, at, outcome, retry_at, actor)

    def defer(self, until: str, actor: dict):
        """Quiet hours: sent when they end."""
        self._deferred(self.notification_id, self.channel, until, actor)

    def cancel(self, reason: str, actor: dict):
        """Not sent at all: the receiver was forgotten, their consent ended, or they unsubscribed."""
        self._cancelled(self.notification_id, self.channel, reason, actor)

    @event("Sent")
    def _sent(self, notification_id: str, channel: str, at: str, outcome: str, actor: dict):
        self.status = "sent"
        self.attempts.append({"at": at, "outcome": outcome})

    @event("Failed")
    def _failed(self, notification_id: str, channel: str, at: str, outcome: str, retry_at: str | None,
                actor: dict):
        self.attempts.append({"at": at, "outcome": outcome})
        if retry_at is None:
            self.status = "failed"
        else:
            self.due = retry_at

    @event("Deferred")
    def _deferred(self, notification_id: str, channel: str, until: str, actor: dict):
        self.due = until

    @event("Cancelled")
    def _cancelled(self, notification_id: str, channel: str, reason: str, actor: dict):
        self.status = "cancelled"
        self.attempts.append({"at": None, "outcome": reason})


class Reminder(Aggregate):
    @event("Scheduled")
    def __init__(self, key: str, kind: str, recipients: list[str], due: str, about: dict, actor: dict):
        self.key, self.kind, self.recipients, self.due, self.about = key, kind, recipients, due, about
        self.status = "scheduled"

    @staticmethod
    def create_id(key: str, **_) -> UUID:
        return derived_id("reminder", key)

    def reschedule(self, due: str, recipients: list[str], about: dict, actor: dict):
        self._rescheduled(self.kind, due, recipients, about, actor)

    def fire(self, actor: dict):
        self._fired(self.kind, actor)

    def cancel(self, actor: dict):
        self._cancelled(self.kind, actor)

    @event("Rescheduled")
    def _rescheduled(self, kind: str, due: str, recipients: list[str], about: dict, actor: dict):
        self.due, self.recipients, self.about, self.status = due, recipients, about, "scheduled"

    @event("Fired")
    def _fired(self, kind: str, actor: dict):
        self.status = "fired"

    @event("Cancelled")
    def _cancelled(self, kind: str, actor: dict):
        self.status = "cancelled"


class Pair(Aggregate):
    @event("Connected")
    def __init__(self, connection_id: str, person_id: str, peer_worker_id: str, actor: dict):
        self.person_id, self.peer_worker_id = person_id, peer_worker_id

    @staticmethod
    def create_id(connection_id: str, **_) -> UUID:
        return derived_id("pair", connection_id)


class Waiting(Aggregate):
    @event("Joined")
    def __init__(self, request_id: str, person_id: str, actor: dict):
        self.request_id, self.person_id = request_id, person_id
        self.offered = False

    @staticmethod
    def create_id(request_id: str, **_) -> UUID:
        return derived_id("waiting", request_id)

    def offer(self, actor: dict):
        self._offered(self.request_id, actor)

    @event("Offered")
    def _offered(self, request_id: str, actor: dict):
        self.offered = True
