"""Lists paged inside the services: page 1 of directory's organizations, of one organization's workforce and of
the networking pool (the real queries, their filters and views, over the read model kept in order) with 100 and
with 100,000 of them, and their ratios (issue 20: at most 2). `python -m bench.paging`, or from make bench:
`paging_figures()`. The directory tests build their long lists here too."""
from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from cryptography.fernet import Fernet

from services.directory import queries
from services.directory.domain import Organization, PeerWorker
from services.directory.settings import Settings
from shared.crypto import MemoryKeyStorage, PersonKeyVault
from shared.identity import Caller
from shared.views import ReplayedAggregates

ACTOR = {"user_id": "bench", "role": "system", "organization_id": None, "correlation_id": "bench"}
EMPLOYER = str(uuid.UUID(int=1))
SYSTEM = Caller.system("bench")
DAYS = [(date(2020, 1, 1) + timedelta(days=n)).isoformat() for n in range(2000)]
QUERY = {"after": None, "limit": 50, "include_closed": False, "region": None, "kind": None}
WORKFORCE_QUERY = {"after": None, "limit": 50, "organization_id": EMPLOYER, "include_former": False, "as_of": None}
POOL_QUERY = {"after": None, "limit": 50, "region": None, "language": None, "specialty": None, "credential": None}


def clock() -> datetime:
    return datetime(2026, 12, 5, 12, tzinfo=timezone.utc)


def read_model() -> ReplayedAggregates:
    """An empty read model over a log with nothing new: the aggregates are put in it, not stored (the queries
    read the read model only)."""
    nothing_new = SimpleNamespace(select_notifications=lambda **_: [])
    return ReplayedAggregates(nothing_new, mapper=None)


def directory_with(count: int) -> ReplayedAggregates:
    """The read model of a directory holding `count` organizations."""
    replayed = read_model()
    for n in range(count):
        organization = Organization(name=f"Agency {n:06d} (synthetic)", kind="agency",
                                    regions=["Hampden" if n % 3 else "Berkshire"], actor=ACTOR)
        replayed.aggregates[organization.id] = organization
    return replayed


def peer_worker(n: int, count: int, vault: PersonKeyVault) -> PeerWorker:
    """The n-th of `count` peer workers of EMPLOYER: hired on one of 2,000 days (ids in order, days not), in the
    pool under a name sealed with their own key; every tenth gone since (and so out of the pool)."""
    worker = PeerWorker(peer_worker_id=uuid.UUID(int=n + 2), peer_role_since="2018-03-01", actor=ACTOR)
    worker.begin_employment(f"employment-{n}", EMPLOYER, "Peer Specialist", 20, DAYS[n % len(DAYS)], None, None,
                            ACTOR)
    if n % 10 == 9:
        worker.leave(EMPLOYER, "2026-01-05", ACTOR)
    else:
        name = f"Peer {(n * 7919) % count:06d} (synthetic)"  # names in another order than ids and days
        worker.join_pool(EMPLOYER, vault.seal(str(worker.id), name), "Hampden" if n % 3 else "Berkshire", ["en"],
                         ["hearing_voices"], ACTOR)
    return worker


def network_of(count: int, vault: PersonKeyVault) -> ReplayedAggregates:
    """The read model of a directory where one organization employs or employed `count` peer workers."""
    replayed = read_model()
    for n in range(count):
        worker = peer_worker(n, count, vault)
        replayed.aggregates[worker.id] = worker
    return replayed


def a_vault() -> PersonKeyVault:
    return PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())


def least_time(read, repeats: int) -> float:
    """Seconds for one read, the least of `repeats`: the page's cost, not the busy machine's."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        best = min(best, time.perf_counter() - started)
    return best


def best_of(read, repeats: int = 300) -> float:
    """least_time after a first read: the order is made once, at its first use."""
    read()
    return least_time(read, repeats)


def organizations_page_one(replayed: ReplayedAggregates, repeats: int = 300) -> float:
    return best_of(lambda: queries.list_organizations(QUERY, SYSTEM, replayed=replayed), repeats)


def workforce_page_one(replayed: ReplayedAggregates, repeats: int = 300) -> float:
    return best_of(lambda: queries.list_workforce(WORKFORCE_QUERY, SYSTEM, replayed=replayed, settings=Settings(),
                                                  clock=clock), repeats)


def pool_page_one(replayed: ReplayedAggregates, vault: PersonKeyVault, repeats: int = 300) -> float:
    store = SimpleNamespace(record_access=lambda caller, via, reads: 0)  # a system read is not recorded
    return best_of(lambda: queries.search_pool(POOL_QUERY, SYSTEM, store=store, replayed=replayed, vault=vault,
                                               clock=clock), repeats)


def paging_figures() -> dict:
    organizations = organizations_page_one(directory_with(100)), organizations_page_one(directory_with(100_000))
    networks = [(network_of(count, vault), vault) for count, vault in ((100, a_vault()), (100_000, a_vault()))]
    workforce = tuple(workforce_page_one(replayed) for replayed, _ in networks)
    pool = tuple(pool_page_one(replayed, vault) for replayed, vault in networks)
    figures = {}
    for list_name, what, (short, long) in (("", "organizations", organizations),
                                            ("workforce: ", "employments of one organization", workforce),
                                            ("pool: ", "pool members", pool)):
        figures[f"page 1 of 100 {what} (50 shown)"] = (short * 1e6, "µs")
        figures[f"page 1 of 100,000 {what} (50 shown)"] = (long * 1e6, "µs")
        figures[f"{list_name}page 1 of 100,000 / page 1 of 100 (target at most 2)"] = (long / short, "x")
    return figures


def print_rows(figures: dict) -> None:
    for name, (value, unit) in figures.items():
        print(f"  {name:<66} {value:>10,.2f} {unit}")


if __name__ == "__main__":
    print(time.strftime("lists paged inside the services (%H:%M UTC):", time.gmtime()))
    print_rows(paging_figures())
