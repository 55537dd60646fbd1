"""Audit ledger at 1,000,000 entries: verify time (chain only, and with every source checked),
filtered history p99, export rate, and break-glass reads of a person with 1,000 events.

Builds the ledger directly (batched inserts with real chain hashes and signed
checkpoints every 1,000 entries) in a temporary SQLite file, and each source's
store (real SQLite event stores of the five services, one stored event per
ledger entry of that source: random bytes of a stored event's size, since only
their stored digests are read) with the digests a first verification keeps,
sealed; then measures what a state auditor waits for. Each source answers from a
process of its own, as a service does (its stored_digests, over a pipe rather
than the broker). Break-glass reads a person with 1,000 events at intake, the
source answering in this process. Targets: verify with the sources <= 10 s,
p99 <= 100 ms, export >= 50,000 entries/s, break-glass p99 <= 100 ms.
`python -m bench.audit`, or run() from `make bench`.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from services.audit import export
from services.audit.chain import GENESIS, entry_hash
from services.audit.ledger import COLUMNS, SQLiteLedger
from services.audit.signing import Signer, new_key
from services.audit.verify import DIGEST_PAGE, verify_chain
from shared.application import stored_digests
from shared.contracts.commands.audit import FORMATS

ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "1000000"))
QUERIES = 500
BREAK_GLASS_EVENTS = 1000  # events about the person whose fields are read
SOURCES = {"intake": ("PeerWorkerProfiled", "PeerWorkerExperienceShared", "PeerWorkerExperienceWithdrawn",
                      "PeerWorkerPrivateExperienceKept"),
           "directory": ("OrganizationRegistered", "OrganizationUpdated"),
           "matching": ("CandidateListed", "CandidateChanged"),
           "supervision": ("SessionLogged", "AgreementAccepted"),
           "audit": ("BreakGlassOpened",)}
ORGANIZATIONS = [f"org-{n:03d}" for n in range(200)]
SUBJECTS = 100_000
START = 1_735_689_600  # 2025-01-01, one entry every ~30 s from there


def build(ledger: SQLiteLedger, entries: int, batch: int = 50_000) -> None:
    rng = random.Random(9)
    positions = dict.fromkeys(SOURCES, 0)
    names = list(SOURCES)
    previous, insert = GENESIS, (f"INSERT INTO ledger_entries ({', '.join(COLUMNS)}) "
                                 f"VALUES ({', '.join('?' for _ in COLUMNS)})")
    db = ledger._connection()
    with tqdm(total=entries, desc="audit bench: building the ledger", unit=" entries", leave=False) as bar:
        for first in range(1, entries + 1, batch):
            rows, checkpoints = [], []
            for seq in range(first, min(first + batch, entries + 1)):
                source = names[rng.randrange(len(names))]
                positions[source] += 1
                moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(START + seq * 30)) + ".000000Z"
                organization = ORGANIZATIONS[rng.randrange(len(ORGANIZATIONS))]
                row = (seq, source, positions[source], rng.choice(SOURCES[source]), 1, moment, moment,
                       f"user-{rng.randrange(5000)}", "agency_admin", organization, organization,
                       f"{seq:032x}", f"subject-{rng.randrange(SUBJECTS)}", f"{rng.getrandbits(256):064x}")
                previous = entry_hash(previous, row)
                rows.append((*row, previous))
                if seq % ledger.checkpoint_every == 0:
                    checkpoints.append((seq, previous, moment, ledger.signer.key_id, ledger.signer.sign(seq, previous)))
            db.execute("BEGIN")
            db.executemany(insert, rows)
            db.executemany("INSERT INTO ledger_checkpoints VALUES (?, ?, ?, ?, ?)", checkpoints)
            db.execute("COMMIT")
            bar.update(len(rows))
    db.executemany("INSERT INTO ledger_tracking VALUES (?, ?)", positions.items())
    db.execute("ANALYZE")


def build_sources(ledger: SQLiteLedger, folder: Path, batch: int = 50_000) -> dict[str, str]:
    """Each source's store with as many stored events as the ledger has entries of it, and the digests
    of them a first verification keeps, sealed with the ledger's key. Answers {source: store path}."""
    from eventsourcing.persistence import StoredEvent

    rng, paths = random.Random(11), {}
    for source, count in tqdm(ledger.positions().items(), desc="audit bench: building the sources", leave=False):
        paths[source] = str(folder / f"{source}.sqlite")
        application = _source_store(paths[source])
        for first in range(0, count, batch):
            application.recorder.insert_events([
                StoredEvent(uuid.UUID(int=rng.getrandbits(128)), 1, "bench:Event", rng.randbytes(360))
                for _ in range(min(batch, count - first))])
        sealed, after, kind = hashlib.sha256(), 0, f"seal:{source}"
        while digests := stored_digests(application.recorder, after, DIGEST_PAGE):
            for position, stored in digests:
                sealed.update(f"{position}:{stored}\n".encode())
            after = digests[-1][0]
            ledger.keep(source, digests, {"position": after, "hash": sealed.hexdigest(),
                                          "signature": ledger.signer.sign(after, sealed.hexdigest(), kind)})
        application.close()
    return paths


