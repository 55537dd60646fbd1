"""Supervision's read model: its own log replayed into memory (shared.views.ReplayedAggregates,
kept by the Application), and `Work`, one command's or upstream event's view of it with the
aggregates it is changing overlaid."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.views import ReplayedAggregates


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
