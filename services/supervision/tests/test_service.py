"""SupervisionService as nameko runs it, with a real in-memory application and no broker:
who may call what, and that answers are plain JSON."""
import json

import pytest
from nameko.testing.services import worker_factory

from services.supervision.service import SupervisionService
from services.supervision.tests.support import day, notification_count
from shared.errors import NotAllowed
from shared.identity import Caller

EVERY_METHOD = ["find_supervisor", "offer_supervisor", "accept_supervision", "decline_supervision",
                "end_supervision", "record_peer_support_relation", "record_supervisor_training", "record_staff",
                "log_session", "confirm_session", "correct_session", "check_due", "supervision_record",
                "supervisor_load", "shortfall"]


def service_as(app, caller):
    return worker_factory(SupervisionService, application=app, caller=caller)


@pytest.mark.parametrize("method", EVERY_METHOD)
def test_a_person_receiving_support_may_do_and_see_nothing_here(app, method):
    with pytest.raises(NotAllowed):
        getattr(service_as(app, Caller("someone", "person")), method)({})
    with pytest.raises(NotAllowed):  # no caller at all
        getattr(service_as(app, None), method)({})
    assert notification_count(app) == 0


@pytest.mark.parametrize("method, role", [("record_peer_support_relation", "agency_admin"),
                                          ("check_due", "state_auditor"), ("offer_supervisor", "peer"),
                                          ("accept_supervision", "agency_admin"), ("shortfall", "peer")])
def test_each_command_is_for_its_own_roles(app, method, role):
    with pytest.raises(NotAllowed):
        getattr(service_as(app, Caller("user-1", role, "org-a")), method)({})


def test_answers_are_plain_json(app, directory):
    agency = directory.organization()
    worker, _ = directory.hire(agency, start=day(-20))
    supervisor, _ = directory.supervisor(agency)
    admin = service_as(app, Caller("admin", "agency_admin", agency))
    found = admin.find_supervisor({"peer_worker_id": worker})
    assert json.loads(json.dumps(found))["options"][0]["supervisor_id"] == supervisor
    assignment = admin.offer_supervisor({"peer_worker_id": worker, "supervisor_id": supervisor,
                                         "kind": "administrative"})
    assert isinstance(assignment, str)
    record = service_as(app, Caller(worker, "peer")).supervision_record({"peer_worker_id": worker})
    assert json.loads(json.dumps(record))["supervisions"][0]["kind"] == "administrative"
    assert json.loads(json.dumps(admin.shortfall()))["short"] == 2  # nobody has professional development yet


def test_a_peer_worker_looks_for_a_supervisor_for_themselves_only(app, directory):
    agency = directory.organization()
    worker, _ = directory.hire(agency, start=day(-20))
    colleague, _ = directory.hire(agency, start=day(-20))
    supervisor, _ = directory.supervisor(agency)
    found = service_as(app, Caller(worker, "peer")).find_supervisor({"peer_worker_id": worker})
    assert [o["supervisor_id"] for o in found["options"]] == [supervisor]
    with pytest.raises(NotAllowed):
        service_as(app, Caller(worker, "peer")).find_supervisor({"peer_worker_id": colleague})


def test_the_access_table_refuses_what_the_input_shows_before_anything_is_read(app, directory):
    """Rules the gateway also applies early (it reads the same table): each refused here too."""
    agency = directory.organization()
    worker, _ = directory.hire(agency, start=day(-20))
    colleague, _ = directory.hire(agency, start=day(-20))
    supervisor, _ = directory.supervisor(agency)
    before = notification_count(app)
    as_colleague = service_as(app, Caller(colleague, "supervisor"))
    with pytest.raises(NotAllowed):  # a supervisor reads only their own load
        as_colleague.supervisor_load({"supervisor_id": supervisor})
    with pytest.raises(NotAllowed):  # ... and only their own supervisees' shortfall
        as_colleague.shortfall({"supervisor_id": supervisor})
    assert as_colleague.shortfall()["supervisor_id"] == colleague  # none named: their own
    with pytest.raises(NotAllowed):  # an agency admin records only their own organization's staff
        service_as(app, Caller("admin", "agency_admin", agency)).record_staff(
            {"staff_id": colleague, "organization_id": directory.organization(), "masters_level": True})
    session = {"supervisor_id": supervisor, "peer_worker_id": worker, "date": day(-1), "minutes": 60,
               "kind": "professional_development", "grouping": "individual", "medium": "video"}
    for someone_else in (Caller(colleague, "peer"), Caller(colleague, "supervisor")):
        with pytest.raises(NotAllowed):  # a session is logged by its supervisor or its peer worker
            service_as(app, someone_else).log_session(session)
    assert notification_count(app) == before + 1  # only the organization registered above
