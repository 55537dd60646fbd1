"""People in intake: enrollment, items, consent, support requests, disclosures,
the export and forgetting, through IntakeApplication (in memory)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest

from services.intake.setup import setup as intake_setup
from services.intake.people import Person
from services.intake.tests.people_fixtures import MovableClock, a_person, admin_of, consent, enrollment, item, later
from shared.crypto import FORGOTTEN, is_sealed
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.forgotten import forgotten_list
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, stored_events, vault  # noqa: F401

SYSTEM = Caller.system("gateway")


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


@pytest.fixture
def me():
    return a_person()


@pytest.fixture
def enrolled(intake, me):
    intake.perform("enroll", me, enrollment(me))
    return me


def published(app, after=0) -> list[dict]:
    return [event.as_message() for event in app.integration_events(after)]


def types(app, after=0) -> list[str]:
    return [m["type"] for m in published(app, after)]


# --- enrollment -------------------------------------------------------------------------


def test_enrolling_keeps_every_personal_field_sealed(intake, me, vault):
    assert intake.perform("enroll", me, enrollment(me)) == me.user_id
    [event] = stored_events(intake)
    stored = json.dumps(event.details) + json.dumps(event.matching)
    for clear in ("Jordan", "example.org", "Hampden", '"es"', "org-harbor"):
        assert clear not in stored
    assert all(is_sealed(event.details[name]) for name in ("display_name", "contact", "region"))
    assert event.details["modalities"] == ["phone", "video"]  # a way of meeting, not the person
    assert intake.perform("person_record", me, event.originator_id)["details"] == {
        "display_name": "Jordan Sample", "contact": "jordan.sample@example.org", "region": "Hampden County",
        "languages": ["en", "es"], "agencies": ["org-harbor"], "modalities": ["phone", "video"]}


def test_enrollment_publishes_only_what_consent_lets_matching_use(intake, me, vault):
    intake.perform("enroll", me, enrollment(me, consent=consent(matching=["region", "modalities"])))
    [message] = published(intake)
    assert message["type"] == "PersonEnrolled"
    view = message["body"]["matching"]
    assert vault.open(view["region"]) == "Hampden County"
    assert view["display_name"] is None and view["languages"] == [] and view["agencies"] == []
    assert view["modalities"] == ["phone", "video"]
    assert "Jordan" not in json.dumps(message)


def test_enrolled_without_matching_consent_publishes_nothing_for_matching(intake, me):
    intake.perform("enroll", me, enrollment(me, consent={"purpose": "peer_support", "may_see": {}}))
    assert published(intake)[0]["body"] == {"person_id": me.user_id, "matching": None, "referred": False}


@pytest.mark.parametrize("change, field", [
    ({"display_name": ""}, "display_name"),
    ({"region": None}, "region"),
    ({"languages": []}, "languages"),
    ({"languages": ["en", "Klingon"]}, "languages"),  # not a language the list knows
    ({"modalities": ["telepathy"]}, "modalities"),
    ({"modalities": []}, "modalities"),
    ({"person_id": "me"}, "person_id"),
    ({"diagnosis": "F20.9"}, "diagnosis"),  # no diagnosis is asked or stored
    ({"notes": "free text about the person"}, "notes"),
    ({"consent": None}, "consent"),
    ({"consent": consent(expires_at="2001-01-01T00:00:00+00:00")}, "consent"),
    ({"consent": consent(expires_at="2099-01-01T00:00:00")}, "consent"),  # no time zone
    ({"consent": {"purpose": "marketing", "may_see": {}}}, "consent"),
    ({"consent": {"purpose": "peer_support", "may_see": {"everyone": ["region"]}}}, "consent"),
    ({"consent": {"purpose": "peer_support", "may_see": {"matching": ["diagnosis"]}}}, "consent"),
])
def test_bad_enrollment_names_the_field_and_stores_nothing(intake, me, change, field):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("enroll", me, enrollment(me, **change))
    assert field in refused.value.field_errors
    assert field in str(refused.value)
    assert notification_count(intake) == 0


def test_contact_may_be_none(intake, me):
    intake.perform("enroll", me, enrollment(me, contact=None))
    assert intake.perform("person_record", me, uuid.UUID(me.user_id))["details"]["contact"] is None


def test_a_person_enrolls_only_themself_and_only_once(intake, me):
    with pytest.raises(NotAllowed):
        intake.perform("enroll", me, enrollment(a_person()))
    with pytest.raises(NotAllowed):
        intake.perform("enroll", Caller(me.user_id, "peer"), enrollment(me))
    intake.perform("enroll", me, enrollment(me))
    with pytest.raises(InvalidInput) as refused:
        intake.perform("enroll", me, enrollment(me))
    assert "person_id" in refused.value.field_errors
    assert notification_count(intake) == 1


# --- lived experience, item by item ---------------------------------------------------------


def test_items_are_shared_one_at_a_time_and_private_never_leaves(intake, enrolled, vault):
    me = enrolled
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    intake.perform("share_person_experience", me, item(me, "homelessness", "private"))
    messages = published(intake, after=1)
    assert [m["type"] for m in messages] == ["PersonExperienceShared", "PersonPrivateExperienceKept"]
    assert vault.open(messages[0]["body"]["experience"]) == "heard_voices"
    assert messages[1]["body"] == {"person_id": me.user_id}
    [stored_private] = [e for e in stored_events(intake) if getattr(e, "visibility", None) == "private"]
    assert "homelessness" not in json.dumps(stored_private.item)  # sealed in intake's store too


def test_network_visibility_is_for_peer_workers_only(intake, enrolled):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("share_person_experience", enrolled, item(enrolled, "veteran", "network"))
    assert "peer workers only" in str(refused.value.field_errors["visibility"])
    assert notification_count(intake) == 1


@pytest.mark.parametrize("payload, field", [
    ({"experience": "schizophrenia", "visibility": "matching"}, "experience"),  # not on the list
    ({"experience": "veteran", "visibility": "everyone"}, "visibility"),
    ({"experience": "veteran"}, "visibility"),
    ({"experience": "veteran", "visibility": "matching", "why": "x"}, "why"),
])
def test_an_item_outside_the_list_is_refused(intake, enrolled, payload, field):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("share_person_experience", enrolled, {"person_id": enrolled.user_id, **payload})
    assert field in refused.value.field_errors
    assert notification_count(intake) == 1


def test_change_and_withdraw_take_effect_at_once(intake, enrolled, vault):
    me = enrolled
    intake.perform("share_person_experience", me, item(me, "veteran", "matching"))
    intake.perform("share_person_experience", me, item(me, "veteran", "matching"))  # the same again: nothing
    assert notification_count(intake) == 2
    intake.perform("share_person_experience", me, item(me, "veteran", "private"))
    [withdrawn] = published(intake, after=2)
    assert withdrawn["type"] == "PersonExperienceWithdrawn"  # matching must stop using it now
    assert vault.open(withdrawn["body"]["experience"]) == "veteran"
    intake.perform("withdraw_person_experience", me, item(me, "veteran"))
    assert types(intake, after=3) == ["PersonPrivateExperienceKept"]
    assert intake.perform("person_record", me, uuid.UUID(me.user_id))["experiences"] == []
    with pytest.raises(InvalidInput) as refused:
        intake.perform("withdraw_person_experience", me, item(me, "veteran"))
    assert "experience" in refused.value.field_errors


def test_nobody_else_changes_a_persons_items(intake, enrolled):
    for other in (a_person(), admin_of(), SYSTEM, Caller(enrolled.user_id, "peer")):
        with pytest.raises(NotAllowed):
            intake.perform("share_person_experience", other, item(enrolled, "veteran", "matching"))
    assert notification_count(intake) == 1


# --- consent ---------------------------------------------------------------------------------


def test_revoking_consent_stops_all_use_and_closes_open_requests(intake, enrolled):
    me = enrolled
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    intake.perform("request_support", me, {"person_id": me.user_id})
    intake.perform("revoke_consent", me, {"person_id": me.user_id})
    assert types(intake)[-1] == "PersonConsentRevoked"
    record = intake.perform("person_record", me, uuid.UUID(me.user_id))
    assert record["consent"]["status"] == "revoked"
    assert record["what_matching_may_use"] is None
    assert record["support_requests"][0]["status"] == "closed: consent revoked"
    before = notification_count(intake)
    intake.perform("share_person_experience", me, item(me, "veteran", "matching"))  # kept, but not published
    assert types(intake, after=before) == ["PersonPrivateExperienceKept"]
    with pytest.raises(InvalidInput) as refused:
        intake.perform("request_support", me, {"person_id": me.user_id})
    assert "consent" in refused.value.field_errors
    with pytest.raises(InvalidInput):
        intake.perform("revoke_consent", me, {"person_id": me.user_id})  # nothing left to revoke


def test_granting_again_publishes_what_matching_may_use_now(intake, enrolled, vault):
    me = enrolled
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    intake.perform("revoke_consent", me, {"person_id": me.user_id})
    intake.perform("grant_consent", me, {"person_id": me.user_id, "consent": consent(matching=["experiences"])})
    granted = published(intake)[-1]
    assert granted["type"] == "PersonConsentGranted"
    assert [vault.open(t) for t in granted["body"]["matching"]["shared_for_matching"]] == ["heard_voices"]
    assert granted["body"]["matching"]["region"] is None
    intake.perform("grant_consent", me, {"person_id": me.user_id, "consent": consent(matching=["region"])})
    changed = published(intake)[-1]
    assert changed["type"] == "PersonConsentChanged"
    assert changed["body"]["matching"]["shared_for_matching"] == []
    assert len(intake.perform("person_record", me, uuid.UUID(me.user_id))["consent_history"]) == 3


def test_consent_without_experiences_for_matching_keeps_items_in_intake(intake, me):
    intake.perform("enroll", me, enrollment(me, consent=consent(matching=["region"])))
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    assert types(intake, after=1) == ["PersonPrivateExperienceKept"]


def test_a_time_limited_consent_lapses_by_itself(intake, me):
    intake.perform("enroll", me, enrollment(me, consent=consent(expires_at=later(days=10))))
    intake.perform("request_support", me, {"person_id": me.user_id, "expires_at": later(days=30)})
    assert intake.perform("expire_due", SYSTEM, datetime.now(timezone.utc) + timedelta(days=9)) == {}
    assert intake.perform("expire_due", SYSTEM,
                          datetime.now(timezone.utc) + timedelta(days=11)) == {"PersonConsentLapsed": 1}
    assert types(intake)[-1] == "PersonConsentLapsed"
    record = intake.perform("person_record", me, uuid.UUID(me.user_id))
    assert record["consent"]["status"] == "lapsed"
    assert record["support_requests"][0]["status"] == "closed: consent lapsed"
    assert intake.perform("expire_due", SYSTEM, datetime.now(timezone.utc) + timedelta(days=60)) == {}  # nothing twice


def test_past_its_expiry_a_consent_allows_nothing_even_before_the_lapse_is_recorded(app_factory, me):
    clock = MovableClock()
    intake = app_factory(partial(intake_setup, clock=clock))
    intake.perform("enroll", me, enrollment(me, consent=consent(expires_at=later(days=1))))
    clock.move(days=2)
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    assert types(intake, after=1) == ["PersonPrivateExperienceKept"]


# --- support requests -------------------------------------------------------------------------


def test_support_request_hopes_stay_in_intake(intake, enrolled, vault):
    me = enrolled
    request_id = intake.perform("request_support", me, {"person_id": me.user_id, "hopes": "someone who has been there"})
    [message] = published(intake, after=1)
    assert message["type"] == "SupportRequested"
    assert set(message["body"]) == {"person_id", "request_id", "expires_at"}
    assert "been there" not in json.dumps(published(intake)) + json.dumps(stored_events(intake)[-1].hopes)
    [request] = intake.perform("person_record", me, uuid.UUID(me.user_id))["support_requests"]
    assert request == {"request_id": str(request_id), "hopes": "someone who has been there",
                       "expires_at": message["body"]["expires_at"], "status": "open"}


def test_one_open_request_at_a_time_and_withdraw(intake, enrolled):
    me = enrolled
    first = intake.perform("request_support", me, {"person_id": me.user_id})
    with pytest.raises(InvalidInput):
        intake.perform("request_support", me, {"person_id": me.user_id})
    intake.perform("withdraw_support_request", me, {"person_id": me.user_id, "request_id": str(first)})
    assert types(intake)[-1] == "SupportRequestWithdrawn"
    with pytest.raises(InvalidInput) as refused:
        intake.perform("withdraw_support_request", me, {"person_id": me.user_id, "request_id": str(first)})
    assert "request_id" in refused.value.field_errors
    intake.perform("request_support", me, {"person_id": me.user_id})


def test_a_request_expires_if_nothing_happens(intake, enrolled):
    me = enrolled
    intake.perform("request_support", me, {"person_id": me.user_id, "expires_at": later(days=7)})
    assert intake.perform("expire_due", SYSTEM,
                          datetime.now(timezone.utc) + timedelta(days=8)) == {"SupportRequestExpired": 1}
    assert intake.perform("person_record", me, uuid.UUID(me.user_id))["support_requests"][0]["status"] == "expired"


def test_expiry_index_is_rebuilt_by_a_new_application_from_the_log(app_factory, tmp_path, vault):
    me = a_person()
    first = app_factory(intake_setup, store="sqlite")
    first.perform("enroll", me, enrollment(me))
    first.perform("request_support", me, {"person_id": me.user_id, "expires_at": later(days=1)})
    again = app_factory(intake_setup, store="sqlite")  # a restart: nothing in memory
    assert again.perform("expire_due", SYSTEM,
                         datetime.now(timezone.utc) + timedelta(days=2)) == {"SupportRequestExpired": 1}


# --- disclosures ------------------------------------------------------------------------------


def test_every_disclosure_is_logged_with_its_recipient(intake, me):
    intake.perform("enroll", me, enrollment(me, consent=consent(offered_peer=["display_name", "experiences"])))
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    intake.perform("share_person_experience", me, item(me, "veteran", "private"))
    peer = {"user_id": "peer-7", "role": "peer", "organization_id": "org-harbor"}
    shown = intake.perform("disclose_person", SYSTEM,
                           {"person_id": me.user_id, "audience": "offered_peer", "recipient": peer})
    assert shown["fields"] == {"display_name": "Jordan Sample", "experiences": ["heard_voices"]}
    [entry] = intake.perform("person_record", me, uuid.UUID(me.user_id))["disclosures"]
    assert entry["to"] == peer and entry["fields"] == ["display_name", "experiences"]
    disclosed = published(intake)[-1]
    assert disclosed["type"] == "PersonDataDisclosed" and "Jordan" not in json.dumps(disclosed)


def test_nothing_is_disclosed_beyond_consent(intake, me):
    intake.perform("enroll", me, enrollment(me, consent=consent(matching=["region"])))
    shown = intake.perform("disclose_person", SYSTEM, {"person_id": me.user_id, "audience": "offered_peer"})
    assert shown["fields"] == {}
    assert intake.perform("person_record", me, uuid.UUID(me.user_id))["disclosures"] == []
    with pytest.raises(NotAllowed):
        intake.perform("disclose_person", a_person(), {"person_id": me.user_id, "audience": "matching"})


# --- nothing about us without us ------------------------------------------------------------


def test_a_person_sees_only_their_own_record(intake, enrolled):
    with pytest.raises(NotAllowed):
        intake.perform("person_record", a_person(), uuid.UUID(enrolled.user_id))
    with pytest.raises(NotAllowed):
        intake.perform("person_record", admin_of(), uuid.UUID(enrolled.user_id))
    with pytest.raises(NotFound):
        stranger = a_person()
        intake.perform("person_record", stranger, uuid.UUID(stranger.user_id))


def test_the_record_is_plain_json_with_the_whole_history(intake, enrolled):
    me = enrolled
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    record = intake.perform("person_record", me, uuid.UUID(me.user_id))
    assert json.loads(json.dumps(record)) == record
    assert [h["event"] for h in record["history"]] == ["Enrolled", "ExperienceShared"]
    assert record["what_matching_may_use"]["shared_for_matching"] == ["heard_voices"]


# --- forget me --------------------------------------------------------------------------------


def test_forget_me_leaves_no_readable_personal_field_in_the_store(app_factory, vault):
    me = a_person()
    intake = app_factory(intake_setup, store="sqlite")
    intake.perform("enroll", me, enrollment(me))
    intake.perform("share_person_experience", me, item(me, "heard_voices", "matching"))
    intake.perform("request_support", me, {"person_id": me.user_id, "hopes": "a walk and a talk"})
    before = notification_count(intake)
    intake.perform("forget_me", me, {"person_id": me.user_id})
    assert notification_count(intake) == before + 1  # the history stays, with one more event
    assert types(intake)[-1] == "PersonForgotten"
    record = intake.perform("person_record", me, uuid.UUID(me.user_id))
    assert record["forgotten"] is True
    assert record["details"]["display_name"] == record["details"]["region"] == FORGOTTEN
    assert record["experiences"] == [{"experience": FORGOTTEN, "visibility": "matching"}]
    assert record["support_requests"][0]["hopes"] == FORGOTTEN
    reopened = app_factory(intake_setup, store="sqlite")  # read back from the SQLite store
    for message in published(reopened):
        for token in _tokens(message["body"]):
            assert vault.open(token) == FORGOTTEN
    with pytest.raises(NotFound):
        intake.perform("share_person_experience", me, item(me, "veteran", "matching"))
    intake.perform("forget_me", me, {"person_id": me.user_id})  # asking twice is harmless
    assert notification_count(intake) == before + 1


def _tokens(value):
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tokens(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tokens(v)]
    return [value] if is_sealed(value) else []


def test_events_stay_readable_by_type_after_forgetting(intake, enrolled):
    intake.perform("forget_me", enrolled, {"person_id": enrolled.user_id})
    assert [type(e) for e in stored_events(intake)] == [Person.Enrolled, Person.Forgotten]


def test_a_person_forgotten_after_the_backup_is_forgotten_again_in_intake_after_a_restore(intake, enrolled, vault):
    """The restore destroyed the key again (shared.forgotten); intake records the forgetting again."""
    peer_key = str(uuid.uuid4())
    vault.seal(peer_key, "a peer worker's field")
    forgotten_list().add(enrolled.user_id)  # forgotten after the backup: in the list, not in the restored store
    forgotten_list().add(peer_key)  # a key that is no person's is left to the vault alone
    assert intake.perform("forget_listed", SYSTEM) == {"forgotten_again": 1}
    assert types(intake)[-1] == "PersonForgotten"
    assert intake.perform("person_record", enrolled, uuid.UUID(enrolled.user_id))["details"]["display_name"] == FORGOTTEN
    assert intake.perform("forget_listed", SYSTEM) == {"forgotten_again": 0}
    with pytest.raises(NotAllowed):
        intake.perform("forget_listed", enrolled)


# --- changing details -------------------------------------------------------------------------


def test_changing_details_publishes_the_new_view_and_the_same_again_stores_nothing(intake, enrolled, vault):
    me = enrolled
    intake.perform("change_details", me, {"person_id": me.user_id, "region": "Berkshire County", "languages": ["en"]})
    [changed] = published(intake, after=1)
    assert changed["type"] == "PersonDetailsChanged"
    assert vault.open(changed["body"]["matching"]["region"]) == "Berkshire County"
    assert [vault.open(t) for t in changed["body"]["matching"]["languages"]] == ["en"]
    intake.perform("change_details", me, {"person_id": me.user_id, "region": "Berkshire County"})
    assert notification_count(intake) == 2
    details = intake.perform("person_record", me, uuid.UUID(me.user_id))["details"]
    assert (details["region"], details["languages"], details["display_name"]) == (
        "Berkshire County", ["en"], "Jordan Sample")


@pytest.mark.parametrize("payload, field", [
    ({}, "_schema"),
    ({"region": ""}, "region"),
    ({"modalities": ["fax"]}, "modalities"),
    ({"diagnosis": "x"}, "diagnosis"),
])
def test_bad_detail_changes_name_the_field(intake, enrolled, payload, field):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("change_details", enrolled, {"person_id": enrolled.user_id, **payload})
    assert field in refused.value.field_errors
    assert notification_count(intake) == 1


def test_languages_are_kept_as_codes_whether_named_or_coded(intake, me, vault):
    intake.perform("enroll", me, enrollment(me, languages=["English", "español", "es", "Haitian Creole"]))
    assert intake.perform("person_record", me, me.user_id)["details"]["languages"] == ["en", "es", "ht"]
    [event] = stored_events(intake)
    assert [vault.open(t) for t in event.matching["languages"]] == ["en", "es", "ht"]
    intake.perform("change_details", me, {"person_id": me.user_id, "languages": ["Spanish"]})
    assert intake.perform("person_record", me, me.user_id)["details"]["languages"] == ["es"]


def test_an_unknown_language_is_refused_naming_the_field(intake, enrolled):
    with pytest.raises(InvalidInput) as refused:
        intake.perform("change_details", enrolled, {"person_id": enrolled.user_id, "languages": ["Elvish"]})
    assert "languages" in refused.value.field_errors and "Elvish" in str(refused.value.field_errors)
