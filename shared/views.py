"""Read models rebuilt by replaying a service's own notification log.

A new process starts empty and catches up; each read first takes in what was
stored since, by any instance of the service.
"""
from __future__ import annotations

import threading
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.access import Access

A = TypeVar("A", bound=Aggregate)
BATCH = 500


class ReplayedAggregates:
    """Every aggregate of a service, held in memory and kept up to date from its log."""

    def __init__(self, recorder, mapper):
        self.recorder, self.mapper = recorder, mapper
        self.position = 0
        self.aggregates: dict[UUID, Aggregate] = {}
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
                    self.aggregates[event.originator_id] = event.mutate(self.aggregates.get(event.originator_id))
                    self.position = notification.id
                if len(notifications) < BATCH:
                    return self.position

    def all(self, kind: type[A]) -> list[A]:
        self.catch_up()
        return [aggregate for aggregate in self.aggregates.values() if isinstance(aggregate, kind)]
