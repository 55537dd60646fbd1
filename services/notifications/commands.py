"""Notifications' commands: read and unread, preferences, one-click unsubscribe, an
organization's webhook, and `deliver_due`, which the service's timer runs: it fires the
reminders that fell due and sends what may go now.

Each handler gets the command already admitted by the access table
(shared/contracts/commands/notifications.py) and, by keyword, what it needs: `store` (the
NotificationsApplication), `vault`, `settings`, `clock`, `links` (unsubscribe links). It stores
nothing when it refuses.

Sending, once as the receiver sees it: each delivery has a stable id (the webhook-id, the
email's Message-ID). A lot of sends is made first and recorded after, together: a crash between
the two sends that lot again, with the same ids, and never anything twice under two ids.
"""
from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime, timedelta

import requests
from eventsourcing.persistence import IntegrityError

from services.notifications import messages
from services.notifications.application import iso
from services.notifications.channels import Mailer, Outbox, mailer as mailer_for, post_webhook, private_address
from services.notifications.domain import Delivery, Recipient
from services.notifications.queries import key_of, preferences_of
from shared.crypto import FORGOTTEN
from shared.errors import Conflict, InvalidInput
from shared.identity import Caller

ATTEMPTS = 8


def _changing(store, key: str, caller: Caller, change) -> Recipient:
    """Read the recipient, change it, save; read again if an upstream event saved it meanwhile."""
    for _ in range(ATTEMPTS):
        recipient = store.recipient(key, caller.as_actor())
        if recipient.forgotten:
            raise Conflict("nothing is kept for you here any more")
        change(recipient)
        try:
            store.save(recipient)
            return recipient
        except IntegrityError:
            continue
    raise Conflict("your notifications changed while we saved: try again")


def mark_read(command: dict, caller: Caller, *, store) -> dict:
    if not command["all"] and not command["notification_ids"]:
        raise InvalidInput({"notification_ids": ["name the notifications read, or say all: true"]})
    wanted = None if command["all"] else {str(i) for i in command["notification_ids"]}

    def change(recipient: Recipient):
        unread = [e["notification_id"] for e in recipient.feed
                  if not e["read"] and (wanted is None or e["notification_id"] in wanted)]
        if unread:
            recipient.read(unread, caller.as_actor())

    recipient = _changing(store, key_of(caller), caller, change)
    return {"unread": sum(not entry["read"] for entry in recipient.feed)}


def set_preferences(command: dict, caller: Caller, *, store, vault) -> dict:
    key = key_of(caller)
    actor = caller.as_actor()
    made: list[str] = []  # vault keys made for an address this call; destroyed if the save never happens

    def change(recipient: Recipient):
        if command.get("email") is not None:
            subject = f"notifications-contact:{key}:{uuid.uuid4()}"  # a key of its own: removing it shreds it
            made.append(subject)
            recipient.give_address(vault.seal(subject, command["email"]), subject, actor)
        elif "email" in command and recipient.address is not None:
            recipient.remove_address(actor)
        if "email" in command["channels"] and recipient.address is None:
            raise InvalidInput({"email": ["give an email address to be sent email"]})
        preferences = (sorted(set(command["channels"])), command["language"], command["quiet_hours"],
                       command["timezone"])
        if preferences != (recipient.channels, recipient.language, recipient.quiet_hours, recipient.timezone):
            recipient.set_preferences(*preferences, actor)

    before = store.get(Recipient.create_id(key))
    old_subject = before.address_subject if before is not None else None
    try:
        recipient = _changing(store, key, caller, change)
    except Exception:
        for subject in made:
            vault.forget(subject)
        raise
    for subject in {*made, old_subject} - {recipient.address_subject, None}:  # every key but the one in use
        vault.forget(subject)
    return preferences_of(recipient)


def unsubscribe(command: dict, caller: Caller, *, store, links) -> dict:
    """One step, from the link in a message (RFC 8058): that channel stops, nothing else changes."""
    found = links.read(command["token"])
    if found is None:
        raise InvalidInput({"token": ["this unsubscribe link is not one of ours, or was changed"]})
    key, channel = found
    recipient = store.get(Recipient.create_id(key))
    if recipient is not None and not recipient.forgotten and (
            channel in recipient.channels or (channel == "webhook" and recipient.webhook)):
        _changing(store, key, caller, lambda r: r.unsubscribe(channel, caller.as_actor()))
    return {"unsubscribed": channel}


