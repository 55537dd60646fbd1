"""What audit publishes: break-glass access to a person's personal fields.

The subject id of each event is the person's id, so the person's disclosure
log (intake) can follow these events. A reason is a code from a fixed list and
a reference (a request or investigation number), never free text.
"""
from marshmallow import Schema, fields, validate

from shared.contracts import contract

BREAK_GLASS_REASONS = (
    "legal_request",             # a court order or subpoena
    "complaint_investigation",   # a complaint made to the state
    "safety_investigation",      # a report of harm to investigate
    "data_subject_request",      # the person asked for their own record
)
Reference = lambda: fields.String(  # noqa: E731
    required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$"))


@contract("audit", "BreakGlassOpened")
class BreakGlassOpened(Schema):
    person_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(BREAK_GLASS_REASONS))
    reference = Reference()
    expires_at = fields.String(required=True)


@contract("audit", "PersonalDataRead")
class PersonalDataRead(Schema):
    """A state auditor read the person's personal fields under an open break-glass."""

    person_id = fields.UUID(required=True)
    fields_read = fields.List(fields.String(), required=True)
    reference = Reference()
