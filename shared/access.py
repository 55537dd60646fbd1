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

    def record_access(self, caller: Caller, subject_id, subject_kind: str, via: str, fields_read) -> bool:
        """True if a new record was stored."""
        subject_id, fields_read = str(subject_id), sorted(set(fields_read))
        if caller.role == "system" or caller.user_id == subject_id or not fields_read:
            return False
        hour = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H")
        if hour != self._access_hour:
            self._access_hour, self._access_seen = hour, set()
        access = Access(subject_id=subject_id, subject_kind=subject_kind, via=via, fields_read=fields_read,
                        hour=hour, actor=caller.as_actor())
        if access.id in self._access_seen:
            return False
        self._access_seen.add(access.id)
        try:
            self.save(access)
        except IntegrityError:
            return False  # another instance, or this one before a restart, recorded it this hour
        return True
