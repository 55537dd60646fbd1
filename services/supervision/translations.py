"""How each stored supervision event is published (contracts in shared/contracts/supervision.py)."""
from __future__ import annotations

from services.supervision.domain import Agreement, Assignment, Organization, Session, Worker
from shared import access


def _record_changed(event):
    return "SupervisionRecordChanged", {"record_id": event.originator_id, "change": type(event).__name__}


def _assignment(event, **extra) -> dict:
    return {"assignment_id": event.originator_id, **extra}


def _offered(event):
    return "SupervisorOffered", _assignment(
        event, supervisor_id=event.supervisor_id, peer_worker_id=event.peer_worker_id, kind=event.kind,
        route=event.route, agreement_id=event.agreement_id, reasons=event.reasons)


def _parties(event) -> dict:
    return {"supervisor_id": event.supervisor_id, "peer_worker_id": event.peer_worker_id, "kind": event.kind}


def _accepted(event):
    return "SupervisionAccepted", _assignment(event, accepted_on=event.on, **_parties(event))


def _declined(event):
    return "SupervisionDeclined", _assignment(event, reason=event.reason, **_parties(event))


def _ended(event):
    return "SupervisionEnded", _assignment(event, reason=event.reason, ended_on=event.on, **_parties(event))


def _session(type_: str):
    def translate(event):
        return type_, {"session_id": event.originator_id, "supervisor_id": event.supervisor_id,
                       "peer_worker_id": event.peer_worker_id, "date": event.date, "minutes": event.minutes,
                       "kind": event.kind, "grouping": event.grouping, "medium": event.medium,
                       "confirmed_by": event.confirmed_by}
    return translate


def _confirmed(event):
    return "SupervisionSessionConfirmed", {"session_id": event.originator_id, "party": event.party}


def _overdue(event):
    return "SupervisionOverdue", {"peer_worker_id": event.originator_id, "requirement": event.requirement,
                                  "due_on": event.due_on, "detected_on": event.detected_on}


def _needed(event):
    return "SupervisorNeeded", {"peer_worker_id": event.originator_id, "kind": event.kind, "reason": event.reason,
                                "next_step": event.next_step}


TRANSLATIONS = {
    **{cls: _record_changed for cls in (
        Worker.Noted, Worker.PeerRoleSinceSet, Worker.EmploymentBegan, Worker.EmploymentEnded,
        Worker.CredentialRecorded, Worker.CredentialExpired, Worker.PoolJoined, Worker.PoolLeft,
        Worker.StaffRecorded, Worker.SupervisorTrainingRecorded, Worker.SupervisingBegan,
        Worker.PeerSupportRelationRecorded, Worker.ConnectionNoted, Worker.SessionCounted, Worker.SessionUncounted,
        Agreement.Noted, Agreement.StatusChanged, Organization.Noted, Organization.Changed)},
    Worker.OverdueRecorded: _overdue,
    Worker.SupervisorNeeded: _needed,
    Assignment.Offered: _offered,
    Assignment.Accepted: _accepted,
    Assignment.Declined: _declined,
    Assignment.Ended: _ended,
    Session.Logged: _session("SupervisionSessionLogged"),
    Session.Corrected: _session("SupervisionSessionCorrected"),
    Session.Confirmed: _confirmed,
    **access.TRANSLATIONS,
}
