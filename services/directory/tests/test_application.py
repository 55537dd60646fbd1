"""Directory as set up (services.directory.setup): commands, refusals that store nothing, queries,
and what it publishes."""
from __future__ import annotations

import uuid

import pytest

from services.directory.application import DirectoryApplication
from services.directory.setup import setup
from shared.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shared.peer_role_chart import load_chart
from services.directory.tests.support import (
    SYSTEM, Network, admin_of, cps, employment, group, organization, peer_caller, subcontract,
)
from shared.crypto import is_sealed
from shared.tests.conftest import app_factory, isolated_env, notification_count, vault  # noqa: F401  (fixtures)


@pytest.fixture
def directory(app_factory):
    return app_factory(setup)


@pytest.fixture
def net(directory):
    return Network(directory)


def published(app, after=0) -> list:
    return [event.as_message() for event in app.integration_events(after)]


def refused(call, *args, **kwargs) -> dict:
    """The field errors of `call(*args)`, or of `refused(directory, "operation", payload[, caller])`."""
    with pytest.raises(InvalidInput) as error:
        if isinstance(call, DirectoryApplication):
            operation, payload, *caller = args
            call.perform(operation, caller[0] if caller else SYSTEM, payload)
        else:
            call(*args, **kwargs)
    return error.value.field_errors


def unchanged(app):
    """Asserts, on leaving the block, that nothing was stored."""
    class Block:
        def __enter__(self):
            self.before = notification_count(app)

        def __exit__(self, *exc):
            assert notification_count(app) == self.before
    return Block()


# --- organizations ----------------------------------------------------------------------


def test_register_update_close_an_organization(directory):
    organization_id = directory.perform("register_organization", SYSTEM, organization(
        contact={"phone": "555-0101", "email": "hello@agency.example.org"}))
    directory.perform("update_organization", admin_of(organization_id), {"organization_id": str(organization_id),
                                                                         "regions": ["Hampden", "Hampshire"]})
    assert directory.perform("organization", SYSTEM, organization_id)["regions"] == ["Hampden", "Hampshire"]
    directory.perform("close_organization", admin_of(organization_id), {"organization_id": str(organization_id)})
    assert directory.perform("organization", SYSTEM, organization_id)["closed"] is True
    assert len(directory.perform("list_organizations", SYSTEM, {})["items"]) == 0
    assert len(directory.perform("list_organizations", SYSTEM, {"include_closed": True})["items"]) == 1
    types = [message["type"] for message in published(directory)]
    assert types == ["OrganizationRegistered", "OrganizationUpdated", "OrganizationClosed"]
    assert published(directory)[0]["body"]["contact"]["email"] == "hello@agency.example.org"


def test_a_duplicate_name_in_the_same_region_is_refused_with_a_clear_error(directory):
    directory.perform("register_organization", SYSTEM, organization("Harbor Peer Collective", regions=["Hampden"]))
    with unchanged(directory):
        errors = refused(directory, "register_organization",
                         organization("  harbor peer   COLLECTIVE", regions=["Berkshire", "Hampden"]), SYSTEM)
    assert "already serves Hampden" in errors["name"][0]
    # The same name elsewhere is another organization.
    directory.perform("register_organization", SYSTEM, organization("Harbor Peer Collective", regions=["Berkshire"]))


def test_renaming_into_a_taken_name_is_refused(directory):
    directory.perform("register_organization", SYSTEM, organization("Harbor Peer Collective"))
    other = directory.perform("register_organization", SYSTEM, organization("Valley Agency"))
    with unchanged(directory):
        errors = refused(directory, "update_organization",
                         {"organization_id": str(other), "name": "Harbor Peer Collective"}, admin_of(other))
    assert "name" in errors


def test_an_agency_admin_changes_only_their_own_organization(directory):
    mine = directory.perform("register_organization", SYSTEM, organization("Mine"))
    theirs = directory.perform("register_organization", SYSTEM, organization("Theirs"))
    with unchanged(directory), pytest.raises(NotAllowed):
        directory.perform("close_organization", admin_of(mine), {"organization_id": str(theirs)})


