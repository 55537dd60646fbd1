"""Notifications as resources: the caller's own feed (read and unread) and preferences, the
one-click unsubscribe link every email carries, an organization's webhook and its delivery log.

Notifications' access table (shared/contracts/commands/notifications.py) gives each route its
roles; a feed and preferences are always the caller's own (an agency admin's, their
organization's), so no path names a user. The unsubscribe link is public: its signed token is
the proof, and the gateway passes it on as itself (RFC 8058: one POST, no sign-in, any body)."""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway.app import Call, Route
from services.gateway.schemas import body_of
from shared.contracts.commands import notifications
from shared.contracts.commands.notifications import OPERATIONS as NOTIFICATIONS
from shared.identity import Caller

GATEWAY = Caller.system("gateway")
PreferencesInput = body_of(notifications.Preferences)
MarkReadInput = body_of(notifications.MarkRead)
WebhookInput = body_of(notifications.SetWebhook, "organization_id")
FeedQuery = body_of(notifications.Feed)


class DeliveriesQuery(Schema):
    limit = notifications.Deliveries._declared_fields["limit"]


class OrganizationPath(Schema):
    organization_id = fields.String(required=True)


class UnsubscribePath(Schema):
    token = fields.String(required=True)


class NotificationEntry(Schema):
    notification_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "what it is about, for the pages to word"})
    at = fields.String(required=True)
    about = fields.Dict(required=True, metadata={"description": "the ids it concerns (a choice, a session...)"})
    read = fields.Boolean(required=True)


class FeedPage(Schema):
    items = fields.List(fields.Nested(NotificationEntry), required=True)
    unread = fields.Integer(required=True)


class Unread(Schema):
    unread = fields.Integer(required=True)


class QuietHoursAnswer(Schema):
    start = fields.String(required=True)
    end = fields.String(required=True)


class PreferencesAnswer(Schema):
    channels = fields.List(fields.String(), required=True)
    email_given = fields.Boolean(required=True, metadata={
        "description": "whether an address is kept (sealed; never shown again, opened only to send)"})
    language = fields.String(required=True)
    quiet_hours = fields.Nested(QuietHoursAnswer, allow_none=True, required=True)
    timezone = fields.String(allow_none=True, required=True)
    webhook_url = fields.String(allow_none=True, required=True)


class Unsubscribed(Schema):
    unsubscribed = fields.String(required=True)


class WebhookAnswer(Schema):
    organization_id = fields.String(required=True)
    url = fields.String(required=True)
    secret = fields.String(required=True, metadata={
        "description": "the signing secret (whsec_...), shown this once; setting the webhook again makes a new one"})


class DeliveryAttempt(Schema):
    at = fields.String(allow_none=True, required=True)
    outcome = fields.String(required=True)


class WebhookDelivery(Schema):
    delivery_id = fields.String(required=True)
    webhook_id = fields.String(required=True, metadata={"description": "the webhook-id header, the same every try"})
    notification_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, sent, failed or cancelled"})
    attempts = fields.List(fields.Nested(DeliveryAttempt), required=True)


class DeliveryLog(Schema):
    organization_id = fields.String(required=True)
    items = fields.List(fields.Nested(WebhookDelivery), required=True)


def my_notifications(call: Call):
    return call.rpc("notifications", "my_notifications", FeedQuery().dump(call.query))


def mark_read(call: Call):
    return call.rpc("notifications", "mark_read", call.raw_body)


def my_preferences(call: Call):
    return call.rpc("notifications", "my_preferences")


def set_preferences(call: Call):
    return call.rpc("notifications", "set_preferences", call.raw_body)


def unsubscribe(call: Call):
    return call.backend.call("notifications", "unsubscribe", call.path["token"], caller=GATEWAY)


def set_webhook(call: Call):
    return call.rpc("notifications", "set_webhook", {**call.raw_body, "organization_id": call.path["organization_id"]})


def webhook_deliveries(call: Call):
    return call.rpc("notifications", "webhook_deliveries",
                    {**DeliveriesQuery().dump(call.query), "organization_id": call.path["organization_id"]})


TAG = "notifications"
ROUTES = [
    Route("GET", "/me/notifications", "listMyNotifications", "List my notifications", TAG, my_notifications,
          NOTIFICATIONS["my_notifications"], query_schema=FeedQuery, response=FeedPage,
          description="Newest first, with how many are unread. An agency admin sees their organization's."),
    Route("POST", "/me/notification-reads", "markNotificationsRead", "Mark notifications read", TAG, mark_read,
          NOTIFICATIONS["mark_read"], body=MarkReadInput, response=Unread,
          description="The ones named, or all (`all: true`)."),
    Route("GET", "/me/notification-preferences", "readNotificationPreferences", "Read my notification preferences",
          TAG, my_preferences, NOTIFICATIONS["my_preferences"], response=PreferencesAnswer),
    Route("POST", "/me/notification-preferences", "setNotificationPreferences", "Set my notification preferences",
          TAG, set_preferences, NOTIFICATIONS["set_preferences"], body=PreferencesInput, response=PreferencesAnswer,
          description="Channels, the email address (sealed at once; null removes it for good), language (en or "
                      "es), quiet hours (HH:MM to HH:MM in `timezone`). Every message says only that there is an "
                      "update and where to sign in."),
    Route("POST", "/notification-unsubscribes/<token>", "unsubscribe", "Unsubscribe in one step", TAG, unsubscribe,
          None, path_schema=UnsubscribePath, response=Unsubscribed,
          description="The List-Unsubscribe address of every email (RFC 8058): one POST, no sign-in, any body."),
    Route("POST", "/organizations/<organization_id>/webhooks", "setWebhook", "Set my organization's webhook", TAG,
          set_webhook, NOTIFICATIONS["set_webhook"], path_schema=OrganizationPath, body=WebhookInput,
          response=WebhookAnswer,
          description="Notifications for the organization are POSTed there, signed as Standard Webhooks says "
                      "(webhook-id, webhook-timestamp, webhook-signature), retried with backoff."),
    Route("GET", "/organizations/<organization_id>/webhook-deliveries", "listWebhookDeliveries",
          "List my organization's webhook deliveries", TAG, webhook_deliveries, NOTIFICATIONS["webhook_deliveries"],
          path_schema=OrganizationPath, query_schema=DeliveriesQuery, response=DeliveryLog,
          description="Newest first: each delivery's webhook-id, status and every try's time and outcome."),
]
