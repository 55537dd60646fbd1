"""Integration events: the versioned contracts between services.

Every event a service publishes has a marshmallow schema here, keyed by
(source, type, version); the routing key on the bus is `<source>.<type>`.
Bodies carry the minimum each consumer needs; personal fields travel only as
sealed tokens (shared.crypto), never in clear.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema, ValidationError, fields, validate

from shared.identity import ROLES


class ActorSchema(Schema):
    user_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization_id = fields.String(allow_none=True, load_default=None)
    correlation_id = fields.String(required=True)


class EnvelopeSchema(Schema):
    source = fields.String(required=True)
    position = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    type = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Za-z]+$"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.String(required=True)
    actor = fields.Nested(ActorSchema, required=True)
    subject_id = fields.String(required=True)
    body = fields.Dict(required=True)


ENVELOPE = EnvelopeSchema()  # one instance: building a schema per message costs more than loading it


@dataclass(frozen=True)
class IntegrationEvent:
    source: str
    position: int
    type: str
    version: int
    occurred_at: str
    actor: dict
    subject_id: str
    body: dict = field(default_factory=dict)

    @property
    def routing_key(self) -> str:
        return f"{self.source}.{self.type}"

    def as_message(self) -> dict:
        return {
            "source": self.source,
            "position": self.position,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "subject_id": self.subject_id,
            "body": self.body,
        }


_registry: dict[tuple[str, str, int], Schema] = {}


def contract(source: str, type_: str, version: int = 1):
    """Class decorator: register a body schema as the contract of one event."""

    def register(schema_class):
        _registry[(source, type_, version)] = schema_class()
        schema_class.source, schema_class.type, schema_class.version = source, type_, version
        return schema_class

    return register


def body_schema(source: str, type_: str, version: int) -> Schema:
    try:
        return _registry[(source, type_, version)]
    except KeyError:
        raise ValidationError(
            {"type": [f"no contract for {source}.{type_} version {version}"]}
        ) from None


_upcasters: dict[tuple[str, str, int], object] = {}


def upcaster(source: str, type_: str, from_version: int):
    """Register how a body of one version becomes the next version's body.

    Published events are never rewritten (audit's digests cover them as sent);
    a consumer that wants the newest shape asks `latest(event)`.
    """

    def register(function):
        _upcasters[(source, type_, from_version)] = function
        return function

    return register


def latest(event: "IntegrationEvent") -> "IntegrationEvent":
    """The event with its body upcast, version by version, to the newest contract."""
    while (step := _upcasters.get((event.source, event.type, event.version))) is not None:
        schema = body_schema(event.source, event.type, event.version + 1)
        event = IntegrationEvent(**{**event.as_message(), "version": event.version + 1,
                                    "body": schema.load(schema.dump(step(event.body)))})
    return event


def known_contracts() -> list[tuple[str, str, int]]:
    return sorted(_registry)


def parse(message: dict) -> IntegrationEvent:
    """Validate an incoming message against the envelope and its contract."""
    if not isinstance(message, dict):
        raise ValidationError({"_schema": ["message is not a JSON object"]})
    envelope = ENVELOPE.load(message)
    body = body_schema(envelope["source"], envelope["type"], envelope["version"]).load(
        envelope["body"]
    )
    return IntegrationEvent(**{**envelope, "body": body})


def build(source: str, position: int, type_: str, occurred_at: str, actor: dict,
          subject_id: str, body: dict, version: int = 1) -> IntegrationEvent:
    """Make an outgoing event; what does not fit its contract never leaves."""
    schema = body_schema(source, type_, version)
    checked = schema.load(schema.dump(body))
    return IntegrationEvent(
        source=source, position=position, type=type_, version=version,
        occurred_at=occurred_at, actor=actor, subject_id=subject_id,
        body=schema.dump(checked),
    )


def dumped(source: str, position: int, type_: str, occurred_at: str, actor: dict,
           subject_id: str, body: dict, version: int = 1) -> IntegrationEvent:
    """An event as `build` makes it, without checking it again: for reading what was published already."""
    return IntegrationEvent(source=source, position=position, type=type_, version=version, occurred_at=occurred_at,
                            actor=actor, subject_id=subject_id, body=body_schema(source, type_, version).dump(body))


from shared.contracts import access, audit, directory, intake, matching, notifications, supervision  # noqa: E402,F401  (register contracts)
