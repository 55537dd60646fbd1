"""Who may call what: each service's operations, declared once.

One table per service (`OPERATIONS` in shared/contracts/commands/<service>.py)
names every operation the service answers, the roles that may call it, the
contract its input is checked against, and the ownership rules that need no
stored state: a person or a peer worker acts only for themselves; an agency
admin only for their own organization; a supervisor only as themselves. Rules
that need stored state (the peer a choice was made of, an organization's
employees) stay in the handlers.

The service enforces the table (shared.service.serves builds its entrypoints
from it); the gateway reads it for its early 403s and for each operation's
roles in OpenAPI. Plain Python and marshmallow: the gateway imports no service.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

from marshmallow import Schema

from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.schemas import load

# The roles that name a subject of their own: the user id of a person is their
# person id, of a peer worker their peer worker id.
SELF_ROLES = ("person", "peer")


def require(caller: Caller | None, *roles: str) -> None:
    if caller is None:
        raise NotAllowed("every call must say who is calling: a valid 'caller' in the context data")
    if caller.role not in roles:
        raise NotAllowed(f"role {caller.role!r} may not do this; allowed: {', '.join(roles)}")


@dataclass(frozen=True)
class Operation:
    name: str
    roles: tuple[str, ...]
    input: type[Schema] | None = None  # None: the operation takes nothing
    # How the call's positional arguments map onto the input: () is one dict.
    args: tuple[str, ...] = ()
    # The input field naming whose record this is: a person or peer worker may name only themselves.
    own: str | None = None
    # The input field naming an organization: an agency admin's is always their own (None: theirs).
    # Several fields name the parties of an agreement: an agency admin's must be one of them.
    scope: str | tuple[str, ...] | None = None
    # The input field naming a supervisor: a supervisor's is always themselves (None: themselves).
    supervisor: str | None = None

    def __post_init__(self):
        if (self.own or self.scope or self.supervisor or self.args) and self.input is None:
            raise ValueError(f"{self.name}: ownership, scope and arguments need an input contract")

    def allow(self, caller: Caller | None) -> None:
        """The role check, before the input is read."""
        require(caller, *self.roles)

    def read(self, args: tuple) -> dict:
        """The call's arguments checked against the input contract; InvalidInput names each field."""
        if self.input is None:
            if any(arg is not None for arg in args):
                raise InvalidInput({"_schema": [f"{self.name} takes nothing"]})
            return {}
        if not self.args:
            if len(args) > 1:
                raise InvalidInput({"_schema": ["expected one object"]})
            return load(self._schema, args[0] if args and args[0] is not None else {})
        if len(args) > len(self.args):
            raise InvalidInput({"_schema": [f"{self.name} takes {', '.join(self.args)}"]})
        return load(self._schema, {name: value for name, value in zip(self.args, args) if value is not None})

    @cached_property
    def _schema(self) -> Schema:
        return self.input()

    def check(self, caller: Caller, command: dict) -> dict:
        """Ownership and scope; returns the command with an agency admin's organization filled in."""
        if self.own and caller.role in SELF_ROLES and caller.user_id != str(command.get(self.own)):
            raise NotAllowed("you may act only for yourself")
        if isinstance(self.scope, tuple):
            if caller.role == "agency_admin" and caller.organization_id not in {
                    str(command.get(field)) for field in self.scope}:
                raise NotAllowed("an agency admin acts only where their own organization is a party")
        elif self.scope and caller.role == "agency_admin":
            wanted = command.get(self.scope)
            if wanted is not None and str(wanted) != caller.organization_id:
                raise NotAllowed("an agency admin acts only for their own organization")
            command = {**command, self.scope: caller.organization_id}
        if self.supervisor and caller.role == "supervisor":
            wanted = command.get(self.supervisor)
            if wanted is not None and str(wanted) != caller.user_id:
                raise NotAllowed("a supervisor acts only for themselves")
            command = {**command, self.supervisor: caller.user_id}
        return command

    def admit(self, caller: Caller | None, args: tuple) -> dict:
        """Everything the table says, in order: role, input, ownership and scope."""
        self.allow(caller)
        return self.check(caller, self.read(args))

    @property
    def public_roles(self) -> tuple[str, ...]:
        """The roles a user's token may carry for it: `system` is the services' own."""
        return tuple(role for role in self.roles if role != "system")


class Operations:
    """A service's table: its operations by name."""

    def __init__(self, service: str, operations: Iterable[Operation]):
        self.service = service
        self.by_name: dict[str, Operation] = {}
        for operation in operations:
            if operation.name in self.by_name:
                raise ValueError(f"{service}: {operation.name} is declared twice")
            self.by_name[operation.name] = operation

    def __getitem__(self, name: str) -> Operation:
        return self.by_name[name]

    def __iter__(self):
        return iter(self.by_name.values())

    def __contains__(self, name: str) -> bool:
        return name in self.by_name