def test_organizations_list_filters_and_pages(directory):
    for index in range(5):
        directory.perform("register_organization", SYSTEM, organization(f"Agency {index}", regions=["Hampden"]))
    directory.perform("register_organization", SYSTEM, organization("Berkshire Peers", "peer_run_organization",
                                                                    ["Berkshire"]))
    first = directory.perform("list_organizations", SYSTEM, {"region": "Hampden", "limit": 2})
    assert [o["name"] for o in first["items"]] == ["Agency 0", "Agency 1"]
    pages = [first]
    while pages[-1]["next_after"] is not None:  # each page after the last key of the one before
        pages.append(directory.perform("list_organizations", SYSTEM, {"region": "Hampden", "limit": 2,
                                                                      "after": pages[-1]["next_after"]}))
    assert [o["name"] for page in pages for o in page["items"]] == [f"Agency {n}" for n in range(5)]
    assert len(pages) == 3
    # Renamed, an organization moves in the order at once.
    renamed = first["items"][0]
    directory.perform("update_organization", SYSTEM, {"organization_id": renamed["organization_id"],
                                                      "name": "Zephyr Agency"})
    assert [o["name"] for o in directory.perform("list_organizations", SYSTEM, {"region": "Hampden"})["items"]] == [
        "Agency 1", "Agency 2", "Agency 3", "Agency 4", "Zephyr Agency"]
    assert "after" in refused(directory, "list_organizations", {"after": ["only one"]})
    assert [o["name"] for o in directory.perform("list_organizations", SYSTEM,
                                                 {"kind": "peer_run_organization"})["items"]] == [
        "Berkshire Peers"]
    assert "limit" in refused(directory, "list_organizations", {"limit": 0})


# --- validation: a clear error naming the field, nothing stored ---------------------------


@pytest.mark.parametrize("changes,field", [
    ({"organization_id": str(uuid.uuid4())}, "organization_id"),        # unknown id
    ({"start": "2026-02-30"}, "start"),                                 # bad date
    ({"hours_per_week": -4}, "hours_per_week"),                         # negative hours
    ({"end": "2025-12-31"}, "end"),                                     # an end before the start
    ({"role_title": ""}, "role_title"),
    ({"notes": "free text"}, "notes"),                                  # unknown field
])
def test_bad_employment_input_names_the_field_and_stores_nothing(directory, net, changes, field):
    with unchanged(directory):
        errors = refused(directory, "record_employment", {**employment(uuid.uuid4(), net.provider), **changes}, SYSTEM)
    assert field in errors


@pytest.mark.parametrize("changes,field", [
    ({"hours_per_week": -1}, "hours_per_week"),
    ({"end": "2025-01-01"}, "end"),
    ({"amount": "-5"}, "amount"),
    ({"provider_id": str(uuid.uuid4())}, "provider_id"),
    ({"provider_duties": ["billing"]}, "provider_duties"),
    ({"start": "not a date"}, "start"),
])
def test_bad_subcontract_input_names_the_field_and_stores_nothing(directory, net, changes, field):
    with unchanged(directory):
        errors = refused(directory, "make_subcontract", {**subcontract(net.agency, net.provider), **changes}, SYSTEM)
    assert field in errors


def test_a_subcontract_must_buy_from_a_peer_run_organization(directory, net):
    with unchanged(directory):
        errors = refused(directory, "make_subcontract", subcontract(net.provider, net.agency), SYSTEM)
    assert "not a peer-run organization" in errors["provider_id"][0]


# --- duties against the handbook's chart -----------------------------------------------------


def test_a_chart_duty_on_an_agreement_is_refused_with_the_charts_reason_and_alternative(directory, net):
    chart_duty = load_chart().duty("administering_medications")
    with unchanged(directory):
        errors = refused(directory, "make_subcontract", subcontract(
            net.agency, net.provider, duties=["Facilitate a WRAP group", "Administer medications at the residence"]),
            SYSTEM)
    [message] = errors["duties"][1]
    assert 0 not in errors["duties"]
    assert "power imbalance" in message and chart_duty.why in message and chart_duty.alternative in message


