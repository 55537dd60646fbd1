"""Supervision's commands: offering a supervisor and the answers to an offer, the facts
supervision keeps itself (dual relationships, training, staff), sessions, and what is due.

Each handler gets the command already admitted by supervision's access table
(shared/contracts/commands/supervision.py: roles, a peer worker or a supervisor
only as themselves, an agency admin's own organization where the input names it)
and, by keyword, what it needs: `store` (the SupervisionApplication: units of
work, the review of open supervisions, saving), `settings`, `clock`. What needs
supervision's records (whose peer worker, whose offer, whose session) is checked
here. Every changed aggregate is saved together; a refusal stores nothing.
"""
from __future__ import annotations

import functools

from eventsourcing.persistence import IntegrityError

from services.supervision import finding
from services.supervision.domain import Assignment, Session, Worker
from services.supervision.projections import Work
from services.supervision.rules import due, problems, today, weight
from shared.errors import Conflict, InvalidInput, NotAllowed
from shared.identity import Caller

ATTEMPTS = 3


def retried(handler):
    """Run a command again, from a fresh read, when a concurrent save (an upstream event) got there first.

    Nothing was stored by the losing attempt, so running it again is safe.
    """

    @functools.wraps(handler)  # keeps the signature: shared.handlers.bind reads its dependencies
    def run(command, caller, **dependencies):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return handler(command, caller, **dependencies)
            except IntegrityError:
                if attempt == ATTEMPTS:
                    raise

    return run


# -- what the handlers share ----------------------------------------------------------
def is_self(caller: Caller, role: str, worker_id) -> bool:
    return caller.role == role and caller.user_id == str(worker_id)


def known(work: Work, worker_id, field: str, change: bool = False) -> Worker:
    worker = (work.change if change else work.read)(worker_id, Worker)
    if worker is None:
        raise InvalidInput({field: [f"supervision knows no worker {worker_id} (directory has not recorded them)"]})
    return worker


def check_organization(caller: Caller, worker: Worker, as_of: str) -> None:
    """An agency admin acts only for their own organization's people."""
    if caller.role == "agency_admin" and caller.organization_id not in worker.organizations(as_of):
        raise NotAllowed("an agency admin may act only for their own organization's people")


def open_assignment(work: Work, assignment_id) -> Assignment:
    assignment = work.change(assignment_id, Assignment)
    if assignment is None:
        raise InvalidInput({"assignment_id": [f"no supervision offer {assignment_id}"]})
    return assignment


# -- offering and the answers ----------------------------------------------------------
@retried
def offer_supervisor(command: dict, caller: Caller, *, store, settings, clock) -> str:
    work, as_of = store.work(), today(clock)
    supervisee = known(work, command["peer_worker_id"], "peer_worker_id")
    check_organization(caller, supervisee, as_of)
    supervisor_id = str(command["supervisor_id"])
    options = {o["supervisor_id"]: o for o in finding.options(work, settings, supervisee, command["kind"], as_of)}
    option = options.get(supervisor_id)
    if option is None:
        supervisor = known(work, supervisor_id, "supervisor_id")
        why = problems(supervisor, supervisee, command["kind"], settings, as_of) or ["no_route_or_capacity"]
        raise InvalidInput({"supervisor_id": [f"may not supervise this peer worker now: {', '.join(why)}"]})
    if option["route"] == "pool":
        raise InvalidInput({"supervisor_id": [option["reasons"][0]]})
    if finding.has_open(work, str(supervisee.id), command["kind"]):
        raise InvalidInput({"peer_worker_id": ["already has an open supervision of this kind"]})
    assignment = store.offer(work, supervisee, command["kind"], option, as_of, caller.as_actor())
    store.commit(work)
    return str(assignment.id)


def _offered_to(caller: Caller, work: Work, assignment_id) -> Assignment:
    """An offer still waiting for the answer of the supervisor it was made to (or the system)."""
    assignment = open_assignment(work, assignment_id)
    if caller.role != "system" and not is_self(caller, "supervisor", assignment.supervisor_id):
        raise NotAllowed("only the supervisor offered may accept or decline")
    if assignment.status != "offered":
        raise InvalidInput({"assignment_id": [f"is {assignment.status}, not offered"]})
    return assignment


