"""Command and query inputs notifications accepts (marshmallow), and its access table.

A user's feed and preferences are always their own: the handler takes whose from the caller
(an agency admin's are their organization's), so no input names a user. An organization's
webhook is its admins' (`scope`)."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate, validates

from shared.contracts.commands import CommandSchema, ExpireDue
from shared.contracts.fields import Flag, Text
from shared.operations import Operation, Operations

USERS = ("person", "peer", "supervisor", "agency_admin")
LANGUAGES = ("en", "es")
USER_CHANNELS = ("email",)  # an organization's systems are reached by its webhook
Clock = lambda: fields.String(required=True, validate=validate.Regexp(  # noqa: E731
    r"^([01]\d|2[0-3]):[0-5]\d$", error="a time of day as HH:MM"))


class Feed(CommandSchema):
    unread_only = Flag(in_query=True, load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MarkRead(CommandSchema):
    notification_ids = fields.List(fields.UUID(), load_default=None, validate=validate.Length(min=1, max=500))
    all = Flag(load_default=False)


class QuietHours(CommandSchema):
    start = Clock()
    end = Clock()


class Preferences(CommandSchema):
    channels = fields.List(fields.String(validate=validate.OneOf(USER_CHANNELS)), required=True)
    # Given here, sealed at once under a key of its own; null removes it (and destroys that key);
    # left out, the address kept stays.
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))
    quiet_hours = fields.Nested(QuietHours, load_default=None, allow_none=True)
    timezone = Text(1, 64, load_default=None, allow_none=True)

    @validates("timezone")
    def known_zone(self, value, **_):
        if value is None:
            return
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError("an IANA time zone, such as America/New_York") from None


class Unsubscribe(CommandSchema):
    token = Text(10, 400, required=True)


class OrganizationCommand(CommandSchema):
    organization_id = Text(1, 100, load_default=None)


class SetWebhook(OrganizationCommand):
    url = fields.Url(required=True, schemes={"https", "http"}, require_tld=False,
                     validate=validate.Length(max=2000))


class Deliveries(OrganizationCommand):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


OPERATIONS = Operations("notifications", [
    Operation("my_notifications", (*USERS, "system"), Feed),
    Operation("mark_read", (*USERS, "system"), MarkRead),
    Operation("my_preferences", (*USERS, "system")),
    Operation("set_preferences", (*USERS, "system"), Preferences),
    # One step, from the link in a message: the gateway passes it on as the system, the token is the proof.
    Operation("unsubscribe", ("system",), Unsubscribe, args=("token",)),
    Operation("set_webhook", ("agency_admin", "system"), SetWebhook, scope="organization_id"),
    Operation("webhook_deliveries", ("agency_admin", "system"), Deliveries, scope="organization_id"),
    Operation("deliver_due", ("system",), ExpireDue, args=("now",)),
])
