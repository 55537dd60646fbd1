"""Marshmallow inputs of every supervision command and query. No free text anywhere."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate, validates

from shared.contracts.commands import CommandSchema
from shared.contracts.supervision import KINDS
from shared.languages import Languages

GROUPINGS = ("individual", "group")
MEDIA = ("in_person", "phone", "video")

MINUTES_IN_A_DAY = 24 * 60


def Kind(**kw) -> fields.String:  # noqa: N802  (reads as a field type)
    return fields.String(validate=validate.OneOf(KINDS), **kw)


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


class PeerWorkerRef(CommandSchema):
    peer_worker_id = fields.UUID(required=True)


class SupervisorRef(CommandSchema):
    supervisor_id = fields.UUID(required=True)


class FindSupervisor(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    kind = Kind(load_default="professional_development")
    # Preferences for the pool's ranking; the peer worker's own pool entry is used when absent.
    languages = Languages(load_default=None)
    specialties = fields.List(fields.String(validate=validate.Length(min=1, max=60)), load_default=None)


class OfferSupervisor(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    supervisor_id = fields.UUID(required=True)
    kind = Kind(required=True)


class AssignmentRef(CommandSchema):
    assignment_id = fields.UUID(required=True)


class Decline(AssignmentRef):
    reason = fields.String(required=True, validate=validate.OneOf(
        ("at_capacity", "schedule", "dual_relationship", "other")))


class EndSupervision(AssignmentRef):
    pass


class SessionFacts(CommandSchema):
    date = fields.Date(required=True)
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MINUTES_IN_A_DAY, error="must be between 1 and 1440 (a session is at most a day)"))
    kind = Kind(required=True)
    grouping = fields.String(required=True, validate=validate.OneOf(GROUPINGS))
    medium = fields.String(required=True, validate=validate.OneOf(MEDIA))

    @validates("date")
    def not_in_future(self, value, **kwargs):
        if value.isoformat() > today():
            raise ValidationError("a session cannot be logged before it happens")


class LogSession(SessionFacts):
    supervisor_id = fields.UUID(required=True)
    peer_worker_id = fields.UUID(required=True)


class SessionRef(CommandSchema):
    session_id = fields.UUID(required=True)


class CorrectSession(SessionFacts):
    session_id = fields.UUID(required=True)


class PeerSupportRelation(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    supporter_id = fields.UUID(required=True)
    active = fields.Boolean(load_default=True)


class SupervisorTraining(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    completed_on = fields.Date(required=True)

    @validates("completed_on")
    def not_in_future(self, value, **kwargs):
        if value.isoformat() > today():
            raise ValidationError("training cannot be recorded before it is completed")


class Staff(CommandSchema):
    staff_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    masters_level = fields.Boolean(required=True)


class Shortfall(CommandSchema):
    organization_id = fields.UUID(load_default=None)
    supervisor_id = fields.UUID(load_default=None)
    as_of = fields.Date(load_default=None)


class AsOf(CommandSchema):
    as_of = fields.Date(load_default=None)
