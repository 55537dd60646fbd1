"""Lists paged inside the services: page 1 of directory's organizations (the real query, its filters and
views, over the read model kept in order) with 100 and with 100,000 organizations, and their ratio (issue 20:
at most 2). `python -m bench.paging`, or from make bench: `paging_figures()`."""
from __future__ import annotations

import time

from services.directory import queries
from services.directory.domain import Organization
from shared.identity import Caller
from shared.views import ReplayedAggregates

ACTOR = {"user_id": "bench", "role": "system", "organization_id": None, "correlation_id": "bench"}
QUERY = {"after": None, "limit": 50, "include_closed": False, "region": None, "kind": None}


def directory_with(count: int) -> ReplayedAggregates:
    """The read model of a directory holding `count` organizations (made as aggregates, not stored: the
    query reads the read model only)."""
    nothing_new = type("Log", (), {"select_notifications": staticmethod(lambda **_: [])})()
    replayed = ReplayedAggregates(nothing_new, mapper=None)
    for n in range(count):
        organization = Organization(name=f"Agency {n:06d} (synthetic)", kind="agency",
                                    regions=["Hampden" if n % 3 else "Berkshire"], actor=ACTOR)
        replayed.aggregates[organization.id] = organization
    return replayed


def page_one(replayed: ReplayedAggregates, repeats: int = 300) -> float:
    """Seconds for page 1, the least of `repeats`: the page's cost, not the busy machine's."""
    caller = Caller.system("bench")
    queries.list_organizations(QUERY, caller, replayed=replayed)  # the order is made once, at its first use
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        queries.list_organizations(QUERY, caller, replayed=replayed)
        best = min(best, time.perf_counter() - started)
    return best


def paging_figures() -> dict:
    short, long = page_one(directory_with(100)), page_one(directory_with(100_000))
    return {"page 1 of 100 organizations (50 shown)": (short * 1e6, "µs"),
            "page 1 of 100,000 organizations (50 shown)": (long * 1e6, "µs"),
            "page 1 of 100,000 / page 1 of 100 (target at most 2)": (long / short, "x")}


def print_rows(figures: dict) -> None:
    for name, (value, unit) in figures.items():
        print(f"  {name:<66} {value:>10,.2f} {unit}")


if __name__ == "__main__":
    print(time.strftime("lists paged inside the services (%H:%M UTC):", time.gmtime()))
    print_rows(paging_figures())