@retried
def accept_supervision(command: dict, caller: Caller, *, store, settings, clock) -> dict:
    work, as_of, actor = store.work(), today(clock), caller.as_actor()
    assignment = _offered_to(caller, work, command["assignment_id"])
    assignment.accept(as_of, actor)
    supervisor = work.change(assignment.supervisor_id, Worker)
    if supervisor.supervising_since is None:
        supervisor.begin_supervising(as_of, actor)
    _release_at_capacity(store, settings, work, assignment.supervisor_id, as_of, actor)
    store.commit(work)
    return {"assignment_id": str(assignment.id), "status": assignment.status}


def _release_at_capacity(store, settings, work: Work, supervisor_id: str, as_of: str, actor: dict) -> None:
    """Pending offers that no longer fit beside the accepted supervisees go elsewhere at once."""
    accepted = {a.peer_worker_id for a in work.all(Assignment)
                if a.supervisor_id == supervisor_id and a.status == "active"}
    carried = sum(weight(work.read(p, Worker), settings, as_of) for p in accepted)
    for pending in sorted(work.all(Assignment), key=lambda a: str(a.id)):
        if pending.supervisor_id != supervisor_id or pending.status != "offered" \
                or pending.peer_worker_id in accepted:
            continue
        if carried + weight(work.read(pending.peer_worker_id, Worker), settings, as_of) > settings.capacity:
            work.change(pending.id, Assignment).end("supervisor_at_capacity", as_of, actor)
            store.flag_and_offer(work, pending.peer_worker_id, pending.kind, "supervisor_at_capacity", as_of,
                                 actor, exclude={supervisor_id})


@retried
def decline_supervision(command: dict, caller: Caller, *, store, clock) -> dict:
    work, as_of, actor = store.work(), today(clock), caller.as_actor()
    assignment = _offered_to(caller, work, command["assignment_id"])
    assignment.decline(command["reason"], actor)
    store.flag_and_offer(work, assignment.peer_worker_id, assignment.kind, "declined", as_of, actor,
                         exclude={assignment.supervisor_id})
    store.commit(work)
    return {"assignment_id": str(assignment.id), "status": assignment.status}


@retried
def end_supervision(command: dict, caller: Caller, *, store, clock) -> dict:
    work, as_of, actor = store.work(), today(clock), caller.as_actor()
    assignment = open_assignment(work, command["assignment_id"])
    check_organization(caller, known(work, assignment.peer_worker_id, "assignment_id"), as_of)
    if not assignment.open:
        raise InvalidInput({"assignment_id": [f"is already {assignment.status}"]})
    assignment.end("ended_by_organization", as_of, actor)
    store.flag_and_offer(work, assignment.peer_worker_id, assignment.kind, "ended_by_organization", as_of,
                         actor, exclude={assignment.supervisor_id})
    store.commit(work)
    return {"assignment_id": str(assignment.id), "status": assignment.status}


# -- facts supervision keeps itself ----------------------------------------------------
@retried
def record_peer_support_relation(command: dict, caller: Caller, *, store, clock) -> None:
    """A dual relationship: the supporter is this peer worker's own peer supporter (or was connected)."""
    if command["peer_worker_id"] == command["supporter_id"]:
        raise InvalidInput({"supporter_id": ["must be someone else"]})
    work, actor = store.work(), caller.as_actor()
    for one, other in ((command["peer_worker_id"], command["supporter_id"]),
                       (command["supporter_id"], command["peer_worker_id"])):
        store.worker(work, str(one), actor).relate(str(other), command["active"], actor)
    store.review(work, today(clock), actor)
    store.commit(work)


@retried
def record_supervisor_training(command: dict, caller: Caller, *, store, clock) -> None:
    work, actor = store.work(), caller.as_actor()
    worker = known(work, command["peer_worker_id"], "peer_worker_id", change=True)
    check_organization(caller, worker, today(clock))
    worker.record_training(command["completed_on"].isoformat(), actor)
    store.commit(work)


@retried
def record_staff(command: dict, caller: Caller, *, store) -> None:
    """Staff outside the peer workforce, who may give administrative supervision (an admin's: the table's)."""
    work, actor = store.work(), caller.as_actor()
    worker = store.worker(work, str(command["staff_id"]), actor)
    worker.record_staff(str(command["organization_id"]), command["masters_level"], actor)
    store.commit(work)


