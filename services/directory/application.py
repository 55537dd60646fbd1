"""Directory's Application, the store its handlers are given: saving (a
concurrent change is a Conflict), loading an aggregate of a kind with a clear
error, the read model every list comes from (the service's own log replayed
into memory), and the outbox. Directory follows no other service: it has no
upstream policy.
"""
from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.directory.translations import TRANSLATIONS
from shared.access import AccessLog
from shared.application import ServiceApplication
from shared.errors import Conflict, InvalidInput, NotFound
from shared.views import ReplayedAggregates


class DirectoryApplication(AccessLog, ServiceApplication):
    service = "directory"
    translations = TRANSLATIONS

    def __init__(self, vault, env: dict | None = None):
        super().__init__(vault, env)
        self.replayed = ReplayedAggregates(self.recorder, self.mapper)

    def save(self, *aggregates, **kwargs):
        """Saved together, or a Conflict: someone saved one of them since it was read."""
        try:
            return super().save(*aggregates, **kwargs)
        except IntegrityError:
            raise Conflict("someone else changed this record at the same time; read it again and retry") from None

    def aggregate(self, kind: type, aggregate_id, field: str | None = None):
        """The aggregate, or a clear error: a field error in a command (`field`), NotFound in a query."""
        try:
            aggregate = self.repository.get(UUID(str(aggregate_id)))
        except (AggregateNotFoundError, ValueError):
            aggregate = None
        if not isinstance(aggregate, kind):
            what = re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).lower()  # PeerWorker -> "peer worker"
            if field is not None:
                raise InvalidInput({field: [f"no {what} with id {aggregate_id}"]})
            raise NotFound(f"no {what} {aggregate_id}")
        return aggregate
