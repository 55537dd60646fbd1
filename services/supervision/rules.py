"""The rules, as pure functions of the aggregates, the settings and a date: who may
supervise whom, how much load a supervisor carries, and what supervision is due."""
from __future__ import annotations

from datetime import date, timedelta

from services.supervision.domain import PEER_CREDENTIALS, Worker
from services.supervision.settings import Settings
from shared.clock import Clock
from shared.contracts.supervision import KINDS


def today(clock: Clock) -> str:
    """The clock's day, as the aggregates keep dates (ISO)."""
    return clock().date().isoformat()


def plus_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def problems(supervisor: Worker, supervisee: Worker, kind: str, settings: Settings, as_of: str) -> list[str]:
    """Why this supervisor may not supervise this peer worker in this kind; empty when they may."""
    found = []
    if supervisor.id == supervisee.id:
        return ["same_person"]
    if not supervisor.organizations(as_of):
        found.append("not_employed")
    if str(supervisee.id) in supervisor.related or str(supervisor.id) in supervisee.related:
        found.append("dual_relationship")
    if kind == "administrative":
        if settings.admin_requires_masters and not supervisor.masters_level:
            found.append("not_masters_level")
        return found
    # Professional development comes only from someone who has worked in a peer role, for
    # as long as the state says: directory decides that day (directory/eligibility.py). No day
    # yet: a start directory stored before it kept one; it publishes the day when it starts
    # (decide_peer_years), and meanwhile nobody's supervision is ended for want of it.
    if supervisor.peer_role_since is None:
        found.append("no_peer_role")
    elif supervisor.peer_years_met_on is not None and as_of < supervisor.peer_years_met_on:
        found.append("too_few_peer_years")
    if not supervisor.holds(PEER_CREDENTIALS, as_of):
        found.append("no_valid_peer_credential")
    if not has_supervisor_training(supervisor, settings, as_of):
        found.append("no_supervisor_training")
    return found


def has_supervisor_training(supervisor: Worker, settings: Settings, as_of: str) -> bool:
    """A current peer-supervisor credential or training; a new supervisor has until the deadline.

    The deadline runs from the day they began supervising; someone whose
    peer-supervisor credential expired has no deadline left: it lapsed.
    """
    if supervisor.holds(("peer_supervisor",), as_of) or supervisor.supervisor_training_on is not None:
        return True
    if supervisor.ever_held("peer_supervisor"):
        return False
    since = supervisor.supervising_since
    return since is None or as_of <= plus_days(since, settings.training_within_days)


def weight(supervisee: Worker, settings: Settings, as_of: str) -> float:
    """A supervisee's share of a full-time load: part-timers count part."""
    hours = supervisee.hours_per_week(as_of)
    return 1.0 if hours <= 0 else min(1.0, hours / settings.full_time_hours)


def due(worker: Worker, settings: Settings, as_of: str) -> dict | None:
    """What supervision a peer worker needs, has had and is late with, as of a day; None if not working."""
    start = worker.employed_since(as_of)
    if start is None:
        return None
    sessions = sorted((s for s in worker.counted.values() if start <= s["date"] <= as_of), key=lambda s: s["date"])
    provisional = not worker.holds(PEER_CREDENTIALS, as_of)
    every = settings.provisional_every_days if provisional else settings.certified_every_days
    developmental = [s["date"] for s in sessions if s["kind"] == "professional_development"]
    last = developmental[-1] if developmental else None
    next_due = plus_days(last or start, every)
    period_end = plus_days(start, settings.first_period_days)
    in_period = sum(s["minutes"] for s in sessions if s["date"] <= period_end) / 60
    overdue = []
    if as_of > next_due:
        overdue.append({"requirement": "session_cadence", "due_on": next_due})
    if as_of > period_end and in_period < settings.first_period_hours:
        overdue.append({"requirement": "first_period_hours", "due_on": period_end})
    return {
        "peer_worker_id": str(worker.id),
        "stage": "provisional" if provisional else "certified",
        "every_days": every,
        "since": start,
        "last_session": last,
        "next_due": next_due,
        "first_period_end": period_end,
        "first_period_hours_required": settings.first_period_hours,
        "first_period_hours_done": round(in_period, 2),
        "hours_total": round(sum(s["minutes"] for s in sessions) / 60, 2),
        "hours_by_kind": {kind: round(sum(s["minutes"] for s in sessions if s["kind"] == kind) / 60, 2)
                          for kind in KINDS},
        "sessions": len(sessions),
        "overdue": overdue,
    }
