"""What notifications answers: a user's feed, their preferences (never their address: it is
opened only to send), and an organization's webhook delivery log.

Handlers as in commands.py. Whose feed is the caller's own: a user's, or an agency admin's
organization's."""
from __future__ import annotations

from services.notifications.domain import Recipient, organization_key
from shared.identity import Caller


def key_of(caller: Caller) -> str:
    return organization_key(caller.organization_id) if caller.role == "agency_admin" else caller.user_id


def my_notifications(command: dict, caller: Caller, *, store) -> dict:
    recipient: Recipient | None = store.get(Recipient.create_id(key_of(caller)))
    feed = [] if recipient is None else recipient.feed
    unread = sum(not entry["read"] for entry in feed)
    items = [entry for entry in reversed(feed) if not (command["unread_only"] and entry["read"])]
    return {"items": [dict(entry) for entry in items[:command["limit"]]], "unread": unread}


def preferences_of(recipient: Recipient | None) -> dict:
    if recipient is None:
        return {"channels": [], "email_given": False, "language": "en", "quiet_hours": None, "timezone": None,
                "webhook_url": None}
    return {"channels": list(recipient.channels), "email_given": recipient.address is not None,
            "language": recipient.language, "quiet_hours": recipient.quiet_hours, "timezone": recipient.timezone,
            "webhook_url": recipient.webhook["url"] if recipient.webhook else None}


def my_preferences(command: dict, caller: Caller, *, store) -> dict:
    return preferences_of(store.get(Recipient.create_id(key_of(caller))))


def webhook_deliveries(command: dict, caller: Caller, *, store) -> dict:
    """The organization's webhook deliveries, newest first: each try's time and outcome."""
    key = organization_key(command["organization_id"])
    ids = list(store.due.webhook_log.get(key, ()))[::-1][:command["limit"]]
    items = []
    for delivery_id in ids:
        delivery = store.repository.get(delivery_id)
        items.append({"delivery_id": str(delivery.id), "webhook_id": delivery.message_id,
                      "notification_id": delivery.notification_id, "status": delivery.status,
                      "attempts": list(delivery.attempts)})
    return {"organization_id": command["organization_id"], "items": items}
