"""The call server's side of shared.calls without a broker: which methods, who calls, what comes back.
The whole path over the real broker is in tests/integration/test_calls.py."""
from nameko.exceptions import deserialize
from nameko.rpc import rpc

from shared.calls import CallServer, rpc_methods
from shared.errors import InvalidInput, NotAllowed
from shared.service import EXPECTED, ServiceBase, require


class Greeter(ServiceBase):
    name = "greeter"

    @rpc(expected_exceptions=EXPECTED)
    def greet(self, whom):
        require(self.caller, "peer")
        if not whom:
            raise InvalidInput({"whom": ["required"]})
        return {"greeting": f"hello {whom}", "by": self.caller.user_id, "store": self.application}

    @rpc(expected_exceptions=EXPECTED)
    def fail(self):
        raise KeyError("x")

    def not_an_entrypoint(self):
        return "never reachable"


def server():
    return CallServer(connection=None, service_cls=Greeter, application="the application", expected=EXPECTED)


PEER = {"user_id": "peer-1", "role": "peer", "organization_id": None, "correlation_id": "c-1"}


def test_only_rpc_entrypoints_are_reachable():
    assert {"greet", "fail", "positions", "integration_events"} <= set(rpc_methods(Greeter))
    assert not {"not_an_entrypoint", "health", "metrics"} & set(rpc_methods(Greeter))
    result, error = server().perform({"method": "not_an_entrypoint", "args": [], "caller": PEER})
    assert result is None and error["exc_type"] == "MethodNotFound"


def test_the_method_runs_with_the_application_and_the_caller():
    result, error = server().perform({"method": "greet", "args": ["Sky"], "caller": PEER})
    assert error is None
    assert result == {"greeting": "hello Sky", "by": "peer-1", "store": "the application"}


def test_refusals_come_back_as_our_own_errors_with_the_fields():
    _, error = server().perform({"method": "greet", "args": [""], "caller": PEER})
    refused = deserialize(error)
    assert isinstance(refused, InvalidInput) and refused.field_errors == {"whom": ["required"]}
    for caller in (None, "not json", {"user_id": "x", "role": "pirate"}, {**PEER, "role": "person"}):
        _, error = server().perform({"method": "greet", "args": ["Sky"], "caller": caller})
        assert isinstance(deserialize(error), NotAllowed)


def test_an_unexpected_failure_is_named_not_raised():
    result, error = server().perform({"method": "fail", "args": [], "caller": PEER})
    assert result is None and error["exc_type"] == "KeyError"
    _, error = server().perform("not even a dict")
    assert error["exc_type"] == "MethodNotFound"