def test_a_refusal_also_carries_the_charts_texts_in_english_and_spanish(directory, net):
    chart_duty = load_chart().duty("administering_medications")
    with pytest.raises(InvalidInput) as error:
        directory.perform("make_subcontract", SYSTEM, subcontract(net.agency, net.provider, duties=[
            "Facilitate a WRAP group", "Administer medications and triage incoming calls"]))
    refused = error.value.extra["refused_duties"]
    assert [(r["field"], r["code"]) for r in refused] == [("duties.1", "administering_medications"),
                                                          ("duties.1", "triaging_calls")]
    first = refused[0]
    assert first["text"] == "Administer medications and triage incoming calls" and first["index"] == 1
    assert first["duty"] == {"en": chart_duty.duty, "es": chart_duty.duty_es}
    assert first["why"] == {"en": chart_duty.why, "es": chart_duty.why_es}
    assert first["alternative"] == {"en": chart_duty.alternative, "es": chart_duty.alternative_es}
    assert first["reasons"] == [{"code": "power_imbalance",
                                 "name": {"en": "power imbalance", "es": "desequilibrio de poder"}}]
    # The English messages stay as they were, one for each refusal.
    assert len(error.value.field_errors["duties"][1]) == 2


def test_a_chart_duty_on_a_placement_is_refused(directory, net):
    agreement = net.make_subcontract()
    with unchanged(directory):
        errors = refused(directory, "place_peer_worker", {
            "agreement_id": str(agreement), "peer_worker_id": str(net.workers[0]), "hours_per_week": 10,
            "duties": ["Triage incoming calls"]}, admin_of(net.provider))
    message = errors["duties"][0][0]
    assert "busy work" in message and load_chart().duty("triaging_calls").alternative in message


def test_amending_duties_is_checked_too(directory, net):
    agreement = net.make_subcontract()
    with unchanged(directory):
        errors = refused(directory, "amend_subcontract",
                         {"agreement_id": str(agreement), "duties": ["Write treatment plans"]}, admin_of(net.agency))
    assert "agenda" in errors["duties"][0][0]


# --- subcontracts ----------------------------------------------------------------------------


def place(directory, net, agreement, worker, hours, **extra):
    directory.perform("place_peer_worker", admin_of(net.provider), {"agreement_id": str(agreement),
                                                                    "peer_worker_id": str(worker),
                                 "hours_per_week": hours, **extra})


def test_hours_placed_may_not_exceed_hours_agreed(directory, net):
    agreement = net.make_subcontract(hours_per_week=20)
    place(directory, net, agreement, net.workers[0], 12)
    with unchanged(directory):
        errors = refused(place, directory, net, agreement, net.workers[1], 9)
    assert "21" in errors["hours_per_week"][0] and "20" in errors["hours_per_week"][0]
    place(directory, net, agreement, net.workers[1], 8)
    with unchanged(directory):
        assert "hours_per_week" in refused(directory, "amend_subcontract",
                                           {"agreement_id": str(agreement), "hours_per_week": 15}, SYSTEM)


def test_only_the_providers_own_peer_workers_are_placed(directory, net):
    agreement = net.make_subcontract()
    stranger = uuid.uuid4()
    directory.perform("record_employment", SYSTEM, employment(stranger, net.agency))
    with unchanged(directory):
        errors = refused(place, directory, net, agreement, stranger, 5)
    assert "not employed by" in errors["peer_worker_id"][0]


def test_a_peer_worker_leaving_the_provider_leaves_their_placement(directory, net):
    agreement = net.make_subcontract()
    place(directory, net, agreement, net.workers[0], 12)
    directory.perform("end_employment", admin_of(net.provider), {"peer_worker_id": str(net.workers[0]),
                                                                 "organization_id": str(net.provider),
                              "left_on": "2026-04-01"})
    view = directory.perform("subcontract", SYSTEM, agreement)
    assert view["placements"] == [] and view["hours_placed"] == 0
    assert [m["type"] for m in published(directory)][-2:] == ["EmploymentEnded", "PlacementEnded"]


def test_hours_delivered_are_reported_against_hours_agreed(directory, net):
    agreement = net.make_subcontract(hours_per_week=20)
    for week, hours in (("2026-01-05", 18), ("2026-01-12", 20), ("2026-01-05", 19)):
        directory.perform("record_hours_delivered", admin_of(net.provider), {"agreement_id": str(agreement),
                                                                             "week_start": week, "hours": hours})
    report = directory.perform("subcontract", admin_of(net.agency), agreement)["hours_report"]
    assert report == [
        {"week_start": "2026-01-05", "hours_delivered": 19, "hours_agreed": 20, "difference": -1},
        {"week_start": "2026-01-12", "hours_delivered": 20, "hours_agreed": 20, "difference": 0},
    ]
    with unchanged(directory):
        assert "week_start" in refused(directory, "record_hours_delivered", {
            "agreement_id": str(agreement), "week_start": "2027-03-01", "hours": 5}, SYSTEM)


