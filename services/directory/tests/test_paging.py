"""An organization's workforce, its credential status, who may supervise peers and the networking pool are
paged inside directory by key (issue 20): walking the pages gives every item once, in order, filters included,
and page 1 of 100,000 costs at most twice page 1 of 100. The pool's cursor holds no name in clear."""
from __future__ import annotations

import json
import uuid

import pytest

from bench import paging
from services.directory.setup import setup
from services.directory.tests.support import SYSTEM, admin_of, employment, organization, peer_caller
from shared.crypto import is_sealed
from shared.errors import InvalidInput
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401  (fixtures)
from shared.tests.timing import ratios_until_within


@pytest.fixture
def directory(app_factory):
    return app_factory(setup)


def walk(directory, operation: str, query: dict, caller=SYSTEM) -> tuple[list, list]:
    """Every item of every page, following next_after, and the size of each page."""
    items, sizes, after = [], [], None
    while True:
        page = directory.perform(operation, caller, {**query, "after": after})
        items += page["items"]
        sizes.append(len(page["items"]))
        after = page["next_after"]
        if after is None:
            return items, sizes


def hire(directory, organization_id, start: str, **extra) -> uuid.UUID:
    worker = uuid.uuid4()
    directory.perform("record_employment", SYSTEM, employment(worker, organization_id, start=start, **extra))
    return worker


