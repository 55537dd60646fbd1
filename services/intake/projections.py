"""What time does by itself: consents lapse, support requests and invitations expire.

`expire_due(now)` is run by the service on a nameko timer (and may be called
over RPC by the system). Which aggregates have something due is a projection
of the notification log kept in memory: rebuilt by reading the log from the
start after a restart, then kept up by reading only what is new.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.intake.invitations import PeerWorkerInvitation
from services.intake.people import Person
from services.intake.referrals import Invitation, Referral
from shared.identity import Caller

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


class ExpiryCommands:
    """Mixed into IntakeApplication."""

    _due_index: DueIndex | None = None

    def expire_due(self, now: datetime) -> dict:
        """Apply every expiry due by `now`; returns how many it published of each type."""
        if self._due_index is None:
            self._due_index = DueIndex()
        index = self._due_index
        index.catch_up(self)
        actor = Caller.system(self.service).as_actor()
        counts: dict[str, int] = {}
        for aggregate_id in [i for i, due in index.due.items() if due <= now]:
            aggregate: Person | Referral | PeerWorkerInvitation = self.repository.get(aggregate_id)
            aggregate.expire(now, actor)
            pending = list(aggregate.pending_events)
            if not pending:
                index.update(aggregate)
                continue
            try:
                self.save(aggregate)
            except IntegrityError:
                continue  # another instance or a command got there first: looked at again next time
            if isinstance(aggregate, Invitation):  # what the organization wrote is no longer needed
                self.vault.forget(str(aggregate.id))
            for event in pending:
                published_as = self.translations[type(event)](event)[0]
                counts[published_as] = counts.get(published_as, 0) + 1
            index.update(aggregate)
        return counts
