"""Lists paged inside the services (issue 20), the state's records: page 1 of audit's signed checkpoints (audit's
real query over its SQLite ledger) and of supervision's shortfall statewide (supervision's real query over its
read model), each with 100 and with 100,000, and their ratio (at most 2); the last page of 100,000
checkpoints; and what the first call of a day costs the shortfall of 100,000 (each peer worker's standing that
day, worked out once and then kept as the log is replayed). `python -m bench.paging_records`, or
`paging_figures()`."""
from __future__ import annotations

import copy
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from bench.paging import ACTOR, clock, least_time, print_rows, read_model
from services.audit import queries as audit_queries
from services.audit.chain import now
from services.audit.ledger import COLUMNS, SQLiteLedger
from services.audit.signing import Signer, new_key
from services.supervision import queries as supervision_queries
from services.supervision.domain import Worker
from services.supervision.settings import Settings
from shared.identity import Caller

LIMIT = 50
EVERY = 1000  # entries between signed checkpoints, audit's default
AUDITOR = Caller("bench", "state_auditor")
SHORTFALL_QUERY = {"organization_id": None, "supervisor_id": None, "as_of": None, "after": None, "limit": LIMIT}


# -- audit's signed checkpoints ------------------------------------------------------------------------------------
def audit_with(count: int, folder: Path) -> SimpleNamespace:
    """Audit's store over a SQLite ledger that has signed `count` checkpoints, one every 1,000 entries, and
    whose head, 500 entries on, is not signed yet. The entries before the head are not there, nor are the
    checkpoints' real hashes: a page reads the checkpoints by seq and checks nothing."""
    ledger = SQLiteLedger(str(folder / f"ledger-{count}.sqlite"), Signer(new_key()))
    head = count * EVERY + 500
    with ledger.writing() as db:
        db.executemany(f"INSERT INTO {ledger.checkpoints_table} VALUES (?, ?, ?, ?, ?)",
                       [(seq, f"{seq:064x}", now(), ledger.signer.key_id, "s")
                        for seq in range(EVERY, count * EVERY + 1, EVERY)])
        entry = {"seq": head, "source": "intake", "position": head, "type": "PeerWorkerProfiled", "version": 1,
                 "occurred_at": now(), "recorded_at": now(), "user_id": None, "role": None,
                 "actor_organization_id": None, "organization_id": None, "correlation_id": None,
                 "subject_id": "", "digest": "d" * 64, "hash": "h" * 64}
        db.execute(f"INSERT INTO {ledger.entries_table} ({', '.join(COLUMNS)}) "
                   f"VALUES ({', '.join('?' for _ in COLUMNS)})", [entry[name] for name in COLUMNS])
    return SimpleNamespace(ledger=ledger, signer=ledger.signer, checkpoint=ledger.checkpoint)


def checkpoint_pages(count: int, folder: Path, repeats: int) -> tuple[float, float]:
    """Seconds for page 1 of `count` checkpoints (the head signed by the first), and for the last page."""
    store = audit_with(count, folder)

    def read(after=None):
        return audit_queries.checkpoints({"after": after, "limit": LIMIT}, AUDITOR, store=store)
    first = read()  # signs the head, as the first page of a walk does
    last = read((count + 1 - LIMIT) * EVERY)
    assert len(first["items"]) == LIMIT and last["next_after"] is None and len(last["items"]) == LIMIT
    try:
        return least_time(read, repeats), least_time(lambda: read((count + 1 - LIMIT) * EVERY), repeats)
    finally:
        store.ledger.close()


# -- supervision's shortfall ---------------------------------------------------------------------------------------
def workforce_of(count: int) -> SimpleNamespace:
    """Supervision's store whose read model holds `count` peer workers, none with a supervisor yet: every one
    short. Copies of one Worker under other ids (made by its events, 100,000 would take a while to make), not
    stored: the query reads the read model only."""
    replayed = read_model()
    one = Worker(worker_id=uuid.uuid4(), peer_role_since="2019-01-01", actor=ACTOR)
    one.begin_employment("employment", str(uuid.uuid4()), 40, "2026-10-01", ACTOR)
    for n in range(count):
        worker = copy.copy(one)
        worker._id = uuid.UUID(int=n + 1)
        replayed.aggregates[worker.id] = worker
    return SimpleNamespace(replayed=replayed)


def shortfall_pages(count: int, repeats: int) -> tuple[float, float]:
    """Seconds for the first call of the day (each peer worker's standing worked out), and for page 1 after."""
    store, settings = workforce_of(count), Settings.from_env({})

    def read():
        return supervision_queries.shortfall(SHORTFALL_QUERY, AUDITOR, store=store, settings=settings, clock=clock)
    started = time.perf_counter()
    first = read()
    day = time.perf_counter() - started
    assert (first["peer_workers"], first["short"], len(first["items"])) == (count, count, LIMIT)
    return day, least_time(read, repeats)


def paging_figures(repeats: int = 300) -> dict:
    with tempfile.TemporaryDirectory(prefix="peernet-paging-") as folder:
        checkpoints = {count: checkpoint_pages(count, Path(folder), repeats) for count in (100, 100_000)}
    short = {count: shortfall_pages(count, repeats) for count in (100, 100_000)}
    return {
        "page 1 of 100 signed checkpoints (50 shown)": (checkpoints[100][0] * 1e6, "µs"),
        "page 1 of 100,000 signed checkpoints (50 shown)": (checkpoints[100_000][0] * 1e6, "µs"),
        "checkpoints: page 1 of 100,000 / page 1 of 100 (target at most 2)":
            (checkpoints[100_000][0] / checkpoints[100][0], "x"),
        "last page of 100,000 signed checkpoints (50 shown)": (checkpoints[100_000][1] * 1e6, "µs"),
        "page 1 of the shortfall of 100 peer workers (50 shown)": (short[100][1] * 1e6, "µs"),
        "page 1 of the shortfall of 100,000 peer workers (50 shown)": (short[100_000][1] * 1e6, "µs"),
        "shortfall: page 1 of 100,000 / page 1 of 100 (target at most 2)": (short[100_000][1] / short[100][1], "x"),
        "shortfall of 100,000: the first call of a day (standing worked out)": (short[100_000][0], "s"),
    }


if __name__ == "__main__":
    print(time.strftime("the state's records paged inside the services (%H:%M UTC):", time.gmtime()))
    print_rows(paging_figures())
