"""Supervision's Application fed with directory's events: finding, offering,
accepting, sessions, changes that take a supervisor away, and what is published."""
import uuid

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from services.supervision.tests.support import day, notification_count
from shared import contracts
from shared.errors import Conflict, InvalidInput, NotAllowed
from shared.identity import Caller

SYSTEM = Caller.system("test")


def as_supervisor(worker_id):
    return Caller(user_id=worker_id, role="supervisor")


def as_peer(worker_id):
    return Caller(user_id=worker_id, role="peer")


def published(app, type_=None):
    events = app.integration_events(0, 1000)
    return [e for e in events if type_ is None or e.type == type_]


def session(supervisor_id, peer_worker_id, date, minutes=60, kind="professional_development", **changes):
    return {"supervisor_id": supervisor_id, "peer_worker_id": peer_worker_id, "date": date, "minutes": minutes,
            "kind": kind, "grouping": "individual", "medium": "video", **changes}


@pytest.fixture
def scene(directory):
    """An agency whose only peer worker has no eligible supervisor in-house; a peer-run organization with one."""
    agency = directory.organization("agency", ["Hampden"])
    provider = directory.organization("peer_run_organization", ["Hampden", "Hampshire"])
    worker, _ = directory.hire(agency, start=day(-28), peer_role_since=day(-90))
    supervisor, held = directory.supervisor(provider)
    directory.join_pool(supervisor, provider, "Hampden", ["en", "es"], ["youth"])
    return {"agency": agency, "provider": provider, "worker": worker, "supervisor": supervisor, "held": held}


def accept_under_agreement(app, directory, scene):
    agreement = directory.agreement(scene["agency"], scene["provider"], [scene["worker"]])
    offer = published(app, "SupervisorOffered")[-1]
    assert offer.body["supervisor_id"] == scene["supervisor"] and offer.body["route"] == "agreement"
    app.perform("accept_supervision", as_supervisor(scene["supervisor"]),
                {"assignment_id": offer.body["assignment_id"]})
    return agreement, offer.body["assignment_id"]


def test_the_pool_is_offered_with_its_reasons_and_an_agreement_leads_to_supervision(app, directory, scene):
    found = app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"], "languages": ["es"]})
    assert found["route"] == "pool"
    [option] = found["options"]
    assert option["supervisor_id"] == scene["supervisor"]
    assert "needs a supervision agreement" in option["reasons"][0]
    assert "speaks Spanish" in option["reasons"] and "serves the same region: Hampden" in option["reasons"]
    with pytest.raises(InvalidInput) as refused:  # the pool needs an agreement first
        app.perform("offer_supervisor", SYSTEM, {"peer_worker_id": scene["worker"],
                                                 "supervisor_id": scene["supervisor"],
                                                 "kind": "professional_development"})
    assert "supervision agreement" in str(refused.value.field_errors["supervisor_id"])

    _, assignment_id = accept_under_agreement(app, directory, scene)
    record = app.perform("supervision_record", as_peer(scene["worker"]), {"peer_worker_id": scene["worker"]})
    assert record["needs_supervisor"] is False
    assert record["supervisions"][0]["status"] == "active"
    load = app.perform("supervisor_load", as_supervisor(scene["supervisor"]), {"supervisor_id": scene["supervisor"]})
    assert load["load"] == 1.0 and load["free_capacity"] == 6.0


def test_each_reason_is_also_a_fact_a_page_can_word_in_its_own_language(app, directory, scene):
    found = app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"], "languages": ["es"],
                                                    "specialties": ["youth"]})
    [option] = found["options"]
    assert option["facts"] == [
        {"code": "pool", "organization_id": scene["provider"], "supervised_organization_ids": [scene["agency"]]},
        {"code": "same_region", "region": "Hampden"},
        {"code": "speaks", "language": "es"},
        {"code": "specialty", "specialty": "youth"},
        {"code": "free_capacity", "free": 7.0, "capacity": 7.0},
    ]
    # The English reasons stay, one for each fact, in the same order.
    assert option["reasons"] == [
        f"from the networking pool: needs a supervision agreement between organization {scene['provider']} "
        f"(supervising) and {scene['agency']} (supervised), accepted by both in directory",
        "serves the same region: Hampden", "speaks Spanish", "specialty: youth",
        "free capacity: 7 of 7 full-time supervisees"]
    assert option["pool_region"] == "Hampden"


