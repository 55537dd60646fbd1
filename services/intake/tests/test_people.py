"""People in intake: enrollment, items, consent, support requests, disclosures,
the export and forgetting, through IntakeApplication (in memory)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.intake.application import IntakeApplication
from services.intake.people import Person
from services.intake.tests.people_fixtures import a_person, admin_of, consent, enrollment, item, later
from shared.crypto import FORGOTTEN, is_sealed
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, stored_events, vault  # noqa: F401

SYSTEM = Caller.system("gateway")


@pytest.fixture
def intake(app_factory):
    return app_factory(IntakeApplication)


@pytest.fixture
def me():
    return a_person()


@pytest.fixture
def enrolled(intake, me):
    intake.enroll(enrollment(me), me)
    return me


def published(app, after=0) -> list[dict]:
    return [event.as_message() for event in app.integration_events(after)]


def types(app, after=0) -> list[str]:
    return [m["type"] for m in published(app, after)]


# --- enrollment -------------------------------------------------------------------------


def test_enrolling_keeps_every_personal_field_sealed(intake, me, vault):
    assert intake.enroll(enrollment(me), me) == uuid.UUID(me.user_id)
    [event] = stored_events(intake)
    stored = json.dumps(event.details) + json.dumps(event.matching)
    for clear in ("Jordan", "example.org", "Hampden", '"es"', "org-harbor"):
        assert clear not in stored
    assert all(is_sealed(event.details[name]) for name in ("display_name", "contact", "region"))
    assert event.details["modalities"] == ["phone", "video"]  # a way of meeting, not the person
    assert intake.person_record(event.originator_id, me)["details"] == {
        "display_name": "Jordan Sample", "contact": "jordan.sample@example.org", "region": "Hampden County",
        "languages": ["en", "es"], "agencies": ["org-harbor"], "modalities": ["phone", "video"]}


def test_enrollment_publishes_only_what_consent_lets_matching_use(intake, me, vault):
    intake.enroll(enrollment(me, consent=consent(matching=["region", "modalities"])), me)
    [message] = published(intake)
    assert message["type"] == "PersonEnrolled"
    view = message["body"]["matching"]
    assert vault.open(view["region"]) == "Hampden County"
    assert view["display_name"] is None and view["languages"] == [] and view["agencies"] == []
    assert view["modalities"] == ["phone", "video"]
    assert "Jordan" not in json.dumps(message)


def test_enrolled_without_matching_consent_publishes_nothing_for_matching(intake, me):
    intake.enroll(enrollment(me, consent={"purpose": "peer_support", "may_see": {}}), me)
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
        intake.enroll(enrollment(me, **change), me)
    assert field in refused.value.field_errors
    assert field in str(refused.value)
    assert notification_count(intake) == 0


def test_contact_may_be_none(intake, me):
    intake.enroll(enrollment(me, contact=None), me)
    assert intake.person_record(uuid.UUID(me.user_id), me)["details"]["contact"] is None


def test_a_person_enrolls_only_themself_and_only_once(intake, me):
    with pytest.raises(NotAllowed):
        intake.enroll(enrollment(a_person()), me)
    with pytest.raises(NotAllowed):
        intake.enroll(enrollment(me), Caller(me.user_id, "peer"))
    intake.enroll(enrollment(me), me)
    with pytest.raises(InvalidInput) as refused:
        intake.enroll(enrollment(me), me)
    assert "person_id" in refused.value.field_errors
    assert notification_count(intake) == 1


# --- lived experience, item by item ---------------------------------------------------------


def test_items_are_shared_one_at_a_time_and_private_never_leaves(intake, enrolled, vault):
    me = enrolled
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    intake.share_person_experience(item(me, "homelessness", "private"), me)
    messages = published(intake, after=1)
    assert [m["type"] for m in messages] == ["PersonExperienceShared", "PersonPrivateExperienceKept"]
    assert vault.open(messages[0]["body"]["experience"]) == "heard_voices"
    assert messages[1]["body"] == {"person_id": me.user_id}
    [stored_private] = [e for e in stored_events(intake) if getattr(e, "visibility", None) == "private"]
    assert "homelessness" not in json.dumps(stored_private.item)  # sealed in intake's store too


def test_network_visibility_is_for_peer_workers_only(intake, enrolled):
    with pytest.raises(InvalidInput) as refused:
        intake.share_person_experience(item(enrolled, "veteran", "network"), enrolled)
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
        intake.share_person_experience({"person_id": enrolled.user_id, **payload}, enrolled)
    assert field in refused.value.field_errors
    assert notification_count(intake) == 1


def test_change_and_withdraw_take_effect_at_once(intake, enrolled, vault):
    me = enrolled
    intake.share_person_experience(item(me, "veteran", "matching"), me)
    intake.share_person_experience(item(me, "veteran", "matching"), me)  # the same again: nothing
    assert notification_count(intake) == 2
    intake.share_person_experience(item(me, "veteran", "private"), me)
    [withdrawn] = published(intake, after=2)
    assert withdrawn["type"] == "PersonExperienceWithdrawn"  # matching must stop using it now
    assert vault.open(withdrawn["body"]["experience"]) == "veteran"
    intake.withdraw_person_experience(item(me, "veteran"), me)
    assert types(intake, after=3) == ["PersonPrivateExperienceKept"]
    assert intake.person_record(uuid.UUID(me.user_id), me)["experiences"] == []
    with pytest.raises(InvalidInput) as refused:
        intake.withdraw_person_experience(item(me, "veteran"), me)
    assert "experience" in refused.value.field_errors


def test_nobody_else_changes_a_persons_items(intake, enrolled):
    for other in (a_person(), admin_of(), SYSTEM, Caller(enrolled.user_id, "peer")):
        with pytest.raises(NotAllowed):
            intake.share_person_experience(item(enrolled, "veteran", "matching"), other)
    assert notification_count(intake) == 1


# --- consent ---------------------------------------------------------------------------------


def test_revoking_consent_stops_all_use_and_closes_open_requests(intake, enrolled):
    me = enrolled
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    intake.request_support({"person_id": me.user_id}, me)
    intake.revoke_consent({"person_id": me.user_id}, me)
    assert types(intake)[-1] == "PersonConsentRevoked"
    record = intake.person_record(uuid.UUID(me.user_id), me)
    assert record["consent"]["status"] == "revoked"
    assert record["what_matching_may_use"] is None
    assert record["support_requests"][0]["status"] == "closed: consent revoked"
    before = notification_count(intake)
    intake.share_person_experience(item(me, "veteran", "matching"), me)  # kept, but not published
    assert types(intake, after=before) == ["PersonPrivateExperienceKept"]
    with pytest.raises(InvalidInput) as refused:
        intake.request_support({"person_id": me.user_id}, me)
    assert "consent" in refused.value.field_errors
    with pytest.raises(InvalidInput):
        intake.revoke_consent({"person_id": me.user_id}, me)  # nothing left to revoke


def test_granting_again_publishes_what_matching_may_use_now(intake, enrolled, vault):
    me = enrolled
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    intake.revoke_consent({"person_id": me.user_id}, me)
    intake.grant_consent({"person_id": me.user_id, "consent": consent(matching=["experiences"])}, me)
    granted = published(intake)[-1]
    assert granted["type"] == "PersonConsentGranted"
    assert [vault.open(t) for t in granted["body"]["matching"]["shared_for_matching"]] == ["heard_voices"]
    assert granted["body"]["matching"]["region"] is None
    intake.grant_consent({"person_id": me.user_id, "consent": consent(matching=["region"])}, me)
    changed = published(intake)[-1]
    assert changed["type"] == "PersonConsentChanged"
    assert changed["body"]["matching"]["shared_for_matching"] == []
    assert len(intake.person_record(uuid.UUID(me.user_id), me)["consent_history"]) == 3


def test_consent_without_experiences_for_matching_keeps_items_in_intake(intake, me):
    intake.enroll(enrollment(me, consent=consent(matching=["region"])), me)
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    assert types(intake, after=1) == ["PersonPrivateExperienceKept"]


def test_a_time_limited_consent_lapses_by_itself(intake, me):
    intake.enroll(enrollment(me, consent=consent(expires_at=later(days=10))), me)
    intake.request_support({"person_id": me.user_id, "expires_at": later(days=30)}, me)
    assert intake.expire_due(datetime.now(timezone.utc) + timedelta(days=9)) == {}
    assert intake.expire_due(datetime.now(timezone.utc) + timedelta(days=11)) == {"PersonConsentLapsed": 1}
    assert types(intake)[-1] == "PersonConsentLapsed"
    record = intake.person_record(uuid.UUID(me.user_id), me)
    assert record["consent"]["status"] == "lapsed"
    assert record["support_requests"][0]["status"] == "closed: consent lapsed"
    assert intake.expire_due(datetime.now(timezone.utc) + timedelta(days=60)) == {}  # nothing twice


def test_past_its_expiry_a_consent_allows_nothing_even_before_the_lapse_is_recorded(intake, me):
    intake.enroll(enrollment(me, consent=consent(expires_at=later(days=1))), me)
    intake.clock = lambda: datetime.now(timezone.utc) + timedelta(days=2)
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    assert types(intake, after=1) == ["PersonPrivateExperienceKept"]


# --- support requests -------------------------------------------------------------------------


def test_support_request_hopes_stay_in_intake(intake, enrolled, vault):
    me = enrolled
    request_id = intake.request_support({"person_id": me.user_id, "hopes": "someone who has been there"}, me)
    [message] = published(intake, after=1)
    assert message["type"] == "SupportRequested"
    assert set(message["body"]) == {"person_id", "request_id", "expires_at"}
    assert "been there" not in json.dumps(published(intake)) + json.dumps(stored_events(intake)[-1].hopes)
    [request] = intake.person_record(uuid.UUID(me.user_id), me)["support_requests"]
    assert request == {"request_id": str(request_id), "hopes": "someone who has been there",
                       "expires_at": message["body"]["expires_at"], "status": "open"}


def test_one_open_request_at_a_time_and_withdraw(intake, enrolled):
    me = enrolled
    first = intake.request_support({"person_id": me.user_id}, me)
    with pytest.raises(InvalidInput):
        intake.request_support({"person_id": me.user_id}, me)
    intake.withdraw_support_request({"person_id": me.user_id, "request_id": str(first)}, me)
    assert types(intake)[-1] == "SupportRequestWithdrawn"
    with pytest.raises(InvalidInput) as refused:
        intake.withdraw_support_request({"person_id": me.user_id, "request_id": str(first)}, me)
    assert "request_id" in refused.value.field_errors
    intake.request_support({"person_id": me.user_id}, me)


def test_a_request_expires_if_nothing_happens(intake, enrolled):
    me = enrolled
    intake.request_support({"person_id": me.user_id, "expires_at": later(days=7)}, me)
    assert intake.expire_due(datetime.now(timezone.utc) + timedelta(days=8)) == {"SupportRequestExpired": 1}
    assert intake.person_record(uuid.UUID(me.user_id), me)["support_requests"][0]["status"] == "expired"


def test_expiry_index_is_rebuilt_by_a_new_application_from_the_log(app_factory, tmp_path, vault):
    me = a_person()
    first = app_factory(IntakeApplication, store="sqlite")
    first.enroll(enrollment(me), me)
    first.request_support({"person_id": me.user_id, "expires_at": later(days=1)}, me)
    again = app_factory(IntakeApplication, store="sqlite")  # a restart: nothing in memory
    assert again.expire_due(datetime.now(timezone.utc) + timedelta(days=2)) == {"SupportRequestExpired": 1}


# --- disclosures ------------------------------------------------------------------------------


def test_every_disclosure_is_logged_with_its_recipient(intake, me):
    intake.enroll(enrollment(me, consent=consent(offered_peer=["display_name", "experiences"])), me)
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    intake.share_person_experience(item(me, "veteran", "private"), me)
    peer = {"user_id": "peer-7", "role": "peer", "organization_id": "org-harbor"}
    shown = intake.disclose_person({"person_id": me.user_id, "audience": "offered_peer", "recipient": peer}, SYSTEM)
    assert shown["fields"] == {"display_name": "Jordan Sample", "experiences": ["heard_voices"]}
    [entry] = intake.person_record(uuid.UUID(me.user_id), me)["disclosures"]
    assert entry["to"] == peer and entry["fields"] == ["display_name", "experiences"]
    disclosed = published(intake)[-1]
    assert disclosed["type"] == "PersonDataDisclosed" and "Jordan" not in json.dumps(disclosed)


def test_nothing_is_disclosed_beyond_consent(intake, me):
    intake.enroll(enrollment(me, consent=consent(matching=["region"])), me)
    shown = intake.disclose_person({"person_id": me.user_id, "audience": "offered_peer"}, SYSTEM)
    assert shown["fields"] == {}
    assert intake.person_record(uuid.UUID(me.user_id), me)["disclosures"] == []
    with pytest.raises(NotAllowed):
        intake.disclose_person({"person_id": me.user_id, "audience": "matching"}, a_person())


# --- nothing about us without us ------------------------------------------------------------


def test_a_person_sees_only_their_own_record(intake, enrolled):
    with pytest.raises(NotAllowed):
        intake.person_record(uuid.UUID(enrolled.user_id), a_person())
    with pytest.raises(NotAllowed):
        intake.person_record(uuid.UUID(enrolled.user_id), admin_of())
    with pytest.raises(NotFound):
        stranger = a_person()
        intake.person_record(uuid.UUID(stranger.user_id), stranger)


def test_the_record_is_plain_json_with_the_whole_history(intake, enrolled):
    me = enrolled
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    record = intake.person_record(uuid.UUID(me.user_id), me)
    assert json.loads(json.dumps(record)) == record
    assert [h["event"] for h in record["history"]] == ["Enrolled", "ExperienceShared"]
    assert record["what_matching_may_use"]["shared_for_matching"] == ["heard_voices"]


# --- forget me --------------------------------------------------------------------------------


def test_forget_me_leaves_no_readable_personal_field_in_the_store(app_factory, vault):
    me = a_person()
    intake = app_factory(IntakeApplication, store="sqlite")
    intake.enroll(enrollment(me), me)
    intake.share_person_experience(item(me, "heard_voices", "matching"), me)
    intake.request_support({"person_id": me.user_id, "hopes": "a walk and a talk"}, me)
    before = notification_count(intake)
    intake.forget_me({"person_id": me.user_id}, me)
    assert notification_count(intake) == before + 1  # the history stays, with one more event
    assert types(intake)[-1] == "PersonForgotten"
    record = intake.person_record(uuid.UUID(me.user_id), me)
    assert record["forgotten"] is True
    assert record["details"]["display_name"] == record["details"]["region"] == FORGOTTEN
    assert record["experiences"] == [{"experience": FORGOTTEN, "visibility": "matching"}]
    assert record["support_requests"][0]["hopes"] == FORGOTTEN
    reopened = app_factory(IntakeApplication, store="sqlite")  # read back from the SQLite store
    for message in published(reopened):
        for token in _tokens(message["body"]):
            assert vault.open(token) == FORGOTTEN
    with pytest.raises(NotFound):
        intake.share_person_experience(item(me, "veteran", "matching"), me)
    intake.forget_me({"person_id": me.user_id}, me)  # asking twice is harmless
    assert notification_count(intake) == before + 1


def _tokens(value):
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tokens(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tokens(v)]
    return [value] if is_sealed(value) else []


def test_events_stay_readable_by_type_after_forgetting(intake, enrolled):
    intake.forget_me({"person_id": enrolled.user_id}, enrolled)
    assert [type(e) for e in stored_events(intake)] == [Person.Enrolled, Person.Forgotten]


# --- changing details -------------------------------------------------------------------------


def test_changing_details_publishes_the_new_view_and_the_same_again_stores_nothing(intake, enrolled, vault):
    me = enrolled
    intake.change_details({"person_id": me.user_id, "region": "Berkshire County", "languages": ["en"]}, me)
    [changed] = published(intake, after=1)
    assert changed["type"] == "PersonDetailsChanged"
    assert vault.open(changed["body"]["matching"]["region"]) == "Berkshire County"
    assert [vault.open(t) for t in changed["body"]["matching"]["languages"]] == ["en"]
    intake.change_details({"person_id": me.user_id, "region": "Berkshire County"}, me)
    assert notification_count(intake) == 2
    details = intake.person_record(uuid.UUID(me.user_id), me)["details"]
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
        intake.change_details({"person_id": enrolled.user_id, **payload}, enrolled)
    assert field in refused.value.field_errors
    assert notification_count(intake) == 1


def test_languages_are_kept_as_codes_whether_named_or_coded(intake, me, vault):
    intake.enroll(enrollment(me, languages=["English", "español", "es", "Haitian Creole"]), me)
    assert intake.person_record(me.user_id, me)["details"]["languages"] == ["en", "es", "ht"]
    [event] = stored_events(intake)
    assert [vault.open(t) for t in event.matching["languages"]] == ["en", "es", "ht"]
    intake.change_details({"person_id": me.user_id, "languages": ["Spanish"]}, me)
    assert intake.person_record(me.user_id, me)["details"]["languages"] == ["es"]


def test_an_unknown_language_is_refused_naming_the_field(intake, enrolled):
    with pytest.raises(InvalidInput) as refused:
        intake.change_details({"person_id": enrolled.user_id, "languages": ["Elvish"]}, enrolled)
    assert "languages" in refused.value.field_errors and "Elvish" in str(refused.value.field_errors)
