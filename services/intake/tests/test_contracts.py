"""Every contract intake publishes round-trips, and a personal field in clear never leaves.

SAMPLES holds one valid body per intake contract (shared/tests/test_contracts.py
wants one per registered contract: these can be copied there).
"""
from __future__ import annotations

import json
import uuid

import pytest
from marshmallow import ValidationError

from shared.contracts import build, known_contracts, parse
from shared.tests.conftest import vault  # noqa: F401
from shared.tests.test_access import access_sample

PERSON = uuid.UUID("1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b")
PEER = uuid.UUID("5b7c3e0a-1d2f-4c6b-8e9a-0f1e2d3c4b5a")
REQUEST = uuid.UUID("2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d")
REFERRAL = uuid.UUID("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f")
INVITATION = uuid.UUID("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a")
ACTOR = {"user_id": str(PERSON), "role": "person", "organization_id": None, "correlation_id": "corr-1"}


NEW_TYPES = ["PeerWorkerAvailabilityChanged", "PeerWorkerPaused", "PeerWorkerResumed", "PersonEnrolled",
             "PersonDetailsChanged", "PersonConsentGranted", "PersonConsentChanged", "PersonConsentRevoked",
             "PersonConsentLapsed", "PersonForgotten", "PersonExperienceShared", "PersonExperienceWithdrawn",
             "PersonPrivateExperienceKept", "SupportRequested", "SupportRequestWithdrawn", "SupportRequestExpired",
             "PersonDataDisclosed", "ReferralInvited", "ReferralAccepted", "ReferralDeclined", "ReferralExpired",
             "AccessRecorded", "PeerWorkerInvited", "PeerWorkerInvitationAccepted", "PeerWorkerInvitationWithdrawn",
             "PeerWorkerInvitationExpired", "PeerWorkerWorkContactChanged", "ConnectionContactOpened",
             "ConnectionContactClosed"]


def samples(vault) -> dict:
    def sealed(value):
        return vault.seal(str(PERSON), value)

    view = {"display_name": None, "region": sealed("Hampden County"), "languages": [sealed("es")],
            "modalities": ["phone"], "agencies": [sealed("org-harbor")],
            "shared_for_matching": [sealed("heard_voices")], "consent_expires_at": None}
    person = {"person_id": PERSON}
    return {
        ("intake", "PeerWorkerAvailabilityChanged", 1): {
            "peer_worker_id": PEER, "capacity": 2, "times": [{"day": "mon", "start": "09:00", "end": "11:00"}],
            "modalities": ["video"], "languages": ["en"], "regions": ["Hampden County"], "remote": True,
            "paused": False},
        ("intake", "PeerWorkerPaused", 1): {"peer_worker_id": PEER},
        ("intake", "PeerWorkerResumed", 1): {"peer_worker_id": PEER},
        ("intake", "PersonEnrolled", 1): {**person, "matching": view, "referred": True},
        ("intake", "PersonDetailsChanged", 1): {**person, "matching": None},
        ("intake", "PersonConsentGranted", 1): {**person, "matching": view},
        ("intake", "PersonConsentChanged", 1): {**person, "matching": view},
        ("intake", "PersonConsentRevoked", 1): person,
        ("intake", "PersonConsentLapsed", 1): person,
        ("intake", "PersonForgotten", 1): person,
        ("intake", "PersonExperienceShared", 1): {**person, "experience": sealed("veteran")},
        ("intake", "PersonExperienceWithdrawn", 1): {**person, "experience": sealed("veteran")},
        ("intake", "PersonPrivateExperienceKept", 1): person,
        ("intake", "SupportRequested", 1): {**person, "request_id": REQUEST,
                                            "expires_at": "2026-12-24T00:00:00+00:00"},
        ("intake", "SupportRequestWithdrawn", 1): {**person, "request_id": REQUEST},
        ("intake", "SupportRequestExpired", 1): {**person, "request_id": REQUEST},
        ("intake", "PersonDataDisclosed", 1): {**person, "to": {"user_id": "peer-7", "role": "peer",
                                                                 "organization_id": "org-harbor"},
                                               "audience": "offered_peer", "disclosed_fields": ["display_name"]},
        ("intake", "ReferralInvited", 1): {"referral_id": REFERRAL, "organization_id": "org-harbor",
                                           "expires_at": "2026-12-08T00:00:00+00:00"},
        ("intake", "ReferralAccepted", 1): {"referral_id": REFERRAL, "person_id": PERSON},
        ("intake", "ReferralDeclined", 1): {"referral_id": REFERRAL},
        ("intake", "ReferralExpired", 1): {"referral_id": REFERRAL},
        ("intake", "PeerWorkerInvited", 1): {"invitation_id": INVITATION, "organization_id": "org-harbor",
                                             "expires_at": "2026-12-08T00:00:00+00:00"},
        ("intake", "PeerWorkerInvitationAccepted", 1): {"invitation_id": INVITATION, "peer_worker_id": PEER},
        ("intake", "PeerWorkerInvitationWithdrawn", 1): {"invitation_id": INVITATION},
        ("intake", "PeerWorkerInvitationExpired", 1): {"invitation_id": INVITATION},
        ("intake", "PeerWorkerWorkContactChanged", 1): {"peer_worker_id": PEER},
        ("intake", "ConnectionContactOpened", 1): {"connection_id": REQUEST},
        ("intake", "ConnectionContactClosed", 1): {"connection_id": REQUEST},
        **access_sample("intake"),
    }


def make(key, body):
    return build(source=key[0], position=5, type_=key[1], version=key[2], occurred_at="2026-11-24T00:00:00+00:00",
                 actor=ACTOR, subject_id=str(PERSON), body=body)


def test_every_new_intake_contract_has_a_sample(vault):
    older = {("intake", t, 1) for t in ("PeerWorkerProfiled", "PeerWorkerExperienceShared",
                                        "PeerWorkerExperienceWithdrawn", "PeerWorkerPrivateExperienceKept")}
    assert set(samples(vault)) == {k for k in known_contracts() if k[0] == "intake"} - older
    assert {t for _, t, _ in samples(vault)} == set(NEW_TYPES)


@pytest.mark.parametrize("type_", NEW_TYPES)
def test_round_trip(vault, type_):
    key = ("intake", type_, 1)
    built = make(key, samples(vault)[key])
    wire = json.loads(json.dumps(built.as_message()))  # the relay sends JSON
    assert wire == built.as_message()
    parsed = parse(wire)
    assert (parsed.type, parsed.routing_key) == (type_, f"intake.{type_}")
    assert make(key, parsed.body) == built


@pytest.mark.parametrize("key, field, clear", [
    (("intake", "PersonExperienceShared", 1), "experience", "veteran"),
    (("intake", "PersonEnrolled", 1), "matching", {"display_name": "Jordan Sample"}),
])
def test_a_personal_field_in_clear_never_leaves(vault, key, field, clear):
    body = dict(samples(vault)[key])
    body[field] = {**body[field], **clear} if isinstance(clear, dict) else clear
    with pytest.raises(ValidationError):
        make(key, body)
