"""What notifications publishes: that a notification was made, read, sent or not sent, and that
preferences changed. Pseudonymous ids only: never an address, an endpoint, a secret or a word
of what a notification is about beyond its kind."""
from marshmallow import Schema, fields, validate

from shared.contracts import contract

KINDS = ("offers_made", "choice_accepted", "choice_declined", "choice_lapsed", "chosen", "answer_due",
         "connection_ended", "supervision_offered", "session_to_confirm", "agreement_to_accept",
         "credential_expiring", "certify_by", "supervision_overdue")


class RecipientBody(Schema):
    recipient_id = fields.String(required=True)  # a user id, or organization:<id>


@contract("notifications", "RecipientChanged")
class RecipientChanged(RecipientBody):
    """Preferences, an address given or removed, a webhook, consent or forgetting: `change` says which."""

    change = fields.String(required=True, validate=validate.OneOf((
        "opened", "preferences", "address_given", "address_removed", "unsubscribed", "webhook", "silenced",
        "allowed", "forgotten")))


@contract("notifications", "NotificationMade")
class NotificationMade(RecipientBody):
    notification_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


@contract("notifications", "NotificationsRead")
class NotificationsRead(RecipientBody):
    notification_ids = fields.List(fields.String(), required=True)


@contract("notifications", "DeliveryChanged")
class DeliveryChanged(Schema):
    delivery_id = fields.UUID(required=True)
    notification_id = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(("email", "webhook")))
    status = fields.String(required=True, validate=validate.OneOf(
        ("planned", "sent", "failed", "retrying", "deferred", "cancelled")))


@contract("notifications", "ReminderChanged")
class ReminderChanged(Schema):
    reminder_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(required=True, validate=validate.OneOf(("scheduled", "fired", "cancelled")))


@contract("notifications", "ConnectionNoted")
class ConnectionNoted(Schema):
    connection_id = fields.String(required=True)


@contract("notifications", "WaitlistNoted")
class WaitlistNoted(Schema):
    request_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("waiting", "offered")))