@pytest.fixture
def workforce(directory):
    """Seven peer workers of one organization (two hired the same day, one gone since, one working elsewhere
    too) and one of another organization."""
    ours, theirs = (directory.perform("register_organization", SYSTEM, organization(name))
                    for name in ("Ours", "Theirs"))
    days = ["2026-03-02", "2025-01-06", "2026-03-02", "2024-06-03", "2026-07-06", "2025-09-01", "2023-02-06"]
    workers = [hire(directory, ours, day) for day in days]
    directory.perform("end_employment", SYSTEM, {"peer_worker_id": str(workers[1]), "organization_id": str(ours),
                                                 "left_on": "2026-02-02"})
    directory.perform("record_employment", SYSTEM, employment(workers[3], theirs, start="2026-01-05"))
    hire(directory, theirs, "2026-01-05")
    return ours, theirs, workers, days


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_the_workforce_walks_by_start_each_employment_once(directory, workforce, limit):
    ours, _, workers, days = workforce
    expected = sorted((day, str(worker)) for worker, day in zip(workers, days))
    current = [row for row in expected if row[1] != str(workers[1])]
    for include_former, wanted in ((False, current), (True, expected)):
        items, sizes = walk(directory, "list_workforce", {"organization_id": str(ours), "limit": limit,
                                                          "include_former": include_former}, admin_of(ours))
        assert [(item["start"], item["peer_worker_id"]) for item in items] == wanted
        assert {item["organization_id"] for item in items} == {str(ours)}  # never another organization's
        assert max(sizes) <= limit and len(sizes) == max(1, -(-len(wanted) // limit))


def test_credential_status_walks_the_current_peer_workers_by_id(directory, workforce):
    ours, theirs, workers, _ = workforce
    items, sizes = walk(directory, "credential_status", {"organization_id": str(ours), "limit": 2})
    assert [item["peer_worker_id"] for item in items] == sorted(str(w) for w in workers if w != workers[1])
    assert sizes == [2, 2, 2]
    theirs_now = directory.perform("credential_status", SYSTEM, {"organization_id": str(theirs)})["items"]
    assert len(theirs_now) == 2 and str(workers[3]) in {item["peer_worker_id"] for item in theirs_now}


def test_eligible_supervisors_walk_by_id_with_the_rule_applied_as_they_go(directory, workforce):
    ours, _, workers, _ = workforce

    def supervisor_credential(worker, expires="2040-01-01"):
        directory.perform("record_credential", SYSTEM, {"peer_worker_id": str(worker), "kind": "peer_supervisor",
                                                        "issued": "2024-01-01", "expires": expires})
    for worker in workers[2:]:
        directory.perform("set_peer_role_since", SYSTEM, {"peer_worker_id": str(worker),
                                                          "peer_role_since": "2015-01-05"})
        supervisor_credential(worker)
    supervisor_credential(workers[0])  # too few years in peer roles
    directory.perform("set_peer_role_since", SYSTEM, {"peer_worker_id": str(workers[6]),
                                                      "peer_role_since": "2026-01-05"})  # too few now
    items, sizes = walk(directory, "eligible_peer_supervisors", {"organization_id": str(ours), "limit": 2})
    assert [item["peer_worker_id"] for item in items] == sorted(str(w) for w in workers[2:6])
    assert sizes == [2, 2]


def test_a_position_of_the_wrong_shape_is_refused(directory, workforce):
    ours = str(workforce[0])
    assert "after" in refused(directory, "list_workforce", {"organization_id": ours, "after": ["2026-01-05", "x"]})
    assert "after" in refused(directory, "credential_status", {"organization_id": ours, "after": ["a", "b"]})
    assert "after" in refused(directory, "eligible_peer_supervisors", {"organization_id": ours, "after": []})
    assert "after" in refused(directory, "search_pool", {"after": ["not sealed"]})


def refused(directory, operation: str, query: dict) -> dict:
    with pytest.raises(InvalidInput) as error:
        directory.perform(operation, SYSTEM, query)
    return error.value.field_errors


# --- the networking pool ------------------------------------------------------------------------------


NAMES = ["rowan Example", "Sky Example", "Alex Example", "ash Example", "Bea Example", "Rowan Example", "Cy Example"]


@pytest.fixture
def pool(directory):
    """Seven pool members of one organization, names in mixed case (two the same but for it), by region."""
    ours = directory.perform("register_organization", SYSTEM, organization("Ours"))
    members = {}
    for index, name in enumerate(NAMES):
        worker = hire(directory, ours, "2026-01-05")
        join(directory, ours, worker, name, region="Berkshire" if index % 3 == 0 else "Hampden")
        members[str(worker)] = name
    return ours, members


def join(directory, organization_id, worker, name, region="Hampden"):
    directory.perform("join_pool", peer_caller(worker), {
        "peer_worker_id": str(worker), "organization_id": str(organization_id), "display_name": name,
        "region": region, "languages": ["English"], "specialties": []})


def by_name(members: dict, ids=None) -> list[str]:
    return [name for worker, name in sorted(members.items(), key=lambda m: (m[1].casefold(), m[0]))
            if ids is None or worker in ids]


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_the_pool_walks_by_display_name_each_member_once_filters_included(directory, pool, limit):
    _, members = pool
    items, sizes = walk(directory, "search_pool", {"limit": limit})
    assert [item["display_name"] for item in items] == by_name(members)
    assert max(sizes) <= limit and len(sizes) == -(-len(members) // limit)
    hampden, _ = walk(directory, "search_pool", {"limit": limit, "region": "Hampden"})
    assert [item["display_name"] for item in hampden] == by_name(
        members, {w for w, name in members.items() if NAMES.index(name) % 3})


def test_the_pool_s_cursor_is_a_name_sealed_with_its_member_s_key(directory, pool, vault):
    _, members = pool
    page = directory.perform("search_pool", SYSTEM, {"limit": 2})
    [token] = page["next_after"]
    assert is_sealed(token) and token.split(":")[1] == page["items"][-1]["peer_worker_id"]
    assert not any(part in json.dumps(page["next_after"]).casefold() for part in ("alex", "ash", "example"))
    another = vault.seal(page["items"][-1]["peer_worker_id"], "Zed")  # sealed by them, but no position
    assert "after" in refused(directory, "search_pool", {"after": [another]})
    vault.forget(page["items"][-1]["peer_worker_id"])
    assert "forgotten" in refused(directory, "search_pool", {"after": [token]})["after"][0]


def test_a_renamed_member_moves_and_a_forgotten_one_leaves_the_order_and_memory(directory, pool, vault):
    ours, members = pool
    first = next(worker for worker, name in members.items() if name == "Alex Example")
    join(directory, ours, uuid.UUID(first), "Zoe Example")
    members[first] = "Zoe Example"
    assert [item["display_name"] for item in walk(directory, "search_pool", {"limit": 3})[0]] == by_name(members)
    forgotten = next(worker for worker, name in members.items() if name == "Cy Example")
    vault.forget(forgotten)
    del members[forgotten]
    assert [item["display_name"] for item in walk(directory, "search_pool", {"limit": 3})[0]] == by_name(members)
    order = directory.replayed.orders["PeerWorker:by_display_name"]
    assert uuid.UUID(forgotten) not in order.held and not any(key[1] == forgotten for key in order.keys)


def test_leaving_the_pool_or_the_organization_takes_a_member_out_of_the_order(directory, pool):
    ours, members = pool
    leaving, gone = list(members)[:2]
    directory.perform("leave_pool", peer_caller(leaving), {"peer_worker_id": leaving})
    directory.perform("end_employment", SYSTEM, {"peer_worker_id": gone, "organization_id": str(ours),
                                                 "left_on": "2026-06-01"})
    for worker in (leaving, gone):
        del members[worker]
    assert [item["display_name"] for item in walk(directory, "search_pool", {"limit": 2})[0]] == by_name(members)


# --- the cost of page 1 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def networks():
    """Directories where one organization employs or employed 100 and 100,000 peer workers, most in the pool
    (bench.paging builds them: make bench measures the same)."""
    return [(paging.network_of(count, vault), vault) for count, vault in ((100, paging.a_vault()),
                                                                           (100_000, paging.a_vault()))]


def at_most_twice(page_one, networks) -> None:
    (short, short_vault), (long, long_vault) = networks
    ratios = ratios_until_within(lambda: page_one(long, long_vault) / page_one(short, short_vault))
    assert min(ratios) <= 2.0, ratios


def test_page_one_of_a_workforce_of_100000_costs_at_most_twice_page_one_of_100(networks):
    at_most_twice(lambda replayed, _: paging.workforce_page_one(replayed, repeats=200), networks)


def test_page_one_of_a_pool_of_100000_costs_at_most_twice_page_one_of_100(networks):
    at_most_twice(lambda replayed, vault: paging.pool_page_one(replayed, vault, repeats=100), networks)