def test_amend_renew_end(directory, net):
    agreement = net.make_subcontract()
    directory.perform("amend_subcontract", SYSTEM, {"agreement_id": str(agreement), "hours_per_week": 25,
                                                    "amount": "30000"})
    with unchanged(directory):
        assert "end" in refused(directory, "renew_subcontract", {"agreement_id": str(agreement), "end": "2026-06-30"},
                                SYSTEM)
    directory.perform("renew_subcontract", SYSTEM, {"agreement_id": str(agreement), "end": "2027-12-31",
                                                    "amount": "60000"})
    directory.perform("end_subcontract", SYSTEM, {"agreement_id": str(agreement), "ended_on": "2027-06-30"})
    view = directory.perform("subcontract", SYSTEM, agreement)
    assert (view["hours_per_week"], view["amount"], view["end"], view["status"]) == (25, "60000.00", "2027-12-31",
                                                                                     "ended")
    with unchanged(directory):
        assert "agreement_id" in refused(place, directory, net, agreement, net.workers[0], 5)
    assert [m["type"] for m in published(directory)][-3:] == [
        "SubcontractAgreementAmended", "SubcontractAgreementRenewed", "SubcontractAgreementEnded"]


def test_a_stale_edit_of_an_agreement_is_a_conflict_not_a_lost_update(directory, net):
    agreement = net.make_subcontract()
    read = directory.perform("subcontract", SYSTEM, agreement)["version"]
    directory.perform("amend_subcontract", admin_of(net.agency), {"agreement_id": str(agreement), "hours_per_week": 22,
                                                                  "expected_version": read})
    with unchanged(directory), pytest.raises(Conflict):
        directory.perform("amend_subcontract", admin_of(net.provider), {"agreement_id": str(agreement),
                                                                        "hours_per_week": 18,
                                     "expected_version": read})
    assert directory.perform("subcontract", SYSTEM, agreement)["hours_per_week"] == 22


def test_concurrent_saves_of_one_agreement_conflict(directory, net):
    agreement_id = net.make_subcontract()
    first = directory.repository.get(agreement_id)
    second = directory.repository.get(agreement_id)
    first.amend(21, first.amount, first.duties, SYSTEM.as_actor())
    second.amend(19, second.amount, second.duties, SYSTEM.as_actor())
    directory.save(first)
    with pytest.raises(Conflict):
        directory.save(second)
    assert directory.perform("subcontract", SYSTEM, agreement_id)["hours_per_week"] == 21


def test_an_agency_admin_sees_only_their_own_agreements(directory, net):
    net.make_subcontract()
    other = directory.perform("register_organization", SYSTEM, organization("Other Agency"))
    assert len(directory.perform("list_subcontracts", admin_of(other), {})["items"]) == 0
    assert len(directory.perform("list_subcontracts", admin_of(net.agency), {})["items"]) == 1
    assert len(directory.perform("list_subcontracts", SYSTEM, {})["items"]) == 1
    with pytest.raises(NotAllowed):
        directory.perform("list_subcontracts", admin_of(other), {"organization_id": str(net.agency)})


# --- workforce and credentials -----------------------------------------------------------------


def test_a_peer_worker_can_work_for_several_organizations_and_leave_one(directory, net):
    worker = net.workers[0]
    directory.perform("record_employment", admin_of(net.agency), employment(worker, net.agency, hours_per_week=10,
                                                                            role_title="Recovery Coach"))
    with unchanged(directory):
        assert "organization_id" in refused(directory, "record_employment", employment(worker, net.agency), SYSTEM)
    directory.perform("end_employment", admin_of(net.agency), {"peer_worker_id": str(worker),
                                                               "organization_id": str(net.agency),
                              "left_on": "2026-03-01"})
    record = directory.perform("workforce_record", admin_of(net.agency), worker)
    assert [(e["role_title"], e["left_on"]) for e in record["employments"]] == [
        ("Peer Specialist", None), ("Recovery Coach", "2026-03-01")]
    assert record["peer_role_since"] == "2018-03-01"
    mine = {"organization_id": str(net.agency)}
    assert directory.perform("list_workforce", admin_of(net.agency), mine)["items"] == []
    former = directory.perform("list_workforce", admin_of(net.agency), {**mine, "include_former": True})["items"]
    assert [row["left_on"] for row in former] == ["2026-03-01"]


