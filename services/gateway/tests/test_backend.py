"""CallBackend: the caller travels with the call; a service's trouble becomes a problem."""
import pytest
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService, deserialize, serialize

from services.gateway import service
from services.gateway.problems import Problem
from shared.calls import BrokerBlocked
from shared.errors import Conflict, InvalidInput
from shared.identity import Caller


class AnsweringClient:
    """Stands in for shared.calls.CallClient (tested on the real broker): answers or raises."""

    def __init__(self, answer, timeout):
        self.answer = answer
        self.timeout = timeout
        self.sent = []

    def call(self, service_name, method, *args, caller):
        self.sent.append(((service_name, method), args, caller))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def backend_answering(answer, timeout=5.0):
    client = AnsweringClient(answer, timeout)
    return service.CallBackend(client), client.sent


def test_the_caller_travels_with_the_call():
    backend, sent = backend_answering({"log": 1})
    caller = Caller("u-1", "state_auditor", None, "corr-9")
    assert backend.call("intake", "positions", caller=caller) == {"log": 1}
    assert sent == [(("intake", "positions"), (), caller.as_actor())]


def test_a_call_not_answered_in_time_says_how_long_was_waited():
    backend, _ = backend_answering(TimeoutError("intake did not answer"), timeout=7.0)
    with pytest.raises(Problem) as raised:
        backend.call("intake", "positions", caller=Caller("u", "state_auditor"))
    assert raised.value.status == 504 and "7s" in str(raised.value.detail)


@pytest.mark.parametrize("answer, status", [
    (UnknownService("directory"), 503),
    (ConnectionError("lost the broker"), 503),
    (TimeoutError("directory did not answer"), 504),
    (Conflict("the agreement changed since you read it"), 409),
    (RemoteError("KeyError", "'x'"), 502),
    (MethodNotFound("nothing"), 502),
])
def test_trouble_behind_the_gateway_becomes_a_problem(answer, status):
    backend, _ = backend_answering(answer, timeout=0.2)
    with pytest.raises(Problem) as raised:
        backend.call("directory", "positions", caller=Caller("u", "state_auditor"))
    assert raised.value.status == status


@pytest.mark.parametrize("sent, says", [(False, "Nothing was done"), (True, "whether it will be done is not known")])
def test_a_broker_that_blocks_publishers_is_a_503_to_retry_later(sent, says):
    backend, _ = backend_answering(BrokerBlocked("low on disk", sent=sent))
    with pytest.raises(Problem) as raised:
        backend.call("intake", "positions", caller=Caller("u", "state_auditor"))
    assert raised.value.status == 503 and raised.value.headers["Retry-After"] == "30"
    assert "not accepting changes right now" in raised.value.detail and says in raised.value.detail


def test_refusals_pass_through_for_the_gateway_to_map():
    backend, _ = backend_answering(InvalidInput({"name": ["required"]}))
    with pytest.raises(InvalidInput):
        backend.call("directory", "register_organization", {}, caller=Caller("u", "state_auditor"))


def test_a_conflict_says_what_the_caller_can_do_instead():
    offers = [{"peer_worker_id": "p-2", "why": "you both chose to share: veteran"}]
    backend, _ = backend_answering(Conflict("that peer has no free place any more", {"next_offers": offers}))
    with pytest.raises(Problem) as raised:
        backend.call("matching", "choose", {}, caller=Caller("u", "person"))
    assert raised.value.status == 409 and raised.value.extensions == {"next_offers": offers}


def test_a_refusal_keeps_its_data_on_the_way_back_from_a_service():
    refused = InvalidInput({"duties": {1: ["not part of a peer role"]}},
                           extra={"refused_duties": [{"field": "duties.1", "code": "triaging_calls"}]})
    again = deserialize(serialize(refused))
    assert isinstance(again, InvalidInput) and again.extra == refused.extra
    assert deserialize(serialize(InvalidInput({"name": ["required"]}))).extra == {}
