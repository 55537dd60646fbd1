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
    as long as the page, however long the list. An aggregate has any number of keys (one per employment, say;
    none: not in this order); a key ends with what makes it unique, so no two are equal."""

    def __init__(self, kind: type, keys: Callable[[Aggregate], list[tuple]]):
        self.kind, self.keys_of = kind, keys
        self.keys: list[tuple] = []  # sorted
        self.held: dict[UUID, list[tuple]] = {}  # each aggregate's keys, as they were when last put
        self.id_of: dict[tuple, UUID] = {}

    def put(self, aggregate: Aggregate) -> None:
        old, new = self.held.get(aggregate.id, []), sorted(self.keys_of(aggregate))
        if old == new:
            return
        for key in old:
            del self.keys[bisect_left(self.keys, key)]
            del self.id_of[key]
        for key in new:
            insort(self.keys, key)
            self.id_of[key] = aggregate.id
        if new:
            self.held[aggregate.id] = new
        else:
            self.held.pop(aggregate.id, None)

    def fill(self, aggregates) -> None:
        """Every aggregate there is, sorted at once (put one by one would move the list for each)."""
        for aggregate in aggregates:
            keys = sorted(self.keys_of(aggregate))
            if keys:
                self.held[aggregate.id] = keys
                self.id_of.update((key, aggregate.id) for key in keys)
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

    def entries(self, name: str, kind: type[A], keys: Callable[[A], list[tuple]], after: list | None, limit: int,
                matches: Callable[[A, tuple], bool] = lambda aggregate, key: True,
                prefix: tuple = ()) -> tuple[list[tuple[tuple, A]], list | None]:
        """Up to `limit` (key, aggregate) of `kind` whose key starts with `prefix` (one organization's, say) and
        that match, in the order of their keys, after the key `prefix` + `after`; and what to ask the next page
        after: the last key less the prefix (None: no more). The order `name` is made at its first use."""
        self.catch_up()
        with self.lock:
            ordered = self.orders.get(name)
            if ordered is None:
                ordered = self.orders[name] = Ordered(kind, keys)
                ordered.fill(aggregate for aggregate in self.aggregates.values() if isinstance(aggregate, kind))
            start = bisect_right(ordered.keys, prefix + tuple(after)) if after else bisect_left(ordered.keys, prefix)
            found: list[tuple[tuple, A]] = []
            for index in range(start, len(ordered.keys)):
                key = ordered.keys[index]
                if key[:len(prefix)] != prefix:  # past the prefix's keys: they are all together
                    break
                aggregate = self.aggregates[ordered.id_of[key]]
                if matches(aggregate, key):
                    found.append((key, aggregate))
                    if len(found) > limit:
                        break
            if len(found) <= limit:
                return found, None
            return found[:limit], list(found[limit - 1][0][len(prefix):])

    def page(self, name: str, kind: type[A], key: Callable[[A], tuple], after: list | None, limit: int,
             matches: Callable[[A], bool] = lambda aggregate: True) -> tuple[list[A], list | None]:
        """Up to `limit` aggregates of `kind` that match, in the order `key` gives (one key each), after the key
        `after`; and the key to ask the next page after (None: no more)."""
        found, next_after = self.entries(name, kind, lambda aggregate: [key(aggregate)], after, limit,
                                         lambda aggregate, _: matches(aggregate))
        return [aggregate for _, aggregate in found], next_after

    def put_again(self, aggregates) -> None:
        """Aggregates whose keys changed with no event of theirs (a peer worker forgotten, whose name no longer
        opens): every order takes their keys anew."""
        with self.lock:
            for aggregate in aggregates:
                for ordered in self.orders.values():
                    if isinstance(aggregate, ordered.kind):
                        ordered.put(aggregate)
