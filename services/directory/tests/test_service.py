"""DirectoryService as nameko runs it, with a real (in-memory) application and no broker:
who may call what, and that what goes back over RPC is plain JSON."""
from __future__ import annotations

import functools
import json
import uuid
from datetime import datetime, timezone

import pytest
from nameko.rpc import Rpc
from nameko.testing.services import worker_factory

from services.directory.setup import setup
from shared.errors import Conflict, NotAllowed
from services.directory.service import DirectoryService
from services.directory.tests.support import SYSTEM, Network, admin_of, cps, employment, group, organization
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, vault  # noqa: F401  (fixtures)


@pytest.fixture
def directory(app_factory):
    return app_factory(setup)


def service_as(directory, caller):
    return worker_factory(DirectoryService, application=directory, caller=caller)


def as_role(role: str, organization_id=None) -> Caller:
    return Caller(user_id=f"{role}-user-1", role=role, organization_id=organization_id)


WRITES = ["register_organization", "update_organization", "close_organization", "record_employment",
          "end_employment", "record_credential", "make_subcontract", "amend_subcontract", "renew_subcontract",
          "end_subcontract", "place_peer_worker", "end_placement", "record_hours_delivered", "propose_supervision",
          "accept_supervision", "decline_supervision", "end_supervision", "list_group", "retire_group"]


@pytest.mark.parametrize("method", WRITES + ["search_pool", "list_workforce", "credential_status", "subcontract",
                                             "list_subcontracts", "join_pool", "leave_pool", "expire_credentials"])
def test_a_person_may_change_and_see_nothing_of_the_workforce(directory, method):
    with pytest.raises(NotAllowed):
        getattr(service_as(directory, as_role("person")), method)({})
    assert notification_count(directory) == 0


@pytest.mark.parametrize("method", WRITES)
def test_a_call_without_a_caller_is_refused(directory, method):
    with pytest.raises(NotAllowed) as refused:
        getattr(service_as(directory, None), method)({})
    assert "caller" in str(refused.value)


@pytest.mark.parametrize("method", [m for m in WRITES if m != "register_organization"])
def test_the_state_auditor_reads_but_does_not_change_agreements_or_records(directory, method):
    with pytest.raises(NotAllowed):
        getattr(service_as(directory, as_role("state_auditor")), method)({})


def test_everyone_may_find_organizations_and_groups(directory):
    net = Network(directory)
    directory.perform("list_group", SYSTEM, group(net.provider, link="https://meet.example.org/hv"))
    person = service_as(directory, as_role("person"))
    assert len(person.list_organizations()["items"]) == 2
    assert len(person.find_groups({"region": "Hampden"})["items"]) == 1
    export = person.export_hsds()
    assert json.loads(json.dumps(export)) == export


def test_the_state_auditor_reads_every_organizations_records(directory):
    net = Network(directory)
    agreement = net.make_subcontract()
    auditor = service_as(directory, as_role("state_auditor"))
    assert auditor.subcontract(str(agreement))["agreement_id"] == str(agreement)
    assert len(auditor.list_workforce({"organization_id": str(net.provider)})["items"]) == 2
    assert auditor.workforce_record(str(net.workers[0]))["peer_worker_id"] == str(net.workers[0])


def test_an_agency_admin_reads_only_their_own_organization(directory):
    net = Network(directory)
    agreement = net.make_subcontract()
    stranger = service_as(directory, admin_of(uuid.uuid4()))
    with pytest.raises(NotAllowed):
        stranger.subcontract(str(agreement))
    with pytest.raises(NotAllowed):
        stranger.list_workforce({"organization_id": str(net.provider)})
    own = service_as(directory, admin_of(net.provider))
    assert len(own.list_workforce({"organization_id": str(net.provider)})["items"]) == 2


def test_results_are_plain_json(directory):
    net = Network(directory)
    admin = service_as(directory, admin_of(net.agency))
    worker = str(uuid.uuid4())
    employment_id = admin.record_employment(employment(worker, net.agency))
    agreement = admin.make_subcontract({"buyer_id": str(net.agency), "provider_id": str(net.provider),
                                        "hours_per_week": 10, "amount": "100", "start": "2026-01-05",
                                        "end": "2026-06-30"})
    assert isinstance(employment_id, str) and isinstance(agreement, str)
    for result in (admin.subcontract(agreement), admin.workforce_record(worker),
                   admin.credential_status({"organization_id": str(net.agency)})):
        assert json.loads(json.dumps(result)) == result


def test_every_rpc_sends_a_conflict_back_to_the_caller_as_itself():
    entrypoints = [entrypoint for method in vars(DirectoryService).values()
                   for entrypoint in getattr(method, "nameko_entrypoints", ()) if isinstance(entrypoint, Rpc)]
    assert len(entrypoints) > 30
    assert all(Conflict in entrypoint.expected_exceptions for entrypoint in entrypoints)


def test_the_timer_expires_credentials_as_the_service(app_factory):
    now = [datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)]
    directory = app_factory(functools.partial(setup, clock=lambda: now[0]))
    net = Network(directory)
    directory.perform("record_credential", SYSTEM, cps(net.workers[0], issued="2020-01-01", expires="2040-01-01"))
    now[0] = datetime(2040, 1, 2, 9, 0, tzinfo=timezone.utc)  # the service's clock, moved on
    service_as(directory, None).expire_credentials_hourly()  # nobody calls it: the date passing is enough
    last = directory.integration_events(0)[-1]
    assert (last.type, last.actor["role"], last.actor["user_id"]) == ("CredentialExpired", "system",
                                                                     "service:directory")
    assert directory.perform("workforce_record", SYSTEM, net.workers[0])["credentials"][0]["current"] is False


def test_registering_for_the_state_and_admins_still_works(directory):
    result = service_as(directory, as_role("agency_admin", "org-x")).register_organization(organization())
    assert uuid.UUID(result)
