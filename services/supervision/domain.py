"""Supervision's aggregates: plain Python, no broker, no nameko. Dates are ISO strings.

A Worker is what supervision knows of someone who supervises or is supervised:
directory's facts (peer-role years, employments, credentials, pool entry),
dual relationships, and the confirmed sessions that count for them. An
Assignment is one supervisor for one peer worker and one kind of supervision,
from offer to end. A Session is logged, confirmed by both, never its content.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

PEER_CREDENTIALS = ("certified_peer_specialist", "recovery_coach")
PARTIES = ("supervisor", "peer_worker")


class Worker(Aggregate):
    @event("Noted")
    def __init__(self, worker_id: UUID, peer_role_since: str | None, actor: dict,
                 peer_years_met_on: str | None = None):
        self.peer_role_since = peer_role_since
        self.peer_years_met_on = peer_years_met_on  # directory's decision (its eligibility rule)
        self.employments: dict[str, dict] = {}
        self.credentials: dict[str, dict] = {}
        self.pool: dict | None = None
        self.staff_organization: str | None = None  # staff outside directory's peer workforce
        self.masters_level = False
        self.supervisor_training_on: str | None = None
        self.supervising_since: str | None = None
        self.peer_supporters: list[str] = []  # dual relationships recorded by RPC, either direction
        self.connections: dict[str, dict] = {}  # matching's connections with another worker
        self.counted: dict[str, dict] = {}  # session_id -> {date, minutes, kind}
        self.overdue_recorded: list[str] = []

    @staticmethod
    def create_id(worker_id: UUID, **_) -> UUID:
        return worker_id

    @event("PeerRoleSinceSet")
    def set_peer_role_since(self, since: str, actor: dict, peer_years_met_on: str | None = None):
        self.peer_role_since = since
        self.peer_years_met_on = peer_years_met_on

    @event("EmploymentBegan")
    def begin_employment(self, employment_id: str, organization_id: str, hours_per_week: float, start: str,
                         actor: dict):
        self.employments[employment_id] = {"organization_id": organization_id, "hours_per_week": hours_per_week,
                                           "start": start, "left_on": None}

    @event("EmploymentEnded")
    def end_employment(self, employment_id: str, left_on: str, actor: dict):
        if employment_id in self.employments:
            self.employments[employment_id] = {**self.employments[employment_id], "left_on": left_on}

    @event("CredentialRecorded")
    def record_credential(self, credential_id: str, kind: str, issued: str, expires: str | None, actor: dict):
        self.credentials[credential_id] = {"kind": kind, "issued": issued, "expires": expires, "expired": False}

    @event("CredentialExpired")
    def expire_credential(self, credential_id: str, actor: dict):
        if credential_id in self.credentials:
            self.credentials[credential_id] = {**self.credentials[credential_id], "expired": True}

    @event("PoolJoined")
    def join_pool(self, organization_id: str, region: str, languages: list, specialties: list, actor: dict):
        self.pool = {"organization_id": organization_id, "region": region,
                     "languages": list(languages), "specialties": list(specialties)}

    @event("PoolLeft")
    def leave_pool(self, actor: dict):
        self.pool = None

    @event("StaffRecorded")
    def record_staff(self, organization_id: str, masters_level: bool, actor: dict):
        self.staff_organization = organization_id
        self.masters_level = masters_level

    @event("SupervisorTrainingRecorded")
    def record_training(self, completed_on: str, actor: dict):
        self.supervisor_training_on = completed_on

    @event("SupervisingBegan")
    def begin_supervising(self, on: str, actor: dict):
        self.supervising_since = on

    @event("PeerSupportRelationRecorded")
    def relate(self, other_id: str, active: bool, actor: dict):
        others = set(self.peer_supporters)
        self.peer_supporters = sorted(others | {other_id} if active else others - {other_id})

    @event("ConnectionNoted")
    def note_connection(self, connection_id: str, other_id: str, active: bool, actor: dict):
        self.connections[connection_id] = {"other_id": other_id, "active": active}

    @property
    def related(self) -> set[str]:
        """Everyone in a peer support relationship with this worker: nobody supervises them."""
        return set(self.peer_supporters) | {c["other_id"] for c in self.connections.values() if c["active"]}

    @event("SessionCounted")
    def count_session(self, session_id: str, date: str, minutes: int, kind: str, actor: dict):
        self.counted[session_id] = {"date": date, "minutes": minutes, "kind": kind}

    @event("SessionUncounted")
    def uncount_session(self, session_id: str, actor: dict):
        self.counted.pop(session_id, None)

    @event("SupervisorNeeded")
    def flag_needed(self, kind: str, reason: str, next_step: str, actor: dict):
        """Flagged at once when a supervisor is lost; the offer of another follows in the same save."""

    @event("OverdueRecorded")
    def record_overdue(self, requirement: str, due_on: str, detected_on: str, actor: dict):
        self.overdue_recorded.append(f"{requirement}:{due_on}")

    # -- reading ----------------------------------------------------------------
    def organizations(self, as_of: str) -> set[str]:
        current = {e["organization_id"] for e in self.employments.values()
                   if e["start"] <= as_of and (e["left_on"] is None or e["left_on"] > as_of)}
        if self.staff_organization:
            current.add(self.staff_organization)
        return current

    def hours_per_week(self, as_of: str) -> float:
        return sum(e["hours_per_week"] for e in self.employments.values()
                   if e["start"] <= as_of and (e["left_on"] is None or e["left_on"] > as_of))

    def employed_since(self, as_of: str) -> str | None:
        """When the current stretch of peer work began: supervision is due from then."""
        starts = [e["start"] for e in self.employments.values()
                  if e["start"] <= as_of and (e["left_on"] is None or e["left_on"] > as_of)]
        return min(starts) if starts else None

    def holds(self, kinds, as_of: str) -> bool:
        return any(c["kind"] in kinds and not c["expired"] and c["issued"] <= as_of
                   and (c["expires"] is None or c["expires"] >= as_of) for c in self.credentials.values())

    def ever_held(self, kind: str) -> bool:
        return any(c["kind"] == kind for c in self.credentials.values())


class Assignment(Aggregate):
    """One supervisor for one peer worker and one kind: offered, then accepted or declined, then ended."""

    @event("Offered")
    def __init__(self, supervisor_id: str, peer_worker_id: str, kind: str, route: str, agreement_id: str | None,
                 reasons: list, offered_on: str, actor: dict):
        self.supervisor_id = supervisor_id
        self.peer_worker_id = peer_worker_id
        self.kind = kind
        self.route = route
        self.agreement_id = agreement_id
        self.reasons = list(reasons)
        self.offered_on = offered_on
        self.status = "offered"
        self.accepted_on: str | None = None
        self.ended_on: str | None = None
        self.end_reason: str | None = None

    # Later events repeat the parties, so each published event stands on its own.
    def accept(self, on: str, actor: dict):
        self._accept(self.supervisor_id, self.peer_worker_id, self.kind, on, actor)

    def decline(self, reason: str, actor: dict):
        self._decline(self.supervisor_id, self.peer_worker_id, self.kind, reason, actor)

    def end(self, reason: str, on: str, actor: dict):
        self._end(self.supervisor_id, self.peer_worker_id, self.kind, reason, on, actor)

    @event("Accepted")
    def _accept(self, supervisor_id: str, peer_worker_id: str, kind: str, on: str, actor: dict):
        self.status, self.accepted_on = "active", on

    @event("Declined")
    def _decline(self, supervisor_id: str, peer_worker_id: str, kind: str, reason: str, actor: dict):
        self.status, self.end_reason = "declined", reason

    @event("Ended")
    def _end(self, supervisor_id: str, peer_worker_id: str, kind: str, reason: str, on: str, actor: dict):
        self.status, self.end_reason, self.ended_on = "ended", reason, on

    @property
    def open(self) -> bool:
        return self.status in ("offered", "active")


class Session(Aggregate):
    """When, how long, what kind and format; who confirmed. Never what was said."""

    @event("Logged")
    def __init__(self, supervisor_id: str, peer_worker_id: str, date: str, minutes: int, kind: str,
                 grouping: str, medium: str, confirmed_by: list, actor: dict):
        self.supervisor_id = supervisor_id
        self.peer_worker_id = peer_worker_id
        self.date, self.minutes, self.kind = date, minutes, kind
        self.grouping, self.medium = grouping, medium
        self.confirmed_by = sorted(confirmed_by)

    @event("Confirmed")
    def confirm(self, party: str, actor: dict):
        self.confirmed_by = sorted(set(self.confirmed_by) | {party})

    def correct(self, date: str, minutes: int, kind: str, grouping: str, medium: str, confirmed_by: list,
                actor: dict):
        """A correction is a new event; both confirm again."""
        self._correct(self.supervisor_id, self.peer_worker_id, date, minutes, kind, grouping, medium,
                      sorted(confirmed_by), actor)

    @event("Corrected")
    def _correct(self, supervisor_id: str, peer_worker_id: str, date: str, minutes: int, kind: str,
                 grouping: str, medium: str, confirmed_by: list, actor: dict):
        self.date, self.minutes, self.kind = date, minutes, kind
        self.grouping, self.medium = grouping, medium
        self.confirmed_by = confirmed_by

    @property
    def confirmed(self) -> bool:
        return set(PARTIES) <= set(self.confirmed_by)


class Agreement(Aggregate):
    """A supervision agreement as directory publishes it."""

    @event("Noted")
    def __init__(self, agreement_id: UUID, terms: dict, status: str, actor: dict):
        self.terms = dict(terms)
        self.status = status

    @staticmethod
    def create_id(agreement_id: UUID, **_) -> UUID:
        return agreement_id

    @event("StatusChanged")
    def change(self, terms: dict, status: str, actor: dict):
        self.terms, self.status = dict(terms), status

    def covers(self, supervisor: Worker, supervisee: Worker, as_of: str) -> bool:
        t = self.terms
        return (self.status == "active" and t["start"] <= as_of <= t["end"]
                and str(supervisee.id) in t["peer_worker_ids"]
                and t["supervised_organization_id"] in supervisee.organizations(as_of)
                and t["supervising_organization_id"] in supervisor.organizations(as_of)
                and t.get("supervisor_id") in (None, str(supervisor.id)))


class Organization(Aggregate):
    @event("Noted")
    def __init__(self, organization_id: UUID, kind: str, regions: list, actor: dict):
        self.kind, self.regions, self.closed = kind, list(regions), False

    @staticmethod
    def create_id(organization_id: UUID, **_) -> UUID:
        return organization_id

    @event("Changed")
    def change(self, regions: list, closed: bool, actor: dict):
        self.regions, self.closed = list(regions), closed
