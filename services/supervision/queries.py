"""What supervision answers: the supervisors a peer worker could have, a peer worker's record
and hours, a supervisor's load, and who is short. Never what was said in a session.

Handlers as in commands.py. A record read by anyone but the peer worker (or the
system) is recorded in the access log (shared.access)."""
from __future__ import annotations

from services.supervision import finding
from services.supervision.commands import check_organization, is_self, known
from services.supervision.domain import Assignment, Session, Worker
from services.supervision.projections import Work
from services.supervision.rules import due, today
from services.supervision.shortfall import page as shortfall_page
from shared.errors import NotAllowed, NotFound
from shared.identity import Caller


def find_supervisor(command: dict, caller: Caller, *, store, settings, clock) -> dict:
    """Every supervisor who may take this peer worker now, ranked and explained, and the best route."""
    work, as_of = store.work(), today(clock)
    supervisee = known(work, command["peer_worker_id"], "peer_worker_id")
    check_organization(caller, supervisee, as_of)
    found = finding.options(work, settings, supervisee, command["kind"], as_of,
                            command["languages"], command["specialties"])
    routes = {option["route"] for option in found}
    return {"peer_worker_id": str(supervisee.id), "kind": command["kind"], "options": found,
            "route": next((r for r in finding.ROUTE_ORDER if r in routes), None)}


def supervision_record(command: dict, caller: Caller, *, store, settings, clock) -> dict:
    """A peer worker's supervisors, sessions and hours (for certification); never content."""
    work, as_of = store.work(), today(clock)
    worker = work.read(command["peer_worker_id"], Worker)
    if worker is None:
        raise NotFound(f"no supervision record for {command['peer_worker_id']}")
    assignments = [a for a in work.all(Assignment) if a.peer_worker_id == str(worker.id)]
    _check_reader(caller, worker, assignments, as_of)
    sessions = sorted((s for s in work.all(Session) if s.peer_worker_id == str(worker.id)),
                      key=lambda s: (s.date, str(s.id)))
    record = {"peer_worker_id": str(worker.id), "organization_ids": sorted(worker.organizations(as_of)),
              "due": due(worker, settings, as_of),
              "needs_supervisor": needs_supervisor(work, worker),
              "supervisions": [describe(a) for a in sorted(assignments, key=lambda a: (a.offered_on, str(a.id)))],
              "sessions": [{"session_id": str(s.id), "supervisor_id": s.supervisor_id, "date": s.date,
                            "minutes": s.minutes, "kind": s.kind, "grouping": s.grouping, "medium": s.medium,
                            "confirmed_by": s.confirmed_by, "counted": s.confirmed} for s in sessions]}
    store.record_access(caller, "supervision_record", [
        (worker.id, "peer_worker", ["due", *(name for name in ("supervisions", "sessions") if record[name])])])
    return record


def _check_reader(caller: Caller, worker: Worker, assignments: list, as_of: str) -> None:
    # A peer worker reads only their own record: the access table saw to that.
    if caller.role in ("system", "state_auditor", "peer"):
        return
    if caller.role == "supervisor" and any(a.supervisor_id == caller.user_id and a.open for a in assignments):
        return
    if caller.role == "agency_admin" and caller.organization_id in worker.organizations(as_of):
        return
    raise NotAllowed("this supervision record is not yours to read")


def needs_supervisor(work: Work, worker: Worker) -> bool:
    return not finding.has_open(work, str(worker.id), "professional_development")


def supervisor_load(command: dict, caller: Caller, *, store, settings, clock) -> dict:
    """A supervisor reads only their own (the table's rule); an agency admin, their organization's."""
    work, as_of = store.work(), today(clock)
    supervisor = work.read(command["supervisor_id"], Worker)
    if supervisor is None:
        raise NotFound(f"no supervisor {command['supervisor_id']}")
    if caller.role == "agency_admin" and caller.organization_id not in supervisor.organizations(as_of):
        raise NotAllowed("this supervisor's load is not yours to read")
    supervising = [a for a in work.all(Assignment) if a.supervisor_id == str(supervisor.id) and a.open]
    carried = finding.loads(work, settings, as_of).get(str(supervisor.id), 0.0)
    supervisees = []
    for assignment in sorted(supervising, key=lambda a: a.peer_worker_id):
        supervisee = work.read(assignment.peer_worker_id, Worker)
        supervisees.append({**describe(assignment), "due": due(supervisee, settings, as_of)})
    return {"supervisor_id": str(supervisor.id), "load": round(carried, 3), "capacity": settings.capacity,
            "free_capacity": round(settings.capacity - carried, 3), "supervisions": supervisees}


def shortfall(command: dict, caller: Caller, *, store, settings, clock) -> dict:
    """A page of who is short of supervision: statewide, for one organization, or for one supervisor; with how
    many are counted and short in the whole list. Read from the standing kept as the log is replayed
    (shortfall.py), so a page costs the page however large the workforce.

    An agency admin's organization and a supervisor's own id are filled in by the access table.
    """
    organization_id = str(command["organization_id"]) if command["organization_id"] else None
    supervisor_id = str(command["supervisor_id"]) if command["supervisor_id"] else None
    as_of = command["as_of"].isoformat() if command["as_of"] else today(clock)
    after = str(command["after"]) if command["after"] else None
    found = shortfall_page(store.replayed, settings, as_of, (organization_id, supervisor_id), after, command["limit"])
    return {"as_of": as_of, "organization_id": organization_id, "supervisor_id": supervisor_id, **found}


def describe(assignment: Assignment) -> dict:
    return {"assignment_id": str(assignment.id), "supervisor_id": assignment.supervisor_id,
            "peer_worker_id": assignment.peer_worker_id, "kind": assignment.kind, "route": assignment.route,
            "agreement_id": assignment.agreement_id, "status": assignment.status, "offered_on": assignment.offered_on,
            "accepted_on": assignment.accepted_on, "ended_on": assignment.ended_on,
            "end_reason": assignment.end_reason, "reasons": assignment.reasons}
