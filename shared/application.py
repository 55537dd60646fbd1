"""The eventsourcing Application every service is built on.

Each service owns one Application and one event store. Its notification log
is the outbox: the relay publishes from it, consumers catch up from it, audit
reads it. Processing an upstream event records a tracking position in the
same transaction as the events it causes, so a redelivered message changes
nothing twice.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager
from datetime import timezone
from typing import Any, Callable
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Recording, Tracking
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.application import ProcessingEvent, Repository
from eventsourcing.domain import BaseAggregate
from eventsourcing.utils import strtobool

from shared import config, contracts, deadline
from shared.contracts import IntegrationEvent
from shared.crypto import PersonKeyVault
from shared.identity import Caller
from shared.metrics import METRICS
from shared.operations import Operations
from shared.postgres import postgres_ddl_lock, postgres_from
from shared.sqlite_store import ddl_lock as sqlite_ddl_lock

log = logging.getLogger("peernet.application")


class Processing(ProcessingEvent):
    """eventsourcing's ProcessingEvent, taking an aggregate's events without first asking whether it is a
    domain event: that check is against a runtime Protocol, and in Python 3.11 it cost a tenth of a
    command's CPU. Anything else goes the library's way."""

    def collect_events(self, *objs, **kwargs) -> None:
        for obj in objs:  # one by one: the events keep the order they were given in
            if isinstance(obj, BaseAggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


# How a stored domain event becomes an integration event: (type, body), or the
# version too as (type, body, version). The subject id is the aggregate's id, or
# the event's own `subject_id` when it is about someone else (shared.access).
Translation = Callable[[Any], tuple]


class BatchRepository(Repository):
    """While a batch of upstream events is applied, its reads see what the batch changed so far.

    Only the applying thread's reads: a command running meanwhile must not see unsaved changes.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._batch = threading.local()  # green once eventlet has patched threading

    @property
    def pending(self) -> dict | None:
        return getattr(self._batch, "pending", None)

    @pending.setter
    def pending(self, aggregates: dict | None) -> None:
        self._batch.pending = aggregates

    def get(self, aggregate_id, **kwargs):
        pending = self.pending
        if pending and kwargs.get("version") is None:
            try:
                return pending[aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))]
            except (KeyError, ValueError):
                pass
        return super().get(aggregate_id, **kwargs)


def stored_digests(recorder, after: int, limit: int) -> list[tuple[int, str]]:
    """(position, sha256 of everything its published form is made from) after a position.

    Audit compares these with the ones it kept when it last read the events in full: equal bytes
    publish the same event, so only what changed since has to be read and decoded again.
    """
    notifications = recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    return [(n.id, hashlib.sha256(f"{n.originator_id}\x1f{n.originator_version}\x1f{n.topic}\x1f".encode()
                                  + n.state).hexdigest()) for n in notifications]


