"""What every service publishes when someone read personal data through it (shared/access.py).

The event's subject id is the person or peer worker read about, and its actor
the reader. Field names only, never their values.
"""
from marshmallow import Schema, fields, validate

from shared.contracts import contract

READING_SERVICES = ("intake", "directory", "matching", "supervision")
SUBJECT_KINDS = ("person", "peer_worker", "invitee")


class AccessRecorded(Schema):
    subject_id = fields.UUID(required=True)
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    via = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{1,60}$"))  # the call that answered
    fields_read = fields.List(fields.String(validate=validate.Regexp(r"^[a-z_.]{1,80}$")), required=True,
                              validate=validate.Length(min=1))


for _source in READING_SERVICES:
    contract(_source, "AccessRecorded")(type(f"{_source.capitalize()}AccessRecorded", (AccessRecorded,), {}))