def test_who_may_read_a_workforce_record(directory, net):
    worker = net.workers[0]
    assert directory.perform("workforce_record", peer_caller(worker), worker)["peer_worker_id"] == str(worker)
    with pytest.raises(NotAllowed):
        directory.perform("workforce_record", peer_caller(net.workers[1]), worker)
    with pytest.raises(NotAllowed):
        directory.perform("workforce_record", admin_of(net.agency), worker)
    with pytest.raises(NotFound):
        directory.perform("workforce_record", SYSTEM, uuid.uuid4())


def test_a_new_hire_without_certification_gets_a_deadline(directory, net, monkeypatch):
    hire = uuid.uuid4()
    directory.perform("record_employment", SYSTEM, employment(hire, net.agency, start="2026-01-05"))
    status = {row["peer_worker_id"]: row for row in directory.perform("credential_status", admin_of(net.agency),
                                                                      {"organization_id": str(net.agency),
                                                                       "as_of": "2026-03-01"})["items"]}
    assert status[str(hire)]["certification"] == "due"
    assert status[str(hire)]["certify_by"] == "2026-07-06"  # six months, the default
    later = directory.perform("credential_status", SYSTEM, {"organization_id": str(net.agency), "as_of": "2026-08-01"})
    assert later["items"][0]["certification"] == "overdue"
    directory.perform("record_credential", admin_of(net.agency), cps(hire))
    now = directory.perform("credential_status", SYSTEM, {"organization_id": str(net.agency), "as_of": "2026-08-01"})
    assert now["items"][0]["certification"] == "certified"


def test_the_certification_window_is_a_state_setting(app_factory, monkeypatch):
    monkeypatch.setenv("PEERNET_CERTIFY_WITHIN_DAYS", "90")
    app = app_factory(setup)
    agency = app.perform("register_organization", SYSTEM, organization())
    hire = uuid.uuid4()
    app.perform("record_employment", SYSTEM, employment(hire, agency, start="2026-01-05"))
    assert app.perform("workforce_record", SYSTEM, hire)["employments"][0]["certify_by"] == "2026-04-05"


def test_a_certified_hire_has_no_deadline(directory, net):
    worker = net.workers[0]
    directory.perform("record_credential", SYSTEM, cps(worker))
    directory.perform("record_employment", SYSTEM, employment(worker, net.agency))
    record = directory.perform("workforce_record", SYSTEM, worker)
    assert [e["certify_by"] for e in record["employments"] if e["organization_id"] == str(net.agency)] == [None]


def test_credential_number_is_sealed_in_events_and_opened_to_readers(directory, net):
    directory.perform("record_credential", SYSTEM, cps(net.workers[0], number="CPS-4242-SYN"))
    [body] = [m["body"] for m in published(directory) if m["type"] == "CredentialRecorded"]
    assert is_sealed(body["number"]) and "4242" not in str(published(directory))
    assert directory.perform("workforce_record", SYSTEM, net.workers[0])["credentials"][0]["number"] == "CPS-4242-SYN"


@pytest.mark.parametrize("changes,field", [
    ({"state": None}, "state"), ({"number": None}, "number"), ({"expires": None}, "expires"),
    ({"expires": "2024-06-01"}, "expires"), ({"kind": "psychiatric_license"}, "kind"), ({"state": "Mass"}, "state"),
])
def test_a_certification_needs_state_number_and_expiry(directory, net, changes, field):
    payload = {key: value for key, value in {**cps(net.workers[0]), **changes}.items() if value is not None}
    with unchanged(directory):
        assert field in refused(directory, "record_credential", payload, SYSTEM)


def test_credentials_expire_by_themselves_with_an_event(directory, net):
    worker = net.workers[0]
    directory.perform("record_credential", SYSTEM, cps(worker, issued="2024-01-01", expires="2040-06-30"))
    directory.perform("record_credential", SYSTEM, {"peer_worker_id": str(worker), "kind": "facilitator_wrap",
                                                    "issued": "2025-01-01"})
    assert directory.perform("expire_credentials", SYSTEM, "2040-06-30") == 0
    assert directory.perform("expire_credentials", SYSTEM, "2040-07-01") == 1
    assert directory.perform("expire_credentials", SYSTEM, "2040-07-02") == 0  # once only
    [expired] = [m["body"] for m in published(directory) if m["type"] == "CredentialExpired"]
    assert (expired["kind"], expired["expired_on"], expired["blocks_offers"]) == (
        "certified_peer_specialist", "2040-06-30", False)
    status = directory.perform("credential_status", SYSTEM, {"organization_id": str(net.provider)})["items"]
    mine = [row for row in status if row["peer_worker_id"] == str(worker)][0]
    assert mine["expired"] == ["certified_peer_specialist"] and mine["credentials"] == ["facilitator_wrap"]


