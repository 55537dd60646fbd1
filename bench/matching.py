"""Matching at national scale: offers for one request, the projection's memory,
and rebuild by replay. `run()` prints the figures and the ratios.

Goals (issue 6): 100,000 peer workers, 1,000,000 people, 40 kinds of items;
offers p99 <= 20 ms and >= 20x faster than a plain scan over all peers in the
same run; the projection in <= 1 GiB; rebuild >= 10,000 events/s.

The population is built through the projection's own `apply` from the same
domain events the store holds. People's fields are opened by a stand-in vault
that returns the token as it is, so the figures measure the index, not Fernet;
the rebuild figure uses a real encrypted SQLite store and the real vault.
"""
from __future__ import annotations

import gc
import os
import random
import statistics
import tempfile
import time
import uuid

from tqdm import tqdm

PEERS = int(os.environ.get("BENCH_MATCHING_PEERS", "100000"))
PEOPLE = int(os.environ.get("BENCH_MATCHING_PEOPLE", "1000000"))
ITEM_KINDS = 40
REGIONS = 1000  # counties
OFFER_SAMPLES, SCAN_SAMPLES = 2000, 40
REPLAY_PEERS, REPLAY_PEOPLE = 12000, 3000
LANGUAGES = (("English", 0.9), ("Spanish", 0.2), ("Portuguese", 0.04), ("Haitian Creole", 0.03),
             ("Vietnamese", 0.03), ("Chinese", 0.03))
MODALITIES = ("in_person", "phone", "text", "video", "group")
ACTOR = {"user_id": "bench", "role": "system", "organization_id": None, "correlation_id": "bench"}


class ClearVault:
    """Stand-in for the vault: a token opens to itself (the bench seals nothing)."""

    def open(self, token):
        return token


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _languages(rng) -> list[str]:
    chosen = [name for name, share in LANGUAGES if rng.random() < share]
    return chosen or ["English"]


def _peer_events(rng, items):
    from services.matching.domain import Candidate

    peer_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    candidate = Candidate(peer_worker_id=peer_id, organization_id=f"org-{rng.randrange(5000)}",
                          display_name="pii1:bench:x", shared_for_matching=rng.sample(items, rng.randrange(0, 5)),
                          upstream_position=1, actor=ACTOR)
    candidate.change_availability({
        "capacity": rng.choice((0, 1, 1, 2, 3, 5)), "times": [],
        "modalities": rng.sample(MODALITIES, rng.randint(1, 3)),
        "languages": _languages(rng), "regions": [f"County {rng.randrange(REGIONS)}"],
        "remote": rng.random() < 0.2, "paused": rng.random() < 0.05}, 2, ACTOR)
    return candidate


def _person_view(rng, items) -> dict:
    return {"display_name": "x", "region": f"County {rng.randrange(REGIONS)}", "languages": _languages(rng),
            "modalities": rng.sample(MODALITIES, rng.randint(1, 3)),
            "agencies": [f"org-{rng.randrange(5000)}"] if rng.random() < 0.3 else [],
            "shared_for_matching": rng.sample(items, rng.randrange(0, 4)), "consent_expires_at": None}


def build_population(rng) -> tuple:
    from services.matching.domain import Seeker
    from services.matching.projections import Pool

    items = [f"item-{n:02d}" for n in range(ITEM_KINDS)]
    gc.collect()
    before = rss_bytes()
    pool = Pool(ClearVault())
    for _ in tqdm(range(PEERS), desc="matching bench: peer workers", leave=False):
        candidate = _peer_events(rng, items)
        for event in candidate.collect_events():
            pool.apply(event)
    people = []
    for _ in tqdm(range(PEOPLE), desc="matching bench: people", leave=False):
        person_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        seeker = Seeker(person_id=person_id, view=_person_view(rng, items), actor=ACTOR)
        for event in seeker.collect_events():
            pool.apply(event, seeker)
        people.append(str(person_id))
    gc.collect()
    return pool, people, rss_bytes() - before


