"""The Person aggregate and the consent rules, without the vault or a store."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.intake.people import Forgotten, Person, Refused, consent_active, matching_view, visible_to

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
ACTOR = {"user_id": "p-1", "role": "person", "organization_id": None, "correlation_id": "c-1"}
DETAILS = {"display_name": "T:name", "contact": None, "region": "T:region", "languages": ["T:en"],
           "modalities": ["text"], "agencies": ["T:agency"]}


def consent(expires_at=None, matching=("region", "experiences")):
    return {"purpose": "peer_support", "may_see": {"matching": list(matching)},
            "expires_at": expires_at.isoformat() if expires_at else None}


def person(**consent_fields) -> Person:
    someone = Person.enroll(uuid.uuid4(), DETAILS, consent(**consent_fields), None, NOW, ACTOR)
    someone.collect_events()
    return someone


def test_consent_is_active_until_its_expiry_or_its_end():
    c = {**consent(expires_at=NOW + timedelta(days=1)), "status": "active"}
    assert consent_active(c, NOW)
    assert not consent_active(c, NOW + timedelta(days=1))
    assert not consent_active({**c, "status": "revoked"}, NOW)
    assert not consent_active(None, NOW)
    assert visible_to({**c, "status": "lapsed"}, "matching", NOW) == []


def test_matching_view_holds_only_consented_fields_and_matching_items():
    c = {**consent(), "status": "active"}
    view = matching_view(DETAILS, {"T:a": "matching", "T:b": "private"}, c, NOW)
    assert view["region"] == "T:region" and view["display_name"] is None and view["agencies"] == []
    assert view["shared_for_matching"] == ["T:a"]
    assert matching_view(DETAILS, {}, {**c, "may_see": {}}, NOW) is None


def test_a_person_cannot_share_for_the_network():
    someone = person()
    with pytest.raises(Refused) as refused:
        someone.share_experience("T:a", "network", NOW, ACTOR)
    assert refused.value.field == "visibility"
    assert someone.collect_events() == []


def test_next_due_is_the_earliest_of_consent_and_open_requests():
    someone = person(expires_at=NOW + timedelta(days=10))
    someone.request_support("r1", None, NOW + timedelta(days=3), NOW, ACTOR)
    assert someone.next_due() == NOW + timedelta(days=3)
    someone.expire(NOW + timedelta(days=4), ACTOR)
    assert someone.next_due() == NOW + timedelta(days=10)
    someone.expire(NOW + timedelta(days=10), ACTOR)
    assert someone.next_due() is None
    assert [type(e).__name__ for e in someone.collect_events()] == [
        "SupportRequested", "SupportRequestExpired", "ConsentLapsed"]


def test_a_forgotten_person_can_do_nothing_more():
    someone = person()
    someone.forget(ACTOR)
    for change in (lambda: someone.share_experience("T:a", "matching", NOW, ACTOR),
                   lambda: someone.grant_consent(consent(), NOW, ACTOR),
                   lambda: someone.forget(ACTOR)):
        with pytest.raises(Forgotten):
            change()
    assert someone.consent["status"] == "forgotten" and someone.next_due() is None


def test_replay_gives_the_same_person():
    someone = Person.enroll(uuid.uuid4(), DETAILS, consent(), None, NOW, ACTOR)
    someone.share_experience("T:a", "matching", NOW, ACTOR)
    someone.grant_consent(consent(matching=("region",)), NOW, ACTOR)
    someone.revoke_consent(ACTOR)
    events = someone.collect_events()
    again = None
    for event in events:
        again = event.mutate(again)
    assert (again.items, again.consent, again.consents) == (someone.items, someone.consent, someone.consents)
    assert events[2].matching["shared_for_matching"] == []  # the new consent no longer covers items
