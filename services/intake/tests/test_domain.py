"""PeerWorkerProfile: plain Python rules, no store, no broker."""
from __future__ import annotations

import uuid

import pytest

from services.intake.domain import PeerWorkerProfile, UnknownExperience, check_item

ACTOR = {"user_id": "peer-user-1", "role": "peer", "organization_id": "org-harbor", "correlation_id": "corr-1"}
TOKEN = "pii1:subject:sealed-elsewhere"


def new_profile(**experiences) -> PeerWorkerProfile:
    return PeerWorkerProfile(peer_worker_id=uuid.uuid4(), display_name=TOKEN, organization_id="org-harbor",
                             experiences=experiences, actor=ACTOR)


def replay(events) -> PeerWorkerProfile:
    profile = None
    for event in events:
        profile = event.mutate(profile)
    return profile


def test_recording_keeps_the_id_the_token_and_the_items():
    peer_worker_id = uuid.uuid4()
    given = {"heard_voices": "matching", "homelessness": "private"}
    profile = PeerWorkerProfile(peer_worker_id=peer_worker_id, display_name=TOKEN,
                                organization_id="org-harbor", experiences=given, actor=ACTOR)
    given["veteran"] = "network"  # the caller's dict is not shared with the aggregate
    assert profile.id == peer_worker_id
    assert profile.display_name == TOKEN
    assert profile.experiences == {"heard_voices": "matching", "homelessness": "private"}
    [recorded] = profile.collect_events()
    assert isinstance(recorded, PeerWorkerProfile.Recorded)
    assert recorded.actor == ACTOR


def test_share_a_new_item():
    profile = new_profile()
    profile.collect_events()
    profile.share_experience("veteran", "matching", ACTOR)
    assert profile.experiences == {"veteran": "matching"}
    [shared] = profile.collect_events()
    assert isinstance(shared, PeerWorkerProfile.ExperienceShared)
    assert (shared.experience, shared.visibility, shared.previous_visibility) == ("veteran", "matching", None)
    assert shared.actor == ACTOR


def test_change_visibility_records_the_previous_one():
    profile = new_profile(veteran="matching")
    profile.collect_events()
    profile.share_experience("veteran", "private", ACTOR)
    assert profile.experiences == {"veteran": "private"}
    [changed] = profile.collect_events()
    assert (changed.visibility, changed.previous_visibility) == ("private", "matching")


def test_sharing_what_is_already_shared_that_way_records_nothing():
    profile = new_profile(veteran="network")
    profile.collect_events()
    profile.share_experience("veteran", "network", ACTOR)
    assert profile.collect_events() == []
    assert profile.version == 1


def test_withdraw_removes_the_item_and_records_its_visibility():
    profile = new_profile(veteran="network", lgbtq="private")
    profile.collect_events()
    profile.withdraw_experience("lgbtq", ACTOR)
    assert profile.experiences == {"veteran": "network"}
    [withdrawn] = profile.collect_events()
    assert isinstance(withdrawn, PeerWorkerProfile.ExperienceWithdrawn)
    assert (withdrawn.experience, withdrawn.previous_visibility) == ("lgbtq", "private")


def test_withdrawing_an_item_not_shared_is_refused_and_records_nothing():
    profile = new_profile(veteran="network")
    profile.collect_events()
    with pytest.raises(UnknownExperience) as refused:
        profile.withdraw_experience("homelessness", ACTOR)
    assert refused.value.experience == "homelessness"
    assert "homelessness" in str(refused.value)
    assert profile.collect_events() == []
    assert profile.experiences == {"veteran": "network"}


@pytest.mark.parametrize("experience, visibility, wrong", [
    ("schizophrenia", "matching", "experience"),  # diagnoses are not on the list
    ("", "network", "experience"),
    ("veteran", "public", "visibility"),
    ("veteran", None, "visibility"),
])
def test_sharing_an_unknown_item_or_visibility_is_refused(experience, visibility, wrong):
    profile = new_profile(veteran="network")
    profile.collect_events()
    with pytest.raises(ValueError) as refused:
        profile.share_experience(experience, visibility, ACTOR)
    assert str(refused.value).startswith(f"unknown {wrong}")
    assert profile.collect_events() == []
    assert profile.experiences == {"veteran": "network"}


def test_check_item_accepts_the_list():
    check_item("survived_suicide_attempt", "private")  # no error
    with pytest.raises(ValueError):
        check_item("survived a suicide attempt", "private")  # the label is not the code


def test_shared_with_lists_items_by_visibility_sorted():
    profile = new_profile(veteran="matching", heard_voices="matching", lgbtq="network", homelessness="private")
    assert profile.shared_with("matching") == ["heard_voices", "veteran"]
    assert profile.shared_with("network") == ["lgbtq"]
    assert profile.shared_with("private") == ["homelessness"]


def test_replaying_the_events_gives_the_same_profile():
    profile = new_profile(veteran="matching")
    profile.share_experience("lgbtq", "network", ACTOR)
    profile.share_experience("veteran", "private", ACTOR)
    profile.withdraw_experience("lgbtq", ACTOR)
    events = profile.collect_events()
    assert [type(e).__name__ for e in events] == ["Recorded", "ExperienceShared", "ExperienceShared",
                                                  "ExperienceWithdrawn"]
    again = replay(events)
    assert again.experiences == profile.experiences == {"veteran": "private"}
    assert again.version == profile.version == 4
    assert again.display_name == TOKEN