def test_a_supervisor_outside_the_pool_has_no_pool_region_and_a_route_fact(app, directory, scene):
    in_house, _ = directory.supervisor(scene["agency"])
    agreement = directory.agreement(scene["agency"], scene["provider"], [scene["worker"]])
    options = app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"]})["options"]
    assert [(o["facts"][0], o["pool_region"]) for o in options] == [
        ({"code": "same_organization"}, None), ({"code": "agreement", "agreement_id": agreement}, "Hampden")]
    assert all(len(o["facts"]) == len(o["reasons"]) for o in options)


def test_same_organization_comes_before_an_agreement(app, directory, scene):
    in_house, _ = directory.supervisor(scene["agency"])
    directory.agreement(scene["agency"], scene["provider"], [scene["worker"]])
    offer = published(app, "SupervisorOffered")[-1]
    assert offer.body["supervisor_id"] == in_house and offer.body["route"] == "same_organization"
    found = app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"]})
    routes = [o["route"] for o in found["options"]]
    assert routes == ["same_organization", "agreement"]


def test_sessions_count_once_confirmed_by_both_and_a_correction_needs_both_again(app, directory, scene):
    accept_under_agreement(app, directory, scene)
    supervisor, worker = scene["supervisor"], scene["worker"]
    session_id = app.perform("log_session", as_supervisor(supervisor), session(supervisor, worker, day(-3), 90))
    assert app.perform("supervision_record", SYSTEM, {"peer_worker_id": worker})["due"]["hours_total"] == 0
    app.perform("confirm_session", as_peer(worker), {"session_id": session_id})
    record = app.perform("supervision_record", SYSTEM, {"peer_worker_id": worker})
    assert record["due"]["hours_total"] == 1.5 and record["due"]["last_session"] == day(-3)
    assert record["due"]["hours_by_kind"] == {"professional_development": 1.5, "administrative": 0}

    app.perform("correct_session", as_peer(worker), {"session_id": session_id, **{k: v for k, v in session(
        supervisor, worker, day(-3), 60).items() if k not in ("supervisor_id", "peer_worker_id")}})
    assert app.perform("supervision_record", SYSTEM, {"peer_worker_id": worker})["due"]["hours_total"] == 0
    app.perform("confirm_session", as_supervisor(supervisor), {"session_id": session_id})
    assert app.perform("supervision_record", SYSTEM, {"peer_worker_id": worker})["due"]["hours_total"] == 1.0
    types = [e.type for e in published(app) if e.type.startswith("SupervisionSession")]
    assert types == ["SupervisionSessionLogged", "SupervisionSessionConfirmed",
                     "SupervisionSessionCorrected", "SupervisionSessionConfirmed"]


@pytest.mark.parametrize("changes, field", [
    ({"date": day(1)}, "date"),
    ({"minutes": 1441}, "minutes"),
    ({"minutes": 0}, "minutes"),
    ({"kind": "clinical"}, "kind"),
    ({"notes": "what was said"}, "notes"),
])
def test_a_bad_session_names_the_field_and_stores_nothing(app, directory, scene, changes, field):
    accept_under_agreement(app, directory, scene)
    before = notification_count(app)
    with pytest.raises(InvalidInput) as refused:
        app.perform("log_session", as_supervisor(scene["supervisor"]),
                    {**session(scene["supervisor"], scene["worker"], day(-1)), **changes})
    assert field in refused.value.field_errors
    assert notification_count(app) == before


def test_a_session_for_a_pair_with_no_supervision_is_refused(app, directory, scene):
    before = notification_count(app)
    with pytest.raises(InvalidInput) as refused:
        app.perform("log_session", as_supervisor(scene["supervisor"]),
                    session(scene["supervisor"], scene["worker"], day(-1)))
    assert "no professional development supervision relationship" in str(refused.value.field_errors)
    with pytest.raises(NotAllowed):  # someone else's session
        app.perform("log_session", as_supervisor(scene["worker"]),
                    session(scene["supervisor"], scene["worker"], day(-1)))
    assert notification_count(app) == before


def test_a_supervisors_expired_credential_flags_the_peer_worker_and_offers_another(app, directory, scene):
    _, first = accept_under_agreement(app, directory, scene)
    second, _ = directory.supervisor(scene["provider"])
    directory.expire(scene["supervisor"], scene["held"]["peer_supervisor"], "peer_supervisor")
    [ended] = published(app, "SupervisionEnded")
    assert ended.body["assignment_id"] == first and ended.body["reason"] == "supervisor_ineligible"
    [needed] = published(app, "SupervisorNeeded")
    assert needed.body["peer_worker_id"] == scene["worker"] and needed.body["next_step"] == "offered"
    offer = published(app, "SupervisorOffered")[-1]
    assert offer.body["supervisor_id"] == second and offer.position > needed.position


