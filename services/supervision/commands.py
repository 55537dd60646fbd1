"""Supervision's commands, as a mixin of the Application.

Commands validate with marshmallow, check the caller's scope and save every
changed aggregate together; a refusal stores nothing.
"""
from __future__ import annotations


import functools

from eventsourcing.persistence import IntegrityError

from services.supervision import finding
from services.supervision.domain import Assignment, Session, Worker
from services.supervision.rules import due, problems, weight
from services.supervision.views import Work
from shared.contracts.commands import supervision as schemas
from shared.contracts.commands.supervision import today
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.schemas import load


def is_self(caller: Caller, role: str, worker_id) -> bool:
    return caller.role == role and caller.user_id == str(worker_id)


ATTEMPTS = 3


def retried(command):
    """Run a command again, from a fresh read, when a concurrent save (an upstream event) got there first.

    Nothing was stored by the losing attempt, so running it again is safe.
    """

    @functools.wraps(command)
    def run(self, payload, caller):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return command(self, payload, caller)
            except IntegrityError:
                if attempt == ATTEMPTS:
                    raise

    return run


class Commands:
    # -- helpers ----------------------------------------------------------------
    def known(self, work: Work, worker_id, field: str, change: bool = False) -> Worker:
        worker = (work.change if change else work.read)(worker_id, Worker)
        if worker is None:
            raise InvalidInput({field: [f"supervision knows no worker {worker_id} (directory has not recorded them)"]})
        return worker

    @staticmethod
    def check_organization(caller: Caller, worker: Worker, as_of: str) -> None:
        """An agency admin acts only for their own organization's people."""
        if caller.role == "agency_admin" and caller.organization_id not in worker.organizations(as_of):
            raise NotAllowed("an agency admin may act only for their own organization's people")

    @staticmethod
    def open_assignment(work: Work, assignment_id) -> Assignment:
        assignment = work.change(assignment_id, Assignment)
        if assignment is None:
            raise InvalidInput({"assignment_id": [f"no supervision offer {assignment_id}"]})
        return assignment

    def commit(self, work: Work) -> None:
        changed = work.changed()
        if changed:
            self.save(*changed)

    # -- finding and offering -----------------------------------------------------
    def find_supervisor(self, payload: dict, caller: Caller) -> dict:
        query = load(schemas.FindSupervisor(), payload)
        if caller.role == "peer" and caller.user_id != str(query["peer_worker_id"]):
            raise NotAllowed("a peer worker may look for a supervisor only for themselves")
        work, as_of = self.work(), today()
        supervisee = self.known(work, query["peer_worker_id"], "peer_worker_id")
        self.check_organization(caller, supervisee, as_of)
        found = finding.options(work, self.settings, supervisee, query["kind"], as_of,
                                query["languages"], query["specialties"])
        routes = {option["route"] for option in found}
        return {"peer_worker_id": str(supervisee.id), "kind": query["kind"], "options": found,
                "route": next((r for r in finding.ROUTE_ORDER if r in routes), None)}

    @retried
    def offer_supervisor(self, payload: dict, caller: Caller) -> str:
        command = load(schemas.OfferSupervisor(), payload)
        work, as_of = self.work(), today()
        supervisee = self.known(work, command["peer_worker_id"], "peer_worker_id")
        self.check_organization(caller, supervisee, as_of)
        supervisor_id = str(command["supervisor_id"])
        options = {o["supervisor_id"]: o for o in finding.options(
            work, self.settings, supervisee, command["kind"], as_of)}
        option = options.get(supervisor_id)
        if option is None:
            supervisor = self.known(work, supervisor_id, "supervisor_id")
            why = problems(supervisor, supervisee, command["kind"], self.settings, as_of) or ["no_route_or_capacity"]
            raise InvalidInput({"supervisor_id": [f"may not supervise this peer worker now: {', '.join(why)}"]})
        if option["route"] == "pool":
            raise InvalidInput({"supervisor_id": [option["reasons"][0]]})
        if any(a.open and a.kind == command["kind"] and a.peer_worker_id == str(supervisee.id)
               for a in work.all(Assignment)):
            raise InvalidInput({"peer_worker_id": ["already has an open supervision of this kind"]})
        assignment = work.add(Assignment(
            supervisor_id=supervisor_id, peer_worker_id=str(supervisee.id), kind=command["kind"],
            route=option["route"], agreement_id=option["agreement_id"], reasons=option["reasons"],
            offered_on=as_of, actor=caller.as_actor()))
        self.commit(work)
        return str(assignment.id)

    @retried
    def accept_supervision(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.AssignmentRef(), payload)
        work, as_of, actor = self.work(), today(), caller.as_actor()
        assignment = self.open_assignment(work, command["assignment_id"])
        self.check_supervisor(caller, assignment)
        if assignment.status != "offered":
            raise InvalidInput({"assignment_id": [f"is {assignment.status}, not offered"]})
        assignment.accept(as_of, actor)
        supervisor = work.change(assignment.supervisor_id, Worker)
        if supervisor.supervising_since is None:
            supervisor.begin_supervising(as_of, actor)
        self.release_at_capacity(work, assignment.supervisor_id, as_of, actor)
        self.commit(work)
        return {"assignment_id": str(assignment.id), "status": assignment.status}

    def release_at_capacity(self, work: Work, supervisor_id: str, as_of: str, actor: dict) -> None:
        """Pending offers that no longer fit beside the accepted supervisees go elsewhere at once."""
        accepted = {a.peer_worker_id for a in work.all(Assignment)
                    if a.supervisor_id == supervisor_id and a.status == "active"}
        carried = sum(weight(work.read(p, Worker), self.settings, as_of) for p in accepted)
        for pending in sorted(work.all(Assignment), key=lambda a: str(a.id)):
            if pending.supervisor_id != supervisor_id or pending.status != "offered" \
                    or pending.peer_worker_id in accepted:
                continue
            if carried + weight(work.read(pending.peer_worker_id, Worker), self.settings, as_of) \
                    > self.settings.capacity:
                work.change(pending.id, Assignment).end("supervisor_at_capacity", as_of, actor)
                self.flag_and_offer(work, pending.peer_worker_id, pending.kind, "supervisor_at_capacity", as_of,
                                    actor, exclude={supervisor_id})

    @retried
    def decline_supervision(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.Decline(), payload)
        work, as_of, actor = self.work(), today(), caller.as_actor()
        assignment = self.open_assignment(work, command["assignment_id"])
        self.check_supervisor(caller, assignment)
        if assignment.status != "offered":
            raise InvalidInput({"assignment_id": [f"is {assignment.status}, not offered"]})
        assignment.decline(command["reason"], actor)
        self.flag_and_offer(work, assignment.peer_worker_id, assignment.kind, "declined", as_of, actor,
                            exclude={assignment.supervisor_id})
        self.commit(work)
        return {"assignment_id": str(assignment.id), "status": assignment.status}

    @retried
    def end_supervision(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.EndSupervision(), payload)
        work, as_of, actor = self.work(), today(), caller.as_actor()
        assignment = self.open_assignment(work, command["assignment_id"])
        self.check_organization(caller, self.known(work, assignment.peer_worker_id, "assignment_id"), as_of)
        if not assignment.open:
            raise InvalidInput({"assignment_id": [f"is already {assignment.status}"]})
        assignment.end("ended_by_organization", as_of, actor)
        self.flag_and_offer(work, assignment.peer_worker_id, assignment.kind, "ended_by_organization", as_of,
                            actor, exclude={assignment.supervisor_id})
        self.commit(work)
        return {"assignment_id": str(assignment.id), "status": assignment.status}

    @staticmethod
    def check_supervisor(caller: Caller, assignment: Assignment) -> None:
        if caller.role != "system" and not is_self(caller, "supervisor", assignment.supervisor_id):
            raise NotAllowed("only the supervisor offered may accept or decline")

    # -- facts supervision keeps itself -------------------------------------------
    @retried
    def record_peer_support_relation(self, payload: dict, caller: Caller) -> None:
        """A dual relationship: the supporter is this peer worker's own peer supporter (or was connected)."""
        command = load(schemas.PeerSupportRelation(), payload)
        if command["peer_worker_id"] == command["supporter_id"]:
            raise InvalidInput({"supporter_id": ["must be someone else"]})
        work, actor = self.work(), caller.as_actor()
        for one, other in ((command["peer_worker_id"], command["supporter_id"]),
                           (command["supporter_id"], command["peer_worker_id"])):
            self.worker(work, str(one), actor).relate(str(other), command["active"], actor)
        self.review(work, today(), actor)
        self.commit(work)

    @retried
    def record_supervisor_training(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.SupervisorTraining(), payload)
        work, actor = self.work(), caller.as_actor()
        worker = self.known(work, command["peer_worker_id"], "peer_worker_id", change=True)
        self.check_organization(caller, worker, today())
        worker.record_training(command["completed_on"].isoformat(), actor)
        self.commit(work)

    @retried
    def record_staff(self, payload: dict, caller: Caller) -> None:
        """Staff outside the peer workforce, who may give administrative supervision."""
        command = load(schemas.Staff(), payload)
        if caller.role == "agency_admin" and caller.organization_id != str(command["organization_id"]):
            raise NotAllowed("an agency admin may act only for their own organization")
        work, actor = self.work(), caller.as_actor()
        worker = self.worker(work, str(command["staff_id"]), actor)
        worker.record_staff(str(command["organization_id"]), command["masters_level"], actor)
        self.commit(work)

    # -- sessions -----------------------------------------------------------------
    @staticmethod
    def party_of(caller: Caller, supervisor_id, peer_worker_id) -> str | None:
        if is_self(caller, "supervisor", supervisor_id):
            return "supervisor"
        if is_self(caller, "peer", peer_worker_id):
            return "peer_worker"
        return None

    def check_relationship(self, work: Work, supervisor_id: str, peer_worker_id: str, kind: str) -> None:
        if not any(a.supervisor_id == supervisor_id and a.peer_worker_id == peer_worker_id and a.kind == kind
                   and a.accepted_on is not None for a in work.all(Assignment)):
            raise InvalidInput({"supervisor_id": [
                f"no {kind.replace('_', ' ')} supervision relationship between {supervisor_id} and {peer_worker_id}"]})

    @retried
    def log_session(self, payload: dict, caller: Caller) -> str:
        command = load(schemas.LogSession(), payload)
        work = self.work()
        supervisor_id, peer_worker_id = str(command["supervisor_id"]), str(command["peer_worker_id"])
        party = self.party_of(caller, supervisor_id, peer_worker_id)
        if party is None and caller.role != "system":
            raise NotAllowed("a session is logged by its supervisor or its peer worker")
        self.check_relationship(work, supervisor_id, peer_worker_id, command["kind"])
        session = work.add(Session(
            supervisor_id=supervisor_id, peer_worker_id=peer_worker_id, date=command["date"].isoformat(),
            minutes=command["minutes"], kind=command["kind"], grouping=command["grouping"],
            medium=command["medium"], confirmed_by=[party] if party else [], actor=caller.as_actor()))
        self.commit(work)
        return str(session.id)

    def session_of(self, work: Work, session_id, caller: Caller) -> tuple[Session, str]:
        session = work.change(session_id, Session)
        if session is None:
            raise InvalidInput({"session_id": [f"no session {session_id}"]})
        party = self.party_of(caller, session.supervisor_id, session.peer_worker_id)
        if party is None:
            raise NotAllowed("only the session's supervisor or peer worker may confirm or correct it")
        return session, party

    @retried
    def confirm_session(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.SessionRef(), payload)
        work, actor = self.work(), caller.as_actor()
        session, party = self.session_of(work, command["session_id"], caller)
        if party not in session.confirmed_by:
            session.confirm(party, actor)
            if session.confirmed:
                work.change(session.peer_worker_id, Worker).count_session(
                    str(session.id), session.date, session.minutes, session.kind, actor)
        self.commit(work)
        return {"session_id": str(session.id), "confirmed_by": session.confirmed_by}

    @retried
    def correct_session(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.CorrectSession(), payload)
        work, actor = self.work(), caller.as_actor()
        session, party = self.session_of(work, command["session_id"], caller)
        self.check_relationship(work, session.supervisor_id, session.peer_worker_id, command["kind"])
        session.correct(command["date"].isoformat(), command["minutes"], command["kind"], command["grouping"],
                        command["medium"], [party], actor)
        supervisee = work.change(session.peer_worker_id, Worker)
        if str(session.id) in supervisee.counted:
            supervisee.uncount_session(str(session.id), actor)
        self.commit(work)
        return {"session_id": str(session.id), "confirmed_by": session.confirmed_by}

    # -- what is due ------------------------------------------------------------------
    @retried
    def check_due(self, payload: dict, caller: Caller) -> int:
        """Record each requirement that became overdue, once; the timer calls this hourly.

        It also reviews every open supervision, since dates alone end some
        (a new supervisor's training deadline, an agreement's end). `as_of`
        stands for today, so a test clock can move time forward.
        """
        as_of = load(schemas.AsOf(), payload)["as_of"]
        as_of = as_of.isoformat() if as_of else today()
        work, actor = self.work(), caller.as_actor()
        self.review(work, as_of, actor)
        recorded = 0
        for seen in work.all(Worker):
            status = due(seen, self.settings, as_of)
            for item in (status or {}).get("overdue", []):
                if f"{item['requirement']}:{item['due_on']}" not in seen.overdue_recorded:
                    work.change(seen.id, Worker).record_overdue(item["requirement"], item["due_on"], as_of, actor)
                    recorded += 1
        self.commit(work)
        return recorded