def set_webhook(command: dict, caller: Caller, *, store, vault, settings) -> dict:
    """The organization's endpoint; its signing secret is answered this once and kept sealed."""
    refused = None if settings.webhook_private else private_address(command["url"])
    if refused:
        raise InvalidInput({"url": [f"must reach the organization's own systems, not {refused}"]})
    key = f"organization:{command['organization_id']}"
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    subject = f"notifications-webhook:{command['organization_id']}:{uuid.uuid4()}"
    before = store.get(Recipient.create_id(key))
    old = before.webhook["subject"] if before is not None and before.webhook else None
    _changing(store, key, caller, lambda r: r.set_webhook(command["url"], vault.seal(subject, secret), subject,
                                                          caller.as_actor()))
    if old:
        vault.forget(old)
    return {"organization_id": command["organization_id"], "url": command["url"], "secret": secret}


# -- sending --------------------------------------------------------------------------------
def deliver_due(command: dict, caller: Caller, *, store, vault, settings, clock, links) -> dict:
    now = command["now"] or clock()
    actor = caller.as_actor()
    fired = sum(store.fire(reminder_id, now, actor)
                for reminder_id in store.due.reminders_due(iso(now), settings.batch))
    outcomes = {"sent": 0, "failed": 0, "deferred": 0, "cancelled": 0}
    lot: list[Delivery] = []
    mailer, web = mailer_for(settings), requests.Session()
    try:
        for delivery_id in store.due.deliveries_due(iso(now), settings.batch):
            delivery: Delivery = store.repository.get(delivery_id)
            if delivery.status != "pending":
                continue
            recipient: Recipient = store.repository.get(Recipient.create_id(delivery.recipient))
            outcomes[_attempt(delivery, recipient, now, actor, vault, settings, links, mailer, web)] += 1
            lot.append(delivery)
    finally:
        mailer.close()
        web.close()
    if lot:
        store.save(*lot)
    return {"reminders": fired, **outcomes}


def _attempt(delivery: Delivery, recipient: Recipient, now: datetime, actor, vault, settings, links,
             mailer: Mailer | Outbox, web) -> str:
    """Send one delivery if it may go now; what happened (the delivery records it)."""
    reason = _why_not(delivery, recipient)
    if reason:
        delivery.cancel(reason, actor)
        return "cancelled"
    quiet_until = recipient.in_quiet_hours(now, settings.timezone)
    if quiet_until is not None:
        delivery.defer(iso(quiet_until), actor)
        return "deferred"
    if delivery.channel == "email":
        address = vault.open(recipient.address)  # opened here, for this send only, never logged
        if address == FORGOTTEN:
            delivery.cancel("the address is gone", actor)
            return "cancelled"
        outcome = mailer.send(messages.email(delivery.kind, recipient.language, settings, address,
                                             delivery.message_id, links.unsubscribe(recipient.key, "email")))
        del address
    else:
        secret = vault.open(recipient.webhook["secret"])
        if secret == FORGOTTEN:
            delivery.cancel("the webhook's secret is gone", actor)
            return "cancelled"
        payload = messages.webhook_payload(delivery.kind, delivery.notification_id, delivery.due, settings)
        outcome = post_webhook(web, recipient.webhook["url"], secret, delivery.message_id, payload,
                               settings.send_timeout, settings.webhook_private)
    if outcome == "ok":
        delivery.sent(iso(now), outcome, actor)
        return "sent"
    tries = sum(1 for attempt in delivery.attempts if attempt["at"] is not None) + 1
    final = tries >= settings.attempts or outcome.startswith("refused")
    retry_at = None if final else iso(now + timedelta(seconds=settings.retry_seconds * 4 ** (tries - 1)))
    delivery.failed(iso(now), outcome, retry_at, actor)
    return "failed"


def _why_not(delivery: Delivery, recipient: Recipient) -> str | None:
    if recipient.forgotten:
        return "forgotten"
    if recipient.silenced:
        return "consent no longer allows it"
    if delivery.channel == "email" and ("email" not in recipient.channels or recipient.address is None):
        return "unsubscribed"
    if delivery.channel == "webhook" and recipient.webhook is None:
        return "no webhook"
    return None
