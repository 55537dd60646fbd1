"""Lists paged inside the services (issue 20), one person's and one peer worker's: page 1 of a person's
disclosure log (intake's real query over SQLite, the default store) and of a peer worker's connections
(matching's real query over its projection), each with 100 and with 100,000 lines, and their ratio (at
most 2). `python -m bench.paging_people`, or `paging_figures()`."""
from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from bench.paging import a_vault, least_time, print_rows
from services.intake.setup import setup as intake_setup
from services.matching.domain import Connection
from services.matching.projections import Pool
from services.matching.queries import peer_connections
from shared.identity import Caller

SIZES = (100, 100_000)  # the figures' names say these
LIMIT = 50
SYSTEM = Caller.system("bench")


def intake_with(count: int, folder: Path):
    """Intake on SQLite in `folder` holding one person (the caller returned) whose disclosure log has `count`
    lines: one recorded as the service records it, the others stored as copies of it at the next versions
    (the same bytes to read and open; storing each through the aggregate would take minutes)."""
    store = intake_setup(a_vault(), {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                     "SQLITE_DBNAME": str(folder / f"intake-{count}.sqlite")})
    person = Caller(user_id=str(uuid.uuid4()), role="person")
    store.perform("enroll", person, {
        "person_id": person.user_id, "display_name": "Robin (synthetic)", "contact": "robin@example.org",
        "region": "Hampden County", "languages": ["en"], "modalities": ["phone"], "agencies": [],
        "consent": {"purpose": "peer_support", "may_see": {"connected_peer": ["contact"]}, "expires_at": None}})
    record = store.person(uuid.UUID(person.user_id))
    record.record_disclosure({"user_id": "peer-bench", "role": "peer", "organization_id": None}, "connected_peer",
                             ["contact"], SYSTEM.as_actor())
    store.save(record)
    [line] = store.recorder.select_events(record.id, gt=1)
    store.recorder.insert_events([StoredEvent(line.originator_id, version, line.topic, line.state)
                                  for version in range(line.originator_version + 1, count + 2)])
    return store, person


def pool_with(count: int) -> tuple[Pool, str]:
    """Matching's projection with one peer worker (the id returned) who has had `count` connections."""
    pool, peer_worker_id = Pool(a_vault()), str(uuid.uuid4())
    for _ in range(count):
        connection = Connection(connection_id=uuid.uuid4(), person_id=str(uuid.uuid4()),
                                peer_worker_id=peer_worker_id, actor=SYSTEM.as_actor())
        for event in connection.collect_events():
            pool.apply(event)
    return pool, peer_worker_id


def disclosures_pages(count: int, folder: Path, repeats: int = 200) -> tuple[float, float]:
    """Seconds for page 1 of a person's disclosure log of `count` lines, and for its last page."""
    store, person = intake_with(count, folder)

    def read(after=None):
        return store.perform("disclosures", person, person.user_id, after, LIMIT)
    last = count + 1 - LIMIT  # lines are the versions 2 to count + 1
    assert len(read()["items"]) == LIMIT and read(last)["next_after"] is None
    try:
        return least_time(read, repeats), least_time(lambda: read(last), repeats)
    finally:
        store.close()


def connections_page_one(pool: Pool, peer_worker_id: str, repeats: int = 300) -> float:
    query = {"peer_worker_id": peer_worker_id, "after": None, "limit": LIMIT}
    read = lambda: peer_connections(query, SYSTEM, pool=pool)  # noqa: E731
    assert len(read()["items"]) == LIMIT
    return least_time(read, repeats)


def paging_figures() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        (short, _), (long, last) = (disclosures_pages(count, Path(folder)) for count in SIZES)
    few, many = (connections_page_one(*pool_with(count)) for count in SIZES)
    return {"page 1 of 100 disclosures of one person (50 shown)": (short * 1e6, "µs"),
            "page 1 of 100,000 disclosures of one person (50 shown)": (long * 1e6, "µs"),
            "the last page of 100,000 disclosures of one person (50 shown)": (last * 1e6, "µs"),
            "disclosures: page 1 of 100,000 / page 1 of 100 (target at most 2)": (long / short, "x"),
            "page 1 of 100 connections of one peer worker (50 shown)": (few * 1e6, "µs"),
            "page 1 of 100,000 connections of one peer worker (50 shown)": (many * 1e6, "µs"),
            "connections: page 1 of 100,000 / page 1 of 100 (target at most 2)": (many / few, "x")}


if __name__ == "__main__":
    print(time.strftime("one person's lists paged inside the services (%H:%M UTC):", time.gmtime()))
    print_rows(paging_figures())
