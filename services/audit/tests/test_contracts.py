"""Audit's published events fit their contracts, round trip as JSON, and refuse free text."""
import json
import uuid

import pytest
from marshmallow import ValidationError

from shared.contracts import build, known_contracts, parse

ACTOR = {"user_id": "auditor-1", "role": "state_auditor", "organization_id": None, "correlation_id": "c-1"}
PERSON = str(uuid.uuid4())
SAMPLES = {
    ("audit", "BreakGlassOpened", 1): {"person_id": PERSON, "reason": "legal_request", "reference": "LR-2026/7",
                                       "expires_at": "2026-11-24T08:00:00+00:00"},
    ("audit", "PersonalDataRead", 1): {"person_id": PERSON, "fields_read": ["display_name"], "reference": "LR-2026/7"},
}


def make(key, body):
    source, type_, version = key
    return build(source=source, position=1, type_=type_, version=version, occurred_at="2026-11-24T05:00:00+00:00",
                 actor=ACTOR, subject_id=PERSON, body=body)


def test_every_audit_contract_has_a_sample():
    assert {key for key in known_contracts() if key[0] == "audit"} == set(SAMPLES)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_round_trip(key):
    built = make(key, SAMPLES[key])
    parsed = parse(json.loads(json.dumps(built.as_message())))
    assert make(key, parsed.body) == built


def test_a_reference_is_not_free_text():
    key = ("audit", "BreakGlassOpened", 1)
    with pytest.raises(ValidationError) as refused:
        make(key, {**SAMPLES[key], "reference": "she told me she was unwell"})
    assert "reference" in refused.value.messages
