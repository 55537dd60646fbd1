"""A connection matching began, as intake follows it (matching's ConnectionBegan and ConnectionEnded):
while it lasts, each side may read how to reach the other, and only what that side chose to give.

Intake holds the contacts sealed; matching knows the connections. This keeps only the three ids and
whether the connection is active, so the read of a contact never needs to ask matching.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Connection(Aggregate):
    @event("Followed")
    def __init__(self, connection_id: UUID, person_id: str, peer_worker_id: str, actor: dict):
        self.person_id = person_id
        self.peer_worker_id = peer_worker_id
        self.active = True

    @staticmethod
    def create_id(connection_id: UUID, **_) -> UUID:
        return connection_id

    def end(self, actor: dict) -> None:
        if self.active:
            self._end(actor)

    @event("Ended")
    def _end(self, actor: dict):
        self.active = False

    def side(self, user_id: str) -> str | None:
        """"person" or "peer_worker" for one of its two sides; None for anyone else."""
        return {self.person_id: "person", self.peer_worker_id: "peer_worker"}.get(user_id)
