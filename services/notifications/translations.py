"""Stored event -> integration event (contracts in shared/contracts/notifications.py).

Only pseudonymous ids and kinds leave: a sealed address, an endpoint or a secret never does."""
from services.notifications.domain import Delivery, Pair, Recipient, Reminder, Waiting


def _changed(change):
    return lambda event: ("RecipientChanged", {"recipient_id": str(event.originator_id), "change": change})


def _notified(event: Recipient.Notified):
    return "NotificationMade", {"recipient_id": str(event.originator_id), "notification_id": event.notification_id,
                                "kind": event.kind}


def _read(event: Recipient.Read):
    return "NotificationsRead", {"recipient_id": str(event.originator_id), "notification_ids": event.notification_ids}


def _delivery(status):
    def translate(event):
        return "DeliveryChanged", {"delivery_id": event.originator_id, "notification_id": event.notification_id,
                                   "channel": event.channel, "status": status(event) if callable(status) else status}
    return translate


def _reminder(status):
    return lambda event: ("ReminderChanged", {"reminder_id": event.originator_id,
                                              "kind": event.kind,
                                              "status": status})


def _pair(event: Pair.Connected):
    return "ConnectionNoted", {"connection_id": event.connection_id}


def _waiting(status):
    return lambda event: ("WaitlistNoted", {"request_id": event.request_id, "status": status})


TRANSLATIONS = {
    Recipient.Opened: _changed("opened"),
    Recipient.Notified: _notified,
    Recipient.Read: _read,
    Recipient.PreferencesSet: _changed("preferences"),
    Recipient.AddressGiven: _changed("address_given"),
    Recipient.AddressRemoved: _changed("address_removed"),
    Recipient.Unsubscribed: _changed("unsubscribed"),
    Recipient.WebhookSet: _changed("webhook"),
    Recipient.Silenced: _changed("silenced"),
    Recipient.Allowed: _changed("allowed"),
    Recipient.Forgotten: _changed("forgotten"),
    Delivery.Planned: _delivery("planned"),
    Delivery.Sent: _delivery("sent"),
    Delivery.Failed: _delivery(lambda event: "retrying" if event.retry_at else "failed"),
    Delivery.Deferred: _delivery("deferred"),
    Delivery.Cancelled: _delivery("cancelled"),
    Reminder.Scheduled: _reminder("scheduled"),
    Reminder.Rescheduled: _reminder("scheduled"),
    Reminder.Fired: _reminder("fired"),
    Reminder.Cancelled: _reminder("cancelled"),
    Pair.Connected: _pair,
    Waiting.Joined: _waiting("waiting"),
    Waiting.Offered: _waiting("offered"),
}
