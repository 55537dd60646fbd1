"""Audit's break-glass accesses, followed by intake, appear in the person's disclosure log."""
from __future__ import annotations

import json
import uuid

import pytest

from services.intake.application import IntakeApplication
from services.intake.setup import setup as intake_setup
from services.intake.tests.people_fixtures import a_person, enrollment
from shared import contracts
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

AUDITOR = Caller(user_id="auditor-7", role="state_auditor")


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


def from_audit(position, type_, body, subject):
    built = contracts.build(source="audit", position=position, type_=type_, body=body,
                            occurred_at="2026-03-02T10:00:00+00:00", actor=AUDITOR.as_actor(), subject_id=subject)
    return contracts.parse(built.as_message())


def break_glass(person_id):
    return [from_audit(1, "BreakGlassOpened", {"person_id": person_id, "reason": "legal_request",
                                               "reference": "LR-2026-7", "expires_at": "2026-03-02T13:00:00+00:00"},
                       person_id),
            from_audit(2, "PersonalDataRead", {"person_id": person_id, "fields_read": ["details.display_name"],
                                               "reference": "LR-2026-7"}, person_id)]


def test_intake_follows_audit():
    assert "audit" in IntakeApplication.follows


def test_the_person_sees_the_break_glass_access_and_the_read_in_their_disclosure_log(intake):
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    for event in break_glass(me.user_id):
        assert intake.process_upstream(event)
    opened, read = intake.perform("person_record", me, uuid.UUID(me.user_id))["disclosures"]
    assert opened["audience"] == read["audience"] == "state_audit"
    assert opened["to"] == {"user_id": "auditor-7", "role": "state_auditor", "organization_id": None,
                            "reference": "LR-2026-7", "access": "opened", "reason": "legal_request",
                            "until": "2026-03-02T13:00:00+00:00"}
    assert opened["fields"] == []
    assert read["to"]["access"] == "read" and read["fields"] == ["details.display_name"]
    published = [e.as_message() for e in intake.integration_events(0)][-2:]
    assert [m["type"] for m in published] == ["PersonDataDisclosed", "PersonDataDisclosed"]
    assert "Jordan" not in json.dumps(published)


def test_a_redelivered_audit_event_is_logged_once(intake):
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    opened = break_glass(me.user_id)[0]
    assert intake.process_upstream(opened)
    assert not intake.process_upstream(opened)
    assert len(intake.perform("person_record", me, uuid.UUID(me.user_id))["disclosures"]) == 1


def test_break_glass_on_someone_intake_does_not_know_records_nothing(intake):
    stranger = str(uuid.uuid4())
    for event in break_glass(stranger):
        assert intake.process_upstream(event)  # the position is tracked all the same
    assert intake.position_in("audit") == 2
    assert list(intake.integration_events(0)) == []
