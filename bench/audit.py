"""Audit ledger at 1,000,000 entries: whole-chain verify time, filtered history p99, export rate.

Builds the ledger directly (batched inserts with real chain hashes and signed
checkpoints every 1,000 entries) in a temporary SQLite file, then measures
what a state auditor waits for. Targets: verify <= 10 s, p99 <= 100 ms,
export >= 50,000 entries/s. `python -m bench.audit`, or run() from `make bench`.
"""
from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from services.audit import export
from services.audit.chain import GENESIS, entry_hash
from services.audit.ledger import COLUMNS, SQLiteLedger
from services.audit.signing import Signer, new_key
from services.audit.verify import verify_chain

ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "1000000"))
QUERIES = 500
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
    for format_ in export.FORMATS:
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
        ledger = SQLiteLedger(str(Path(folder) / "audit_ledger.sqlite"), Signer(new_key()))
        build(ledger, entries)
        figures = measure(ledger, entries)
        ledger.close()
    targets = {"verify_s": ("<=", 10), "query_p99_ms": ("<=", 100), "export_csv_per_s": (">=", 50_000),
               "export_jsonl_per_s": (">=", 50_000)}
    print(f"\naudit ledger, {entries:,} entries (SQLite):")
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
