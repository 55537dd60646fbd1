"""Matching's Application: a candidate projection built from intake's events."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.matching.domain import Candidate
from shared.application import ServiceApplication
from shared.errors import NotFound
from shared.identity import Caller


def _listed(event: Candidate.Listed):
    return "CandidateListed", {
        "peer_worker_id": event.originator_id,
        "organization_id": event.organization_id,
        "shared_for_matching": event.shared_for_matching,
    }


def _changed(event):
    return "CandidateChanged", {"peer_worker_id": event.originator_id}


class MatchingApplication(ServiceApplication):
    service = "matching"
    follows = ("intake",)
    translations = {
        Candidate.Listed: _listed,
        Candidate.ItemAdded: _changed,
        Candidate.ItemRemoved: _changed,
        Candidate.Touched: _changed,
    }

    def policy(self, event, processing):
        body = event.body
        actor = Caller.system(self.service, event.actor["correlation_id"]).as_actor()
        if event.source != "intake":
            return
        if event.type == "PeerWorkerProfiled":
            if body["peer_worker_id"] in self.repository:
                return
            processing.collect_events(Candidate(
                peer_worker_id=body["peer_worker_id"],
                organization_id=body["organization_id"],
                display_name=body["display_name"],
                shared_for_matching=body["shared_for_matching"],
                upstream_position=event.position,
                actor=actor,
            ))
            return
        if "peer_worker_id" not in body or body["peer_worker_id"] not in self.repository:
            return
        candidate: Candidate = self.repository.get(body["peer_worker_id"])
        shares_for_matching = event.type == "PeerWorkerExperienceShared" and body["visibility"] == "matching"
        stops_matching = event.type == "PeerWorkerExperienceWithdrawn" or (
            event.type == "PeerWorkerExperienceShared" and body["visibility"] != "matching")
        if shares_for_matching and body["experience"] not in candidate.shared_for_matching:
            candidate.add_item(body["experience"], event.position, actor)
        elif stops_matching and body["experience"] in candidate.shared_for_matching:
            candidate.remove_item(body["experience"], event.position, actor)
        else:
            candidate.touch(event.position, actor)
        processing.collect_events(candidate)

    def candidate(self, peer_worker_id: UUID) -> dict:
        try:
            candidate: Candidate = self.repository.get(peer_worker_id)
        except AggregateNotFoundError:
            raise NotFound(f"no candidate {peer_worker_id}") from None
        return {
            "peer_worker_id": str(candidate.id),
            "organization_id": candidate.organization_id,
            "display_name": self.vault.open(candidate.display_name),
            "shared_for_matching": candidate.shared_for_matching,
            "upstream_position": candidate.upstream_position,
        }