def test_a_supervisor_leaving_or_an_agreement_ending_flags_at_once(app, directory, scene):
    agreement, _ = accept_under_agreement(app, directory, scene)
    directory.end_agreement(agreement)
    assert published(app, "SupervisionEnded")[-1].body["reason"] == "agreement_ended"
    # The supervisor is still in the pool: a new agreement would bring them back.
    assert published(app, "SupervisorNeeded")[-1].body["next_step"] == "agreement_needed"
    assert app.perform("shortfall", SYSTEM, {})["items"][0]["needs_supervisor"] is True

    in_house, held = directory.supervisor(scene["agency"])
    app.perform("offer_supervisor", Caller("admin", "agency_admin", scene["agency"]),
                {"peer_worker_id": scene["worker"], "supervisor_id": in_house, "kind": "professional_development"})
    offer = published(app, "SupervisorOffered")[-1]
    app.perform("accept_supervision", as_supervisor(in_house), {"assignment_id": offer.body["assignment_id"]})
    directory.leave(in_house, held["employment_id"], scene["agency"])
    assert published(app, "SupervisionEnded")[-1].body["reason"] == "supervisor_left"
    assert published(app, "SupervisorNeeded")[-1].body == {
        "peer_worker_id": scene["worker"], "kind": "professional_development", "reason": "supervisor_left",
        "next_step": "agreement_needed"}


def test_a_dual_relationship_ends_supervision_and_keeps_the_supporter_from_offers(app, directory, scene):
    accept_under_agreement(app, directory, scene)
    app.perform("record_peer_support_relation", SYSTEM,
                {"peer_worker_id": scene["worker"], "supporter_id": scene["supervisor"]})
    assert published(app, "SupervisionEnded")[-1].body["reason"] == "supervisor_ineligible"
    assert app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"]})["options"] == []


def test_a_connection_through_matching_is_a_dual_relationship_while_it_lasts(app, directory, scene):
    from services.supervision.tests.support import Matching

    matching = Matching(app)
    stranger = matching.connect(str(uuid.uuid4()), scene["supervisor"])  # someone who is not a worker here
    assert app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"]})["options"] != []
    connection = matching.connect(scene["worker"], scene["supervisor"])
    assert app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"]})["options"] == []
    matching.disconnect(stranger)
    matching.disconnect(connection)
    assert app.perform("find_supervisor", SYSTEM, {"peer_worker_id": scene["worker"]})["options"] != []
    supervisor = app.repository.get(uuid.UUID(scene["supervisor"]))
    assert list(supervisor.connections) == [connection]  # nothing kept of the person who is not a worker


def test_reaching_capacity_sends_pending_offers_elsewhere(make_app):
    from services.supervision.tests.support import Directory

    app = make_app(PEERNET_SUPERVISION_CAPACITY="1")
    directory = Directory(app)
    agency = directory.organization()
    busy, _ = directory.supervisor(agency)
    first, _ = directory.hire(agency)
    second, _ = directory.hire(agency)
    admin = Caller("admin", "agency_admin", agency)
    offered = app.perform("offer_supervisor", admin, {"peer_worker_id": first, "supervisor_id": busy,
                                                      "kind": "professional_development"})
    with pytest.raises(InvalidInput):  # the open offer already fills the capacity
        app.perform("offer_supervisor", admin, {"peer_worker_id": second, "supervisor_id": busy,
                                                "kind": "professional_development"})
    other, _ = directory.supervisor(agency)
    app.perform("accept_supervision", as_supervisor(busy), {"assignment_id": offered})
    load = app.perform("supervisor_load", admin, {"supervisor_id": busy})
    assert load["free_capacity"] == 0
    found = app.perform("find_supervisor", admin, {"peer_worker_id": second})
    assert [o["supervisor_id"] for o in found["options"]] == [other]


