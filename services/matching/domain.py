"""Matching's aggregates: plain Python, no broker, no nameko.

A candidate is what matching knows of a peer worker who may be offered:
only the items they shared for matching. Every change records the upstream
position it came from, so the projection can be checked event by event.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Candidate(Aggregate):
    @event("Listed")
    def __init__(self, peer_worker_id: UUID, organization_id: str, display_name: str,
                 shared_for_matching: list, upstream_position: int, actor: dict):
        self.organization_id = organization_id
        self.display_name = display_name  # sealed token, opened only to show an offer
        self.shared_for_matching = sorted(shared_for_matching)
        self.upstream_position = upstream_position

    @staticmethod
    def create_id(peer_worker_id: UUID, **_) -> UUID:
        return peer_worker_id

    @event("ItemAdded")
    def add_item(self, experience: str, upstream_position: int, actor: dict):
        self.shared_for_matching = sorted(set(self.shared_for_matching) | {experience})
        self.upstream_position = upstream_position

    @event("ItemRemoved")
    def remove_item(self, experience: str, upstream_position: int, actor: dict):
        self.shared_for_matching = [e for e in self.shared_for_matching if e != experience]
        self.upstream_position = upstream_position

    @event("Touched")
    def touch(self, upstream_position: int, actor: dict):
        """An upstream change that alters nothing matching uses (kept for exactly-once checks)."""
        self.upstream_position = upstream_position