def test_expiry_racing_another_instance_leaves_it_to_that_instance(directory, net, monkeypatch):
    directory.perform("record_credential", SYSTEM, cps(net.workers[0], issued="2024-01-01", expires="2040-06-30"))

    def raced(*aggregates):
        raise Conflict("another instance saved first")

    monkeypatch.setattr(directory, "save", raced)
    with unchanged(directory):
        assert directory.perform("expire_credentials", SYSTEM, "2040-07-01") == 0


def test_a_credential_recorded_after_its_date_expires_at_once(directory, net):
    directory.perform("record_credential", SYSTEM, cps(net.workers[0], issued="2020-01-01", expires="2022-01-01"))
    assert [m["type"] for m in published(directory)][-2:] == ["CredentialRecorded", "CredentialExpired"]


def test_whether_expiry_blocks_offers_is_a_state_setting(app_factory, monkeypatch):
    monkeypatch.setenv("PEERNET_EXPIRED_CREDENTIAL_BLOCKS_OFFERS", "yes")
    app = app_factory(setup)
    net = Network(app)
    app.perform("record_credential", SYSTEM, cps(net.workers[0], issued="2020-01-01", expires="2022-01-01"))
    assert published(app)[-1]["body"]["blocks_offers"] is True
    rows = app.perform("credential_status", SYSTEM, {"organization_id": str(net.provider)})["items"]
    assert {row["peer_worker_id"]: row["blocks_offers"] for row in rows}[str(net.workers[0])] is True


def test_a_peer_may_not_record_their_own_credentials(directory, net):
    with unchanged(directory), pytest.raises(NotAllowed):
        directory.perform("record_credential", peer_caller(net.workers[0]), cps(net.workers[0]))


def test_continuing_education_hours_add_up_per_period(directory, net):
    worker = net.workers[0]
    for hours, year in ((6, "2026"), (4.5, "2026"), (3, "2025")):
        directory.perform("record_continuing_education", peer_caller(worker), {"peer_worker_id": str(worker),
                                                                               "hours": hours,
                                               "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"})
    assert directory.perform("workforce_record", SYSTEM, worker)["continuing_education"] == [
        {"period_start": "2025-01-01", "period_end": "2025-12-31", "hours": 3},
        {"period_start": "2026-01-01", "period_end": "2026-12-31", "hours": 10.5}]
    with unchanged(directory):
        assert "period_end" in refused(directory, "record_continuing_education", {
            "peer_worker_id": str(worker), "hours": 2, "period_start": "2026-01-01", "period_end": "2025-01-01"},
            SYSTEM)


# --- the networking pool ------------------------------------------------------------------------


def join(directory, net, worker, **extra):
    directory.perform("join_pool", peer_caller(worker), {"peer_worker_id": str(worker),
                                                         "organization_id": str(net.provider),
                         "display_name": "Rowan Example", "region": "Hampden", "languages": ["Spanish", "English"],
                         "specialties": ["hearing_voices"], **extra})


def test_joining_the_pool_makes_a_peer_findable_and_leaving_hides_them_at_once(directory, net):
    worker = net.workers[0]
    join(directory, net, worker)
    found = directory.perform("search_pool", SYSTEM, {"region": "Hampden", "language": "Spanish"})
    assert [m["display_name"] for m in found["items"]] == ["Rowan Example"]
    assert len(directory.perform("search_pool", SYSTEM, {"language": "Portuguese"})["items"]) == 0
    assert found["items"][0]["languages"] == ["en", "es"]  # stored and answered as codes
    assert len(directory.perform("search_pool", SYSTEM, {"language": "es"})["items"]) == 1
    assert sorted(published(directory)[-1]["body"]["languages"]) == ["en", "es"]
    with pytest.raises(InvalidInput) as refused:
        directory.perform("search_pool", SYSTEM, {"language": "Quenya"})
    assert "language" in refused.value.field_errors
    directory.perform("leave_pool", peer_caller(worker), {"peer_worker_id": str(worker)})
    assert len(directory.perform("search_pool", SYSTEM, {})["items"]) == 0
    types = [m["type"] for m in published(directory)]
    assert types[-2:] == ["PoolJoined", "PoolLeft"]
    assert "Rowan" not in str(published(directory))  # the display name crosses only sealed