def test_overdue_is_recorded_once_the_day_it_happens_and_shortfall_is_scoped(app, directory, scene):
    accept_under_agreement(app, directory, scene)
    supervisor, worker = scene["supervisor"], scene["worker"]
    for offset in (-22, -15, -8):  # weekly from day -28, then one week missed
        sid = app.perform("log_session", as_supervisor(supervisor), session(supervisor, worker, day(offset)))
        app.perform("confirm_session", as_peer(worker), {"session_id": sid})
    def overdue_for_worker():
        return [e for e in published(app, "SupervisionOverdue") if e.body["peer_worker_id"] == worker]

    app.perform("check_due", SYSTEM, day(-1))
    assert overdue_for_worker() == []  # due on day -1: not late yet
    assert app.perform("check_due", SYSTEM) >= 1
    assert app.perform("check_due", SYSTEM) == 0  # once
    [overdue] = overdue_for_worker()
    assert overdue.body == {"peer_worker_id": worker, "requirement": "session_cadence",
                            "due_on": day(-1), "detected_on": day()}

    statewide = app.perform("shortfall", Caller("auditor", "state_auditor"), {})
    assert worker in [i["peer_worker_id"] for i in statewide["items"] if i["overdue"]]
    mine = app.perform("shortfall", as_supervisor(supervisor), {})
    assert mine["supervisor_id"] == supervisor and [i["peer_worker_id"] for i in mine["items"]] == [worker]
    theirs = app.perform("shortfall", Caller("admin", "agency_admin", scene["provider"]), {})
    assert worker not in [i["peer_worker_id"] for i in theirs["items"]]
    with pytest.raises(NotAllowed):
        app.perform("shortfall", Caller("admin", "agency_admin", scene["provider"]),
                    {"organization_id": scene["agency"]})
    with pytest.raises(NotAllowed):
        app.perform("supervision_record", as_peer(supervisor), {"peer_worker_id": worker})


def test_every_stored_event_is_published_to_its_contract_without_personal_fields(app, directory, scene):
    accept_under_agreement(app, directory, scene)
    sid = app.perform("log_session", as_peer(scene["worker"]), session(scene["supervisor"], scene["worker"], day(-2)))
    app.perform("confirm_session", as_supervisor(scene["supervisor"]), {"session_id": sid})
    app.perform("check_due", SYSTEM, day(400))
    events = published(app)
    assert len(events) == notification_count(app)
    for event in events:
        assert contracts.parse(event.as_message()).type == event.type
        assert "Synthetic Pool Name" not in str(event.as_message())


def test_a_new_supervisor_without_training_by_the_deadline_loses_their_supervisees(make_app):
    from services.supervision.tests.support import Directory

    app = make_app(PEERNET_SUPERVISOR_TRAINING_WITHIN_DAYS="30")
    directory = Directory(app)
    agency = directory.organization()
    new_supervisor, _ = directory.hire(agency, peer_role_since=day(-3000))
    directory.credential(new_supervisor, "certified_peer_specialist")
    worker, _ = directory.hire(agency)
    admin = Caller("admin", "agency_admin", agency)
    offered = app.perform("offer_supervisor", admin, {"peer_worker_id": worker, "supervisor_id": new_supervisor,
                                                      "kind": "professional_development"})
    app.perform("accept_supervision", as_supervisor(new_supervisor), {"assignment_id": offered})
    app.perform("check_due", SYSTEM, day(30))
    assert published(app, "SupervisionEnded") == []
    app.perform("check_due", SYSTEM, day(31))
    [ended] = published(app, "SupervisionEnded")
    assert ended.body["reason"] == "supervisor_ineligible"
    assert published(app, "SupervisorNeeded")[0].body["peer_worker_id"] == worker


@given(missed_after=st.integers(min_value=0, max_value=4), certified=st.booleans())
# make_app builds a new Application on each call, so every example starts empty.
@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_overdue_is_published_on_the_first_late_day_and_only_once(make_app, missed_after, certified):
    """Sessions weekly (or monthly once certified) from the start, then none; the clock moves a day at a time."""
    from services.supervision.tests.support import Directory

    app = make_app()
    directory = Directory(app)
    agency = directory.organization()
    every = 30 if certified else 7
    start = -every * (missed_after + 1) - 10
    worker, _ = directory.hire(agency, start=day(start))
    if certified:
        directory.credential(worker, "certified_peer_specialist")
    supervisor, _ = directory.supervisor(agency)
    offered = app.perform("offer_supervisor", SYSTEM, {"peer_worker_id": worker, "supervisor_id": supervisor,
                                                       "kind": "professional_development"})
    app.perform("accept_supervision", as_supervisor(supervisor), {"assignment_id": offered})
    last = start
    for week in range(1, missed_after + 1):
        last = start + week * every
        sid = app.perform("log_session", as_supervisor(supervisor), session(supervisor, worker, day(last)))
        app.perform("confirm_session", as_peer(worker), {"session_id": sid})
    due_on = last + every
    for offset in range(start, 1):
        app.perform("check_due", SYSTEM, day(offset))
        late = [e for e in published(app, "SupervisionOverdue")
                if e.body["peer_worker_id"] == worker and e.body["requirement"] == "session_cadence"]
        if offset <= due_on:
            assert late == []
        else:
            assert [e.body["detected_on"] for e in late] == [day(due_on + 1)]


