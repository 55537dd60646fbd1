"""IntakeService as nameko runs it, with a real (in-memory) IntakeApplication and no broker."""
from __future__ import annotations

import json
import time
import uuid
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from services.intake.setup import setup as intake_setup
from shared import config, signing
from services.intake.service import IntakeService
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.service import CALLER_KEY, CallerProvider
from shared.signing import SignedContext
from shared.tests.conftest import (  # noqa: F401  (fixtures)
    app_factory,
    isolated_env,
    item,
    notification_count,
    peer_worker,
    profile_payload,
    vault,
)

SYSTEM = Caller.system("intake")



@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


def service_as(intake, caller):
    return worker_factory(IntakeService, application=intake, caller=caller)


def as_role(role: str) -> Caller:
    return Caller(user_id=f"{role}-user-1", role=role, organization_id="org-harbor")


def own_profile(peer: Caller, display_name: str = "Rowan Example", experiences=None) -> dict:
    """The profile of the peer worker who is calling: their user id is their peer_worker_id."""
    return profile_payload(display_name, experiences, peer_worker_id=peer.user_id)


# --- who may record ------------------------------------------------------------------


def test_a_call_without_a_caller_is_not_allowed(intake):
    service = service_as(intake, None)
    with pytest.raises(NotAllowed) as refused:
        service.record_peer_worker_profile(profile_payload())
    assert "caller" in str(refused.value)
    for call in (lambda: service.share_experience({}), lambda: service.withdraw_experience({}),
                 lambda: service.integration_events(0), lambda: service.positions()):
        with pytest.raises(NotAllowed):
            call()
    assert notification_count(intake) == 0


def test_a_person_may_not_record_a_peer_profile(intake):
    service = service_as(intake, as_role("person"))
    with pytest.raises(NotAllowed) as refused:
        service.record_peer_worker_profile(profile_payload("Rowan Example"))
    assert "'person'" in str(refused.value)
    assert notification_count(intake) == 0


@pytest.mark.parametrize("role", ["supervisor", "state_auditor"])
def test_other_roles_may_not_record_either(intake, role):
    with pytest.raises(NotAllowed):
        service_as(intake, as_role(role)).record_peer_worker_profile(profile_payload())
    assert notification_count(intake) == 0


def test_a_peer_can_record_their_profile(intake):
    peer = peer_worker()
    payload = own_profile(peer, "Rowan Example", [item("veteran", "matching")])
    result = service_as(intake, peer).record_peer_worker_profile(payload)
    assert result == payload["peer_worker_id"]
    assert isinstance(result, str)  # what goes back over RPC is plain JSON
    profile = intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(result))
    assert profile["display_name"] == "Rowan Example"
    [event] = intake.integration_events(0)
    assert event.actor == peer.as_actor()


@pytest.mark.parametrize("role", ["agency_admin", "system"])
def test_an_agency_admin_or_the_system_can_record(intake, role):
    assert service_as(intake, as_role(role)).record_peer_worker_profile(profile_payload())
    assert notification_count(intake) == 1


def test_bad_input_through_the_service_is_invalid_input(intake):
    peer = peer_worker()
    service = service_as(intake, peer)
    with pytest.raises(InvalidInput) as refused:
        service.record_peer_worker_profile(own_profile(peer, display_name=""))
    assert "display_name" in refused.value.field_errors
    assert notification_count(intake) == 0


# --- sharing and withdrawing ------------------------------------------------------------


def test_a_peer_shares_and_withdraws_but_an_agency_admin_may_not(intake):
    peer = peer_worker()
    peer_service = service_as(intake, peer)
    who = peer_service.record_peer_worker_profile(own_profile(peer))
    change = {"peer_worker_id": who, "experience": "lgbtq", "visibility": "network"}
    admin_service = service_as(intake, as_role("agency_admin"))  # of the same organization, even so
    with pytest.raises(NotAllowed):
        admin_service.share_experience(change)
    with pytest.raises(NotAllowed):
        admin_service.withdraw_experience({"peer_worker_id": who, "experience": "lgbtq"})
    assert notification_count(intake) == 1
    assert peer_service.share_experience(change) is None
    peer_service.withdraw_experience({"peer_worker_id": who, "experience": "lgbtq"})
    assert notification_count(intake) == 3


# --- whose profile: a peer only their own, an agency admin only their organization's ---------


def test_a_peer_may_not_record_another_peer_workers_profile_through_the_service(intake):
    someone_else = profile_payload("Sky Sample")
    with pytest.raises(NotAllowed):
        service_as(intake, peer_worker()).record_peer_worker_profile(someone_else)
    assert notification_count(intake) == 0


