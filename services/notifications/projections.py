"""Notifications' read model: what is due when. Deliveries not yet sent (with the time each may
go), reminders not yet fired, and each organization's webhook deliveries, newest last, for its
delivery log. Kept in memory from the store's own events: rebuilt by replaying them at start,
then kept up from what each commit stored (`NotificationsApplication._notify`).
"""
from __future__ import annotations

from collections import defaultdict, deque
from uuid import UUID

from services.notifications.domain import Delivery, Reminder

LOG_KEPT = 1000  # webhook deliveries remembered per organization for its log


class Due:
    def __init__(self):
        self.deliveries: dict[UUID, str] = {}  # delivery id -> ISO time it may go
        self.reminders: dict[UUID, str] = {}   # reminder id -> ISO time it falls due
        self.webhook_log: dict[str, deque] = defaultdict(lambda: deque(maxlen=LOG_KEPT))

    def apply(self, event) -> None:
        if isinstance(event, Delivery.Planned):
            self.deliveries[event.originator_id] = event.due
            if event.channel == "webhook":
                self.webhook_log[event.recipient].append(event.originator_id)
        elif isinstance(event, (Delivery.Sent, Delivery.Cancelled)) or (
                isinstance(event, Delivery.Failed) and event.retry_at is None):
            self.deliveries.pop(event.originator_id, None)
        elif isinstance(event, Delivery.Failed):
            self.deliveries[event.originator_id] = event.retry_at
        elif isinstance(event, Delivery.Deferred):
            self.deliveries[event.originator_id] = event.until
        elif isinstance(event, (Reminder.Scheduled, Reminder.Rescheduled)):
            self.reminders[event.originator_id] = event.due
        elif isinstance(event, (Reminder.Fired, Reminder.Cancelled)):
            self.reminders.pop(event.originator_id, None)

    @staticmethod
    def _by(table: dict[UUID, str], now: str, limit: int) -> list[UUID]:
        # ISO times in UTC compare as strings
        return sorted((i for i, due in table.items() if due <= now), key=lambda i: (table[i], i.hex))[:limit]

    def deliveries_due(self, now: str, limit: int) -> list[UUID]:
        return self._by(self.deliveries, now, limit)

    def reminders_due(self, now: str, limit: int) -> list[UUID]:
        return self._by(self.reminders, now, limit)