class ServiceApplication(EventSourcedProjection):
    service: str = ""
    follows: tuple[str, ...] = ()  # the services whose events this one applies: config.FOLLOWS[service]
    # domain event class -> Translation; every stored event class must have one.
    translations: dict[type, Translation] = {}

    def __init__(self, vault: PersonKeyVault, env: dict | None = None):
        self.name = self.service
        merged = config.application_env(self.service)
        merged.update(env or {})
        if merged.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            # A service and its relay start together; their CREATE ... IF NOT EXISTS race.
            with postgres_ddl_lock(postgres_from(merged)) as db:
                db.execute(f'CREATE SCHEMA IF NOT EXISTS "{merged["POSTGRES_SCHEMA"]}"')
                super().__init__(env=merged)
        elif merged.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
            with sqlite_ddl_lock(merged.get("SQLITE_DBNAME", "")):
                super().__init__(env=merged)
        else:
            super().__init__(env=merged)
        self.vault = vault
        self._ignored: dict[str, tuple[int, int]] = {}  # source -> (position, how many) not yet stored
        self._together = threading.local()  # green once eventlet has patched threading

    def construct_repository(self) -> BatchRepository:
        """eventsourcing's repository, built as the library builds it, with the batch's lookup first."""
        cache_maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return BatchRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(cache_maxsize) if cache_maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )

    # -- operations -----------------------------------------------------------
    operations: Operations | None = None
    handlers: dict[str, Callable] = {}  # operation name -> handler bound to its dependencies

    def register(self, operations: Operations, handlers: dict[str, Callable]) -> None:
        """The service's access table and its bound handlers (its setup): the same names, or it does not start."""
        unmatched = sorted(set(operations.by_name) ^ set(handlers))
        if unmatched:
            raise TypeError(f"{self.service}: the access table and the handlers differ on {unmatched}")
        self.operations, self.handlers = operations, handlers

    def perform(self, operation: str, caller: Caller | None, *args):
        """One call, as every entrypoint makes it: admitted by the access table, then handled."""
        return self.handlers[operation](self.operations[operation].admit(caller, args), caller)

    # -- commands -------------------------------------------------------------
    # Whether commands that arrive together may be saved in one transaction:
    # only for a service whose commands read aggregates and nothing that follows
    # commits (an in-memory view would not show what earlier ones changed).
    saves_commands_together = False

    def save(self, *aggregates, **kwargs):
        deadline.check()  # a call whose caller gave up stores nothing (shared.deadline)
        together = getattr(self._together, "processing", None)
        if together is not None:
            together.collect_events(*aggregates, **kwargs)
            return []
        processing = Processing()  # as the library's save does, with the quicker collecting
        processing.collect_events(*aggregates, **kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        METRICS.events_stored.labels(self.service).inc(len(recordings))
        return recordings

    @contextmanager
    def saving_together(self):
        """Commands run inside collect their events; one transaction stores them all at the end.

        Reads see what earlier commands of the lot changed. If the final write fails
        (a conflict), nothing of the lot is stored and the error is raised.
        """
        processing = Processing()
        self._together.processing = processing
        self.repository.pending = processing.aggregates
        try:
            yield processing
        finally:
            self._together.processing = None
            self.repository.pending = None
        if processing.events:
            recordings = self._record(processing)  # raises: nothing of the lot is stored
            METRICS.events_stored.labels(self.service).inc(len(recordings))
            try:
                self._notify(recordings)
            except Exception:  # stored: raising would have the lot run (and stored) again
                log.exception("%s: what follows a stored lot of commands failed", self.service)

    @staticmethod
    def left_nothing(processing: ProcessingEvent, events_before: int) -> bool:
        """Whether a command that failed inside saving_together left no trace in the lot."""
        return len(processing.events) == events_before and not any(
            aggregate.pending_events for aggregate in processing.aggregates.values())

    def _record(self, processing: ProcessingEvent) -> list[Recording]:
        try:
            return super()._record(processing)
        except IntegrityError:
            recordings = self._recorded_already(processing)
            if recordings is None:
                raise
            log.warning("%s: a write that landed as the store's connection went was found stored; not an error",
                        self.service)
            if self.repository.cache and not self.repository.fastforward:
                for aggregate_id, aggregate in processing.aggregates.items():
                    self.repository.cache.put(aggregate_id, aggregate)
            return recordings

    # How far back from the newest notification to look for a write that landed: it was just made.
    LANDED_WITHIN = 1000

    def _recorded_already(self, processing: ProcessingEvent) -> list[Recording] | None:
        """The recordings of this very write if it is stored already, else None.

        When the database goes as a commit lands, eventsourcing retries the insert, and the retry
        conflicts with the rows it wrote itself: without this the caller would be told a stored
        command failed. Another writer's rows for the same versions differ, and stay a conflict.
        """
        tracking = processing.tracking
        if tracking is not None and not self.recorder.has_tracking_id(tracking.application_name,
                                                                      tracking.notification_id):
            return None
        if not processing.events:
            return []
        top = self.recorder.max_notification_id() or 0
        stored = {(str(n.originator_id), n.originator_version): n for n in self.recorder.select_notifications(
            start=max(1, top - self.LANDED_WITHIN + 1), limit=self.LANDED_WITHIN)}
        recordings = []
        for event in processing.events:
            notification = stored.get((str(event.originator_id), event.originator_version))
            ours = self.mapper.to_domain_event(self.mapper.to_stored_event(event))  # the same round trip
            if notification is None or vars(self.mapper.to_domain_event(notification)) != vars(ours):
                return None
            recordings.append(Recording(event, notification))
        return recordings

    # -- the outbox -----------------------------------------------------------
    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def integration_events(self, after: int, limit: int = 500) -> list[IntegrationEvent]:
        """Published form of the stored events after a position, in order."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        return [self.to_integration_event(n) for n in notifications]

    def integration_events_at(self, positions: list[int]) -> list[IntegrationEvent]:
        """Published form of the stored events at these positions (those that exist), in order."""
        wanted, runs = set(positions), []
        for position in sorted(wanted):  # neighbours in one read: a person's events often follow each other
            if runs and position - runs[-1][1] <= 20:
                runs[-1][1] = position
            else:
                runs.append([position, position])
        notifications = [n for first, last in runs
                         for n in self.recorder.select_notifications(start=first, limit=last - first + 1)
                         if n.id in wanted]
        # Published before: its contract was checked then, and dumping is enough to read it again.
        return [self.to_integration_event(n, check=False) for n in notifications]

    def stored_digests(self, after: int, limit: int) -> list[tuple[int, str]]:
        return stored_digests(self.recorder, after, limit)

    def to_integration_event(self, notification, check: bool = True) -> IntegrationEvent:
        domain_event = self.mapper.to_domain_event(notification)
        try:
            translate = self.translations[type(domain_event)]
        except KeyError:
            raise LookupError(
                f"{self.service}: no integration event for {type(domain_event).__qualname__}"
            ) from None
        type_, body, *version = translate(domain_event)
        return (contracts.build if check else contracts.dumped)(
            source=self.service,
            position=notification.id,
            type_=type_,
            version=version[0] if version else 1,
            occurred_at=domain_event.timestamp.astimezone(timezone.utc).isoformat(),
            actor=getattr(domain_event, "actor", None) or Caller.system(self.service).as_actor(),
            subject_id=str(getattr(domain_event, "subject_id", domain_event.originator_id)),
            body=body,
        )

    # -- consuming upstream events --------------------------------------------
    # Upstream events that change nothing here are not written down one by one:
    # reading them again after a restart is harmless. How far they go is kept in
    # memory and stored with the next write, or once this many have piled up.
    IGNORED_BEFORE_STORING = 500

    def position_in(self, source: str) -> int:
        """The last position of `source` this service has processed."""
        stored = self.recorder.max_tracking_id(source) or 0
        return max(stored, self._ignored.get(source, (0, 0))[0])

    def process_upstream(self, event: IntegrationEvent, attempts: int = 5) -> bool:
        """Apply one upstream event exactly once. False if it was already processed."""
        return self.process_upstream_batch([event], attempts) == 1

    def process_upstream_batch(self, events: list[IntegrationEvent], attempts: int = 5,
                               position: int | None = None) -> int:
        """Apply consecutive events of one source exactly once; how many were new.

        One commit and one tracking position for the lot: a consumer that is behind
        catches up at the pace of its policies, not of the disk. `position` is the
        tracked position if the caller has only just read it. The lot is split
        before an event whose policy reads a projection fed by commits only.
        """
        applied, part = 0, []
        for event in events:
            if part and self.reads_committed_projection(event):
                applied += self._process_part(part, attempts, position)
                part, position = [], None
            part.append(event)
        return applied + self._process_part(part, attempts, position)

    def reads_committed_projection(self, event: IntegrationEvent) -> bool:
        """Whether the policy for `event` reads state that holds only what is committed.

        Aggregates read through the repository see the batch's own changes; an
        in-memory projection updated after each commit does not.
        """
        return False

    def _process_part(self, events: list[IntegrationEvent], attempts: int, position: int | None) -> int:
        source = events[0].source
        for _ in range(attempts):
            last = self.position_in(source) if position is None else position
            position = None
            new = [event for event in events if event.position > last]
            if not new:
                return 0
            processing = Processing(tracking=Tracking(source, new[-1].position))
            self.repository.pending = processing.aggregates
            try:
                for event in new:
                    self.policy(event, processing)
            finally:
                self.repository.pending = None
            if not processing.events:
                ignored = self._ignored.get(source, (0, 0))[1] + len(new)
                if ignored < self.IGNORED_BEFORE_STORING:
                    self._ignored[source] = (new[-1].position, ignored)
                    return len(new)
            try:
                recordings = self._record(processing)
            except IntegrityError:
                # Either these positions were recorded meanwhile (checked above, next
                # time round) or a command saved the same aggregate: read and apply again.
                continue
            self._ignored.pop(source, None)
            METRICS.events_stored.labels(self.service).inc(len(recordings))
            self._notify(recordings)
            return len(new)
        raise RuntimeError(f"{self.service}: could not apply {source} #{events[0].position}-#{events[-1].position} "
                           f"after {attempts} conflicting writes; it will be tried again")

    def skip_upstream(self, source: str, position: int) -> None:
        """Record that a position was dealt with (dead-lettered) so processing goes on."""
        processing = Processing(tracking=Tracking(source, position))
        try:
            self._record(processing)
        except IntegrityError:
            pass

    def policy(self, event: IntegrationEvent, processing: ProcessingEvent) -> None:
        """Services that follow others override this; the default ignores everything."""
