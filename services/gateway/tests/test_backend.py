"""RpcBackend: the caller goes into the context data; a service's trouble becomes a problem."""
import eventlet
import pytest
from nameko.exceptions import RemoteError, UnknownService

from services.gateway import service
from services.gateway.problems import Problem
from shared.errors import Conflict, InvalidInput
from shared.identity import Caller


class FakeWorkerContext:
    def __init__(self):
        self.data = {}


def backend_answering(monkeypatch, answer, timeout=5.0):
    sent = []

    class FakeMethodProxy:
        def __init__(self, worker_ctx, service_name, method_name, reply_listener, **options):
            self.worker_ctx, self.target = worker_ctx, (service_name, method_name)
            assert options == {"expiration": timeout}  # given up on, a request expires in the queue

        def call_async(self, *args):
            sent.append((self.target, args, dict(self.worker_ctx.data)))
            if isinstance(answer, Exception) and not isinstance(answer, RemoteError):
                raise answer
            return self

        def result(self):
            if answer == "never":
                eventlet.sleep(10)
            if isinstance(answer, Exception):
                raise answer
            return answer

    monkeypatch.setattr(service, "MethodProxy", FakeMethodProxy)
    return service.RpcBackend(FakeWorkerContext(), reply_listener=None, timeout=timeout), sent


def test_the_caller_travels_in_the_context_data(monkeypatch):
    backend, sent = backend_answering(monkeypatch, {"log": 1})
    caller = Caller("u-1", "state_auditor", None, "corr-9")
    assert backend.call("intake", "positions", caller=caller) == {"log": 1}
    assert sent == [(("intake", "positions"), (), {"caller": caller.as_actor()})]


@pytest.mark.parametrize("answer, status", [
    (UnknownService("directory"), 503),
    ("never", 504),
    (Conflict("the agreement changed since you read it"), 409),
    (RemoteError("KeyError", "'x'"), 502),
])
def test_trouble_behind_the_gateway_becomes_a_problem(monkeypatch, answer, status):
    backend, _ = backend_answering(monkeypatch, answer, timeout=0.2)
    with pytest.raises(Problem) as raised:
        backend.call("directory", "positions", caller=Caller("u", "state_auditor"))
    assert raised.value.status == status


def test_refusals_pass_through_for_the_gateway_to_map(monkeypatch):
    backend, _ = backend_answering(monkeypatch, InvalidInput({"name": ["required"]}))
    with pytest.raises(InvalidInput):
        backend.call("directory", "register_organization", {}, caller=Caller("u", "state_auditor"))


def test_a_conflict_says_what_the_caller_can_do_instead(monkeypatch):
    offers = [{"peer_worker_id": "p-2", "why": "you both chose to share: veteran"}]
    backend, _ = backend_answering(monkeypatch, Conflict("that peer has no free place any more",
                                                         {"next_offers": offers}))
    with pytest.raises(Problem) as raised:
        backend.call("matching", "choose", {}, caller=Caller("u", "person"))
    assert raised.value.status == 409 and raised.value.extensions == {"next_offers": offers}
