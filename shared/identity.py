"""Who is calling: every command carries the caller and a correlation id.

The caller travels signed (shared.signing) in each call's message and in
nameko's context data (key "caller") to every service, and stored events keep
it as `actor`, so the history says who did what without saying anything about
the person the event is about.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

ROLES = ("person", "peer", "supervisor", "agency_admin", "state_auditor", "system")
# Roles a token may carry; "system" belongs to the services alone.
TOKEN_ROLES = tuple(role for role in ROLES if role != "system")
# The namespace of peernet ids derived from an identity provider's issuer and subject:
# uuid5(NAMESPACE_URL, "https://peernet.invalid/ids/oidc-subject"). Fixed for good: changing it
# would give every signed-in person a new id, cut off from their records.
OIDC_NAMESPACE = uuid.UUID("6c910562-35c8-596a-b8c2-69fcbf0e2b41")


def peernet_id(issuer: str, subject: str) -> str:
    """The caller's peernet id for a provider's (issuer, subject): a UUID, as every id in the paths is,
    though a provider's subject need not be one; the same subject at another issuer is someone else."""
    return str(uuid.uuid5(OIDC_NAMESPACE, f"{issuer}\n{subject}"))


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


class Claims(Schema):
    """What a bearer token must say about who is calling (claim names as configured)."""

    class Meta:
        unknown = "exclude"  # providers add claims of their own

    sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(TOKEN_ROLES))
    organization_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))

    @validates_schema
    def admins_have_an_organization(self, data, **kwargs):
        if data["role"] == "agency_admin" and not data.get("organization_id"):
            raise ValidationError("an agency admin's token must name their organization", "organization_id")


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
