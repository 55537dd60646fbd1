"""An organization's invitation to a peer worker: how a peer worker's own sign-in becomes their profile.

The organization never learns or types the peer worker's id: whoever signs in as a peer and holds
the invitation's secret accepts it, and their own user id becomes the profile's id. The display name
the organization wrote is sealed under the invitation's id, and that key is destroyed once the
invitation is accepted, withdrawn or expires. Only the secret's digest is stored (see referrals).
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.intake.referrals import Invitation


class PeerWorkerInvitation(Invitation, Aggregate):
    id_field = "invitation_id"

    @event("Invited")
    def __init__(self, invitation_id: UUID, organization_id: str, display_name: str, expires_at: str,
                 secret_digest: str, actor: dict):
        """`display_name` is a sealed token, under the invitation's id."""
        self.organization_id = organization_id
        self.display_name = display_name
        self.expires_at = expires_at
        self.secret_digest = secret_digest
        self.status = "pending"
        self.peer_worker_id: UUID | None = None

    @staticmethod
    def create_id(invitation_id: UUID, **_) -> UUID:
        return invitation_id

    def accept(self, peer_worker_id: UUID, now: datetime, actor: dict) -> None:
        self.check_pending(now)
        self._accept(peer_worker_id, actor)

    @event("Accepted")
    def _accept(self, peer_worker_id: UUID, actor: dict):
        self.status = "accepted"
        self.peer_worker_id = peer_worker_id

    def withdraw(self, now: datetime, actor: dict) -> None:
        self.check_pending(now)
        self._withdraw(actor)

    @event("Withdrawn")
    def _withdraw(self, actor: dict):
        self.status = "withdrawn"

    @event("Expired")
    def _expire(self, actor: dict):
        self.status = "expired"