def test_pool_search_by_credential(directory, net):
    join(directory, net, net.workers[0])
    join(directory, net, net.workers[1], display_name="Sam Example")
    directory.perform("record_credential", SYSTEM, {"peer_worker_id": str(net.workers[1]), "kind": "peer_supervisor",
                                 "issued": "2025-01-01", "expires": "2028-01-01"})
    found = directory.perform("search_pool", SYSTEM, {"credential": "peer_supervisor"})["items"]
    assert [m["display_name"] for m in found] == ["Sam Example"]


def test_joining_is_each_peers_own_choice(directory, net):
    with unchanged(directory), pytest.raises(NotAllowed):
        directory.perform("join_pool", peer_caller(net.workers[1]), {"peer_worker_id": str(net.workers[0]),
                                                                     "organization_id": str(net.provider),
                             "display_name": "Rowan Example", "region": "Hampden"})


def test_leaving_the_organization_leaves_the_pool(directory, net):
    worker = net.workers[0]
    join(directory, net, worker)
    directory.perform("end_employment", admin_of(net.provider), {"peer_worker_id": str(worker),
                                                                 "organization_id": str(net.provider),
                              "left_on": "2026-05-01"})
    assert len(directory.perform("search_pool", SYSTEM, {})["items"]) == 0


def test_a_forgotten_peer_is_not_shown(directory, net, vault):
    join(directory, net, net.workers[0])
    vault.forget(str(net.workers[0]))
    assert len(directory.perform("search_pool", SYSTEM, {})["items"]) == 0


# --- supervision agreements -------------------------------------------------------------------


def make_supervisor(directory, net):
    supervisor = net.workers[1]
    directory.perform("record_credential", SYSTEM, {"peer_worker_id": str(supervisor), "kind": "peer_supervisor",
                                 "issued": "2024-01-01", "expires": "2028-01-01"})
    return supervisor


def propose(directory, net, supervisee, supervisor=None, **extra):
    return directory.perform("propose_supervision", admin_of(net.agency), {
        "supervised_organization_id": str(net.agency), "supervising_organization_id": str(net.provider),
        "peer_worker_ids": [str(supervisee)], "supervisor_id": str(supervisor) if supervisor else None,
        "hours_per_month": 4, "start": "2026-02-01", "end": "2026-12-31", "cost": "2400", **extra})


def test_a_supervision_agreement_is_active_once_both_organizations_accept(directory, net):
    supervisee = uuid.uuid4()
    directory.perform("record_employment", SYSTEM, employment(supervisee, net.agency))
    supervisor = make_supervisor(directory, net)
    assert directory.perform("eligible_peer_supervisors", SYSTEM, {"organization_id": str(net.provider)}) == {
        "items": [{"peer_worker_id": str(supervisor)}], "next_after": None}
    assert directory.perform("eligible_peer_supervisors", SYSTEM, {"organization_id": str(net.agency)})["items"] == []
    agreement = propose(directory, net, supervisee, supervisor)
    first = directory.perform("accept_supervision", admin_of(net.agency), {"agreement_id": str(agreement),
                                                                           "organization_id": str(net.agency)})
    assert first["status"] == "proposed"
    with unchanged(directory), pytest.raises(NotAllowed):
        directory.perform("accept_supervision", admin_of(net.agency), {"agreement_id": str(agreement),
                                                                       "organization_id": str(net.provider)})
    second = directory.perform("accept_supervision", admin_of(net.provider), {"agreement_id": str(agreement),
                                                                              "organization_id": str(net.provider)})
    assert second["status"] == "active"
    [activated] = [m["body"] for m in published(directory) if m["type"] == "SupervisionAgreementActivated"]
    assert activated["peer_worker_ids"] == [str(supervisee)] and activated["hours_per_month"] == 4
    assert activated["cost"] == "2400.00" and activated["supervisor_id"] == str(supervisor)
    directory.perform("end_supervision", admin_of(net.provider), {"agreement_id": str(agreement),
                                                                  "ended_on": "2026-09-30"})
    assert published(directory)[-1]["type"] == "SupervisionAgreementEnded"