def _source_store(path: str):
    from eventsourcing.application import Application

    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})


def _serve_digests(path: str, connection) -> None:
    """A source's own process, as a service is: answers (after, limit) as its stored_digests RPC does."""
    application = _source_store(path)
    while (request := connection.recv()) is not None:
        connection.send(stored_digests(application.recorder, *request))


@contextmanager
def serving(paths: dict[str, str]):
    """The sources, each in a process of its own; yields fetch_digests(source, after, limit)."""
    context = multiprocessing.get_context("spawn")
    pipes, processes = {}, []
    for source, path in paths.items():
        pipes[source], theirs = context.Pipe()
        processes.append(context.Process(target=_serve_digests, args=(path, theirs), daemon=True))
        processes[-1].start()

    def fetch_digests(source: str, after: int, limit: int) -> list:
        pipes[source].send((after, limit))
        return pipes[source].recv()

    try:
        yield fetch_digests
    finally:
        for pipe in pipes.values():
            pipe.send(None)
        for process in processes:
            process.join()


def verify_with_sources(path: str, key: str, folder: Path, fetch_digests) -> float:
    """A verification job's work: audit's verify over the ledger, every source included."""
    from services.audit.setup import setup
    from shared.crypto import vault_from_env
    from shared.identity import Caller

    def nothing_read_in_full(source, after, limit):
        raise AssertionError(f"{source}: the bench's sources hold no readable event")

    audit = setup(vault_from_env(), {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / "audit-events.sqlite"),
        "AUDIT_LEDGER_DBNAME": path, "PEERNET_AUDIT_SIGNING_KEY": key})
    audit.fetch_range, audit.fetch_digests = nothing_read_in_full, fetch_digests
    started = time.perf_counter()
    result = audit.perform("verify", Caller.system("audit"))
    elapsed = time.perf_counter() - started
    assert result["ok"], result
    assert sum(check["events_checked"] for check in result["sources"]) == result["chain"]["entries_verified"]
    return elapsed


