"""shared.contracts: what may cross the bus, and how incoming messages are checked."""
from __future__ import annotations

import copy
import json
import uuid

import pytest
from marshmallow import ValidationError

from shared import contracts
from shared.contracts import IntegrationEvent, build, known_contracts, parse

PEER_WORKER = uuid.UUID("5b7c3e0a-1d2f-4c6b-8e9a-0f1e2d3c4b5a")
ORGANIZATION = uuid.UUID("0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d")
ACTOR = {"user_id": "peer-user-1", "role": "peer", "organization_id": "org-harbor", "correlation_id": "corr-1"}


def sealed(vault) -> str:
    return vault.seal(str(PEER_WORKER), "Rowan Example")


def service_samples(vault) -> dict:
    """Each service's tests/test_contracts.py offers `samples(vault)` for its own contracts."""
    import importlib

    bodies = {}
    for service in ("intake", "directory", "matching", "supervision", "audit", "notifications"):
        try:
            module = importlib.import_module(f"services.{service}.tests.test_contracts")
        except ModuleNotFoundError:
            continue
        make = getattr(module, "samples", None) or getattr(module, f"{service}_samples", None)
        if make is not None:
            bodies.update(make(vault))
    return bodies


def sample_bodies(vault) -> dict[tuple[str, str, int], dict]:
    """One valid body per registered contract: the backbone's here, each service's in its own tests."""
    return {**service_samples(vault), **{
        ("directory", "OrganizationRegistered", 1): {
            "organization_id": ORGANIZATION, "name": "Harbor Peer Collective",
            "kind": "peer_run_organization", "regions": ["north", "coast"]},
        ("intake", "PeerWorkerProfiled", 1): {
            "peer_worker_id": PEER_WORKER, "organization_id": "org-harbor", "display_name": sealed(vault),
            "shared_for_matching": ["heard_voices"], "shared_with_network": ["veteran", "lgbtq"]},
        ("intake", "PeerWorkerExperienceShared", 1): {
            "peer_worker_id": PEER_WORKER, "experience": "homelessness", "visibility": "network"},
        ("intake", "PeerWorkerExperienceWithdrawn", 1): {
            "peer_worker_id": PEER_WORKER, "experience": "homelessness"},
        ("intake", "PeerWorkerPrivateExperienceKept", 1): {"peer_worker_id": PEER_WORKER},
        ("matching", "CandidateListed", 1): {
            "peer_worker_id": PEER_WORKER, "organization_id": "org-harbor", "shared_for_matching": ["heard_voices"]},
        ("matching", "CandidateChanged", 1): {"peer_worker_id": PEER_WORKER},
        ("audit", "BreakGlassOpened", 1): {"person_id": PEER_WORKER, "reason": "legal_request", "reference": "LR-1",
                                           "expires_at": "2026-01-01T03:00:00+00:00"},
        ("audit", "PersonalDataRead", 1): {"person_id": PEER_WORKER, "fields_read": ["display_name"],
                                           "reference": "LR-1"},
    }}


def make(key, body, position=3) -> IntegrationEvent:
    source, type_, version = key
    return build(source=source, position=position, type_=type_, version=version,
                 occurred_at="2025-03-04T05:06:07+00:00", actor=ACTOR,
                 subject_id=str(PEER_WORKER), body=body)


def good_message(vault) -> dict:
    key = ("intake", "PeerWorkerExperienceShared", 1)
    return make(key, sample_bodies(vault)[key]).as_message()


# --- build ---------------------------------------------------------------------------------


def test_every_registered_contract_has_a_sample_here(vault):
    assert set(sample_bodies(vault)) == set(known_contracts())


@pytest.mark.parametrize("key", known_contracts())
def test_every_registered_contract_round_trips(vault, key):
    built = make(key, sample_bodies(vault)[key])
    wire = json.loads(json.dumps(built.as_message()))  # the relay sends JSON
    assert wire == built.as_message()
    parsed = parse(wire)
    assert (parsed.source, parsed.type, parsed.version, parsed.position) == (key[0], key[1], key[2], 3)
    assert parsed.routing_key == f"{key[0]}.{key[1]}"
    assert parsed.actor == ACTOR
    again = make(key, parsed.body)
    assert again == built


def test_build_refuses_a_display_name_in_clear(vault):
    body = dict(sample_bodies(vault)[("intake", "PeerWorkerProfiled", 1)], display_name="Rowan Example")
    with pytest.raises(ValidationError) as refused:
        make(("intake", "PeerWorkerProfiled", 1), body)
    assert set(refused.value.messages) == {"display_name"}
    assert "sealed" in str(refused.value.messages["display_name"])


