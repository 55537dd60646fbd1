"""The tracked consumer: each upstream's events applied in order, exactly once.

RabbitMQ brings events quickly; the upstream's notification log makes it
correct. A message at or below the tracked position is a duplicate and is
skipped. A message beyond the next expected position means something was
missed (a restart, a broker outage, a queue that did not exist yet), so the
missing range is read from the upstream's log over RPC first. A message that
does not fit its contract goes to the dead-letter queue with the reason, and
processing goes on: the source's own log decides what that position holds, so
a message damaged on the way is replaced by the log's copy, and a position
whose logged event itself breaks the contract is recorded as dealt with.

An event of a type the service ignores (`application.ignores(source, type)`)
is checked only for what the consumer uses (source, position, type): its
position is applied like any other, so positions stay gap-free, and a
message without a usable source, position or type still goes to the
dead-letter queue; the rest, which nothing here reads, is not validated.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from typing import Callable, Protocol

from marshmallow import ValidationError

from shared import contracts
from shared.application import ServiceApplication
from shared.metrics import METRICS

log = logging.getLogger("peernet.consumer")
_FIELDS = tuple(field.name for field in dataclasses.fields(contracts.IntegrationEvent))
_TYPE = re.compile(r"^[A-Z][A-Za-z]+$")  # as the envelope's contract says

# (source, after, limit) -> the source's integration events as plain messages
FetchRange = Callable[[str, int, int], list[dict]]


class DeadLetters(Protocol):
    def send(self, message, reason: str, source: str) -> None: ...


class TrackedConsumer:
    def __init__(self, application: ServiceApplication, sources: tuple[str, ...],
                 fetch_range: FetchRange, dead_letters: DeadLetters, page_size: int = 500):
        self.application = application
        self.sources = sources
        self.fetch_range = fetch_range
        self.dead_letters = dead_letters
        self.page_size = page_size
        self._locks = {source: threading.RLock() for source in sources}
        self.highest_seen = {source: 0 for source in sources}

    @property
    def service(self) -> str:
        return self.application.service

    def handle(self, message) -> str:
        """Apply one message from the bus. Returns what happened, for tests and logs."""
        return self.handle_batch([message])[0]

    def handle_batch(self, messages: list) -> list[str]:
        """Apply messages in the order the bus brought them; what happened to each.

        Consecutive positions of one source go in one transaction: a consumer
        under load pays one commit for what arrived together, not one each.
        """
        outcomes: list[str] = []
        run: list = []
        for message in messages:
            try:
                event = self._parse(message)
                if event.source not in self.sources:
                    raise ValidationError({"source": [f"{self.service} does not follow {event.source}"]})
            except ValidationError as error:
                outcomes += self._apply_run(run)
                run = []
                outcomes.append(self._refuse(message, error))
                continue
            if run and (event.source != run[-1].source or event.position != run[-1].position + 1):
                outcomes += self._apply_run(run)
                run = []
            run.append(event)
        outcomes += self._apply_run(run)
        return outcomes

    def _parse(self, message) -> contracts.IntegrationEvent:
        """The message as an event: checked whole when the service reads it; when it ignores it (intake keeps
        one type of matching's, directory's and supervision's events), only what the consumer itself uses,
        by hand: marshmallow's envelope alone cost more than applying the event."""
        if isinstance(message, dict) and self._ignored(message):
            return contracts.IntegrationEvent(**{name: message.get(name) for name in _FIELDS})
        return contracts.parse(message)

    def _ignored(self, message: dict) -> bool:
        source, position, type_ = message.get("source"), message.get("position"), message.get("type")
        ignores = getattr(self.application, "ignores", None)
        return (ignores is not None and isinstance(source, str) and isinstance(type_, str)
                and _TYPE.match(type_) is not None and type(position) is int and position >= 1
                and ignores(source, type_))

    def _apply_run(self, run: list) -> list[str]:
        """Consecutive events of one source: skip what is done, fill a gap before them, apply the rest."""
        if not run:
            return []
        source = run[0].source
        with self._locks[source]:
            self._saw(source, run[-1].position)
            last = self.application.position_in(source)
            if run[0].position > last + 1:
                METRICS.gap_fills.labels(self.service, source).inc()
                self.catch_up(source, upto=run[0].position - 1)
                last = None  # moved on: read it again
            applied = self._apply(run, last)
        return ["duplicate"] * (len(run) - applied) + ["applied"] * applied

    def catch_up(self, source: str, upto: int | None = None) -> int:
        """Read and apply what the source has after our position (up to `upto`)."""
        applied = 0
        with self._locks[source]:
            while True:
                after = self.application.position_in(source)
                if upto is not None and after >= upto:
                    return applied
                page = self.fetch_range(source, after, self.page_size)
                if upto is not None:
                    page = [m for m in page if m.get("position", 0) <= upto]
                if not page:
                    return applied
                batch = []
                for message in page:
                    try:
                        event = self._parse(message)
                    except ValidationError as error:
                        applied += self._apply(batch)  # what came before the broken position first
                        batch = []
                        self._refuse(message, error, source=source, from_log=True)
                        continue
                    self._saw(source, event.position)
                    batch.append(event)
                applied += self._apply(batch)

    def _apply(self, events: list, position: int | None = None) -> int:
        """Apply consecutive events of one source in one transaction; how many were new."""
        if not events:
            return 0
        source = events[0].source
        started = time.perf_counter()
        applied = self.application.process_upstream_batch(events, position=position)
        each = (time.perf_counter() - started) / len(events)
        for _ in events:
            METRICS.handler_latency.labels(self.service, source).observe(each)
        if applied < len(events):
            METRICS.duplicates_skipped.labels(self.service, source).inc(len(events) - applied)
        METRICS.events_consumed.labels(self.service, source).inc(applied)
        self._set_lag(source, events[-1].position)
        return applied

    def _refuse(self, message, error: ValidationError, source: str | None = None,
                from_log: bool = False) -> str:
        reason = f"does not validate: {error.normalized_messages()}"
        source = source or (message.get("source") if isinstance(message, dict) else None) or "unknown"
        log.warning("%s: dead-lettered a message from %s: %s", self.service, source, reason)
        self.dead_letters.send(message, reason, source)
        METRICS.dead_letters.labels(self.service, source).inc()
        position = message.get("position") if isinstance(message, dict) else None
        if source not in self.sources or not isinstance(position, int) or position < 1:
            return "dead-lettered"
        with self._locks[source]:
            if from_log:
                # The source's log itself holds a broken event here: skip it for good.
                self.application.skip_upstream(source, position)
            elif position > self.application.position_in(source):
                # Ask the log what this position really holds (and what came before).
                self.catch_up(source, upto=position)
        return "dead-lettered"

    def _saw(self, source: str, position: int) -> None:
        self.highest_seen[source] = max(self.highest_seen[source], position)

    def _set_lag(self, source: str, applied_position: int) -> None:
        lag = max(0, self.highest_seen[source] - applied_position)
        METRICS.consumer_lag.labels(self.service, source).set(lag)
