"""What supervision publishes: offers of a supervisor, accepted, declined and ended
supervision, peer workers needing a supervisor, sessions (never their content)
and overdue supervision. Dates are ISO dates."""
from marshmallow import Schema, fields, validate

from shared.contracts import contract
from shared.contracts.directory import Day

KINDS = ("professional_development", "administrative")
ROUTES = ("same_organization", "agreement", "pool")
END_REASONS = ("supervisor_left", "supervisor_ineligible", "supervisor_at_capacity", "agreement_ended",
               "peer_worker_left", "declined", "ended_by_organization")
REQUIREMENTS = ("session_cadence", "first_period_hours")


def Kind(**kw):  # noqa: N802  (reads as a field type)
    return fields.String(required=True, validate=validate.OneOf(KINDS), **kw)


@contract("supervision", "SupervisionRecordChanged")
class SupervisionRecordChanged(Schema):
    """A fact supervision keeps changed (from directory, or a relation or training recorded)."""

    record_id = fields.UUID(required=True)
    change = fields.String(required=True)


class AssignmentBody(Schema):
    assignment_id = fields.UUID(required=True)
    supervisor_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)
    kind = Kind()


@contract("supervision", "SupervisorOffered")
class SupervisorOffered(AssignmentBody):
    route = fields.String(required=True, validate=validate.OneOf(ROUTES))
    agreement_id = fields.String(required=True, allow_none=True)
    reasons = fields.List(fields.String(), required=True)


@contract("supervision", "SupervisionAccepted")
class SupervisionAccepted(AssignmentBody):
    accepted_on = Day(required=True)


@contract("supervision", "SupervisionDeclined")
class SupervisionDeclined(AssignmentBody):
    reason = fields.String(required=True)


@contract("supervision", "SupervisionEnded")
class SupervisionEnded(AssignmentBody):
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))
    ended_on = Day(required=True)


@contract("supervision", "SupervisorNeeded")
class SupervisorNeeded(Schema):
    """A peer worker lost their supervisor; flagged at once, and offered one when there is one."""

    peer_worker_id = fields.UUID(required=True)
    kind = Kind()
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))
    # offered: another supervisor was offered in the same save; agreement_needed: only the networking
    # pool has one, under a supervision agreement both organizations accept in directory.
    next_step = fields.String(required=True, validate=validate.OneOf(
        ("offered", "agreement_needed", "none_available")))


class SessionBody(Schema):
    session_id = fields.UUID(required=True)
    supervisor_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)
    date = Day(required=True)
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    kind = Kind()
    grouping = fields.String(required=True, validate=validate.OneOf(("individual", "group")))
    medium = fields.String(required=True, validate=validate.OneOf(("in_person", "phone", "video")))
    confirmed_by = fields.List(fields.String(), required=True)


@contract("supervision", "SupervisionSessionLogged")
class SupervisionSessionLogged(SessionBody):
    pass


@contract("supervision", "SupervisionSessionCorrected")
class SupervisionSessionCorrected(SessionBody):
    pass


@contract("supervision", "SupervisionSessionConfirmed")
class SupervisionSessionConfirmed(Schema):
    session_id = fields.UUID(required=True)
    party = fields.String(required=True, validate=validate.OneOf(("supervisor", "peer_worker")))


@contract("supervision", "SupervisionOverdue")
class SupervisionOverdue(Schema):
    peer_worker_id = fields.UUID(required=True)
    requirement = fields.String(required=True, validate=validate.OneOf(REQUIREMENTS))
    due_on = Day(required=True)
    detected_on = Day(required=True)
