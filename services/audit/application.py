"""Audit's Application: the ledger of every service's events, its checks, and break-glass accesses stored.

The ledger is a read model (services.audit.ledger) that the tracked consumer
writes through position_in / process_upstream / skip_upstream, each entry in
the same transaction as its source's position. Audit's own event store holds
only break-glass accesses, which it publishes and (following itself) enters
in the ledger like any other event.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Protocol

from marshmallow import ValidationError
from tqdm import tqdm

from services.audit import metrics
from services.audit.chain import entry_from, now, utc
from services.audit.ledger import Ledger, PostgresLedger, SQLiteLedger
from services.audit.jobs import VerificationJobs
from services.audit.projections import FiguresProjection
from services.audit.settings import Settings
from services.audit.signing import Signer, signing_key
from services.audit.translations import TRANSLATIONS
from services.audit.verify import FetchDigests, FetchRange, verify_chain, verify_source
from shared import config, contracts
from shared.application import ServiceApplication
from shared.clock import Clock
from shared.postgres import postgres_from


class Sources(Protocol):
    """How audit reaches the sources (over RPC in the service and its tools): a range of events, the
    digests of their stored form, and events at given positions ({source: positions} -> {source: messages})."""
    fetch_range: FetchRange
    fetch_digests: FetchDigests
    fetch_at: Callable[[dict], dict]


class AuditApplication(ServiceApplication):
    service = "audit"
    follows = config.FOLLOWS[service]
    translations = TRANSLATIONS

    def __init__(self, vault, env: dict | None, settings: Settings, clock: Clock, sources: Sources | None = None,
                 launch: Callable[[str], None] | None = None):
        super().__init__(vault, env)
        self.settings, self.clock = settings, clock
        self.signer = Signer(signing_key(settings.signing_key))
        # Without sources (a tool checking the chain only) nothing can be asked of them.
        self.fetch_range: FetchRange | None = sources and sources.fetch_range
        self.fetch_digests: FetchDigests | None = sources and sources.fetch_digests
        self.fetch_at: Callable[[dict], dict] | None = sources and sources.fetch_at
        self.jobs = VerificationJobs(self, settings.job_heartbeat_seconds, settings.job_stale_seconds, clock)
        if launch is not None:  # the service runs each job in a process of its own
            self.jobs.launch = launch
        self.figures = FiguresProjection()
        self._ledger: Ledger | None = None

    @property
    def ledger(self) -> Ledger:
        # Opened on first use: the relay process builds this Application but never needs the ledger.
        if self._ledger is None:
            every = self.settings.checkpoint_every
            if self.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
                pg = postgres_from(self.env)
                self._ledger = PostgresLedger(pg.conninfo(), self.env["POSTGRES_SCHEMA"], self.signer, every,
                                              projections=(self.figures,))
            else:
                self._ledger = SQLiteLedger(self._ledger_path(), self.signer, every, projections=(self.figures,))
        return self._ledger

    def _ledger_path(self) -> str:
        if self.env.get("AUDIT_LEDGER_DBNAME"):
            return self.env["AUDIT_LEDGER_DBNAME"]
        if self.env.get("PERSISTENCE_MODULE") == "eventsourcing.popo":
            # The sources forget everything when they stop: so must the ledger, or their positions clash.
            # A file of its own, gone with the application: not a shared-cache memory database, whose
            # table locks fail at once ("table is locked") when sources are verified in parallel threads.
            folder = tempfile.mkdtemp(prefix="audit-ledger-")
            weakref.finalize(self, shutil.rmtree, folder, True)
            return os.path.join(folder, "audit_ledger.sqlite")
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
        # One ledger transaction for the lot: the chain's head and the tracking live beside the entries.
        entered = self.ledger.append_all([(entry_from(event, now()), event) for event in events])
        metrics.LEDGER_ENTRIES.inc(entered)
        return entered

    def skip_upstream(self, source: str, position: int) -> None:
        metrics.LEDGER_ENTRIES.inc(self.ledger.skip(source, position))

    # -- reading the ledger ---------------------------------------------------
    def entries(self, query: dict) -> list[dict]:
        """The entries a history or export query selects, one page of them."""
        filters = {name: query.get(name) for name in ("source", "type", "organization_id", "subject_id")}
        for name in ("since", "until"):
            if query.get(name) is not None:
                filters[name] = utc(query[name].isoformat())
        return self.ledger.query(filters, after=query["cursor"], limit=query["limit"])

    def entries_about(self, subject_id: str):
        """Every entry about someone from the other services (audit's own say who read them)."""
        after = 0
        while True:
            page = self.ledger.query({"subject_id": subject_id}, after=after, limit=500)
            yield from (entry for entry in page if entry["source"] != self.service)
            if len(page) < 500:
                return
            after = page[-1]["seq"]

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

    def checkpoint(self) -> dict | None:
        return self.ledger.checkpoint()

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
