"""Directory's aggregates and their rules, without a store."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.directory.domain import (
    Organization, PeerWorker, RuleBroken, SubcontractAgreement, SupervisionAgreement, placed_hours,
)

ACTOR = {"user_id": "test", "role": "system", "organization_id": None, "correlation_id": "c"}
WORKERS = [str(uuid.UUID(int=n)) for n in range(1, 6)]


def agreement(hours=20) -> SubcontractAgreement:
    return SubcontractAgreement(buyer_id="agency", provider_id="peer-run", hours_per_week=hours, amount="100.00",
                                start="2026-01-05", end="2026-12-31", provider_duties=["hiring"], duties=[],
                                actor=ACTOR)


operations = st.lists(st.one_of(
    st.tuples(st.just("place"), st.sampled_from(WORKERS), st.integers(min_value=1, max_value=15)),
    st.tuples(st.just("end_placement"), st.sampled_from(WORKERS), st.just(0)),
    st.tuples(st.just("amend"), st.just(""), st.integers(min_value=1, max_value=40)),
), max_size=25)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_hours_placed_never_exceed_hours_agreed(steps):
    subject = agreement()
    for name, worker, hours in steps:
        before = subject.version
        try:
            if name == "place":
                subject.place(worker, hours, [], ACTOR)
            elif name == "end_placement":
                subject.end_placement(worker, ACTOR)
            else:
                subject.amend(hours, subject.amount, subject.duties, ACTOR)
        except RuleBroken:
            assert subject.version == before  # a refusal records nothing
        assert placed_hours(subject.placements) <= subject.hours_per_week


@settings(max_examples=50, deadline=None)
@given(st.permutations(["agency", "peer-run"]))
def test_supervision_is_active_only_once_both_organizations_accept(order):
    subject = SupervisionAgreement(
        supervised_organization_id="agency", supervising_organization_id="peer-run", peer_worker_ids=WORKERS[:1],
        hours_per_month=4, start="2026-02-01", end="2026-12-31", cost="2400.00", supervisor_id=None, actor=ACTOR)
    subject.accept(order[0], ACTOR)
    assert subject.status == "proposed"
    with pytest.raises(RuleBroken):
        subject.accept(order[0], ACTOR)
    subject.accept(order[1], ACTOR)
    assert subject.status == "active"
    assert [type(e).__name__ for e in subject.collect_events()][-2:] == ["Accepted", "Activated"]


def test_a_stranger_cannot_accept_a_supervision_agreement():
    subject = SupervisionAgreement(
        supervised_organization_id="agency", supervising_organization_id="peer-run", peer_worker_ids=WORKERS[:1],
        hours_per_month=4, start="2026-02-01", end="2026-12-31", cost="0.00", supervisor_id=None, actor=ACTOR)
    with pytest.raises(RuleBroken) as refused:
        subject.accept("elsewhere", ACTOR)
    assert refused.value.field == "organization_id"


def test_an_ended_subcontract_takes_no_more_changes():
    subject = agreement()
    subject.place(WORKERS[0], 10, [], ACTOR)
    subject.end_agreement("2026-06-30", ACTOR)
    assert subject.placements == {}
    for change in (lambda: subject.place(WORKERS[1], 1, [], ACTOR), lambda: subject.renew("2027-01-01", "1", ACTOR),
                   lambda: subject.amend(5, "1", [], ACTOR), lambda: subject.end_agreement("2026-07-01", ACTOR)):
        with pytest.raises(RuleBroken):
            change()


def test_hours_delivered_must_fall_within_the_agreement():
    subject = agreement()
    with pytest.raises(RuleBroken) as refused:
        subject.record_hours("2025-12-29", 10, ACTOR)
    assert refused.value.field == "week_start"


def test_a_worker_works_for_several_organizations_but_once_at_each():
    worker = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since=None, actor=ACTOR)
    worker.begin_employment("e1", "org-a", "Peer Specialist", 20, "2026-01-05", None, None, ACTOR)
    worker.begin_employment("e2", "org-b", "Recovery Coach", 10, "2026-02-01", None, None, ACTOR)
    with pytest.raises(RuleBroken):
        worker.begin_employment("e3", "org-a", "Peer Specialist", 5, "2026-03-01", None, None, ACTOR)
    with pytest.raises(RuleBroken) as early:
        worker.leave("org-b", "2026-01-01", ACTOR)
    assert early.value.field == "left_on"
    worker.leave("org-b", "2026-05-01", ACTOR)
    assert worker.current_employers() == {"org-a"}


def test_a_credential_is_held_until_it_expires():
    worker = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since="2015-01-01", actor=ACTOR)
    worker.record_credential("c1", "peer_supervisor", None, None, "2024-01-01", "2026-01-01", ACTOR)
    assert worker.holds("peer_supervisor", "2026-01-01")
    assert not worker.holds("peer_supervisor", "2026-01-02")
    [due] = worker.due_to_expire("2026-01-02")
    worker.expire(due["credential_id"], due["kind"], due["expires"], False, ACTOR)
    assert worker.due_to_expire("2026-02-01") == []


def test_closing_twice_is_refused():
    organization = Organization(name="Harbor", kind="agency", regions=["north"], actor=ACTOR)
    organization.close(ACTOR)
    with pytest.raises(RuleBroken):
        organization.close(ACTOR)
