"""Audit's Application: the ledger of every service's events, its checks, and break-glass.

The ledger is a read model (services.audit.ledger) that the tracked consumer
writes through position_in / process_upstream / skip_upstream, each entry in
the same transaction as its source's position. Audit's own event store holds
only break-glass accesses, which it publishes and (following itself) enters
in the ledger like any other event.
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable
from datetime import datetime, timedelta, timezone
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from marshmallow import ValidationError
from tqdm import tqdm

from services.audit import export, figures, metrics
from services.audit.chain import entry_from, now, utc
from services.audit.domain import PersonalDataAccess
from services.audit.ledger import Ledger, PostgresLedger, SQLiteLedger
from services.audit.signing import Signer, signing_key_from_env
from services.audit.jobs import VerificationJobs
from services.audit.verify import FetchDigests, FetchRange, verify_chain, verify_source
from services.audit.views import FiguresView
from shared import config, contracts
from shared.application import ServiceApplication
from shared.contracts.commands import audit as schemas
from shared.crypto import is_sealed, split_token
from shared.errors import NotAllowed
from shared.identity import Caller
from shared.postgres import postgres_from
from shared.schemas import load


def _opened(event):
    return "BreakGlassOpened", {"person_id": event.originator_id, "reason": event.reason,
                                "reference": event.reference, "expires_at": event.expires_at}


def _read(event: PersonalDataAccess.Read):
    return "PersonalDataRead", {"person_id": event.originator_id, "fields_read": event.fields_read,
                                "reference": event.reference}


def sealed_fields(body, subject_id: str, path: str = ""):
    """(field path, token) of every sealed value in a body that belongs to `subject_id`."""
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, value in items:
        name = f"{path}.{key}" if path else str(key)
        if is_sealed(value) and split_token(value)[0] == subject_id:
            yield name, value
        elif isinstance(value, (dict, list)):
            yield from sealed_fields(value, subject_id, name)


class AuditApplication(ServiceApplication):
    service = "audit"
    # Every service, itself included: its break-glass events belong in the ledger too.
    follows = ("intake", "directory", "matching", "supervision", "audit")
    translations = {
        PersonalDataAccess.Opened: _opened,
        PersonalDataAccess.Reopened: _opened,
        PersonalDataAccess.Read: _read,
    }

    def __init__(self, vault, env: dict | None = None):
        super().__init__(vault, env)
        self.signer = Signer(self.env.get("AUDIT_SIGNING_KEY") or signing_key_from_env())
        self.break_glass_hours = float(self.env.get("AUDIT_BREAK_GLASS_HOURS")
                                       or config.env("PEERNET_AUDIT_BREAK_GLASS_HOURS", "3"))
        # The service (or CLI) reaches the sources over RPC: a range of events, the digests of their
        # stored form, and events at given positions ({source: positions} -> {source: messages}).
        self.fetch_range: FetchRange | None = None
        self.fetch_digests: FetchDigests | None = None
        self.fetch_at: Callable[[dict], dict] | None = None
        self.jobs = VerificationJobs(self)
        self.figures_view = FiguresView()
        self._ledger: Ledger | None = None

    @property
    def ledger(self) -> Ledger:
        # Opened on first use: the relay process builds this Application but never needs the ledger.
        if self._ledger is None:
            every = int(self.env.get("AUDIT_CHECKPOINT_EVERY") or config.env("PEERNET_AUDIT_CHECKPOINT_EVERY", "1000"))
            if self.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
                pg = postgres_from(self.env)
                self._ledger = PostgresLedger(pg.conninfo(), self.env["POSTGRES_SCHEMA"], self.signer, every,
                                              views=(self.figures_view,))
            else:
                self._ledger = SQLiteLedger(self._ledger_path(), self.signer, every, views=(self.figures_view,))
        return self._ledger

    def _ledger_path(self) -> str:
        if self.env.get("AUDIT_LEDGER_DBNAME"):
            return self.env["AUDIT_LEDGER_DBNAME"]
        if self.env.get("PERSISTENCE_MODULE") == "eventsourcing.popo":
            # The sources forget everything when they stop: so must the ledger, or their positions clash.
            # A fresh name each time: id(self) comes back once an application is freed, and with it
            # a shared in-memory ledger another connection may still hold open.
            return f"file:audit-ledger-{uuid.uuid4().hex}?mode=memory&cache=shared"
        return str(config.var_dir() / "audit_ledger.sqlite")

    # -- the tracked consumer writes the ledger -------------------------------
    def position_in(self, source: str) -> int:
        return self.ledger.position_in(source)

    def process_upstream(self, event: contracts.IntegrationEvent) -> bool:
        entered = self.ledger.append(entry_from(event, now()), event)
        metrics.LEDGER_ENTRIES.inc(entered)
        return entered

    def process_upstream_batch(self, events: list[contracts.IntegrationEvent], attempts: int = 5,
                               position: int | None = None) -> int:
        # The ledger's own transaction per entry: its chain head and tracking live beside it.
        return sum(self.process_upstream(event) for event in events)

    def skip_upstream(self, source: str, position: int) -> None:
        metrics.LEDGER_ENTRIES.inc(self.ledger.skip(source, position))

    # -- history and export ---------------------------------------------------
    def history(self, payload: dict) -> dict:
        query = load(schemas.HistoryQuery(), payload)
        entries = self._query(query)
        return {"entries": entries, "next_cursor": self._next(entries, query["limit"])}

    def export(self, payload: dict) -> dict:
        query = load(schemas.ExportQuery(), payload)
        entries = self._query(query)
        return {"format": query["format"], "count": len(entries),
                "data": export.render(entries, query["format"], header=query["cursor"] == 0),
                "next_cursor": self._next(entries, query["limit"])}

    def _query(self, query: dict) -> list[dict]:
        filters = {name: query.get(name) for name in ("source", "type", "organization_id", "subject_id")}
        for name in ("since", "until"):
            if query.get(name) is not None:
                filters[name] = utc(query[name].isoformat())
        return self.ledger.query(filters, after=query["cursor"], limit=query["limit"])

    @staticmethod
    def _next(entries: list[dict], limit: int) -> int | None:
        return entries[-1]["seq"] if len(entries) == limit else None

    # -- tamper evidence ------------------------------------------------------
    def verify(self, sources: bool = True, checkpoints: list[dict] | None = None, progress=None) -> dict:
        """The chain (against the ledger's checkpoints, or a copy kept elsewhere), then each source.

        progress(step, checked): step is "chain" or a source's name (a verification job's report)."""
        progress = progress or (lambda step, checked: None)
        if sources and (self.fetch_range is None or self.fetch_digests is None):
            raise RuntimeError("checking the sources needs a way to reach them (fetch_range, fetch_digests)")
        started = time.perf_counter()
        # Every source at once, each computing its digests in its own process while the chain is walked here.
        with ThreadPoolExecutor(len(self.follows), thread_name_prefix="verify-sources") as pool:
            checking = [pool.submit(self._verify_source, source, progress) for source in self.follows] if sources \
                else []
            chain = verify_chain(self.ledger, self.signer.public_key, checkpoints,
                                 lambda checked: progress("chain", checked))
            progress("chain", chain["entries_verified"])
            checked = [check.result() for check in checking]
        metrics.LEDGER_ENTRIES.set(self.ledger.head()[0])
        metrics.VERIFY_OK.labels("chain").set(chain["ok"])
        if sources:
            metrics.VERIFY_OK.labels("sources").set(all(s["ok"] for s in checked))
        metrics.VERIFY_SECONDS.observe(time.perf_counter() - started)
        return {"ok": chain["ok"] and all(s["ok"] for s in checked), "chain": chain, "sources": checked,
                "public_key": self.signer.public_key}

    def _verify_source(self, source: str, progress) -> dict:
        checked = verify_source(self.ledger, source, self.fetch_range, self.fetch_digests, self.signer,
                                lambda n: progress(source, n))
        progress(source, checked["events_checked"])
        return checked

    def start_verification(self, payload: dict | None, caller: Caller) -> dict:
        """A verification job: answered at once, followed with verification(id)."""
        checkpoints = load(schemas.StartVerification(), payload or {}).get("checkpoints")
        return self.jobs.start(caller, checkpoints)

    def verification(self, payload: dict) -> dict:
        return self.jobs.view(str(load(schemas.VerificationOnly(), payload)["verification_id"]))

    def checkpoint(self) -> dict | None:
        return self.ledger.checkpoint()

    # -- figures --------------------------------------------------------------
    def figures(self) -> dict:
        by_month = {(month, source): n for month, source, n in
                    self.ledger.count_by("substr(occurred_at, 1, 7)", "source")}
        profiled = {(organization or "none", "peer workers"): n for organization, n in
                    self.ledger.count_by("organization_id", where={"type": "PeerWorkerProfiled"})}
        hours = self.figures_view.subcontract_hours(self.ledger)
        view = self.figures_view
        return {"suppressed_as": figures.SUPPRESSED,
                # Started and ended apart, months by regions: one table of both would show exact monthly
                # totals beside suppressed regions. No by-month table either, for the same reason.
                "connections_started_by_month_and_region": figures.table(
                    view.connections_by_month_and_region(self.ledger, "began")),
                "connections_ended_by_month_and_region": figures.table(
                    view.connections_by_month_and_region(self.ledger, "ended")),
                "days_from_request_to_connection_by_month": figures.waits(view.days_to_connection(self.ledger)),
                "peer_workers_short_of_supervision_by_organization_and_month": figures.table(
                    view.short_of_supervision(self.ledger)),
                "events_by_month_and_service": figures.table(by_month),
                "peer_workers_profiled_by_organization": figures.table(profiled),
                "networking_pool_by_region": figures.table(self.figures_view.pool_by_region(self.ledger)),
                "subcontract_hours_by_month_and_provider": [
                    {**row, "agreements": figures.cell(row["agreements"])} for row in hours]}

    # -- break-glass ----------------------------------------------------------
    def open_break_glass(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.OpenBreakGlass(), payload)
        expires_at = (datetime.now(timezone.utc) + timedelta(hours=self.break_glass_hours)).isoformat()
        opening = dict(auditor_id=caller.user_id, reason=command["reason"], reference=command["reference"],
                       expires_at=expires_at, actor=caller.as_actor())
        try:
            access: PersonalDataAccess = self.repository.get(command["person_id"])
            access.open(**opening)
        except AggregateNotFoundError:
            access = PersonalDataAccess(person_id=command["person_id"], **opening)
        self.save(access)
        return {"person_id": str(command["person_id"]), "expires_at": expires_at}

    def personal_fields(self, payload: dict, caller: Caller) -> dict:
        """The person's fields in clear, from every event about them, only under an open break-glass."""
        person_id: UUID = load(schemas.PersonOnly(), payload)["person_id"]
        try:
            access: PersonalDataAccess = self.repository.get(person_id)
        except AggregateNotFoundError:
            access = None
        reference = access and access.open_reference(caller.user_id, datetime.now(timezone.utc))
        if not reference:
            raise NotAllowed("personal fields are shown only after recording a reason (open_break_glass), "
                             "for a limited time")
        entries = list(self._entries_about(str(person_id)))
        wanted: dict[str, list[int]] = {}
        for entry in entries:
            wanted.setdefault(entry["source"], []).append(entry["position"])
        messages = {(source, message["position"]): message
                    for source, found in self.fetch_at(wanted).items() for message in found}
        found, tokens = [], []
        for entry in entries:
            message = messages.get((entry["source"], entry["position"]))
            if message is None:
                continue
            for field, token in sealed_fields(message.get("body", {}), str(person_id)):
                found.append({"source": entry["source"], "position": entry["position"],
                              "type": entry["type"], "field": field})
                tokens.append(token)
        for shown, value in zip(found, self.vault.open_all(tokens)):
            shown["value"] = value
        access.read(caller.user_id, sorted({f["field"] for f in found}), reference, caller.as_actor())
        self.save(access)
        return {"person_id": str(person_id), "fields": found}

    def _entries_about(self, subject_id: str):
        after = 0
        while True:
            page = self.ledger.query({"subject_id": subject_id}, after=after, limit=500)
            yield from (entry for entry in page if entry["source"] != self.service)
            if len(page) < 500:
                return
            after = page[-1]["seq"]

    # -- rebuilding the ledger ------------------------------------------------
    def rebuild(self, page: int = 500, progress: bool = True) -> int:
        """Replay every source's log from the start into an empty ledger (a new chain, newly signed)."""
        self.ledger.clear()
        entered = 0
        with tqdm(desc="audit: rebuilding the ledger", unit=" events", disable=not progress) as bar:
            for source in self.follows:
                while messages := self.fetch_range(source, self.position_in(source), page):
                    for message in messages:
                        try:
                            entered += self.process_upstream(contracts.parse(message))
                        except ValidationError:
                            self.skip_upstream(source, message["position"])
                        bar.update(1)
        self.checkpoint()
        return entered
