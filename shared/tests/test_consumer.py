"""The tracked consumer: intake's events into matching, in order and exactly once.

The source is a real intake, the consumer a real matching (both as set up),
both in memory; only the broker is left out (messages are handed to `handle`).
"""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.intake.setup import setup as intake_setup
from services.matching.setup import setup as matching_setup
from shared.consumer import TrackedConsumer
from shared.identity import Caller
from shared.tests.conftest import item, notification_count, peer_worker, profile_payload, stored_events

SYSTEM = Caller.system("matching")


class CollectedDeadLetters:
    def __init__(self):
        self.sent: list[tuple] = []

    def send(self, message, reason, source):
        self.sent.append((message, reason, source))


class Scenario:
    """Eight intake events about two peer workers, and what matching should end with."""

    def __init__(self, app_factory, peer):
        self.intake = intake = app_factory(intake_setup)
        rowan, sky = peer, peer_worker()  # each peer worker acts on their own profile
        self.rowan = intake.perform("record_peer_worker_profile", rowan, profile_payload("Rowan Example", [
            item("heard_voices", "matching"), item("veteran", "matching"),
            item("lgbtq", "network"), item("homelessness", "private")], peer_worker_id=rowan.user_id))  # 1
        self.sky = intake.perform("record_peer_worker_profile", sky, profile_payload("Sky Sample", [
            item("grief_and_loss", "matching")], peer_worker_id=sky.user_id))  # 2
        self.share(self.rowan, "veteran", "network", rowan)  # 3: no longer for matching
        intake.perform("withdraw_experience", rowan,
                       {"peer_worker_id": str(self.rowan), "experience": "heard_voices"})  # 4
        self.share(self.sky, "trauma_survivor", "matching", sky)  # 5
        self.share(self.rowan, "self_injury", "private", rowan)  # 6: private, kept in intake
        self.share(self.sky, "grief_and_loss", "private", sky)  # 7: was for matching
        self.share(self.rowan, "substance_use_recovery", "matching", rowan)  # 8
        self.fetches: list[tuple] = []
        self.messages = [json.loads(json.dumps(m)) for m in self.fetch_range("intake", 0, 500)]
        self.fetches.clear()
        assert [m["position"] for m in self.messages] == list(range(1, 9))

    def share(self, who, experience, visibility, peer):
        self.intake.perform("share_experience", peer, {"peer_worker_id": str(who), "experience": experience,
                                                       "visibility": visibility})

    def fetch_range(self, source, after, limit):
        self.fetches.append((source, after, limit))
        return [e.as_message() for e in self.intake.integration_events(after, limit)]

    def consumer(self, app_factory, vault=None):
        matching = app_factory(matching_setup, with_vault=vault)
        dead = CollectedDeadLetters()
        return matching, TrackedConsumer(matching, ("intake",), self.fetch_range, dead), dead

    def applied_one_by_one(self, app_factory):
        matching, consumer, _ = self.consumer(app_factory)
        for message in self.messages:
            consumer.handle(copy.deepcopy(message))
        return matching

    def projection(self, matching) -> dict:
        return {who: matching.perform("candidate", SYSTEM, who) for who in (self.rowan, self.sky)}


@pytest.fixture
def scenario(app_factory, peer):
    return Scenario(app_factory, peer)


def recorded_transactions(matching) -> list[int]:
    """The tracked position of each transaction `matching` records from now on."""
    transactions = []
    record = matching._record
    matching._record = lambda processing: transactions.append(processing.tracking.notification_id) or record(processing)
    return transactions


def upstream_positions(matching) -> list[int]:
    return [event.upstream_position for event in stored_events(matching)]


