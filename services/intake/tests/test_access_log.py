"""Reads of a person's data through other services (their AccessRecorded) appear in the person's
disclosure log; intake's own read of an open referral is recorded in the access log."""
from __future__ import annotations

import json
import uuid

import pytest

from services.intake.application import IntakeApplication
from services.intake.setup import setup as intake_setup
from services.intake.tests.people_fixtures import a_person, admin_of, enrollment
from shared import contracts
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

PEER = Caller(user_id=str(uuid.uuid4()), role="peer", organization_id="org-lantern")


@pytest.fixture
def intake(app_factory):
    return app_factory(intake_setup)


def access(source, position, subject_id, kind="person", via="peer_requests", fields=("shared_items",)):
    built = contracts.build(source=source, position=position, type_="AccessRecorded",
                            occurred_at="2026-03-02T10:00:00+00:00", actor=PEER.as_actor(), subject_id=subject_id,
                            body={"subject_id": subject_id, "subject_kind": kind, "via": via,
                                  "fields_read": list(fields)})
    return contracts.parse(built.as_message())


def test_intake_follows_every_service_that_answers_with_personal_data():
    assert set(IntakeApplication.follows) == {"audit", "matching", "directory", "supervision"}


def test_a_peer_reading_the_persons_items_through_matching_is_a_line_in_their_disclosure_log(intake):
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    assert intake.process_upstream(access("matching", 1, me.user_id, fields=("languages", "shared_items")))
    assert not intake.process_upstream(access("matching", 1, me.user_id))  # redelivered: once
    [line] = intake.perform("person_record", me, uuid.UUID(me.user_id))["disclosures"]
    assert line["audience"] == "access_log" and line["fields"] == ["languages", "shared_items"]
    assert line["to"] == {"user_id": PEER.user_id, "role": "peer", "organization_id": "org-lantern",
                          "access": "read", "via": "matching.peer_requests"}
    assert intake.integration_events(0)[-1].type == "PersonDataDisclosed"


def test_reads_about_a_peer_worker_or_someone_unknown_and_other_events_tell_no_person(intake):
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    before = intake.max_position()
    assert intake.process_upstream(access("directory", 1, str(uuid.uuid4()), kind="peer_worker", via="search_pool",
                                          fields=("display_name",)))
    assert intake.process_upstream(access("supervision", 1, str(uuid.uuid4())))
    other = contracts.build(source="matching", position=1, type_="CandidateChanged", actor=PEER.as_actor(),
                            occurred_at="2026-03-02T10:00:00+00:00", subject_id="x",
                            body={"peer_worker_id": str(uuid.uuid4())})
    assert intake.process_upstream(contracts.parse(other.as_message()))
    assert intake.max_position() == before
    assert intake.perform("person_record", me, uuid.UUID(me.user_id))["disclosures"] == []


def test_the_agency_reading_an_open_invitation_is_recorded_without_the_values(intake):
    harbor = admin_of("org-harbor")
    referral_id = intake.perform("refer_person", harbor,
                                 {"display_name": "Casey Example", "contact": "555-0100"})["referral_id"]
    assert intake.perform("referral", harbor, referral_id)["display_name"] == "Casey Example"
    recorded = intake.integration_events(0)[-1]
    assert (recorded.type, recorded.subject_id) == ("AccessRecorded", str(referral_id))
    assert recorded.body == {"subject_id": str(referral_id), "subject_kind": "invitee", "via": "referral",
                             "fields_read": ["contact", "display_name"]}
    assert "Casey" not in json.dumps(recorded.as_message()) and "555-0100" not in json.dumps(recorded.as_message())
    intake.perform("referral", harbor, referral_id)
    assert intake.integration_events(0)[-1].position == recorded.position  # once an hour
