"""Who is short of supervision, paged inside supervision (issue 20): walking the pages of any scope yields the
whole list once, in order, with totals right for the whole list, as the log goes on and for another day; and
page 1 of a workforce of 100,000 costs at most twice page 1 of one of 100."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bench import paging, paging_records
from services.supervision import queries
from services.supervision.domain import Assignment, Worker
from services.supervision.rules import due
from services.supervision.settings import Settings
from services.supervision.tests.support import day
from shared.identity import Caller
from shared.tests.timing import ratios_until_within

AUDITOR = Caller("auditor", "state_auditor")
SYSTEM = Caller.system("test")
PD = "professional_development"


def short_as_of_old(app, as_of: str, organization_id=None, supervisor_id=None) -> dict:
    """The whole list as supervision answered it before it was paged: every worker weighed at each call."""
    work = app.work()
    supervising = {}
    for assignment in work.all(Assignment):
        if assignment.open:
            supervising.setdefault(assignment.peer_worker_id, []).append(assignment)
    items, counted = [], 0
    for worker in sorted(work.all(Worker), key=lambda w: str(w.id)):
        status = due(worker, app.settings, as_of)
        open_ = supervising.get(str(worker.id), [])
        supervisors = sorted(a.supervisor_id for a in open_)
        if status is None or (organization_id and organization_id not in worker.organizations(as_of)) or (
                supervisor_id and supervisor_id not in supervisors):
            continue
        counted += 1
        needs = not any(a.kind == PD for a in open_)
        if status["overdue"] or needs:
            items.append({"peer_worker_id": str(worker.id), "organization_ids": sorted(worker.organizations(as_of)),
                          "supervisor_ids": supervisors, "needs_supervisor": needs, "overdue": status["overdue"],
                          "next_due": status["next_due"], "first_period_hours_done": status["first_period_hours_done"]})
    return {"peer_workers": counted, "short": len(items), "items": items}


def walk(app, limit: int, **scope) -> tuple[list, set, list]:
    """Every page in turn: the items, the totals each page gave, the pages' sizes."""
    items, totals, sizes, after = [], set(), [], None
    while True:
        page = app.perform("shortfall", AUDITOR, {**scope, "limit": limit, "after": after})
        items += page["items"]
        totals.add((page["peer_workers"], page["short"]))
        sizes.append(len(page["items"]))
        after = page["next_after"]
        if after is None:
            return items, totals, sizes


@pytest.fixture
def network(app, directory):
    """Two organizations, a supervisor in one, peer workers new and old, one supervised and seen this week."""
    agency, provider = directory.organization(), directory.organization("peer_run_organization")
    supervisor, _ = directory.supervisor(agency)
    workers = {"supervised": directory.hire(agency, start=day(-60))[0]}
    for n in range(5):
        workers[f"agency {n}"] = directory.hire(agency, start=day(-3 - 20 * n))[0]
    for n in range(4):
        workers[f"provider {n}"] = directory.hire(provider, start=day(-40 - n), hours=20)[0]
    supervised = workers["supervised"]
    assignment = app.perform("offer_supervisor", SYSTEM, {"peer_worker_id": supervised,
                                                                 "supervisor_id": supervisor, "kind": PD})
    app.perform("accept_supervision", Caller(supervisor, "supervisor"), {"assignment_id": assignment})
    session = app.perform("log_session", Caller(supervisor, "supervisor"), {
        "supervisor_id": supervisor, "peer_worker_id": supervised, "date": day(-2), "minutes": 60, "kind": PD,
        "grouping": "individual", "medium": "video"})
    app.perform("confirm_session", Caller(supervised, "peer"), {"session_id": session})
    return SimpleNamespace(agency=agency, provider=provider, supervisor=supervisor, workers=workers)


def scopes(network) -> list[dict]:
    return [{}, {"organization_id": network.agency}, {"organization_id": network.provider},
            {"supervisor_id": network.supervisor},
            {"organization_id": network.agency, "supervisor_id": network.supervisor},
            {"organization_id": network.provider, "supervisor_id": network.supervisor}]


def assert_every_scope_walks_as_the_whole_list(app, network, as_of: str | None = None) -> None:
    for scope in scopes(network):
        whole = short_as_of_old(app, as_of or day(), **scope)
        for limit in (1, 3, 50):
            items, totals, sizes = walk(app, limit, **scope, **({"as_of": as_of} if as_of else {}))
            assert items == whole["items"], (scope, limit)
            assert totals == {(whole["peer_workers"], whole["short"])}, (scope, limit)
            assert max(sizes) <= limit and len(sizes) == max(1, -(-len(whole["items"]) // limit))


def test_walking_every_scope_yields_each_short_peer_worker_once_in_order_with_the_whole_lists_totals(app, network):
    assert_every_scope_walks_as_the_whole_list(app, network)
    whole = short_as_of_old(app, day())
    assert network.workers["supervised"] not in [item["peer_worker_id"] for item in whole["items"]]
    assert whole["peer_workers"] == 11 and 1 < whole["short"] < 11  # the list is neither empty nor everyone


def test_the_pages_stay_right_as_the_log_goes_on(app, directory, network):
    assert_every_scope_walks_as_the_whole_list(app, network)  # the day's standing made: now kept as events come
    worker = network.workers["agency 1"]
    assignment = app.perform("offer_supervisor", SYSTEM, {"peer_worker_id": worker,
                                                                 "supervisor_id": network.supervisor, "kind": PD})
    assert_every_scope_walks_as_the_whole_list(app, network)  # an offer: a supervisor, no longer needed
    app.perform("decline_supervision", Caller(network.supervisor, "supervisor"),
                {"assignment_id": assignment, "reason": "schedule"})
    assert_every_scope_walks_as_the_whole_list(app, network)  # declined: needed again
    leaving, employment = directory.hire(network.provider, start=day(-90))
    assert_every_scope_walks_as_the_whole_list(app, network)  # hired: counted
    directory.leave(leaving, employment, network.provider)
    assert_every_scope_walks_as_the_whole_list(app, network)  # left today: no longer counted
    directory.credential(network.workers["provider 2"], "certified_peer_specialist")
    assert_every_scope_walks_as_the_whole_list(app, network)  # certified: another cadence


def test_another_day_is_its_own_list(app, network):
    assert_every_scope_walks_as_the_whole_list(app, network, day(-30))
    assert_every_scope_walks_as_the_whole_list(app, network, day(30))
    assert short_as_of_old(app, day(-30)) != short_as_of_old(app, day(30))


# -- what page 1 costs ---------------------------------------------------------------------------------------------
def page_one(store) -> dict:
    return queries.shortfall(paging_records.SHORTFALL_QUERY, AUDITOR, store=store, settings=Settings.from_env({}),
                             clock=paging.clock)


def cost_of_page_one(store, repeats: int = 200) -> float:
    assert len(page_one(store)["items"]) == 50  # the day's standing made once, as a running service has it
    return paging.least_time(lambda: page_one(store), repeats)


def test_page_one_of_100000_short_peer_workers_costs_at_most_twice_page_one_of_100():
    short, long = paging_records.workforce_of(100), paging_records.workforce_of(100_000)
    answer = page_one(long)
    assert (answer["peer_workers"], answer["short"]) == (100_000, 100_000)
    ratios = ratios_until_within(lambda: cost_of_page_one(long) / cost_of_page_one(short))
    assert min(ratios) <= 2.0, ratios
