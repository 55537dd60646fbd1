"""Who is calling: every command carries the caller and a correlation id.

The caller travels in nameko's context data (key "caller") from the gateway to
every service, and stored events keep it as `actor`, so the history says who
did what without saying anything about the person the event is about.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field

from marshmallow import Schema, ValidationError, fields, post_load, validate

ROLES = ("person", "peer", "supervisor", "agency_admin", "state_auditor", "system")


@dataclass(frozen=True)
class Caller:
    user_id: str
    role: str
    organization_id: str | None = None
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def as_actor(self) -> dict:
        """The form stored in events: plain data, no personal fields."""
        return asdict(self)

    @classmethod
    def system(cls, service: str, correlation_id: str | None = None) -> "Caller":
        """The service itself, acting on an upstream event."""
        return cls(
            user_id=f"service:{service}",
            role="system",
            correlation_id=correlation_id or uuid.uuid4().hex,
        )


class CallerSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization_id = fields.String(load_default=None, allow_none=True)
    correlation_id = fields.String(
        load_default=lambda: uuid.uuid4().hex, validate=validate.Length(min=1, max=200)
    )

    @post_load
    def make_caller(self, data, **kwargs):
        return Caller(**data)


CALLER_SCHEMA = CallerSchema()  # read on every call: one instance, as marshmallow allows


def caller_from(raw) -> Caller | None:
    """The caller as a call carried it (a dict, or its JSON); None when missing or invalid."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    try:
        return CALLER_SCHEMA.load(raw) if isinstance(raw, dict) else None
    except ValidationError:
        return None