def test_a_command_that_loses_a_race_runs_again_from_a_fresh_read(app, directory, scene, monkeypatch):
    from eventsourcing.persistence import IntegrityError

    accept_under_agreement(app, directory, scene)
    save, calls = app.save, []

    def racing_save(*aggregates, **kwargs):
        calls.append(len(aggregates))
        if len(calls) == 1:
            raise IntegrityError("someone else saved first")
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(app, "save", racing_save)
    session_id = app.perform("log_session", as_supervisor(scene["supervisor"]),
                             session(scene["supervisor"], scene["worker"], day(-1)))
    assert len(calls) == 2
    record = app.perform("supervision_record", SYSTEM, {"peer_worker_id": scene["worker"]})
    assert [s["session_id"] for s in record["sessions"]] == [session_id]


def test_an_upstream_event_that_loses_a_race_with_a_command_is_applied_on_a_second_try(app, directory,
                                                                                       monkeypatch):
    from eventsourcing.persistence import IntegrityError

    agency = directory.organization()
    record, calls = app._record, []

    def racing_record(processing):
        calls.append(processing)
        if len(calls) == 1:
            raise IntegrityError("a command saved the same aggregate first")
        return record(processing)

    monkeypatch.setattr(app, "_record", racing_record)
    worker, _ = directory.hire(agency)  # the helper asserts each event was applied
    assert len(calls) == 3 and app.position_in("directory") == directory.position
    assert app.perform("supervision_record", SYSTEM, {"peer_worker_id": worker})["organization_ids"] == [agency]
    again = contracts.build("directory", directory.position, "PeerRoleSinceSet", "2026-01-01T00:00:00+00:00",
                            SYSTEM.as_actor(), worker, {"peer_worker_id": worker, "peer_role_since": day(-5)})
    assert app.process_upstream(contracts.parse(again.as_message())) is False  # a true duplicate


@given(hours=st.lists(st.sampled_from([10, 20, 30, 40]), min_size=1, max_size=12),
       capacity=st.integers(min_value=1, max_value=4))
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_supervisor_never_carries_more_than_their_capacity(make_app, hours, capacity):
    from services.supervision.tests.support import Directory

    app = make_app(PEERNET_SUPERVISION_CAPACITY=str(capacity))
    directory = Directory(app)
    agency = directory.organization()
    supervisor, _ = directory.supervisor(agency)
    taken = 0.0
    for weekly in hours:
        worker, _ = directory.hire(agency, hours=weekly)
        try:
            offered = app.perform("offer_supervisor", SYSTEM, {"peer_worker_id": worker, "supervisor_id": supervisor,
                                                               "kind": "professional_development"})
        except InvalidInput:
            assert taken + weekly / 40 > capacity  # refused only when it would not fit
            continue
        app.perform("accept_supervision", as_supervisor(supervisor), {"assignment_id": offered})
        taken += weekly / 40
        assert app.perform("supervisor_load", SYSTEM, {"supervisor_id": supervisor})["load"] == pytest.approx(taken)
    assert taken <= capacity


def test_a_session_logged_again_with_its_id_is_refused_and_stored_once(app, directory, scene):
    accept_under_agreement(app, directory, scene)
    supervisor, worker = scene["supervisor"], scene["worker"]
    chosen = str(uuid.uuid4())  # the client's, or derived from its Idempotency-Key at the gateway
    logged = {**session(supervisor, worker, day(-3), 90), "session_id": chosen}
    assert app.perform("log_session", as_supervisor(supervisor), logged) == chosen
    with pytest.raises(Conflict):
        app.perform("log_session", as_supervisor(supervisor), logged)
    assert [e.type for e in published(app) if e.type == "SupervisionSessionLogged"] == ["SupervisionSessionLogged"]
