"""Read models rebuilt by replaying a service's own notification log.

A new process starts empty and catches up; each read first takes in what was
stored since, by any instance of the service.
"""
from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from typing import Callable, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.access import Access

A = TypeVar("A", bound=Aggregate)
BATCH = 500


class Ordered:
    """One kind of aggregate in one order, kept as the log is replayed, so that a page is a bisect and a walk
    as long as the page, however long the list. A key ends with the aggregate's id: no two are equal."""

    def __init__(self, kind: type, key: Callable[[Aggregate], tuple]):
        self.kind, self.key = kind, key
        self.keys: list[tuple] = []  # sorted
        self.key_of: dict[UUID, tuple] = {}
        self.id_of: dict[tuple, UUID] = {}

    def put(self, aggregate: Aggregate) -> None:
        old, new = self.key_of.get(aggregate.id), self.key(aggregate)
        if old == new:
            return
        if old is not None:
            del self.keys[bisect_left(self.keys, old)]
            del self.id_of[old]
        insort(self.keys, new)
        self.key_of[aggregate.id], self.id_of[new] = new, aggregate.id

    def fill(self, aggregates) -> None:
        """Every aggregate there is, sorted at once (put one by one would move the list for each)."""
        for aggregate in aggregates:
            key = self.key_of[aggregate.id] = self.key(aggregate)
            self.id_of[key] = aggregate.id
        self.keys = sorted(self.id_of)


class ReplayedAggregates:
    """Every aggregate of a service, held in memory and kept up to date from its log."""

    def __init__(self, recorder, mapper):
        self.recorder, self.mapper = recorder, mapper
        self.position = 0
        self.aggregates: dict[UUID, Aggregate] = {}
        self.orders: dict[str, Ordered] = {}
        self.lock = threading.Lock()

    def catch_up(self) -> int:
        with self.lock:
            while True:
                notifications = self.recorder.select_notifications(
                    start=self.position, limit=BATCH, inclusive_of_start=False)
                for notification in notifications:
                    event = self.mapper.to_domain_event(notification)
                    if isinstance(event, Access.Recorded):  # the access log is no read model: not kept in memory
                        self.position = notification.id
                        continue
                    aggregate = self.aggregates[event.originator_id] = event.mutate(
                        self.aggregates.get(event.originator_id))
                    for ordered in self.orders.values():
                        if isinstance(aggregate, ordered.kind):
                            ordered.put(aggregate)
                    self.position = notification.id
                if len(notifications) < BATCH:
                    return self.position

    def all(self, kind: type[A]) -> list[A]:
        self.catch_up()
        return [aggregate for aggregate in self.aggregates.values() if isinstance(aggregate, kind)]

    def page(self, name: str, kind: type[A], key: Callable[[A], tuple], after: list | None, limit: int,
             matches: Callable[[A], bool] = lambda aggregate: True) -> tuple[list[A], list | None]:
        """Up to `limit` aggregates of `kind` that match, in the order `key` gives, after the key `after`; and
        the key to ask the next page after (None: no more). The order `name` is made at its first use."""
        self.catch_up()
        with self.lock:
            ordered = self.orders.get(name)
            if ordered is None:
                ordered = self.orders[name] = Ordered(kind, key)
                ordered.fill(aggregate for aggregate in self.aggregates.values() if isinstance(aggregate, kind))
            found: list[A] = []
            for index in range(bisect_right(ordered.keys, tuple(after)) if after else 0, len(ordered.keys)):
                aggregate = self.aggregates[ordered.id_of[ordered.keys[index]]]
                if matches(aggregate):
                    found.append(aggregate)
                    if len(found) > limit:
                        break
            if len(found) <= limit:
                return found, None
            return found[:limit], list(ordered.key_of[found[limit - 1].id])
