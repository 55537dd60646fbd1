"""Each aggregate decides what an upstream event means for it (`follow`)."""
from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace

from services.matching.domain import Candidate, Workforce

ACTOR = {"user_id": "matching", "role": "system", "organization_id": None, "correlation_id": "c"}
PEER = uuid.uuid4()


def upstream(type_: str, position: int = 1, **body):
    return SimpleNamespace(type=type_, position=position, body={"peer_worker_id": PEER, **body})


def test_a_candidate_counts_only_items_shared_for_matching():
    candidate = Candidate.listed(upstream("PeerWorkerProfiled", organization_id="org-a", display_name="sealed",
                                          shared_for_matching=[]), ACTOR)
    candidate.follow(upstream("PeerWorkerExperienceShared", 2, experience="veteran", visibility="matching"), ACTOR)
    assert candidate.shared_for_matching == ["veteran"]
    candidate.follow(upstream("PeerWorkerExperienceShared", 3, experience="veteran", visibility="network"), ACTOR)
    assert candidate.shared_for_matching == []
    candidate.follow(upstream("PeerWorkerPrivateExperienceKept", 4), ACTOR)
    assert candidate.upstream_position == 4  # recorded, though nothing matching uses changed


def test_a_workforce_opens_on_employment_or_a_blocking_expiry_and_a_current_credential_lifts_the_block():
    assert not Workforce.opened_by(upstream("CredentialExpired", blocks_offers=False))
    expired = upstream("CredentialExpired", credential_id="c1", kind="certified_peer_specialist", blocks_offers=True)
    assert Workforce.opened_by(expired)
    workforce = Workforce(peer_worker_id=PEER, actor=ACTOR)
    workforce.follow(expired, ACTOR, date(2026, 6, 1))
    assert workforce.blocking == {"c1": "certified_peer_specialist"}
    lapsed = upstream("CredentialRecorded", kind="certified_peer_specialist", expires=date(2026, 5, 1))
    workforce.follow(lapsed, ACTOR, date(2026, 6, 1))
    assert workforce.blocking  # already expired: no renewal
    renewed = upstream("CredentialRecorded", kind="certified_peer_specialist", expires=date(2028, 1, 1))
    workforce.follow(renewed, ACTOR, date(2026, 6, 1))
    assert workforce.blocking == {}
