"""The read model: the service's own log replayed into memory, and a unit of work
that overlays the aggregates a command or an upstream event is changing."""
from __future__ import annotations

import threading
from uuid import UUID

from eventsourcing.domain import Aggregate

BATCH = 500


class ReplayedAggregates:
    """Every aggregate, rebuilt by replaying the log; each read first catches up."""

    def __init__(self, recorder, mapper):
        self.recorder, self.mapper = recorder, mapper
        self.position = 0
        self.aggregates: dict[UUID, Aggregate] = {}
        self.lock = threading.Lock()

    def catch_up(self) -> None:
        with self.lock:
            while True:
                notifications = self.recorder.select_notifications(
                    start=self.position, limit=BATCH, inclusive_of_start=False)
                for notification in notifications:
                    event = self.mapper.to_domain_event(notification)
                    self.aggregates[event.originator_id] = event.mutate(self.aggregates.get(event.originator_id))
                    self.position = notification.id
                if len(notifications) < BATCH:
                    return


class Work:
    """One command's or one upstream event's view of the world.

    Reads see the replayed projection overlaid with what this unit changed;
    changes are made only on aggregates loaded fresh from the repository,
    never on the projection's copies (replay would apply them twice).
    """

    def __init__(self, repository, replayed: ReplayedAggregates):
        self.repository = repository
        replayed.catch_up()
        self.seen = dict(replayed.aggregates)
        self.changing: dict[UUID, Aggregate] = {}

    def read(self, aggregate_id, kind: type) -> Aggregate | None:
        key = UUID(str(aggregate_id))
        found = self.changing.get(key) or self.seen.get(key)
        return found if isinstance(found, kind) else None

    def change(self, aggregate_id, kind: type) -> Aggregate | None:
        key = UUID(str(aggregate_id))
        if key not in self.changing:
            if not isinstance(self.seen.get(key), kind):
                return None
            self.changing[key] = self.repository.get(key)
        return self.changing[key]

    def add(self, aggregate: Aggregate) -> Aggregate:
        self.changing[aggregate.id] = aggregate
        return aggregate

    def all(self, kind: type) -> list:
        merged = {**self.seen, **self.changing}
        return [aggregate for aggregate in merged.values() if isinstance(aggregate, kind)]

    def changed(self) -> list[Aggregate]:
        return list(self.changing.values())
