"""Who is short of supervision as of a day, kept as supervision's log is replayed, so that a page of it costs the
page however large the workforce, and its totals stay right for the whole list.

Whether a peer worker is counted and short depends on their Worker, their open Assignments and the day, nothing
else. So each peer worker's standing as of a day is worked out once, at the first call for that day, and then
again only for the peer worker an event changed (their Worker, or one of their Assignments). Each scope
(statewide, an organization, a supervisor, or both) keeps how many it counts and its short peer workers in
order of id: a page is a bisect after the last id of the page before and a slice as long as the page.

Kept in the replayed read model's orders (shared.views.ReplayedAggregates), which hands each aggregate its log
changes to `put` as it replays; only the days asked for most recently are kept.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from uuid import UUID

from services.supervision.domain import Assignment, Worker
from services.supervision.rules import due
from services.supervision.settings import Settings

KEPT_DAYS = 3  # today, and a day or two asked for beside it (a test's or an auditor's as_of)
NAME = "shortfall:"

Scope = tuple  # (organization id or None, supervisor id or None)


class Shortfall:
    kind = (Worker, Assignment)  # what the replay hands to put()

    def __init__(self, aggregates: dict, settings: Settings, as_of: str):
        self.aggregates, self.settings, self.as_of = aggregates, settings, as_of
        self.assignments: dict[str, set[UUID]] = {}  # peer worker id -> their assignments
        # peer worker id -> (the scopes they are counted in, their item when short)
        self.standing: dict[str, tuple[tuple[Scope, ...], dict | None]] = {}
        self.counted: Counter = Counter()
        self.short: dict[Scope, list[str]] = {}  # sorted ids

    def fill(self) -> "Shortfall":
        """Every peer worker's standing at once, each scope sorted once (insort one by one moves the list)."""
        for aggregate in self.aggregates.values():
            if isinstance(aggregate, Assignment):
                self.assignments.setdefault(aggregate.peer_worker_id, set()).add(aggregate.id)
        for aggregate in self.aggregates.values():
            if isinstance(aggregate, Worker):
                self._count(str(aggregate.id), append=True)
        for ids in self.short.values():
            ids.sort()
        return self

    def put(self, aggregate) -> None:
        """An aggregate the log just changed: its peer worker's standing again."""
        if isinstance(aggregate, Assignment):
            self.assignments.setdefault(aggregate.peer_worker_id, set()).add(aggregate.id)
            worker_id = aggregate.peer_worker_id
        else:
            worker_id = str(aggregate.id)
        self._uncount(worker_id)
        self._count(worker_id)

    def page(self, scope: Scope, after: str | None, limit: int) -> dict:
        short = self.short.get(scope, [])
        start = bisect_right(short, after) if after else 0
        ids = short[start:start + limit]
        return {"peer_workers": self.counted[scope], "short": len(short),
                "items": [self.standing[worker_id][1] for worker_id in ids],
                "next_after": ids[-1] if ids and start + limit < len(short) else None}

    def _count(self, worker_id: str, append: bool = False) -> None:
        worker = self.aggregates.get(UUID(worker_id))
        status = due(worker, self.settings, self.as_of) if isinstance(worker, Worker) else None
        if status is None:  # not working as of the day: not counted
            return
        organizations = sorted(worker.organizations(self.as_of))
        supervising = [a for a in (self.aggregates.get(i) for i in self.assignments.get(worker_id, ())) if a.open]
        supervisors = sorted(a.supervisor_id for a in supervising)
        needs = not any(a.kind == "professional_development" for a in supervising)  # as finding.has_open
        scopes = tuple((organization, supervisor) for organization in (None, *organizations)
                       for supervisor in (None, *sorted(set(supervisors))))
        item = {"peer_worker_id": worker_id, "organization_ids": organizations, "supervisor_ids": supervisors,
                "needs_supervisor": needs, "overdue": status["overdue"], "next_due": status["next_due"],
                "first_period_hours_done": status["first_period_hours_done"]} \
            if status["overdue"] or needs else None
        self.standing[worker_id] = (scopes, item)
        self.counted.update(scopes)
        if item is None:
            return
        for scope in scopes:
            short = self.short.setdefault(scope, [])
            if append:
                short.append(worker_id)
            else:
                insort(short, worker_id)

    def _uncount(self, worker_id: str) -> None:
        scopes, item = self.standing.pop(worker_id, ((), None))
        self.counted.subtract(scopes)
        for scope in scopes:
            if not self.counted[scope]:
                del self.counted[scope]
            if item is not None:
                short = self.short[scope]
                del short[bisect_left(short, worker_id)]
                if not short:
                    del self.short[scope]


def page(replayed, settings: Settings, as_of: str, scope: Scope, after: str | None, limit: int) -> dict:
    """One page of who is short as of a day in a scope, with the scope's totals: {peer_workers, short, items,
    next_after}. The day's standing is made at its first call and kept as the log is replayed."""
    replayed.catch_up()
    with replayed.lock:
        name = NAME + as_of
        kept = replayed.orders.pop(name, None) or Shortfall(replayed.aggregates, settings, as_of).fill()
        replayed.orders[name] = kept  # the most recently asked for last
        for older in [key for key in replayed.orders if key.startswith(NAME)][:-KEPT_DAYS]:
            del replayed.orders[older]
        return kept.page(scope, after, limit)
