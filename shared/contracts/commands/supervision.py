"""Marshmallow inputs of every supervision command and query, and supervision's access table
(`OPERATIONS`, shared/operations.py). No free text anywhere."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate, validates

from shared.contracts.commands import CommandSchema
from shared.contracts.fields import Day, Flag, Text
from shared.contracts.supervision import KINDS
from shared.languages import Languages
from shared.operations import Operation, Operations

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
    specialties = fields.List(Text(1, 60), load_default=None)


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
    date = Day(required=True)
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
    # Chosen by the client or derived from its Idempotency-Key: a second session with it is refused.
    session_id = fields.UUID(load_default=None, metadata={
        "description": "optional: the new session's id; one already taken is refused (409)"})
    supervisor_id = fields.UUID(required=True)
    peer_worker_id = fields.UUID(required=True)


class SessionRef(CommandSchema):
    session_id = fields.UUID(required=True)


class CorrectSession(SessionFacts):
    session_id = fields.UUID(required=True)


class PeerSupportRelation(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    supporter_id = fields.UUID(required=True)
    active = Flag(load_default=True)


class SupervisorTraining(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    completed_on = Day(required=True)

    @validates("completed_on")
    def not_in_future(self, value, **kwargs):
        if value.isoformat() > today():
            raise ValidationError("training cannot be recorded before it is completed")


class Staff(CommandSchema):
    staff_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    masters_level = Flag(required=True)


class Shortfall(CommandSchema):
    organization_id = fields.UUID(load_default=None)
    supervisor_id = fields.UUID(load_default=None)
    as_of = Day(load_default=None)


class ShortfallPageQuery(Shortfall):
    """A page of it after the last peer worker of the page before (their id, `next_after`), so supervision
    reads as much as the page however large the workforce."""
    after = fields.UUID(load_default=None)
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=500))


class AsOf(CommandSchema):
    as_of = Day(load_default=None)


# Who may call what. A peer worker acts only for themselves, a supervisor only as themselves, an
# agency admin only for their own organization: the table checks what the input names. Whose
# peer worker, whose offer, whose session and whose supervisee need supervision's records: the
# handlers check those. Roles in the order the gateway lists them.
PARTIES = ("supervisor", "peer")
OPERATIONS = Operations("supervision", [
    Operation("find_supervisor", ("peer", "agency_admin", "state_auditor", "system"), FindSupervisor,
              own="peer_worker_id"),
    Operation("offer_supervisor", ("agency_admin", "system"), OfferSupervisor),
    Operation("accept_supervision", ("supervisor", "system"), AssignmentRef),
    Operation("decline_supervision", ("supervisor", "system"), Decline),
    Operation("end_supervision", ("agency_admin", "system"), EndSupervision),
    Operation("record_peer_support_relation", ("system",), PeerSupportRelation),
    Operation("record_supervisor_training", ("agency_admin", "system"), SupervisorTraining),
    Operation("record_staff", ("agency_admin", "system"), Staff, scope="organization_id"),
    Operation("log_session", (*PARTIES, "system"), LogSession, own="peer_worker_id", supervisor="supervisor_id"),
    Operation("confirm_session", PARTIES, SessionRef),
    Operation("correct_session", PARTIES, CorrectSession),
    Operation("check_due", ("system",), AsOf, args=("as_of",)),
    Operation("supervision_record", ("peer", "supervisor", "agency_admin", "state_auditor", "system"), PeerWorkerRef,
              own="peer_worker_id"),
    Operation("supervisor_load", ("supervisor", "agency_admin", "state_auditor", "system"), SupervisorRef,
              supervisor="supervisor_id"),
    Operation("shortfall", ("supervisor", "agency_admin", "state_auditor", "system"), ShortfallPageQuery,
              scope="organization_id", supervisor="supervisor_id"),
])
