"""The access table's rules, the handler wiring and settings read one way."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from marshmallow import fields

from shared.contracts.commands import CommandSchema
from shared.errors import InvalidInput, NotAllowed
from shared.handlers import bind
from shared.identity import Caller
from shared.operations import Operation, Operations
from shared.settings import ServiceSettings, setting


class PersonInput(CommandSchema):
    person_id = fields.UUID(required=True)


class CountsInput(CommandSchema):
    organization_id = fields.String(load_default=None, allow_none=True)


MINE = Operation("mine", ("person", "agency_admin", "system"), PersonInput, args=("person_id",), own="person_id")
COUNTS = Operation("counts", ("agency_admin", "state_auditor"), CountsInput, scope="organization_id")


def test_the_role_is_checked_before_the_input_is_read():
    with pytest.raises(NotAllowed, match="role 'peer' may not"):
        MINE.admit(Caller(user_id="x", role="peer"), ("not an id",))
    with pytest.raises(NotAllowed, match="must say who is calling"):
        MINE.admit(None, ())


def test_the_input_is_checked_against_its_contract_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        MINE.admit(Caller.system("test"), ("not an id",))
    assert "person_id" in refused.value.field_errors
    with pytest.raises(InvalidInput):
        MINE.admit(Caller.system("test"), ("a", "b"))
    with pytest.raises(InvalidInput) as refused:
        COUNTS.admit(Caller(user_id="a", role="state_auditor"), ({"organisation": "x"},))
    assert "organisation" in refused.value.field_errors


def test_a_person_acts_only_for_themselves_and_other_roles_are_left_to_the_handler():
    me = str(uuid.uuid4())
    assert MINE.admit(Caller(user_id=me, role="person"), (me,)) == {"person_id": uuid.UUID(me)}
    with pytest.raises(NotAllowed, match="only for yourself"):
        MINE.admit(Caller(user_id=str(uuid.uuid4()), role="person"), (me,))
    assert MINE.admit(Caller(user_id="admin", role="agency_admin", organization_id="o"), (me,))
    assert MINE.admit(Caller.system("test"), (me,))


class SupervisorInput(CommandSchema):
    supervisor_id = fields.UUID(load_default=None)
    peer_worker_id = fields.UUID(load_default=None)


LOAD = Operation("load", ("supervisor", "peer", "state_auditor"), SupervisorInput, own="peer_worker_id",
                 supervisor="supervisor_id")


def test_a_supervisor_acts_only_as_themselves_and_naming_nobody_names_them():
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    supervisor = Caller(user_id=me, role="supervisor")
    assert LOAD.admit(supervisor, ()) == {"supervisor_id": me, "peer_worker_id": None}
    assert LOAD.admit(supervisor, ({"supervisor_id": me, "peer_worker_id": other},))["supervisor_id"] == me
    with pytest.raises(NotAllowed, match="a supervisor acts only for themselves"):
        LOAD.admit(supervisor, ({"supervisor_id": other},))
    # The field is a supervisor's rule only: a peer worker is held to `own`, the state to nothing.
    assert LOAD.admit(Caller(user_id=me, role="peer"), ({"supervisor_id": other, "peer_worker_id": me},))
    assert LOAD.admit(Caller(user_id="s", role="state_auditor"), ({"supervisor_id": other},)) == {
        "supervisor_id": uuid.UUID(other), "peer_worker_id": None}


def test_an_agency_admin_is_held_to_their_organization():
    admin = Caller(user_id="a", role="agency_admin", organization_id="org-harbor")
    assert COUNTS.admit(admin, ()) == {"organization_id": "org-harbor"}
    assert COUNTS.admit(admin, ({"organization_id": "org-harbor"},)) == {"organization_id": "org-harbor"}
    with pytest.raises(NotAllowed, match="their own organization"):
        COUNTS.admit(admin, ({"organization_id": "org-elsewhere"},))
    auditor = Caller(user_id="s", role="state_auditor")
    assert COUNTS.admit(auditor, ({"organization_id": "org-elsewhere"},)) == {"organization_id": "org-elsewhere"}


def test_a_table_names_each_operation_once_and_the_gateway_sees_no_system_role():
    table = Operations("test", [MINE, COUNTS])
    assert table["mine"].public_roles == ("person", "agency_admin")
    assert [operation.name for operation in table] == ["mine", "counts"]
    with pytest.raises(ValueError, match="twice"):
        Operations("test", [MINE, MINE])
    with pytest.raises(ValueError, match="input contract"):
        Operation("bad", ("person",), own="person_id")


def test_handlers_get_exactly_the_dependencies_they_name_and_a_missing_one_fails_at_start():
    def handler(command, caller, *, store, clock):
        return command, caller, store, clock()

    bound = bind({"op": handler}, store="the store", clock=lambda: "now", vault="unused")
    assert bound["op"]({"a": 1}, "me") == ({"a": 1}, "me", "the store", "now")
    with pytest.raises(TypeError, match="needs clock"):
        bind({"op": handler}, store="the store")


@dataclass(frozen=True)
class ExampleSettings(ServiceSettings):
    offers: int = setting("PEERNET_TEST_OFFERS", 3, "offers made at once")
    hours: float = setting("PEERNET_TEST_HOURS", 72.0, "hours to answer")
    strict: bool = setting("PEERNET_TEST_STRICT", False, "yes: refuse more")


def test_settings_come_from_the_given_env_then_the_process_then_the_default(monkeypatch):
    assert ExampleSettings.from_env() == ExampleSettings(3, 72.0, False)
    monkeypatch.setenv("PEERNET_TEST_OFFERS", "5")
    monkeypatch.setenv("PEERNET_TEST_STRICT", "yes")
    assert ExampleSettings.from_env({"PEERNET_TEST_HOURS": "1.5"}) == ExampleSettings(5, 1.5, True)
    assert ExampleSettings.from_env({"PEERNET_TEST_OFFERS": "7"}).offers == 7
    monkeypatch.setenv("PEERNET_TEST_OFFERS", "many")
    with pytest.raises(ValueError, match="PEERNET_TEST_OFFERS must be a whole number"):
        ExampleSettings.from_env()
    assert ("PEERNET_TEST_HOURS", 72.0, "hours to answer") in ExampleSettings.table()
