"""Who is calling (shared.identity), errors a caller can act on (shared.errors), input checks."""
from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError
from nameko.exceptions import RemoteError, deserialize, serialize

from shared.contracts.commands import CommandSchema
from shared.contracts.commands import directory as directory_schemas
from shared.contracts.commands import intake as intake_schemas
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import ROLES, Caller, CallerSchema
from shared.schemas import load

# --- CallerSchema and Caller -------------------------------------------------------------


def test_caller_schema_loads_a_caller():
    caller = CallerSchema().load({"user_id": "peer-user-1", "role": "peer",
                                  "organization_id": "org-harbor", "correlation_id": "c-1"})
    assert caller == Caller("peer-user-1", "peer", "org-harbor", "c-1")


def test_caller_schema_fills_organization_and_correlation():
    first = CallerSchema().load({"user_id": "auditor-1", "role": "state_auditor"})
    second = CallerSchema().load({"user_id": "auditor-1", "role": "state_auditor"})
    assert first.organization_id is None
    assert first.correlation_id and second.correlation_id
    assert first.correlation_id != second.correlation_id


@pytest.mark.parametrize("role", ["admin", "Peer", "", "root"])
def test_caller_schema_refuses_a_bad_role_naming_the_field(role):
    with pytest.raises(ValidationError) as refused:
        CallerSchema().load({"user_id": "someone", "role": role})
    assert set(refused.value.messages) == {"role"}


@pytest.mark.parametrize("bad, field", [
    ({"role": "peer"}, "user_id"),
    ({"user_id": "", "role": "peer"}, "user_id"),
    ({"user_id": "x" * 201, "role": "peer"}, "user_id"),
    ({"user_id": "someone"}, "role"),
    ({"user_id": "someone", "role": "peer", "correlation_id": ""}, "correlation_id"),
    ({"user_id": "someone", "role": "peer", "is_superuser": True}, "is_superuser"),
])
def test_caller_schema_refuses_bad_callers_naming_the_field(bad, field):
    with pytest.raises(ValidationError) as refused:
        CallerSchema().load(bad)
    assert field in refused.value.messages


def test_every_role_is_accepted():
    for role in ROLES:
        assert CallerSchema().load({"user_id": "u", "role": role}).role == role


def test_as_actor_is_plain_data_with_the_four_fields():
    caller = Caller("peer-user-1", "peer", "org-harbor", "corr-42")
    actor = caller.as_actor()
    assert actor == {"user_id": "peer-user-1", "role": "peer",
                     "organization_id": "org-harbor", "correlation_id": "corr-42"}
    assert json.loads(json.dumps(actor)) == actor
    assert CallerSchema().load(actor) == caller  # and it reads back as the same caller


def test_system_caller_names_the_service_and_keeps_the_correlation():
    caller = Caller.system("matching", "corr-7")
    assert caller.as_actor() == {"user_id": "service:matching", "role": "system",
                                 "organization_id": None, "correlation_id": "corr-7"}
    assert Caller.system("matching").correlation_id != Caller.system("matching").correlation_id


# --- InvalidInput and friends -------------------------------------------------------------


def test_invalid_input_carries_field_errors_and_names_them():
    error = InvalidInput({"display_name": ["Missing data for required field."],
                          "experiences": {"0": ["the same experience is listed twice"]}})
    assert error.field_errors["display_name"] == ["Missing data for required field."]
    assert "display_name" in str(error) and "experiences" in str(error)
    assert str(error).startswith("invalid input:")


def test_invalid_input_keeps_a_given_message():
    error = InvalidInput({"after": ["must be a position"]}, "bad page request")
    assert str(error) == "bad page request"
    assert error.field_errors == {"after": ["must be a position"]}


@pytest.mark.parametrize("field_errors", [
    {"display_name": ["Missing data for required field."]},
    {"experiences": {"1": {"visibility": ["Must be one of: private, matching, network."]}},
     "organization_id": ["Shorter than minimum length 1."]},
    {"_schema": ["expected an object"]},
])
def test_invalid_input_survives_nameko_serialization(field_errors):
    original = InvalidInput(field_errors)
    wire = json.loads(json.dumps(serialize(original)))  # as it crosses the broker
    assert wire["exc_path"] == "shared.errors.InvalidInput"
    rebuilt = deserialize(wire)
    assert type(rebuilt) is InvalidInput
    assert rebuilt.field_errors == field_errors
    assert str(rebuilt) == str(original)


@pytest.mark.parametrize("error_class", [NotAllowed, NotFound])
def test_not_allowed_and_not_found_survive_nameko_serialization(error_class):
    rebuilt = deserialize(json.loads(json.dumps(serialize(error_class("role 'person' may not do this")))))
    assert type(rebuilt) is error_class
    assert not isinstance(rebuilt, RemoteError)
    assert str(rebuilt) == "role 'person' may not do this"


# --- shared.schemas.load --------------------------------------------------------------------


def test_load_refuses_unknown_fields_naming_them():
    payload = {"peer_worker_id": "8a1e7d4c-8f65-4a4a-9a6e-0c2f4b1f6a11", "experience": "veteran",
               "nickname": "Ro", "diagnosis": "none"}
    with pytest.raises(InvalidInput) as refused:
        load(intake_schemas.WithdrawExperience(), payload)
    assert set(refused.value.field_errors) == {"nickname", "diagnosis"}
    assert "nickname" in str(refused.value) and "diagnosis" in str(refused.value)


def test_load_refuses_unknown_fields_inside_nested_items():
    payload = {"peer_worker_id": "8a1e7d4c-8f65-4a4a-9a6e-0c2f4b1f6a11", "display_name": "Rowan Example",
               "organization_id": "org-harbor",
               "experiences": [{"experience": "veteran", "visibility": "matching", "since": "2019"}]}
    with pytest.raises(InvalidInput) as refused:
        load(intake_schemas.RecordPeerWorkerProfile(), payload)
    assert refused.value.field_errors == {"experiences": {0: {"since": ["Unknown field."]}}}


def test_every_command_schema_refuses_unknown_fields():
    command_schemas = [cls for module in (intake_schemas, directory_schemas)
                       for cls in vars(module).values()
                       if isinstance(cls, type) and issubclass(cls, CommandSchema) and cls is not CommandSchema]
    assert len(command_schemas) >= 5
    for schema_class in command_schemas:
        with pytest.raises(InvalidInput) as refused:
            load(schema_class(), {"not_a_field": 1})
        assert "not_a_field" in refused.value.field_errors, schema_class.__name__


@pytest.mark.parametrize("payload", [None, [], "peer_worker_id=1", 7])
def test_load_refuses_a_payload_that_is_not_an_object(payload):
    with pytest.raises(InvalidInput) as refused:
        load(intake_schemas.WithdrawExperience(), payload)
    assert refused.value.field_errors == {"_schema": ["expected an object"]}


def test_load_returns_the_loaded_command():
    command = load(intake_schemas.ShareExperience(), {
        "peer_worker_id": "8a1e7d4c-8f65-4a4a-9a6e-0c2f4b1f6a11", "experience": "veteran", "visibility": "network"})
    assert str(command["peer_worker_id"]) == "8a1e7d4c-8f65-4a4a-9a6e-0c2f4b1f6a11"
    assert command["visibility"] == "network"
