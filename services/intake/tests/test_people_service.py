"""IntakeService's people entrypoints as nameko runs them (no broker): roles and plain JSON."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from services.intake.setup import setup as intake_setup
from services.intake.service import IntakeService
from services.intake.tests.people_fixtures import a_person, admin_of, enrollment, item, later
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, vault  # noqa: F401

PERSON_ONLY = ["enroll", "accept_referral", "decline_referral", "change_details", "share_person_experience",
               "withdraw_person_experience", "grant_consent", "revoke_consent", "request_support",
               "withdraw_support_request", "person_record", "disclosures", "forget_me"]


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


def service_as(intake, caller):
    return worker_factory(IntakeService, application=intake, caller=caller)


@pytest.mark.parametrize("method", PERSON_ONLY)
@pytest.mark.parametrize("role", ["peer", "agency_admin", "supervisor", "state_auditor", "system"])
def test_only_people_act_on_their_own_records(intake, method, role):
    with pytest.raises(NotAllowed):
        getattr(service_as(intake, Caller("u-1", role, "org-harbor")), method)({})
    assert notification_count(intake) == 0


@pytest.mark.parametrize("method, roles", [
    ("refer_person", ["person", "peer", "system"]),
    ("disclose_person", ["person", "peer", "supervisor"]),
    ("expire_due", ["person", "peer", "agency_admin"]),
])
def test_other_entrypoints_refuse_other_roles(intake, method, roles):
    for role in roles:
        with pytest.raises(NotAllowed):
            getattr(service_as(intake, Caller("u-1", role, "org-harbor")), method)({})


def test_a_persons_path_through_the_service_returns_plain_json(intake):
    me = a_person()
    service = service_as(intake, me)
    made = service_as(intake, admin_of()).refer_person({"display_name": "Casey Example"})
    referral_id = made["referral_id"]
    assert isinstance(referral_id, str) and isinstance(made["invitation_secret"], str)
    assert service.referral(referral_id, made["invitation_secret"])["status"] == "pending"
    assert service.accept_referral({**enrollment(me), "referral_id": referral_id,
                                    "invitation_secret": made["invitation_secret"]}) == me.user_id
    service.share_person_experience(item(me, "heard_voices", "matching"))
    request_id = service.request_support({"person_id": me.user_id, "hopes": "to talk"})
    uuid.UUID(request_id)
    record = service.person_record(me.user_id)
    assert json.loads(json.dumps(record)) == record
    assert record["support_requests"][0]["hopes"] == "to talk"
    assert service.disclosures(me.user_id, None, 10) == {"items": [], "next_after": None}
    with pytest.raises(InvalidInput) as refused:
        service.person_record("not-an-id")
    assert set(refused.value.field_errors) == {"person_id"}
    service.forget_me({"person_id": me.user_id})
    assert service.person_record(me.user_id)["details"]["display_name"] == "forgotten"


def test_expire_due_over_rpc_and_on_the_timer(intake):
    me = a_person()
    service_as(intake, me).enroll(enrollment(me, consent={"purpose": "peer_support",
                                                          "may_see": {"matching": ["region"]},
                                                          "expires_at": later(days=1)}))
    system = service_as(intake, Caller.system("intake"))
    with pytest.raises(InvalidInput) as refused:
        system.expire_due("2030-01-01T00:00:00")  # no time zone
    assert set(refused.value.field_errors) == {"now"}
    assert system.expire_due() == {}  # nothing due yet
    assert system.expire_due((datetime.now(timezone.utc) + timedelta(days=2)).isoformat()) == {"PersonConsentLapsed": 1}
    system.expire()  # the timer's entrypoint: nothing more is due
    assert notification_count(intake) == 2
