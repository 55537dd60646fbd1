"""Audit's aggregate: break-glass access to one person's personal fields.

One aggregate per person (its id is the person's id), so the person's
disclosure log can follow it. An access is opened by one state auditor, with
a reason code and a reference, until a set time; every read under it is
recorded too. No personal field is ever kept here.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class PersonalDataAccess(Aggregate):
    @staticmethod
    def create_id(person_id: UUID, **_) -> UUID:
        return person_id

    @event("Opened")
    def __init__(self, person_id: UUID, auditor_id: str, reason: str, reference: str, expires_at: str,
                 actor: dict):
        self.open_until: dict[str, tuple[str, str]] = {}  # auditor user id -> (ends at, reference)
        self.open_until[auditor_id] = (expires_at, reference)

    @event("Reopened")
    def open(self, auditor_id: str, reason: str, reference: str, expires_at: str, actor: dict):
        self.open_until[auditor_id] = (expires_at, reference)

    @event("Read")
    def read(self, auditor_id: str, fields_read: list, reference: str, actor: dict):
        """Only the names of the fields read are kept, never their values."""

    def open_reference(self, auditor_id: str, at: datetime) -> str | None:
        """The reference of the auditor's access if it is still open at `at`, else None."""
        until, reference = self.open_until.get(auditor_id, (None, None))
        return reference if until is not None and datetime.fromisoformat(until) > at else None