def test_in_order_delivery_applies_each_once(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    outcomes = [consumer.handle(copy.deepcopy(m)) for m in scenario.messages]
    assert outcomes == ["applied"] * 8
    assert matching.position_in("intake") == 8
    assert upstream_positions(matching) == list(range(1, 9))
    assert scenario.fetches == []  # nothing was missing
    assert dead.sent == []
    projection = scenario.projection(matching)
    assert projection[scenario.rowan]["shared_for_matching"] == ["substance_use_recovery"]
    assert projection[scenario.sky]["shared_for_matching"] == ["trauma_survivor"]
    assert projection[scenario.rowan]["display_name"] == "Rowan Example"
    assert projection[scenario.rowan]["upstream_position"] == 8
    assert projection[scenario.sky]["upstream_position"] == 7


def test_a_duplicate_is_skipped(scenario, app_factory):
    matching, consumer, _ = scenario.consumer(app_factory)
    assert consumer.handle(copy.deepcopy(scenario.messages[0])) == "applied"
    assert consumer.handle(copy.deepcopy(scenario.messages[1])) == "applied"
    count = notification_count(matching)
    assert consumer.handle(copy.deepcopy(scenario.messages[0])) == "duplicate"
    assert consumer.handle(copy.deepcopy(scenario.messages[1])) == "duplicate"
    assert notification_count(matching) == count == 2
    assert matching.position_in("intake") == 2


def test_a_gap_is_filled_from_the_source_first(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    assert consumer.handle(copy.deepcopy(scenario.messages[4])) == "applied"  # position 5 first
    assert scenario.fetches == [("intake", 0, consumer.page_size)]
    assert matching.position_in("intake") == 5
    assert upstream_positions(matching) == [1, 2, 3, 4, 5]
    assert scenario.projection(matching)[scenario.sky]["shared_for_matching"] == ["grief_and_loss", "trauma_survivor"]

    count = notification_count(matching)
    for message in scenario.messages[:5]:
        assert consumer.handle(copy.deepcopy(message)) == "duplicate"
    assert notification_count(matching) == count
    assert consumer.handle(copy.deepcopy(scenario.messages[5])) == "applied"
    assert dead.sent == []


def test_catch_up_reads_everything_missing(scenario, app_factory):
    matching, consumer, _ = scenario.consumer(app_factory)
    consumer.page_size = 3
    assert consumer.catch_up("intake") == 8
    assert [after for _, after, _ in scenario.fetches] == [0, 3, 6, 8]
    assert upstream_positions(matching) == list(range(1, 9))
    assert consumer.catch_up("intake") == 0


def test_a_page_is_applied_in_one_transaction_whose_reads_see_its_own_changes(scenario, app_factory):
    one_by_one = scenario.applied_one_by_one(app_factory)
    matching, consumer, _ = scenario.consumer(app_factory)
    transactions = recorded_transactions(matching)

    assert consumer.catch_up("intake") == 8  # Rowan's candidate changes at 1, 3, 4 and 8 within the page
    assert transactions == [8]
    assert scenario.projection(matching) == scenario.projection(one_by_one)
    assert matching.position_in("intake") == 8


def test_what_the_bus_brought_together_is_applied_in_one_transaction(scenario, app_factory):
    one_by_one = scenario.applied_one_by_one(app_factory)
    matching, consumer, dead = scenario.consumer(app_factory)
    transactions = recorded_transactions(matching)

    outcomes = consumer.handle_batch([copy.deepcopy(m) for m in scenario.messages])
    assert outcomes == ["applied"] * 8
    assert transactions == [8]
    assert scenario.fetches == [] and dead.sent == []
    assert scenario.projection(matching) == scenario.projection(one_by_one)


def test_a_batch_with_a_duplicate_a_gap_and_a_broken_message_ends_as_one_by_one(scenario, app_factory):
    one_by_one = scenario.applied_one_by_one(app_factory)
    matching, consumer, dead = scenario.consumer(app_factory)
    broken = copy.deepcopy(scenario.messages[6])
    broken["body"] = {"nonsense": True}
    batch = [scenario.messages[i] for i in (0, 1, 1, 4, 5)] + [broken, scenario.messages[7]]

    outcomes = consumer.handle_batch([copy.deepcopy(m) for m in batch])
    # 3 and 4 came from the log before 5; 7 came from the log in place of the broken copy
    assert outcomes == ["applied", "applied", "duplicate", "applied", "applied", "dead-lettered", "applied"]
    assert len(dead.sent) == 1
    assert upstream_positions(matching) == list(range(1, 9))
    assert scenario.projection(matching) == scenario.projection(one_by_one)


def test_a_message_damaged_on_the_way_is_dead_lettered_and_the_logs_copy_applied(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    assert consumer.handle(copy.deepcopy(scenario.messages[0])) == "applied"
    broken = copy.deepcopy(scenario.messages[1])
    broken["body"]["shared_for_matching"] = ["grief_and_loss", "not_an_experience"]
    assert consumer.handle(broken) == "dead-lettered"

    assert len(dead.sent) == 1
    message, reason, source = dead.sent[0]
    assert message == broken and source == "intake"
    assert "shared_for_matching" in reason
    assert scenario.fetches  # the source's log was asked what position 2 holds
    assert upstream_positions(matching) == [1, 2]
    assert consumer.handle(copy.deepcopy(scenario.messages[2])) == "applied"
    assert upstream_positions(matching) == [1, 2, 3]


def test_a_damaged_message_after_a_gap_is_replaced_from_the_log_with_the_gap(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    consumer.handle(copy.deepcopy(scenario.messages[0]))
    broken = copy.deepcopy(scenario.messages[3])
    broken["body"]["display_name"] = "Rowan Example"  # not in this contract, and in clear
    assert consumer.handle(broken) == "dead-lettered"
    assert "display_name" in dead.sent[0][1]
    assert "Rowan Example" not in dead.sent[0][1]  # the reason does not repeat the value
    assert upstream_positions(matching) == [1, 2, 3, 4]  # 2, 3 and 4 came from the source
    assert consumer.handle(copy.deepcopy(scenario.messages[4])) == "applied"


def test_a_forged_message_ahead_of_the_log_does_not_take_the_position(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    forged = dict(copy.deepcopy(scenario.messages[0]), position=99)
    forged["body"]["display_name"] = "In Clear"
    assert consumer.handle(forged) == "dead-lettered"
    assert matching.position_in("intake") == 8  # the log's real events, nothing at 99
    assert consumer.handle(copy.deepcopy(scenario.messages[7])) == "duplicate"


def test_an_event_broken_in_the_sources_own_log_is_skipped_for_good(scenario, app_factory):
    matching = app_factory(matching_setup)
    dead = CollectedDeadLetters()

    def fetch_with_position_2_broken(source, after, limit):
        page = scenario.fetch_range(source, after, limit)
        for message in page:
            if message["position"] == 2:
                message["version"] = 99  # a contract this consumer does not know
        return page

    consumer = TrackedConsumer(matching, ("intake",), fetch_with_position_2_broken, dead)
    consumer.catch_up("intake")
    assert len(dead.sent) == 1 and "version 99" in dead.sent[0][1]
    assert matching.position_in("intake") == 8
    assert 2 not in upstream_positions(matching) and 3 in upstream_positions(matching)


def test_a_message_without_a_position_is_dead_lettered_and_changes_nothing(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    broken = copy.deepcopy(scenario.messages[0])
    del broken["position"]
    assert consumer.handle(broken) == "dead-lettered"
    assert "position" in dead.sent[0][1]
    assert matching.position_in("intake") == 0
    assert consumer.handle(copy.deepcopy(scenario.messages[0])) == "applied"


def test_a_message_from_a_source_not_followed_is_dead_lettered(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    foreign = dict(copy.deepcopy(scenario.messages[0]), source="directory", type="OrganizationRegistered",
                   body={"organization_id": "0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d", "name": "Harbor Peer Collective",
                         "kind": "agency", "regions": ["north"]})
    assert consumer.handle(foreign) == "dead-lettered"
    message, reason, source = dead.sent[0]
    assert "source" in reason and source == "directory"
    assert matching.position_in("directory") == 0
    assert notification_count(matching) == 0


@pytest.mark.parametrize("garbage", [None, "not json", ["a", "list"]])
def test_garbage_is_dead_lettered(scenario, app_factory, garbage):
    matching, consumer, dead = scenario.consumer(app_factory)
    assert consumer.handle(garbage) == "dead-lettered"
    assert dead.sent[0][2] == "unknown"
    assert notification_count(matching) == 0


def test_any_order_with_duplicates_gives_the_same_projection(scenario, app_factory, vault):
    expected_matching, expected_consumer, _ = scenario.consumer(app_factory)
    for message in scenario.messages:
        expected_consumer.handle(copy.deepcopy(message))
    expected = scenario.projection(expected_matching)
    count = len(scenario.messages)

    @settings(max_examples=40, deadline=None, database=None)
    @given(order=st.permutations(range(count)),
           duplicates=st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, 3 * count)), max_size=8))
    def deliveries_in_any_order(order, duplicates):
        sequence = list(order)
        for which, where in duplicates:
            sequence.insert(min(where, len(sequence)), which)
        matching, consumer, dead = scenario.consumer(app_factory, vault)
        outcomes = [consumer.handle(copy.deepcopy(scenario.messages[index])) for index in sequence]
        assert dead.sent == []
        assert outcomes.count("applied") <= count
        assert scenario.projection(matching) == expected
        assert matching.position_in("intake") == count
        # exactly one matching event per upstream position, in order
        assert upstream_positions(matching) == list(range(1, count + 1))

    deliveries_in_any_order()


def test_events_that_change_nothing_are_tracked_in_memory_until_enough_pile_up(scenario, app_factory):
    from services.supervision.setup import setup  # supervision has no use for intake's events

    follower = app_factory(setup, store="sqlite")
    consumer = TrackedConsumer(follower, ("intake",), scenario.fetch_range, CollectedDeadLetters())
    for message in scenario.messages[:5]:
        assert consumer.handle(copy.deepcopy(message)) == "applied"
    assert follower.position_in("intake") == 5
    assert (follower.recorder.max_tracking_id("intake") or 0) == 0  # nothing changed: nothing written yet
    assert consumer.handle(copy.deepcopy(scenario.messages[2])) == "duplicate"

    follower.IGNORED_BEFORE_STORING = 7
    for message in scenario.messages[5:]:
        consumer.handle(copy.deepcopy(message))
    assert follower.recorder.max_tracking_id("intake") == 7  # the seventh stored them all
    assert follower.position_in("intake") == 8  # the eighth waits in memory again
    restarted = app_factory(setup, store="sqlite")
    assert restarted.position_in("intake") == 7  # read again after a restart: it changes nothing


def test_an_ignored_type_is_checked_for_source_position_and_type_only_and_positions_stay_gap_free(scenario, app_factory):
    matching, consumer, dead = scenario.consumer(app_factory)
    ignored = scenario.messages[3]["type"]  # position 4, a withdrawal
    policy = matching.policy
    matching.policy = lambda event, processing: None if event.type == ignored else policy(event, processing)
    matching.ignores = lambda source, type_: type_ == ignored
    messages = copy.deepcopy(scenario.messages)
    messages[3]["body"] = {"not": "its contract"}  # nothing here reads it, so nothing checks it
    assert consumer.handle_batch(messages) == ["applied"] * 8
    assert matching.position_in("intake") == 8 and dead.sent == [] and scenario.fetches == []
    # A message without a usable position still goes to the dead-letter queue, ignored type or not.
    broken = {**copy.deepcopy(scenario.messages[3]), "position": "9"}
    assert consumer.handle(broken) == "dead-lettered"
    assert len(dead.sent) == 1 and "position" in dead.sent[0][1]
    # A type the service reads is still checked whole.
    read = {**copy.deepcopy(scenario.messages[4]), "position": 9, "body": {"not": "its contract"}}
    assert consumer.handle(read) == "dead-lettered" and len(dead.sent) == 2


def test_intake_ignores_all_but_what_its_policy_reads(app_factory):
    intake = app_factory(intake_setup)
    assert intake.ignores("matching", "CandidateUpdated") and intake.ignores("supervision", "SessionRecorded")
    for source, type_ in (("matching", "AccessRecorded"), ("directory", "AccessRecorded"),
                          ("matching", "ConnectionBegan"), ("matching", "ConnectionEnded"),
                          ("audit", "BreakGlassOpened"), ("audit", "PersonalDataRead")):
        assert not intake.ignores(source, type_), (source, type_)