def break_glass(folder: Path, events: int = BREAK_GLASS_EVENTS, reads: int = 100) -> dict:
    """A person with `events` events at intake, all in the ledger; then the fields read under break-glass."""
    from services.audit.setup import setup
    from shared.consumer import TrackedConsumer
    from shared.crypto import vault_from_env
    from shared.identity import Caller
    from shared.network import application_for

    vault, person_id = vault_from_env(), str(uuid.uuid4())
    intake = application_for("intake", {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                        "SQLITE_DBNAME": str(folder / "intake.sqlite")})
    audit = setup(vault, {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                          "SQLITE_DBNAME": str(folder / "audit.sqlite"),
                          "AUDIT_LEDGER_DBNAME": str(folder / "audit_ledger.sqlite")})
    sources = {"intake": intake, "audit": audit}
    audit.fetch_at = lambda wanted: {source: [e.as_message() for e in sources[source].integration_events_at(positions)]
                                     for source, positions in wanted.items()}

    def fetch_range(source, after, limit):
        return [e.as_message() for e in sources[source].integration_events(after, limit)] if source in sources else []

    person = Caller(user_id=person_id, role="person")
    intake.perform("enroll", person, {
        "person_id": person_id, "display_name": "Robin 1 (synthetic)", "contact": "robin@example.org",
        "region": "Hampden County", "languages": ["en"], "modalities": ["phone"], "agencies": [],
        "consent": {"purpose": "peer_support", "may_see": {"matching": ["region", "languages"]}, "expires_at": None}})
    for n in tqdm(range(events - 1), desc="audit bench: a person's events", leave=False):
        intake.perform("change_details", person,
                       {"person_id": person_id, "region": ("Berkshire County", "Hampden County")[n % 2]})
    tracked = TrackedConsumer(audit, audit.follows, fetch_range, dead_letters=None)
    while sum(tracked.catch_up(source) for source in tracked.sources):
        pass
    auditor = Caller(user_id="auditor-bench", role="state_auditor")
    audit.perform("open_break_glass", auditor,
                  {"person_id": person_id, "reason": "legal_request", "reference": "LR-BENCH-1"})
    latencies = []
    for _ in range(reads):
        started = time.perf_counter()
        fields = audit.perform("personal_fields", auditor, {"person_id": person_id})["fields"]
        latencies.append((time.perf_counter() - started) * 1000)
    assert len(fields) >= events, len(fields)
    latencies.sort()
    return {"break_glass_p50_ms": latencies[len(latencies) // 2],
            "break_glass_p99_ms": latencies[int(len(latencies) * 0.99) - 1]}


def random_filters(rng: random.Random, entries: int) -> dict:
    """The filters an auditor combines: one subject, an organization, a service and type, a month."""
    month = time.strftime("%Y-%m", time.gmtime(START + rng.randrange(entries) * 30))
    source = rng.choice(list(SOURCES))
    return rng.choice([
        {"subject_id": f"subject-{rng.randrange(SUBJECTS)}"},
        {"organization_id": rng.choice(ORGANIZATIONS)},
        {"source": source, "type": rng.choice(SOURCES[source])},
        {"type": rng.choice(SOURCES[source])},
        {"since": f"{month}-01T00:00:00.000000Z", "until": f"{month}-08T00:00:00.000000Z"},
        {"organization_id": rng.choice(ORGANIZATIONS), "source": source},
        {"organization_id": rng.choice(ORGANIZATIONS), "since": f"{month}-01T00:00:00.000000Z"},
    ])


def measure(ledger: SQLiteLedger, entries: int) -> dict:
    started = time.perf_counter()
    chain = verify_chain(ledger, ledger.signer.public_key)
    verify_s = time.perf_counter() - started
    assert chain["ok"] and chain["entries_verified"] == entries, chain

    rng, latencies = random.Random(12), []
    for _ in range(QUERIES):
        filters, after = random_filters(rng, entries), rng.choice([0, rng.randrange(entries)])
        started = time.perf_counter()
        ledger.query(filters, after=after, limit=100)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()

    rates = {}
    for format_ in FORMATS:
        started, after, exported = time.perf_counter(), 0, 0
        while page := ledger.query({}, after=after, limit=10_000):
            export.render(page, format_, header=after == 0)
            exported, after = exported + len(page), page[-1]["seq"]
        rates[format_] = exported / (time.perf_counter() - started)
    return {"entries": entries, "verify_s": verify_s, "query_p50_ms": latencies[len(latencies) // 2],
            "query_p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            "export_csv_per_s": rates["csv"], "export_jsonl_per_s": rates["jsonl"]}


def run(entries: int = ENTRIES) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path, key = str(Path(folder) / "audit_ledger.sqlite"), new_key()
        ledger = SQLiteLedger(path, Signer(key))
        build(ledger, entries)
        paths = build_sources(ledger, Path(folder))
        figures = measure(ledger, entries)
        with serving(paths) as fetch_digests:
            figures["verify_with_sources_s"] = verify_with_sources(path, key, Path(folder), fetch_digests)
        ledger.close()
    with tempfile.TemporaryDirectory() as folder:
        figures.update(break_glass(Path(folder)))
    print(f"\naudit ledger, {entries:,} entries (SQLite), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:")
    chain_only, with_sources = figures["verify_s"], figures["verify_with_sources_s"]
    print(f"  verify, chain only {chain_only:.1f} s; with every source {with_sources:.1f} s "
          f"({with_sources / chain_only:.2f}x the chain only)")
    targets = {"verify_s": ("<=", 10), "verify_with_sources_s": ("<=", 10), "query_p99_ms": ("<=", 100),
               "export_csv_per_s": (">=", 50_000), "export_jsonl_per_s": (">=", 50_000),
               "break_glass_p99_ms": ("<=", 100)}
    for name, value in figures.items():
        if name == "entries":
            continue
        target = targets.get(name)
        verdict = ""
        if target:
            met = value <= target[1] if target[0] == "<=" else value >= target[1]
            verdict = f"target {target[0]} {target[1]:,}: {'met' if met else 'MISSED'}"
        print(f"  {name:<22} {value:>12,.1f}   {verdict}")
    return figures


if __name__ == "__main__":
    run()