# -- sessions ----------------------------------------------------------------------------
def party_of(caller: Caller, supervisor_id, peer_worker_id) -> str | None:
    if is_self(caller, "supervisor", supervisor_id):
        return "supervisor"
    if is_self(caller, "peer", peer_worker_id):
        return "peer_worker"
    return None


def check_relationship(work: Work, supervisor_id: str, peer_worker_id: str, kind: str) -> None:
    if not any(a.supervisor_id == supervisor_id and a.peer_worker_id == peer_worker_id and a.kind == kind
               and a.accepted_on is not None for a in work.all(Assignment)):
        raise InvalidInput({"supervisor_id": [
            f"no {kind.replace('_', ' ')} supervision relationship between {supervisor_id} and {peer_worker_id}"]})


@retried
def log_session(command: dict, caller: Caller, *, store) -> str:
    """By its supervisor or its peer worker (the table refuses anyone else), or the system."""
    work = store.work()
    supervisor_id, peer_worker_id = str(command["supervisor_id"]), str(command["peer_worker_id"])
    party = party_of(caller, supervisor_id, peer_worker_id)
    check_relationship(work, supervisor_id, peer_worker_id, command["kind"])
    chosen = command["session_id"]
    if chosen is not None and work.read(chosen, Session) is not None:
        raise Conflict(f"session {chosen} was logged before (a request sent again?)")
    facts = dict(supervisor_id=supervisor_id, peer_worker_id=peer_worker_id, date=command["date"].isoformat(),
                 minutes=command["minutes"], kind=command["kind"], grouping=command["grouping"],
                 medium=command["medium"], confirmed_by=[party] if party else [], actor=caller.as_actor())
    # The id the client chose, or its Idempotency-Key gave (eventsourcing's _create is what takes one).
    session = work.add(Session(**facts) if chosen is None else Session._create(Session.Logged, id=chosen, **facts))
    store.commit(work)
    return str(session.id)


def _session_of(work: Work, session_id, caller: Caller) -> tuple[Session, str]:
    session = work.change(session_id, Session)
    if session is None:
        raise InvalidInput({"session_id": [f"no session {session_id}"]})
    party = party_of(caller, session.supervisor_id, session.peer_worker_id)
    if party is None:
        raise NotAllowed("only the session's supervisor or peer worker may confirm or correct it")
    return session, party


@retried
def confirm_session(command: dict, caller: Caller, *, store) -> dict:
    work, actor = store.work(), caller.as_actor()
    session, party = _session_of(work, command["session_id"], caller)
    if party not in session.confirmed_by:
        session.confirm(party, actor)
        if session.confirmed:
            work.change(session.peer_worker_id, Worker).count_session(
                str(session.id), session.date, session.minutes, session.kind, actor)
    store.commit(work)
    return {"session_id": str(session.id), "confirmed_by": session.confirmed_by}


@retried
def correct_session(command: dict, caller: Caller, *, store) -> dict:
    work, actor = store.work(), caller.as_actor()
    session, party = _session_of(work, command["session_id"], caller)
    check_relationship(work, session.supervisor_id, session.peer_worker_id, command["kind"])
    session.correct(command["date"].isoformat(), command["minutes"], command["kind"], command["grouping"],
                    command["medium"], [party], actor)
    supervisee = work.change(session.peer_worker_id, Worker)
    if str(session.id) in supervisee.counted:
        supervisee.uncount_session(str(session.id), actor)
    store.commit(work)
    return {"session_id": str(session.id), "confirmed_by": session.confirmed_by}


# -- what is due ---------------------------------------------------------------------------
@retried
def check_due(command: dict, caller: Caller, *, store, settings, clock) -> int:
    """Record each requirement that became overdue, once; the timer calls this hourly.

    It also reviews every open supervision, since dates alone end some
    (a new supervisor's training deadline, an agreement's end). `as_of`
    stands for the clock's day, so a test can move time forward.
    """
    as_of = command["as_of"].isoformat() if command["as_of"] else today(clock)
    work, actor = store.work(), caller.as_actor()
    store.review(work, as_of, actor)
    recorded = 0
    for seen in work.all(Worker):
        status = due(seen, settings, as_of)
        for item in (status or {}).get("overdue", []):
            if f"{item['requirement']}:{item['due_on']}" not in seen.overdue_recorded:
                work.change(seen.id, Worker).record_overdue(item["requirement"], item["due_on"], as_of, actor)
                recorded += 1
    store.commit(work)
    return recorded
