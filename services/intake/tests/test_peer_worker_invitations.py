"""A peer worker's invitation: their organization invites, they accept with their own sign-in, and
their profile is recorded under their own user id; nobody types a peer worker's id."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest

from services.intake.setup import setup as intake_setup
from services.intake.tests.people_fixtures import MovableClock, a_person, admin_of, later
from shared.crypto import FORGOTTEN
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, vault  # noqa: F401

SYSTEM = Caller.system("intake")


ORG = "org-harbor"


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


@pytest.fixture
def harbor():
    return admin_of(ORG)


def a_peer() -> Caller:
    return Caller(user_id=str(uuid.uuid4()), role="peer")


def invite(intake, admin, **fields) -> tuple:
    """(invitation id, the invitation's secret)."""
    made = intake.perform("invite_peer_worker", admin,
                          {"organization_id": ORG, "display_name": "Rowan Example", **fields})
    return made["invitation_id"], made["invitation_secret"]


def accept(intake, peer, invitation_id, secret):
    return intake.perform("accept_peer_worker_invitation", peer, {"invitation_id": str(invitation_id),
                                                                  "invitation_secret": secret})


def published(app) -> list[dict]:
    return [event.as_message() for event in app.integration_events(0)]


def test_an_invitation_publishes_nothing_about_the_invitee_and_keeps_only_the_secrets_digest(intake, harbor):
    invitation_id, secret = invite(intake, harbor)
    [message] = published(intake)
    assert message["type"] == "PeerWorkerInvited"
    assert set(message["body"]) == {"invitation_id", "organization_id", "expires_at"}
    stored = intake.repository.get(invitation_id)
    assert "Rowan" not in json.dumps(message) and "Rowan" not in str(stored.__dict__)
    assert secret not in json.dumps(message) and secret not in str(stored.__dict__)
    seen = intake.perform("peer_worker_invitation", harbor, invitation_id)
    assert seen["display_name"] == "Rowan Example" and seen["status"] == "pending" and seen["peer_worker_id"] is None


def test_the_invited_peer_accepts_and_their_own_id_becomes_their_profile(intake, harbor):
    invitation_id, secret = invite(intake, harbor)
    me = a_peer()
    assert intake.perform("peer_worker_invitation", me, invitation_id, secret)["display_name"] == "Rowan Example"
    assert accept(intake, me, invitation_id, secret) == me.user_id
    profile = intake.perform("peer_worker_profile", me, uuid.UUID(me.user_id))
    assert (profile["display_name"], profile["organization_id"], profile["experiences"]) == ("Rowan Example", ORG, [])
    types = [m["type"] for m in published(intake)]
    assert types[-2:] == ["PeerWorkerProfiled", "PeerWorkerInvitationAccepted"]
    profiled = published(intake)[-2]
    assert profiled["subject_id"] == me.user_id and profiled["actor"]["user_id"] == me.user_id
    seen = intake.perform("peer_worker_invitation", harbor, invitation_id)
    assert seen["status"] == "accepted" and seen["peer_worker_id"] == me.user_id
    assert seen["display_name"] == FORGOTTEN  # the invitation's key is destroyed; the profile has its own


@pytest.mark.parametrize("secret", [None, "", "a guess", "wrong-" + "x" * 40])
def test_without_the_secret_an_invitation_is_as_if_it_did_not_exist(intake, harbor, secret):
    invitation_id, real = invite(intake, harbor)
    stranger, before = a_peer(), notification_count(intake)
    for invitation in (invitation_id, uuid.uuid4()):
        with pytest.raises(NotFound) as missing:
            intake.perform("peer_worker_invitation", stranger, invitation, secret)
        assert str(missing.value) == f"no peer worker invitation {invitation}"
        with pytest.raises(NotFound) as missing:
            accept(intake, stranger, invitation, secret)
        assert str(missing.value) == f"no peer worker invitation {invitation}"
    assert notification_count(intake) == before
    assert intake.perform("peer_worker_invitation", a_peer(), invitation_id, real)["status"] == "pending"


def test_another_organizations_admin_sees_nothing_and_withdraws_nothing(intake, harbor):
    invitation_id, _ = invite(intake, harbor)
    elsewhere = admin_of("org-lighthouse")
    with pytest.raises(NotFound):
        intake.perform("peer_worker_invitation", elsewhere, invitation_id)
    with pytest.raises(NotFound):
        intake.perform("withdraw_peer_worker_invitation", elsewhere, {"invitation_id": str(invitation_id)})


def test_only_an_agency_admin_invites_and_only_to_their_own_organization(intake, harbor):
    for caller in (a_peer(), admin_of("org-lighthouse")):
        with pytest.raises(NotAllowed):
            invite(intake, caller)
    invitation_id, secret = invite(intake, harbor)
    with pytest.raises(NotAllowed):  # a person is no peer worker, secret or not
        accept(intake, a_person(), invitation_id, secret)
    assert notification_count(intake) == 1


@pytest.mark.parametrize("fields, field", [
    ({"display_name": ""}, "display_name"),
    ({"expires_at": "2001-01-01T00:00:00+00:00"}, "expires_at"),
    ({"invitation_id": "x"}, "invitation_id"),
    ({"peer_worker_id": str(uuid.uuid4())}, "peer_worker_id"),  # nobody names the peer worker
])
def test_a_bad_invitation_names_the_field(intake, harbor, fields, field):
    with pytest.raises(InvalidInput) as refused:
        invite(intake, harbor, **fields)
    assert field in refused.value.field_errors
    assert notification_count(intake) == 0


def test_the_same_id_twice_is_refused(intake, harbor):
    invitation_id, _ = invite(intake, harbor)
    with pytest.raises(InvalidInput) as refused:
        invite(intake, harbor, invitation_id=str(invitation_id))
    assert "invitation_id" in refused.value.field_errors


def test_a_second_acceptance_is_refused(intake, harbor):
    invitation_id, secret = invite(intake, harbor)
    me = a_peer()
    accept(intake, me, invitation_id, secret)
    before = notification_count(intake)
    for peer in (me, a_peer()):
        with pytest.raises(InvalidInput) as refused:
            accept(intake, peer, invitation_id, secret)
        assert "invitation_id" in refused.value.field_errors
    assert notification_count(intake) == before


def test_a_peer_with_a_profile_already_is_refused_and_the_invitation_stays_open(intake, harbor):
    me = a_peer()
    first, first_secret = invite(intake, harbor)
    accept(intake, me, first, first_secret)
    second, second_secret = invite(intake, harbor)
    with pytest.raises(InvalidInput) as refused:
        accept(intake, me, second, second_secret)
    assert "peer_worker_id" in refused.value.field_errors
    assert intake.perform("peer_worker_invitation", harbor, second)["status"] == "pending"


def test_a_withdrawn_invitation_cannot_be_accepted(intake, harbor):
    invitation_id, secret = invite(intake, harbor)
    intake.perform("withdraw_peer_worker_invitation", harbor, {"invitation_id": str(invitation_id)})
    assert published(intake)[-1]["type"] == "PeerWorkerInvitationWithdrawn"
    with pytest.raises(InvalidInput) as refused:
        accept(intake, a_peer(), invitation_id, secret)
    assert "invitation_id" in refused.value.field_errors
    seen = intake.perform("peer_worker_invitation", harbor, invitation_id)
    assert seen["status"] == "withdrawn" and seen["display_name"] == FORGOTTEN
    with pytest.raises(InvalidInput):  # withdrawn once is enough
        intake.perform("withdraw_peer_worker_invitation", harbor, {"invitation_id": str(invitation_id)})


def test_an_invitation_not_accepted_expires(intake, harbor):
    invitation_id, secret = invite(intake, harbor, expires_at=later(days=3))
    assert intake.perform("expire_due", SYSTEM,
                          datetime.now(timezone.utc) + timedelta(days=4)) == {"PeerWorkerInvitationExpired": 1}
    seen = intake.perform("peer_worker_invitation", harbor, invitation_id)
    assert seen["status"] == "expired" and seen["display_name"] == FORGOTTEN
    with pytest.raises(InvalidInput) as refused:
        accept(intake, a_peer(), invitation_id, secret)
    assert "invitation_id" in refused.value.field_errors


def test_past_its_time_an_invitation_is_refused_even_before_the_timer(app_factory, harbor):
    clock = MovableClock()
    intake = app_factory(partial(intake_setup, clock=clock))
    invitation_id, secret = invite(intake, harbor, expires_at=later(days=1))
    clock.move(days=2)
    with pytest.raises(InvalidInput) as refused:
        accept(intake, a_peer(), invitation_id, secret)
    assert "invitation_id" in refused.value.field_errors


def test_the_admins_read_of_an_open_invitation_is_in_the_access_log(intake, harbor):
    invitation_id, _ = invite(intake, harbor)
    intake.perform("peer_worker_invitation", harbor, invitation_id)
    [access] = [m for m in published(intake) if m["type"] == "AccessRecorded"]
    assert access["body"]["subject_kind"] == "invitee" and access["body"]["via"] == "peer_worker_invitation"