def test_parse_refuses_a_display_name_in_clear(vault):
    message = make(("intake", "PeerWorkerProfiled", 1), sample_bodies(vault)[("intake", "PeerWorkerProfiled", 1)]).as_message()
    message["body"]["display_name"] = "Rowan Example"
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert "display_name" in refused.value.messages


@pytest.mark.parametrize("key, change, field", [
    (("intake", "PeerWorkerExperienceShared", 1), {"experience": "a_diagnosis_code"}, "experience"),
    (("intake", "PeerWorkerExperienceShared", 1), {"visibility": "private"}, "visibility"),
    (("intake", "PeerWorkerExperienceWithdrawn", 1), {"peer_worker_id": "not-an-id"}, "peer_worker_id"),
    (("directory", "OrganizationRegistered", 1), {"kind": "hospital"}, "kind"),
    (("intake", "PeerWorkerProfiled", 1), {"shared_for_matching": ["heard_voices", "unlisted"]}, "shared_for_matching"),
])
def test_build_refuses_a_body_that_breaks_its_contract(vault, key, change, field):
    body = {**sample_bodies(vault)[key], **change}
    with pytest.raises(ValidationError) as refused:
        make(key, body)
    assert field in refused.value.messages


def test_build_refuses_a_missing_field(vault):
    body = dict(sample_bodies(vault)[("intake", "PeerWorkerExperienceWithdrawn", 1)])
    del body["experience"]
    with pytest.raises(ValidationError) as refused:
        make(("intake", "PeerWorkerExperienceWithdrawn", 1), body)
    assert set(refused.value.messages) == {"experience"}


def test_build_lets_nothing_outside_the_contract_leave(vault):
    key = ("intake", "PeerWorkerPrivateExperienceKept", 1)
    event = make(key, {"peer_worker_id": PEER_WORKER, "experience": "involuntary_hospitalization"})
    assert event.body == {"peer_worker_id": str(PEER_WORKER)}
    assert "involuntary_hospitalization" not in json.dumps(event.as_message())


def test_build_refuses_an_unknown_contract():
    with pytest.raises(ValidationError) as refused:
        make(("intake", "PeerWorkerRenamed", 1), {"peer_worker_id": PEER_WORKER})
    assert "type" in refused.value.messages


# --- parse ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["source", "position", "type", "version", "occurred_at",
                                   "actor", "subject_id", "body"])
def test_parse_refuses_an_envelope_missing_a_field_naming_it(vault, field):
    message = good_message(vault)
    del message[field]
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert field in refused.value.messages


@pytest.mark.parametrize("field, value", [
    ("position", 0), ("position", "7"), ("position", 2.5), ("version", 0), ("version", "1"),
    ("type", "peerWorkerProfiled"), ("type", "Peer.Worker"), ("body", ["not", "an", "object"]),
])
def test_parse_refuses_a_bad_envelope_field_naming_it(vault, field, value):
    message = good_message(vault)
    message[field] = value
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert field in refused.value.messages


def test_parse_refuses_a_bad_actor_naming_the_nested_field(vault):
    message = good_message(vault)
    message["actor"] = dict(ACTOR, role="overlord")
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert refused.value.messages == {"actor": {"role": ["Must be one of: " + ", ".join(contracts.ROLES) + "."]}}


def test_parse_refuses_unknown_envelope_fields(vault):
    message = dict(good_message(vault), display_name="Rowan Example")
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert "display_name" in refused.value.messages


def test_parse_refuses_an_unknown_type(vault):
    message = dict(good_message(vault), type="PeerWorkerRenamed")
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert "type" in refused.value.messages
    assert "PeerWorkerRenamed" in str(refused.value.messages["type"])


def test_parse_refuses_an_unknown_version(vault):
    message = dict(good_message(vault), version=2)
    with pytest.raises(ValidationError) as refused:
        parse(message)
    text = json.dumps(refused.value.normalized_messages())
    assert "version 2" in text


def test_parse_refuses_an_unknown_source(vault):
    message = dict(good_message(vault), source="billing")
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert "billing" in json.dumps(refused.value.normalized_messages())


@pytest.mark.parametrize("message", [None, "a string", ["a", "list"], 42])
def test_parse_refuses_what_is_not_an_object(message):
    with pytest.raises(ValidationError) as refused:
        parse(message)
    assert refused.value.messages == {"_schema": ["message is not a JSON object"]}


def test_parse_does_not_change_the_message(vault):
    message = good_message(vault)
    kept = copy.deepcopy(message)
    parse(message)
    assert message == kept


def test_parse_gives_typed_body_fields(vault):
    event = parse(good_message(vault))
    assert event.body["peer_worker_id"] == PEER_WORKER  # a UUID, as the consumers use it
    assert event.subject_id == str(PEER_WORKER)
