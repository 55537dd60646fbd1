"""Supervision's queries, as a mixin of the Application: a peer worker's record and hours,
a supervisor's load, and who is short. Never what was said in a session."""
from __future__ import annotations

from services.supervision import finding
from services.supervision.commands import is_self
from services.supervision.domain import Assignment, Session, Worker
from services.supervision.rules import due
from services.supervision.views import Work
from shared.contracts.commands import supervision as schemas
from shared.contracts.commands.supervision import today
from shared.errors import NotAllowed, NotFound
from shared.identity import Caller
from shared.schemas import load


class Queries:
    def supervision_record(self, payload: dict, caller: Caller) -> dict:
        """A peer worker's supervisors, sessions and hours (for certification); never content."""
        query = load(schemas.PeerWorkerRef(), payload)
        work, as_of = self.work(), today()
        worker = work.read(query["peer_worker_id"], Worker)
        if worker is None:
            raise NotFound(f"no supervision record for {query['peer_worker_id']}")
        assignments = [a for a in work.all(Assignment) if a.peer_worker_id == str(worker.id)]
        self.check_reader(caller, worker, assignments, as_of)
        sessions = sorted((s for s in work.all(Session) if s.peer_worker_id == str(worker.id)),
                          key=lambda s: (s.date, str(s.id)))
        record = {"peer_worker_id": str(worker.id), "organization_ids": sorted(worker.organizations(as_of)),
                  "due": due(worker, self.settings, as_of),
                  "needs_supervisor": self.needs_supervisor(work, worker),
                  "supervisions": [describe(a) for a in sorted(assignments, key=lambda a: (a.offered_on, str(a.id)))],
                  "sessions": [{"session_id": str(s.id), "supervisor_id": s.supervisor_id, "date": s.date,
                                "minutes": s.minutes, "kind": s.kind, "grouping": s.grouping, "medium": s.medium,
                                "confirmed_by": s.confirmed_by, "counted": s.confirmed} for s in sessions]}
        self.record_access(caller, "supervision_record", [
            (worker.id, "peer_worker", ["due", *(name for name in ("supervisions", "sessions") if record[name])])])
        return record

    def check_reader(self, caller: Caller, worker: Worker, assignments: list, as_of: str) -> None:
        if caller.role in ("system", "state_auditor") or is_self(caller, "peer", worker.id):
            return
        if caller.role == "supervisor" and any(a.supervisor_id == caller.user_id and a.open for a in assignments):
            return
        if caller.role == "agency_admin" and caller.organization_id in worker.organizations(as_of):
            return
        raise NotAllowed("this supervision record is not yours to read")

    @staticmethod
    def needs_supervisor(work: Work, worker: Worker) -> bool:
        return not any(a.open and a.kind == "professional_development" and a.peer_worker_id == str(worker.id)
                       for a in work.all(Assignment))

    def supervisor_load(self, payload: dict, caller: Caller) -> dict:
        query = load(schemas.SupervisorRef(), payload)
        work, as_of = self.work(), today()
        supervisor = work.read(query["supervisor_id"], Worker)
        if supervisor is None:
            raise NotFound(f"no supervisor {query['supervisor_id']}")
        allowed = caller.role in ("system", "state_auditor") or is_self(caller, "supervisor", supervisor.id) or (
            caller.role == "agency_admin" and caller.organization_id in supervisor.organizations(as_of))
        if not allowed:
            raise NotAllowed("this supervisor's load is not yours to read")
        supervising = [a for a in work.all(Assignment) if a.supervisor_id == str(supervisor.id) and a.open]
        carried = finding.loads(work, self.settings, as_of).get(str(supervisor.id), 0.0)
        supervisees = []
        for assignment in sorted(supervising, key=lambda a: a.peer_worker_id):
            supervisee = work.read(assignment.peer_worker_id, Worker)
            supervisees.append({**describe(assignment), "due": due(supervisee, self.settings, as_of)})
        return {"supervisor_id": str(supervisor.id), "load": round(carried, 3), "capacity": self.settings.capacity,
                "free_capacity": round(self.settings.capacity - carried, 3), "supervisions": supervisees}

    def shortfall(self, payload: dict, caller: Caller) -> dict:
        """Who is short of supervision: statewide, for one organization, or for one supervisor."""
        query = load(schemas.Shortfall(), payload)
        organization_id = str(query["organization_id"]) if query["organization_id"] else None
        supervisor_id = str(query["supervisor_id"]) if query["supervisor_id"] else None
        if caller.role == "agency_admin":
            if organization_id not in (None, caller.organization_id):
                raise NotAllowed("an agency admin sees only their own organization")
            organization_id = caller.organization_id
        if caller.role == "supervisor":
            if supervisor_id not in (None, caller.user_id):
                raise NotAllowed("a supervisor sees only their own supervisees")
            supervisor_id = caller.user_id
        as_of = query["as_of"].isoformat() if query["as_of"] else today()
        work = self.work()
        open_by_worker: dict[str, list[str]] = {}
        for assignment in work.all(Assignment):
            if assignment.open:
                open_by_worker.setdefault(assignment.peer_worker_id, []).append(assignment.supervisor_id)
        items, counted = [], 0
        for worker in sorted(work.all(Worker), key=lambda w: str(w.id)):
            status = due(worker, self.settings, as_of)
            if status is None:
                continue
            if organization_id and organization_id not in worker.organizations(as_of):
                continue
            supervisors = sorted(open_by_worker.get(str(worker.id), []))
            if supervisor_id and supervisor_id not in supervisors:
                continue
            counted += 1
            needs = self.needs_supervisor(work, worker)
            if status["overdue"] or needs:
                items.append({"peer_worker_id": str(worker.id), "organization_ids": sorted(worker.organizations(as_of)),
                              "supervisor_ids": supervisors, "needs_supervisor": needs,
                              "overdue": status["overdue"], "next_due": status["next_due"],
                              "first_period_hours_done": status["first_period_hours_done"]})
        return {"as_of": as_of, "organization_id": organization_id, "supervisor_id": supervisor_id,
                "peer_workers": counted, "short": len(items), "items": items}


def describe(assignment: Assignment) -> dict:
    return {"assignment_id": str(assignment.id), "supervisor_id": assignment.supervisor_id,
            "peer_worker_id": assignment.peer_worker_id, "kind": assignment.kind, "route": assignment.route,
            "agreement_id": assignment.agreement_id, "status": assignment.status, "offered_on": assignment.offered_on,
            "accepted_on": assignment.accepted_on, "ended_on": assignment.ended_on,
            "end_reason": assignment.end_reason, "reasons": assignment.reasons}