def test_supervision_needs_an_eligible_supervisor_and_the_right_peer_workers(directory, net):
    supervisee = uuid.uuid4()
    directory.perform("record_employment", SYSTEM, employment(supervisee, net.agency))
    with unchanged(directory):
        # No peer-supervisor credential yet.
        assert "supervisor_id" in refused(propose, directory, net, supervisee, net.workers[1])
        # The provider's own worker is not the agency's to put under supervision.
        assert "peer_worker_ids" in refused(propose, directory, net, net.workers[0])
        assert "end" in refused(propose, directory, net, supervisee, None, end="2026-01-01")
        assert "hours_per_month" in refused(propose, directory, net, supervisee, None, hours_per_month=-2)


def test_a_declined_agreement_cannot_be_accepted(directory, net):
    supervisee = uuid.uuid4()
    directory.perform("record_employment", SYSTEM, employment(supervisee, net.agency))
    agreement = propose(directory, net, supervisee)
    directory.perform("decline_supervision", admin_of(net.provider), {"agreement_id": str(agreement),
                                                                      "organization_id": str(net.provider)})
    with unchanged(directory):
        assert "agreement_id" in refused(directory, "accept_supervision", {
            "agreement_id": str(agreement), "organization_id": str(net.agency)}, admin_of(net.agency))


# --- peer groups (the HSDS export: test_hsds.py) -------------------------------------------------


def test_groups_are_findable_by_region_and_kind(directory, net):
    directory.perform("list_group", admin_of(net.provider), group(net.provider, facilitator_ids=[str(net.workers[0])]))
    directory.perform("list_group", SYSTEM, group(net.provider, kind="wrap", name="Online WRAP", place=None,
                               link="https://meet.example.org/wrap", region="Berkshire"))
    assert [g["name"] for g in directory.perform("find_groups", SYSTEM,
                                                 {"region": "Hampden"})["items"]] == ["Thursday Hearing Voices"]
    assert [g["name"] for g in directory.perform("find_groups", SYSTEM, {"kind": "wrap"})["items"]] == ["Online WRAP"]
    with unchanged(directory):
        assert "place" in refused(directory, "list_group", group(net.provider, place=None), SYSTEM)
        assert "schedule" in refused(directory, "list_group", group(
            net.provider, schedule={"freq": "DAILY", "byday": "XX", "opens_at": "18:00", "closes_at": "17:00"}),
            SYSTEM)
        assert "facilitator_ids" in refused(directory, "list_group", group(
            net.provider, facilitator_ids=[str(uuid.uuid4())]), SYSTEM)


# --- projections rebuild by replay -------------------------------------------------------------


def test_lists_are_rebuilt_by_replay_in_a_new_process(app_factory, tmp_path):
    first = app_factory(setup, store="sqlite")
    net = Network(first)
    net.make_subcontract()
    join(first, net, net.workers[0])
    again = app_factory(setup, store="sqlite")
    assert len(again.perform("list_organizations", SYSTEM, {})["items"]) == 2
    assert len(again.perform("list_subcontracts", SYSTEM, {})["items"]) == 1
    assert [m["display_name"] for m in again.perform("search_pool", SYSTEM, {})["items"]] == ["Rowan Example"]
    # And keeps up with what another instance stores afterwards.
    first.perform("register_organization", SYSTEM, organization("Late Agency"))
    assert len(again.perform("list_organizations", SYSTEM, {})["items"]) == 3


def test_an_unknown_language_in_the_pool_is_refused_and_stores_nothing(directory, net):
    with unchanged(directory), pytest.raises(InvalidInput) as refused:
        join(directory, net, net.workers[0], languages=["en", "Parseltongue"])
    assert "languages" in refused.value.field_errors


def test_an_agency_admin_makes_and_proposes_agreements_only_where_their_organization_is_a_party(directory, net):
    stranger = admin_of(uuid.uuid4())
    with unchanged(directory):
        with pytest.raises(NotAllowed, match="party"):
            directory.perform("make_subcontract", stranger, subcontract(net.agency, net.provider))
        with pytest.raises(NotAllowed, match="party"):
            directory.perform("propose_supervision", stranger, {
                "supervised_organization_id": str(net.agency), "supervising_organization_id": str(net.provider),
                "peer_worker_ids": [str(net.workers[0])], "hours_per_month": 4, "start": "2026-12-01",
                "end": "2027-11-30", "cost": "300.00"})
    assert directory.perform("make_subcontract", admin_of(net.provider), subcontract(net.agency, net.provider))
