"""Property tests of the eligibility and due rules, with time moved forward by a test clock."""
import uuid
from datetime import date, timedelta

from hypothesis import given, settings as hypothesis_settings, strategies as st

from services.directory.eligibility import peer_years_met_on
from services.supervision.domain import Worker
from services.supervision.rules import due, problems
from services.supervision.settings import Settings

ACTOR = {"user_id": "test", "role": "system", "organization_id": None, "correlation_id": "c"}
START = date(2026, 1, 5)
PD = "professional_development"


def on(offset: int) -> str:
    """The test clock: days after START."""
    return (START + timedelta(days=offset)).isoformat()


def worker(peer_years: float | None = None, credentials=(), start: int = 0, hours: float = 40,
           min_peer_years: int = 2) -> Worker:
    since = None if peer_years is None else on(-round(peer_years * 365.25))
    made = Worker(worker_id=uuid.uuid4(), peer_role_since=since, actor=ACTOR,
                  peer_years_met_on=peer_years_met_on(since, min_peer_years))  # as directory decides it
    made.begin_employment(str(uuid.uuid4()), "org-a", hours, on(start), ACTOR)
    for kind in credentials:
        made.record_credential(kind, kind, on(-800), on(800), ACTOR)
    return made


def supervisor(peer_years: float = 8, min_peer_years: int = 2) -> Worker:
    return worker(peer_years, ("certified_peer_specialist", "peer_supervisor"), min_peer_years=min_peer_years)


@given(years=st.floats(min_value=0, max_value=20), minimum=st.integers(min_value=0, max_value=10))
def test_professional_development_needs_the_states_years_in_peer_roles(years, minimum):
    found = problems(supervisor(years, minimum), worker(), PD, Settings(), on(0))
    served = round(years * 365.25) / 365.25  # whole days in peer roles
    assert ("too_few_peer_years" in found) == (served < minimum)
    assert found == ([] if served >= minimum else ["too_few_peer_years"])


@given(began=st.integers(min_value=0, max_value=400), later=st.integers(min_value=0, max_value=800),
       deadline=st.integers(min_value=1, max_value=365))
@hypothesis_settings(max_examples=60)
def test_a_new_supervisor_has_until_the_deadline_for_training(began, later, deadline):
    untrained = worker(8, ("certified_peer_specialist",))
    untrained.begin_supervising(on(began), ACTOR)
    as_of = on(began + later)
    found = problems(untrained, worker(), PD, Settings(training_within_days=deadline), as_of)
    assert ("no_supervisor_training" in found) == (later > deadline)
    untrained.record_training(on(began + later), ACTOR)
    assert "no_supervisor_training" not in problems(untrained, worker(), PD, Settings(training_within_days=deadline),
                                                    as_of)


def test_an_expired_supervisor_credential_leaves_no_grace():
    lapsed = supervisor()
    assert problems(lapsed, worker(), PD, Settings(), on(0)) == []
    lapsed.expire_credential("peer_supervisor", ACTOR)
    assert problems(lapsed, worker(), PD, Settings(), on(0)) == ["no_supervisor_training"]


@given(masters=st.booleans(), required=st.booleans())
def test_administrative_supervision_may_come_from_other_staff(masters, required):
    staff = Worker(worker_id=uuid.uuid4(), peer_role_since=None, actor=ACTOR)
    staff.record_staff("org-a", masters, ACTOR)
    found = problems(staff, worker(), "administrative", Settings(admin_requires_masters=required), on(0))
    assert found == (["not_masters_level"] if required and not masters else [])
    assert "no_peer_role" in problems(staff, worker(), PD, Settings(), on(0))


def test_nobody_supervises_their_own_peer_supporter_in_either_kind():
    one, other = supervisor(), worker()
    other.relate(str(one.id), True, ACTOR)
    for kind in (PD, "administrative"):
        assert "dual_relationship" in problems(one, other, kind, Settings(), on(0))
    other.relate(str(one.id), False, ACTOR)
    assert problems(one, other, PD, Settings(), on(0)) == []


@given(gaps=st.lists(st.integers(min_value=1, max_value=20), max_size=8),
       after=st.integers(min_value=0, max_value=30), certified=st.booleans())
def test_a_session_is_overdue_exactly_when_the_interval_since_the_last_has_passed(gaps, after, certified):
    settings = Settings(provisional_every_days=7, certified_every_days=30)
    peer = worker(1, ("certified_peer_specialist",) if certified else ())
    day = 0
    for index, gap in enumerate(gaps):
        day += gap
        peer.count_session(str(index), on(day), 60, PD, ACTOR)
    as_of = day + after
    status = due(peer, settings, on(as_of))
    every = 30 if certified else 7
    late = [item for item in status["overdue"] if item["requirement"] == "session_cadence"]
    assert bool(late) == (after > every)
    assert status["next_due"] == on(day + every)


@given(minutes=st.lists(st.integers(min_value=1, max_value=240), max_size=10),
       days_after_period=st.integers(min_value=-30, max_value=30))
def test_first_period_hours_are_short_only_once_the_period_is_over(minutes, days_after_period):
    settings = Settings(first_period_days=90, first_period_hours=12)
    peer = worker(1)
    for index, length in enumerate(minutes):
        peer.count_session(str(index), on(index * 7), length, "administrative", ACTOR)
    status = due(peer, settings, on(90 + days_after_period))
    short = [item for item in status["overdue"] if item["requirement"] == "first_period_hours"]
    assert bool(short) == (days_after_period > 0 and sum(minutes) / 60 < 12)


def test_nothing_is_due_for_someone_not_working():
    peer = worker(1)
    peer.end_employment(next(iter(peer.employments)), on(10), ACTOR)
    assert due(peer, Settings(), on(20)) is None


def test_peer_years_are_directorys_decision_not_a_setting_read_here(monkeypatch):
    monkeypatch.setenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", "50")  # directory's to read, not supervision's
    decided = worker(8, ("certified_peer_specialist", "peer_supervisor"))
    assert problems(decided, worker(), PD, Settings.from_env(), on(0)) == []
    decided.set_peer_role_since(decided.peer_role_since, ACTOR, on(1))  # directory decided a later day
    assert problems(decided, worker(), PD, Settings(), on(0)) == ["too_few_peer_years"]
    assert problems(decided, worker(), PD, Settings(), on(1)) == []
    undecided = Worker(worker_id=uuid.uuid4(), peer_role_since=on(-3000), actor=ACTOR)  # a version 1 event
    undecided.begin_employment(str(uuid.uuid4()), "org-a", 40, on(0), ACTOR)
    for kind in ("certified_peer_specialist", "peer_supervisor"):
        undecided.record_credential(kind, kind, on(-800), on(800), ACTOR)
    assert problems(undecided, worker(), PD, Settings(), on(0)) == []  # until directory publishes its day
    undecided.set_peer_role_since(undecided.peer_role_since, ACTOR, on(1))
    assert problems(undecided, worker(), PD, Settings(), on(0)) == ["too_few_peer_years"]
