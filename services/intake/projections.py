"""Intake's one read model: what falls due when (consents lapse, support requests and
invitations expire), for `commands.expire_due`, which the service's timer runs (and the
system may call over RPC).

Which aggregates have something due is a projection of the notification log kept in
memory: rebuilt by reading the log from the start after a restart, then kept up by
reading only what is new.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

WATCHED_TOPICS = ("services.intake.people:", "services.intake.referrals:", "services.intake.invitations:")


class DueIndex:
    def __init__(self):
        self.position = 0
        self.due: dict[UUID, datetime] = {}

    def catch_up(self, app) -> None:
        touched: set[UUID] = set()
        while True:
            notifications = app.recorder.select_notifications(start=self.position, limit=500,
                                                              inclusive_of_start=False)
            if not notifications:
                break
            touched.update(n.originator_id for n in notifications if n.topic.startswith(WATCHED_TOPICS))
            self.position = notifications[-1].id
        for aggregate_id in touched:
            self.update(app.repository.get(aggregate_id))

    def update(self, aggregate) -> None:
        due = aggregate.next_due()
        if due is None:
            self.due.pop(aggregate.id, None)
        else:
            self.due[aggregate.id] = due