@pytest.mark.parametrize("command, change", [
    ("share_experience", {"experience": "lgbtq", "visibility": "network"}),
    ("withdraw_experience", {"experience": "veteran"}),
])
def test_a_peer_may_not_change_another_peer_workers_profile_through_the_service(intake, command, change):
    sky = peer_worker()
    sky_service = service_as(intake, sky)
    who = sky_service.record_peer_worker_profile(own_profile(sky, "Sky Sample", [item("veteran", "network")]))
    before = intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(who))
    with pytest.raises(NotAllowed):
        getattr(service_as(intake, peer_worker()), command)({"peer_worker_id": who, **change})
    assert notification_count(intake) == 1
    assert intake.perform("peer_worker_profile", SYSTEM, uuid.UUID(who)) == before
    getattr(sky_service, command)({"peer_worker_id": who, **change})  # their own: allowed
    assert notification_count(intake) == 2


def test_an_agency_admin_may_not_record_a_peer_worker_of_another_organization_through_the_service(intake):
    payload = profile_payload("Sky Sample", organization_id="org-lighthouse")
    with pytest.raises(NotAllowed):
        service_as(intake, as_role("agency_admin")).record_peer_worker_profile(payload)  # of org-harbor
    assert notification_count(intake) == 0
    lighthouse_admin = Caller(user_id="admin-user-2", role="agency_admin", organization_id="org-lighthouse")
    assert service_as(intake, lighthouse_admin).record_peer_worker_profile(payload) == payload["peer_worker_id"]
    assert notification_count(intake) == 1


# --- the notification-log RPCs ---------------------------------------------------------


def test_integration_events_are_for_the_system_and_auditors_only(intake):
    peer = peer_worker()
    service_as(intake, peer).record_peer_worker_profile(own_profile(peer, "Rowan Example"))
    with pytest.raises(NotAllowed):
        service_as(intake, peer).integration_events(0)
    for role in ("system", "state_auditor"):
        messages = service_as(intake, as_role(role)).integration_events(0, 10)
        assert [m["position"] for m in messages] == [1]
        assert json.loads(json.dumps(messages)) == messages  # plain JSON
        assert "Rowan" not in json.dumps(messages)


@pytest.mark.parametrize("after, limit, field", [(-1, 10, "after"), ("0", 10, "after"), (0, 0, "limit"),
                                                 (0, 1001, "limit"), (0, "5", "limit")])
def test_integration_events_refuses_a_bad_page(intake, after, limit, field):
    with pytest.raises(InvalidInput) as refused:
        service_as(intake, as_role("system")).integration_events(after, limit)
    assert set(refused.value.field_errors) == {field}


def test_positions(intake):
    peer = peer_worker()
    service_as(intake, peer).record_peer_worker_profile(own_profile(peer))
    assert service_as(intake, as_role("system")).positions() == {
        "log": 1, "upstream": {service: 0 for service in config.SERVICES}}


# --- the caller, as it travels signed in the context data ---------------------------------


def context(**data):
    return SimpleNamespace(data=data, service_name="intake")


ACTOR = {"user_id": "peer-user-1", "role": "peer", "organization_id": "org-harbor", "correlation_id": "c-5"}


def test_caller_provider_reads_the_signed_caller_from_context_data():
    provider = CallerProvider()
    assert provider.get_dependency(context(**{CALLER_KEY: signing.sign(ACTOR, "intake")})) == Caller(**ACTOR)
    assert provider.get_dependency(context(**{CALLER_KEY: signing.sign(ACTOR, "*")})) == Caller(**ACTOR)
    assert provider.get_dependency(context(**SignedContext(ACTOR).copy())) == Caller(**ACTOR)


@pytest.mark.parametrize("raw", [
    None, "not json", "[]", ACTOR, json.dumps(ACTOR), ["peer"], 7,  # unsigned
    signing.sign({"user_id": "u", "role": "superuser"}, "intake"), signing.sign({"role": "peer"}, "intake"),
    signing.sign(ACTOR, "matching"),  # for another service
    signing.sign(ACTOR, "intake", now=time.time() - signing.LIFETIME - 1),  # expired
    signing.sign(ACTOR, "intake")[:-4] + "AAAA",  # badly signed
    signing.sign(ACTOR, "intake").replace(".", "x.", 1),  # its payload changed
])
def test_caller_provider_gives_none_for_a_missing_bad_or_unsigned_caller(raw):
    data = {} if raw is None else {CALLER_KEY: raw}
    assert CallerProvider().get_dependency(context(**data)) is None
