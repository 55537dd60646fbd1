"""MatchingApplication: the Candidate projection built from intake's events."""
from __future__ import annotations

import uuid

import pytest

from services.matching.setup import setup
from services.matching.tests.support import SYSTEM
from services.matching.domain import Candidate
from shared import contracts
from shared.errors import NotFound
from shared.tests.conftest import app_factory, isolated_env, notification_count, stored_events, vault  # noqa: F401

ACTOR = {"user_id": "peer-user-1", "role": "peer", "organization_id": "org-harbor", "correlation_id": "corr-9"}


class Upstream:
    """Intake's side, as matching sees it: parsed integration events at rising positions."""

    def __init__(self, vault):
        self.vault = vault
        self.position = 0

    def event(self, type_, body, source="intake"):
        self.position += 1
        return self.at(self.position, type_, body, source)

    def at(self, position, type_, body, source="intake"):
        built = contracts.build(source=source, position=position, type_=type_,
                                occurred_at="2025-03-04T05:06:07+00:00", actor=ACTOR,
                                subject_id=str(body.get("peer_worker_id", "")), body=body)
        return contracts.parse(built.as_message())

    def profiled(self, who, matching=(), network=(), name="Rowan Example"):
        return self.event("PeerWorkerProfiled", {
            "peer_worker_id": who, "organization_id": "org-harbor",
            "display_name": self.vault.seal(str(who), name),
            "shared_for_matching": list(matching), "shared_with_network": list(network)})

    def shared(self, who, experience, visibility):
        return self.event("PeerWorkerExperienceShared",
                          {"peer_worker_id": who, "experience": experience, "visibility": visibility})

    def withdrawn(self, who, experience):
        return self.event("PeerWorkerExperienceWithdrawn", {"peer_worker_id": who, "experience": experience})

    def kept(self, who):
        return self.event("PeerWorkerPrivateExperienceKept", {"peer_worker_id": who})


@pytest.fixture
def matching(app_factory):
    return app_factory(setup)


@pytest.fixture
def upstream(vault):
    return Upstream(vault)


@pytest.fixture
def rowan():
    return uuid.uuid4()


def items(matching, who) -> list[str]:
    return matching.perform("candidate", SYSTEM, who)["shared_for_matching"]


def test_profiled_lists_only_the_items_shared_for_matching(matching, upstream, rowan):
    assert matching.process_upstream(upstream.profiled(rowan, matching=["veteran", "heard_voices"],
                                                       network=["lgbtq"])) is True
    candidate = matching.perform("candidate", SYSTEM, rowan)
    assert candidate == {"peer_worker_id": str(rowan), "organization_id": "org-harbor",
                         "display_name": "Rowan Example", "shared_for_matching": ["heard_voices", "veteran"],
                         "upstream_position": 1}
    [listed] = stored_events(matching)
    assert isinstance(listed, Candidate.Listed)
    assert listed.display_name.startswith("pii1:")  # kept sealed in matching's store too
    assert listed.actor["role"] == "system" and listed.actor["correlation_id"] == "corr-9"


def test_shared_for_matching_adds_an_item(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran"]))
    matching.process_upstream(upstream.shared(rowan, "lgbtq", "matching"))
    assert items(matching, rowan) == ["lgbtq", "veteran"]
    assert isinstance(stored_events(matching)[-1], Candidate.ItemAdded)


def test_shared_with_network_removes_a_matching_item(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran", "lgbtq"]))
    matching.process_upstream(upstream.shared(rowan, "veteran", "network"))
    assert items(matching, rowan) == ["lgbtq"]
    assert isinstance(stored_events(matching)[-1], Candidate.ItemRemoved)
    assert matching.perform("candidate", SYSTEM, rowan)["upstream_position"] == 2


def test_shared_with_network_of_an_item_never_matched_changes_no_item(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran"]))
    matching.process_upstream(upstream.shared(rowan, "lgbtq", "network"))
    assert items(matching, rowan) == ["veteran"]
    assert isinstance(stored_events(matching)[-1], Candidate.Touched)


def test_withdrawn_removes_the_item(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran", "heard_voices"]))
    matching.process_upstream(upstream.withdrawn(rowan, "veteran"))
    assert items(matching, rowan) == ["heard_voices"]
    matching.process_upstream(upstream.withdrawn(rowan, "heard_voices"))
    assert items(matching, rowan) == []
    assert matching.perform("candidate", SYSTEM, rowan)["upstream_position"] == 3


def test_something_private_changed_alters_no_item_but_is_tracked(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran"]))
    assert matching.process_upstream(upstream.kept(rowan)) is True
    assert items(matching, rowan) == ["veteran"]
    assert matching.perform("candidate", SYSTEM, rowan)["upstream_position"] == 2
    assert matching.position_in("intake") == 2


def test_duplicate_positions_change_nothing(matching, upstream, rowan):
    first = upstream.profiled(rowan, matching=["veteran"])
    second = upstream.withdrawn(rowan, "veteran")
    assert matching.process_upstream(first) is True
    assert matching.process_upstream(second) is True
    count = notification_count(matching)
    before = matching.perform("candidate", SYSTEM, rowan)
    assert matching.process_upstream(first) is False
    assert matching.process_upstream(second) is False
    # a different event claiming an old position is a duplicate too
    assert matching.process_upstream(upstream.at(2, "PeerWorkerExperienceShared",
                                                 {"peer_worker_id": rowan, "experience": "lgbtq",
                                                  "visibility": "matching"})) is False
    assert notification_count(matching) == count == 2
    assert matching.perform("candidate", SYSTEM, rowan) == before
    assert matching.position_in("intake") == 2


def test_a_second_profiled_for_the_same_peer_worker_lists_nothing_new(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran"]))
    assert matching.process_upstream(upstream.profiled(rowan, matching=["lgbtq"])) is True
    assert items(matching, rowan) == ["veteran"]
    assert matching.position_in("intake") == 2


def test_events_about_someone_unknown_are_tracked_and_ignored(matching, upstream, rowan):
    assert matching.process_upstream(upstream.shared(rowan, "veteran", "matching")) is True
    assert matching.position_in("intake") == 1
    assert notification_count(matching) == 0
    with pytest.raises(NotFound):
        matching.perform("candidate", SYSTEM, rowan)


def test_events_from_another_source_are_ignored(matching, upstream):
    organization = uuid.uuid4()
    event = upstream.at(1, "OrganizationRegistered", {"organization_id": organization, "name": "Harbor Peer Collective",
                                                      "kind": "agency", "regions": ["north"]}, source="directory")
    assert matching.process_upstream(event) is True
    assert matching.position_in("directory") == 1
    assert matching.position_in("intake") == 0
    assert notification_count(matching) == 0


def test_forgetting_the_peer_worker_reaches_the_candidate(matching, upstream, rowan, vault):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran"]))
    vault.forget(str(rowan))
    assert matching.perform("candidate", SYSTEM, rowan)["display_name"] == "forgotten"


def test_what_matching_publishes(matching, upstream, rowan):
    matching.process_upstream(upstream.profiled(rowan, matching=["veteran"], network=["lgbtq"]))
    matching.process_upstream(upstream.withdrawn(rowan, "veteran"))
    listed, changed = [e.as_message() for e in matching.integration_events(0)]
    assert listed["type"] == "CandidateListed"
    assert listed["body"] == {"peer_worker_id": str(rowan), "organization_id": "org-harbor",
                              "shared_for_matching": ["veteran"]}
    assert changed["type"] == "CandidateChanged" and changed["body"] == {"peer_worker_id": str(rowan)}
    assert "Rowan" not in str(listed) + str(changed)
