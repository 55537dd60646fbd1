"""The access log: a read of someone else's personal data is itself an event.

A service that answers with personal data about a person or a peer worker
calls `record_access` (the `AccessLog` mixin of its Application): who read
(the caller: user id, role, organization, in the event's actor), whose data
(`subject_id`, also the published event's subject), which fields (names, never
values), through which call, and when (the event's time). It is stored in the
reading service's own store; the relay publishes it as
`<service>.AccessRecorded`; intake follows it into the person's disclosure log
and audit into its ledger.

Kept cheap, because some reads happen hundreds of times a second:
- reading your own data is not recorded: nobody else learned anything;
- the service itself (role `system`: timers, consumers, the service's own
  checks) reading is not a disclosure to anyone; the gateway always calls as
  the user;
- the same reader reading the same fields of the same subject through the same
  call counts once an hour: the record's id is derived from all of those and
  the hour, so a repeat is one refused insert at most, and a small memory of
  this hour's ids in the process skips even that. A peer polling their
  requests every second writes once an hour per person, not 3,600 times.
"""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from shared.identity import Caller


class Access(Aggregate):
    """One recorded read. Never changes: one event per aggregate."""

    @event("Recorded")
    def __init__(self, subject_id: str, subject_kind: str, via: str, fields_read: list, hour: str, actor: dict):
        self.subject_id = subject_id

    @staticmethod
    def create_id(subject_id: str, subject_kind: str, via: str, fields_read: list, hour: str, actor: dict,
                  **_) -> UUID:
        reader = f"{actor['user_id']}|{actor['role']}|{actor.get('organization_id')}"
        return uuid5(NAMESPACE_URL, f"peernet:access:{subject_id}|{reader}|{via}|{','.join(fields_read)}|{hour}")


def access_recorded(event: Access.Recorded) -> tuple:
    return "AccessRecorded", {"subject_id": event.subject_id, "subject_kind": event.subject_kind,
                              "via": event.via, "fields_read": event.fields_read}


TRANSLATIONS = {Access.Recorded: access_recorded}


class AccessLog:
    """Mixin for a ServiceApplication: `record_access` after a read, before answering."""

    _access_hour: str = ""
    _access_seen: set | None = None

    def record_access(self, caller: Caller, via: str, reads) -> int:
        """reads: (subject id, subject kind, field names) shown in one answer. Stored in one transaction;
        returns how many were new."""
        if caller.role == "system":
            return 0
        hour = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H")
        if hour != self._access_hour:
            self._access_hour, self._access_seen = hour, set()
        new = {}  # id -> what to record; aggregates are made at each save (a failed save spends their events)
        for subject_id, kind, fields_read in reads:
            subject_id, fields_read = str(subject_id), sorted(set(fields_read))
            if caller.user_id == subject_id or not fields_read:
                continue
            record = dict(subject_id=subject_id, subject_kind=kind, via=via, fields_read=fields_read, hour=hour,
                          actor=caller.as_actor())
            key = Access.create_id(**record)
            if key not in self._access_seen:
                new[key] = record
        if not new:
            return 0
        self._access_seen.update(new)
        try:
            self.save(*(Access(**record) for record in new.values()))
        except IntegrityError:  # another instance, or this one before a restart, recorded some this hour
            return sum(self._save_alone(record) for record in new.values())
        return len(new)

    def _save_alone(self, record: dict) -> bool:
        try:
            self.save(Access(**record))
        except IntegrityError:
            return False
        return True