def time_offers(pool, people, rng) -> dict:
    sample = rng.sample(people, OFFER_SAMPLES)
    indexed = []
    for person_id in sample:
        started = time.perf_counter()
        pool.best(person_id, 3)
        indexed.append((time.perf_counter() - started) * 1000)
    scans, same = [], 0
    for person_id in sample[:SCAN_SAMPLES]:
        started = time.perf_counter()
        answer = pool.scan(person_id, 3)
        scans.append((time.perf_counter() - started) * 1000)
        same += answer == pool.best(person_id, 3)
    indexed.sort()
    return {"p50_ms": statistics.median(indexed), "p99_ms": indexed[int(len(indexed) * 0.99) - 1],
            "mean_ms": statistics.fmean(indexed), "scan_mean_ms": statistics.fmean(scans),
            "scan_p50_ms": statistics.median(scans), "same_answer": f"{same}/{SCAN_SAMPLES}"}


def time_rebuild(rng) -> dict:
    """A real encrypted SQLite store and the real vault: save, then replay it all."""
    from cryptography.fernet import Fernet

    from services.matching.setup import setup
    from services.matching.domain import Seeker
    from shared import config
    from shared.crypto import MemoryKeyStorage, PersonKeyVault

    items = [f"item-{n:02d}" for n in range(ITEM_KINDS)]
    vault = PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())
    with tempfile.TemporaryDirectory() as var:
        os.environ["PEERNET_VAR_DIR"] = var
        env = {**config.application_env("matching"), "PERSISTENCE_MODULE": "eventsourcing.sqlite",
               "SQLITE_DBNAME": f"{var}/matching.sqlite"}
        matching = setup(vault, env)
        batch = []
        for _ in tqdm(range(REPLAY_PEERS), desc="matching bench: storing peers", leave=False):
            batch.append(_peer_events(rng, items))
            if len(batch) == 500:
                matching.save(*batch)
                batch = []
        for _ in tqdm(range(REPLAY_PEOPLE), desc="matching bench: storing people", leave=False):
            person_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            view = _person_view(rng, items)
            sealed = {**view, "region": vault.seal(str(person_id), view["region"]),
                      "languages": [vault.seal(str(person_id), x) for x in view["languages"]],
                      "agencies": [vault.seal(str(person_id), x) for x in view["agencies"]],
                      "shared_for_matching": [vault.seal(str(person_id), x) for x in view["shared_for_matching"]]}
            seeker = Seeker(person_id=person_id, view=sealed, actor=ACTOR)
            seeker.open_request(str(uuid.uuid4()), False, ACTOR)
            batch.append(seeker)
            if len(batch) == 500:
                matching.save(*batch)
                batch = []
        matching.save(*batch)
        total = matching.max_position()
        started = time.perf_counter()
        with tqdm(total=total, desc="matching bench: replaying", leave=False) as bar:
            pool = matching.rebuild(progress=bar.update)
        elapsed = time.perf_counter() - started
        matching.close()
    assert len(pool.people) == REPLAY_PEOPLE
    return {"events": total, "events_per_s": total / elapsed}


def run() -> dict:
    rng = random.Random(6)
    pool, people, memory = build_population(rng)
    offers = time_offers(pool, people, rng)
    del pool, people
    gc.collect()
    rebuild = time_rebuild(rng)
    gib = memory / 2**30
    rows = [
        (f"matching: offers for one request, p50 ({PEERS:,} peers, {PEOPLE:,} people)", offers["p50_ms"], "ms",
         None),
        ("matching: offers for one request, p99 (goal <= 20 ms)", offers["p99_ms"], "ms",
         f"{'met' if offers['p99_ms'] <= 20 else 'NOT met'}"),
        ("matching: plain scan over all peers, mean", offers["scan_mean_ms"], "ms",
         f"{offers['scan_mean_ms'] / offers['mean_ms']:.0f}x the index (goal >= 20x); same answer "
         f"{offers['same_answer']}"),
        ("matching: projection memory (goal <= 1 GiB)", gib, "GiB", f"{'met' if gib <= 1 else 'NOT met'}"),
        ("matching: rebuild by replay, encrypted SQLite (goal >= 10,000/s)", rebuild["events_per_s"], "events/s",
         f"{rebuild['events']:,} events; {'met' if rebuild['events_per_s'] >= 10000 else 'NOT met'}"),
    ]
    for name, value, unit, ratio in rows:
        print(f"  {name:<66} {value:>10,.2f} {unit:<9} {ratio or ''}", flush=True)
    return {"offers": offers, "projection_gib": gib, "rebuild": rebuild}


if __name__ == "__main__":
    run()
