"""Supervision's contracts: one valid sample body each (shared/tests/test_contracts.py round-trips
them), and bodies that must not cross the bus."""
import uuid

import pytest
from marshmallow import ValidationError

from shared.contracts import build
from shared.tests.test_access import access_sample

PEER_WORKER = "5b7c3e0a-1d2f-4c6b-8e9a-0f1e2d3c4b5a"
SUPERVISOR = "6c8d4f1b-2e3a-4d7c-9fab-1a2b3c4d5e6f"
ASSIGNMENT = uuid.UUID("7d9e5a2c-3f4b-4e8d-8abc-2b3c4d5e6f70")
SESSION = uuid.UUID("8eaf6b3d-4a5c-4f9e-9bcd-3c4d5e6f7081")


def samples(vault) -> dict:
    parties = {"assignment_id": ASSIGNMENT, "supervisor_id": SUPERVISOR, "peer_worker_id": PEER_WORKER,
               "kind": "professional_development"}
    session = {"session_id": SESSION, "supervisor_id": SUPERVISOR, "peer_worker_id": PEER_WORKER,
               "date": "2026-03-02", "minutes": 60, "kind": "administrative", "grouping": "group",
               "medium": "in_person", "confirmed_by": ["supervisor"]}
    return {
        ("supervision", "SupervisionRecordChanged", 1): {"record_id": uuid.UUID(PEER_WORKER),
                                                         "change": "EmploymentBegan"},
        ("supervision", "SupervisorOffered", 1): {**parties, "route": "agreement", "agreement_id": str(uuid.uuid4()),
                                                  "reasons": ["under the active supervision agreement"]},
        ("supervision", "SupervisionAccepted", 1): {**parties, "accepted_on": "2026-03-01"},
        ("supervision", "SupervisionDeclined", 1): {**parties, "reason": "schedule"},
        ("supervision", "SupervisionEnded", 1): {**parties, "reason": "supervisor_ineligible",
                                                 "ended_on": "2026-04-01"},
        ("supervision", "SupervisorNeeded", 1): {"peer_worker_id": uuid.UUID(PEER_WORKER),
                                                 "kind": "professional_development", "reason": "agreement_ended",
                                                 "next_step": "agreement_needed"},
        ("supervision", "SupervisionSessionLogged", 1): session,
        ("supervision", "SupervisionSessionCorrected", 1): {**session, "minutes": 45},
        ("supervision", "SupervisionSessionConfirmed", 1): {"session_id": SESSION, "party": "peer_worker"},
        ("supervision", "SupervisionOverdue", 1): {"peer_worker_id": uuid.UUID(PEER_WORKER),
                                                   "requirement": "session_cadence", "due_on": "2026-03-09",
                                                   "detected_on": "2026-03-10"},
        **access_sample("supervision"),
    }


def publish(type_: str, body: dict):
    return build("supervision", 1, type_, "2026-03-10T00:00:00+00:00",
                 {"user_id": "service:supervision", "role": "system", "organization_id": None,
                  "correlation_id": "c"}, PEER_WORKER, body)


@pytest.mark.parametrize("type_, change", [
    ("SupervisionSessionLogged", {"minutes": 1441}),             # longer than a day
    ("SupervisionSessionLogged", {"kind": "clinical"}),
    ("SupervisionEnded", {"reason": "because I said so"}),       # reasons are codes, not free text
    ("SupervisionOverdue", {"requirement": "anything"}),
])
def test_what_does_not_fit_a_contract_never_leaves(vault, type_, change):
    body = {**samples(vault)[("supervision", type_, 1)], **change}
    with pytest.raises(ValidationError):
        publish(type_, body)


def test_what_was_said_is_dropped_before_it_could_cross(vault):
    body = {**samples(vault)[("supervision", "SupervisionSessionLogged", 1)], "notes": "what was said"}
    assert "notes" not in publish("SupervisionSessionLogged", body).body
