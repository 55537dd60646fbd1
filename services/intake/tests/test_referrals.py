"""An agency's referral is only a pending invitation until the person agrees."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.intake.setup import setup as intake_setup
from shared.identity import Caller
from services.intake.tests.people_fixtures import a_person, admin_of, enrollment, later
from shared.crypto import FORGOTTEN
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.tests.conftest import app_factory, isolated_env, notification_count, vault  # noqa: F401

SYSTEM = Caller.system("intake")



@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


@pytest.fixture
def harbor():
    return admin_of("org-harbor")


def refer(intake, admin, **fields):
    return intake.perform("refer_person", admin, {"display_name": "Casey Example", "contact": "555-0100", **fields})


def invite(intake, admin, **fields) -> tuple:
    """(referral id, the invitation's secret)."""
    made = refer(intake, admin, **fields)
    return made["referral_id"], made["invitation_secret"]


def published(app) -> list[dict]:
    return [event.as_message() for event in app.integration_events(0)]


def test_a_referral_publishes_nothing_about_the_invitee(intake, harbor):
    referral_id, secret = invite(intake, harbor)
    [message] = published(intake)
    assert message["type"] == "ReferralInvited"
    assert set(message["body"]) == {"referral_id", "organization_id", "expires_at"}
    assert "Casey" not in json.dumps(message) and "555-0100" not in json.dumps(message)
    assert secret not in json.dumps(published(intake)) and secret not in str(intake.repository.get(referral_id).__dict__)
    assert intake.perform("referral", harbor, referral_id)["display_name"] == "Casey Example"


def test_only_the_referring_agency_sees_its_referral(intake, harbor):
    referral_id, secret = invite(intake, harbor)
    with pytest.raises(NotFound):
        intake.perform("referral", admin_of("org-lighthouse"), referral_id)
    seen_by_invitee = intake.perform("referral", a_person(), referral_id, secret)
    assert set(seen_by_invitee) == {"referral_id", "organization_id", "status", "expires_at"}


def test_only_an_agency_admin_refers(intake):
    with pytest.raises(NotAllowed):
        intake.perform("refer_person", a_person(), {"display_name": "Casey Example"})
    assert notification_count(intake) == 0


@pytest.mark.parametrize("fields, field", [
    ({"display_name": ""}, "display_name"),
    ({"expires_at": "2001-01-01T00:00:00+00:00"}, "expires_at"),
    ({"referral_id": "x"}, "referral_id"),
    ({"diagnosis": "none of your business"}, "diagnosis"),
])
def test_bad_referral_names_the_field(intake, harbor, fields, field):
    with pytest.raises(InvalidInput) as refused:
        refer(intake, harbor, **fields)
    assert field in refused.value.field_errors
    assert notification_count(intake) == 0


def test_accepting_enrolls_the_person_and_destroys_what_the_agency_wrote(intake, harbor):
    referral_id, secret = invite(intake, harbor)
    me = a_person()
    person_id = intake.perform("accept_referral", me, {**enrollment(me), "referral_id": str(referral_id),
                                                       "invitation_secret": secret})
    assert [m["type"] for m in published(intake)] == ["ReferralInvited", "PersonEnrolled", "ReferralAccepted"]
    assert published(intake)[1]["body"]["referred"] is True
    seen = intake.perform("referral", harbor, referral_id)
    assert seen["status"] == "accepted" and seen["person_id"] == str(person_id)
    assert seen["display_name"] == FORGOTTEN and seen["contact"] == FORGOTTEN
    assert intake.perform("person_record", me, person_id)["referral_id"] == str(referral_id)


def test_the_referring_agency_sees_only_what_the_person_consents_to(intake, harbor):
    referral_id, secret = invite(intake, harbor)
    me = a_person()
    payload = enrollment(me)
    payload["consent"]["may_see"]["referring_agency"] = ["display_name"]
    intake.perform("accept_referral", me, {**payload, "referral_id": str(referral_id), "invitation_secret": secret})
    shown = intake.perform("disclose_person", harbor, {"person_id": me.user_id, "audience": "referring_agency"})
    assert shown["fields"] == {"display_name": "Jordan Sample"}
    with pytest.raises(NotFound):
        intake.perform("disclose_person", admin_of("org-lighthouse"),
                       {"person_id": me.user_id, "audience": "referring_agency"})
    with pytest.raises(NotFound):  # an admin may ask only as the referring agency
        intake.perform("disclose_person", harbor, {"person_id": me.user_id, "audience": "matching"})


def test_a_declined_invitation_cannot_be_accepted(intake, harbor):
    referral_id, secret = invite(intake, harbor)
    me = a_person()
    intake.perform("decline_referral", me, {"referral_id": str(referral_id), "invitation_secret": secret})
    assert published(intake)[-1]["type"] == "ReferralDeclined"
    with pytest.raises(InvalidInput) as refused:
        intake.perform("accept_referral", me,
                       {**enrollment(me), "referral_id": str(referral_id), "invitation_secret": secret})
    assert "referral_id" in refused.value.field_errors
    with pytest.raises(NotFound):
        intake.perform("person_record", me, uuid.UUID(me.user_id))  # nothing enrolled


def test_an_invitation_not_accepted_expires(intake, harbor):
    referral_id, secret = invite(intake, harbor, expires_at=later(days=3))
    assert intake.perform("expire_due", SYSTEM,
                          datetime.now(timezone.utc) + timedelta(days=4)) == {"ReferralExpired": 1}
    seen = intake.perform("referral", harbor, referral_id)
    assert seen["status"] == "expired" and seen["display_name"] == FORGOTTEN
    assert published(intake)[-1]["type"] == "ReferralExpired"
    me = a_person()
    with pytest.raises(InvalidInput):
        intake.perform("accept_referral", me,
                       {**enrollment(me), "referral_id": str(referral_id), "invitation_secret": secret})


def test_an_unknown_referral_is_not_found(intake):
    me = a_person()
    with pytest.raises(NotFound):
        intake.perform("accept_referral", me, {**enrollment(me), "referral_id": str(uuid.uuid4())})
    assert notification_count(intake) == 0


@pytest.mark.parametrize("secret", [None, "", "a guess", "wrong-" + "x" * 40])
def test_without_the_invitations_secret_a_referral_is_as_if_it_did_not_exist(intake, harbor, secret):
    referral_id, real = invite(intake, harbor)
    stranger, before = a_person(), notification_count(intake)
    unknown = uuid.uuid4()
    for referral in (referral_id, unknown):
        with pytest.raises(NotFound) as missing:
            intake.perform("referral", stranger, referral, secret)
        assert str(missing.value) == f"no referral {referral}"
        with pytest.raises(NotFound) as missing:
            intake.perform("accept_referral", stranger, {**enrollment(stranger), "referral_id": str(referral),
                                                         "invitation_secret": secret})
        assert str(missing.value) == f"no referral {referral}"
        with pytest.raises(NotFound) as missing:
            intake.perform("decline_referral", stranger, {"referral_id": str(referral), "invitation_secret": secret})
        assert str(missing.value) == f"no referral {referral}"
    assert notification_count(intake) == before  # nothing stored, nothing sealed for the stranger
    with pytest.raises(NotFound):
        intake.perform("person_record", stranger, uuid.UUID(stranger.user_id))
    seen = intake.perform("referral", harbor, referral_id)  # the agency: still pending, nobody's fields
    assert seen["status"] == "pending" and seen["person_id"] is None
    assert intake.perform("referral", a_person(), referral_id, real)["status"] == "pending"  # the invitee still can


def test_each_invitation_has_its_own_secret(intake, harbor):
    (first, first_secret), (second, second_secret) = invite(intake, harbor), invite(intake, harbor)
    assert first_secret != second_secret and len(first_secret) >= 32
    with pytest.raises(NotFound):
        intake.perform("referral", a_person(), second, first_secret)
