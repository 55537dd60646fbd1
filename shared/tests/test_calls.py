"""The call server's side of shared.calls without a broker: which methods, who calls, what comes back.
The whole path over the real broker is in tests/integration/test_calls.py."""
import time
import uuid

from nameko.exceptions import deserialize
from nameko.rpc import rpc

from shared import signing
from shared.calls import CallServer, rpc_methods
from shared.errors import InvalidInput, NotAllowed
from shared.service import EXPECTED, ServiceBase, require
from shared.tests.conftest import notification_count, peer_worker, profile_payload


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


def signed(actor: dict, service: str = "greeter") -> str:
    return signing.sign(actor, service)


def test_only_rpc_entrypoints_are_reachable():
    assert {"greet", "fail", "positions", "integration_events"} <= set(rpc_methods(Greeter))
    assert not {"not_an_entrypoint", "health", "metrics"} & set(rpc_methods(Greeter))
    result, error = server().perform({"method": "not_an_entrypoint", "args": [], "caller": signed(PEER)})
    assert result is None and error["exc_type"] == "MethodNotFound"


def test_the_method_runs_with_the_application_and_the_caller():
    result, error = server().perform({"method": "greet", "args": ["Sky"], "caller": signed(PEER)})
    assert error is None
    assert result == {"greeting": "hello Sky", "by": "peer-1", "store": "the application"}


def test_refusals_come_back_as_our_own_errors_with_the_fields():
    _, error = server().perform({"method": "greet", "args": [""], "caller": signed(PEER)})
    refused = deserialize(error)
    assert isinstance(refused, InvalidInput) and refused.field_errors == {"whom": ["required"]}
    for caller in (None, "not json", signed({"user_id": "x", "role": "pirate"}), signed({**PEER, "role": "person"}),
                   PEER, signed(PEER, "intake"), signing.sign(PEER, "greeter", now=time.time() - 61)):
        _, error = server().perform({"method": "greet", "args": ["Sky"], "caller": caller})
        assert isinstance(deserialize(error), NotAllowed)


def test_an_unexpected_failure_is_named_not_raised():
    result, error = server().perform({"method": "fail", "args": [], "caller": signed(PEER)})
    assert result is None and error["exc_type"] == "KeyError"
    _, error = server().perform("not even a dict")
    assert error["exc_type"] == "MethodNotFound"


# --- calls that arrived together, saved together (intake, in memory) ------------------------------

def intake_lot(app_factory):
    from services.intake.service import IntakeService
    from services.intake.setup import setup as intake_setup

    intake = app_factory(intake_setup)
    transactions = []
    record = intake._record
    intake._record = lambda processing: transactions.append(len(processing.events)) or record(processing)
    return intake, CallServer(connection=None, service_cls=IntakeService, application=intake,
                              expected=EXPECTED), transactions


def as_call(method, payload, peer):
    return {"method": method, "args": [payload], "caller": signing.sign(peer.as_actor(), "intake")}


def shared_items(intake, peer):
    return intake.repository.get(uuid.UUID(peer.user_id)).experiences


def test_calls_that_arrived_together_are_stored_in_one_transaction_and_see_each_other(app_factory):
    intake, calls, transactions = intake_lot(app_factory)
    peer = peer_worker()
    share = {"peer_worker_id": peer.user_id, "experience": "veteran", "visibility": "matching"}
    lot = [as_call("record_peer_worker_profile", profile_payload(peer_worker_id=peer.user_id), peer),
           as_call("share_experience", share, peer),
           as_call("share_experience", {**share, "experience": "lgbtq"}, peer),
           as_call("withdraw_experience", {"peer_worker_id": peer.user_id, "experience": "veteran"}, peer)]

    answers = calls.perform_together(lot)
    assert [error for _, error in answers] == [None] * 4
    assert transactions == [4]  # one write for the four commands
    assert set(shared_items(intake, peer)) == {"lgbtq"}
    assert notification_count(intake) == 4


def test_a_refused_call_in_the_lot_stores_nothing_and_the_others_are_stored(app_factory):
    intake, calls, transactions = intake_lot(app_factory)
    peer = peer_worker()
    lot = [as_call("record_peer_worker_profile", profile_payload(peer_worker_id=peer.user_id), peer),
           as_call("share_experience", {"peer_worker_id": peer.user_id, "experience": "veteran",
                                        "visibility": "shouted"}, peer),
           as_call("share_experience", {"peer_worker_id": peer.user_id, "experience": "lgbtq",
                                        "visibility": "matching"}, peer)]

    answers = calls.perform_together(lot)
    refused = deserialize(answers[1][1])
    assert isinstance(refused, InvalidInput) and "visibility" in refused.field_errors
    assert answers[0][1] is None and answers[2][1] is None
    assert transactions == [2]
    assert set(shared_items(intake, peer)) == {"lgbtq"}


def test_a_lot_whose_write_conflicts_stores_nothing_and_is_run_again_one_by_one(app_factory):
    from eventsourcing.persistence import IntegrityError

    intake, calls, transactions = intake_lot(app_factory)
    peer = peer_worker()
    lot = [as_call("record_peer_worker_profile", profile_payload(peer_worker_id=peer.user_id), peer),
           as_call("share_experience", {"peer_worker_id": peer.user_id, "experience": "lgbtq",
                                        "visibility": "matching"}, peer)]
    record = intake._record

    def conflicting_once(processing):
        intake._record = record
        raise IntegrityError("someone else wrote the same aggregate")

    intake._record = conflicting_once
    try:
        calls.perform_together(lot)
        raise AssertionError("the conflict should reach the caller")
    except IntegrityError:
        pass
    assert notification_count(intake) == 0

    answers = [calls.perform(body) for body in lot]  # what answer_received does next
    assert [error for _, error in answers] == [None, None]
    assert set(shared_items(intake, peer)) == {"lgbtq"}
