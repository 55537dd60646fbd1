"""Break-glass: a person's fields only after a recorded reason, for a limited time, and published."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.audit.setup import setup
from services.audit.domain import PersonalDataAccess
from services.audit.tests.support import ADMIN, AUDITOR, NAME, Sources, catch_up, consumer, profile
from services.intake.setup import setup as intake_setup
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

REASON = {"reason": "complaint_investigation", "reference": "CI-2026-0042"}


@pytest.fixture
def setting(app_factory):
    intake = app_factory(intake_setup)
    audit = app_factory(setup, env={"PEERNET_AUDIT_BREAK_GLASS_HOURS": "3"})
    tracked = consumer(audit, Sources(intake=intake, audit=audit))
    person_id = str(intake.perform("record_peer_worker_profile", ADMIN, profile()))
    intake.perform("record_peer_worker_profile", ADMIN, profile("Someone Else Example"))
    catch_up(tracked)
    return audit, tracked, person_id


def test_a_person_no_event_is_about_is_not_found_rather_than_refused(setting):
    audit, _, _ = setting
    with pytest.raises(NotFound):
        audit.perform("personal_fields", AUDITOR, {"person_id": str(uuid.uuid4())})
    assert audit.max_position() == 0


def test_without_a_recorded_reason_no_personal_field_is_shown(setting):
    audit, _, person_id = setting
    with pytest.raises(NotAllowed) as refused:
        audit.perform("personal_fields", AUDITOR, {"person_id": person_id})
    assert "reason" in str(refused.value)
    assert audit.max_position() == 0  # nothing read, nothing recorded


def test_after_recording_a_reason_the_auditor_sees_the_persons_fields_only(setting):
    audit, _, person_id = setting
    opened = audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON})
    shown = audit.perform("personal_fields", AUDITOR, {"person_id": person_id})
    assert shown["fields"] == [{"source": "intake", "position": 1, "type": "PeerWorkerProfiled",
                                "field": "display_name", "value": NAME}]
    assert opened["person_id"] == person_id
    # Another auditor has recorded nothing: the access is the first auditor's alone.
    with pytest.raises(NotAllowed):
        audit.perform("personal_fields", Caller(user_id="auditor-2", role="state_auditor"), {"person_id": person_id})


def test_the_access_and_every_read_are_published_and_entered_in_the_ledger(setting):
    audit, tracked, person_id = setting
    audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON})
    audit.perform("personal_fields", AUDITOR, {"person_id": person_id})
    opened, read = audit.integration_events(0, 10)
    assert (opened.type, opened.subject_id, opened.actor["user_id"]) == ("BreakGlassOpened", person_id, "auditor-1")
    assert opened.body["reason"] == "complaint_investigation" and opened.body["reference"] == "CI-2026-0042"
    assert (read.type, read.body["fields_read"], read.body["reference"]) == ("PersonalDataRead", ["display_name"],
                                                                              "CI-2026-0042")
    assert NAME not in str(read.as_message())  # the values read are never recorded
    catch_up(tracked)
    about = audit.perform("history", AUDITOR, {"subject_id": person_id})["entries"]
    assert [(e["source"], e["type"]) for e in about] == [
        ("intake", "PeerWorkerProfiled"), ("audit", "BreakGlassOpened"), ("audit", "PersonalDataRead")]


def test_the_access_ends_after_the_configured_time(setting):
    audit, _, person_id = setting
    audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON})
    access: PersonalDataAccess = audit.repository.get(uuid.UUID(person_id))
    expires_at, _ = access.open_until["auditor-1"]
    ends = datetime.fromisoformat(expires_at)
    assert access.open_reference("auditor-1", ends - timedelta(seconds=1)) == "CI-2026-0042"
    assert access.open_reference("auditor-1", ends) is None
    assert timedelta(hours=2, minutes=59) < ends - datetime.now(ends.tzinfo) <= timedelta(hours=3)


@pytest.mark.parametrize("hours", [1, 24, 72])
def test_the_auditor_chooses_how_long_the_access_lasts(setting, hours):
    audit, _, person_id = setting
    opened = audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON, "hours": hours})
    ends = datetime.fromisoformat(opened["expires_at"])
    assert timedelta(hours=hours, minutes=-1) < ends - datetime.now(ends.tzinfo) <= timedelta(hours=hours)
    [published] = audit.integration_events(0, 10)
    assert published.body["expires_at"] == opened["expires_at"]  # what the person is told


@pytest.mark.parametrize("hours", [0, 73, -1, "3", 2.5, None])
def test_a_duration_is_whole_hours_from_1_to_72(setting, hours):
    audit, _, person_id = setting
    with pytest.raises(InvalidInput) as refused:
        audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON, "hours": hours})
    assert "hours" in refused.value.field_errors
    assert audit.max_position() == 0


def test_an_expired_access_refuses(app_factory, setting):
    _, tracked, person_id = setting
    audit = app_factory(setup, env={"PEERNET_AUDIT_BREAK_GLASS_HOURS": "-1"})
    catch_up(consumer(audit, tracked.fetch_range.__self__))  # its ledger knows the person too (the same sources)
    audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON})
    with pytest.raises(NotAllowed):
        audit.perform("personal_fields", AUDITOR, {"person_id": person_id})


@pytest.mark.parametrize("change, field", [
    ({"reason": "curiosity"}, "reason"), ({"reference": "free text about the person"}, "reference"),
    ({"person_id": "nobody"}, "person_id"), ({"note": "x"}, "note"),
])
def test_a_reason_is_a_code_and_a_reference_never_free_text(setting, change, field):
    audit, _, person_id = setting
    with pytest.raises(InvalidInput) as refused:
        audit.perform("open_break_glass", AUDITOR, {"person_id": person_id, **REASON, **change})
    assert field in refused.value.field_errors
    assert audit.max_position() == 0
