"""Peer workers' invitations: an organization's admin invites, the peer worker accepts with their own
sign-in, and their profile is recorded under their own user id, so nobody types a peer worker's id.

The invitation's secret is answered once to the admin and stored only as its digest; a peer without it
gets the same NotFound as for an invitation that does not exist.
"""
from __future__ import annotations

from uuid import UUID

from services.intake.domain import PeerWorkerProfile
from services.intake.invitations import PeerWorkerInvitation
from services.intake.people_commands import invitation_expiry, refusals
from services.intake.referrals import new_secret
from shared.contracts.commands import intake as schemas
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.schemas import load


def missing(invitation_id: UUID) -> str:
    return f"no peer worker invitation {invitation_id}"


class InvitationCommands:
    """Mixed into IntakeApplication (which gives repository, vault, save, clock and PeopleCommands' lookups)."""

    def invite_peer_worker(self, payload: dict, caller: Caller) -> dict:
        """The invitation's id, and its secret: answered this once, stored only as a digest."""
        command = load(schemas.InvitePeerWorker(), payload)
        if caller.role != "agency_admin" or caller.organization_id != command["organization_id"]:
            raise NotAllowed("an agency admin invites peer workers only to their own organization")
        invitation_id, now = command["invitation_id"], self.clock()
        if self._exists(invitation_id):
            raise InvalidInput({"invitation_id": ["an invitation with this id already exists"]})
        expires_at = invitation_expiry(command["expires_at"], now)
        secret, digest = new_secret()
        invitation = PeerWorkerInvitation(
            invitation_id=invitation_id, organization_id=command["organization_id"],
            display_name=self.vault.seal(str(invitation_id), command["display_name"]),
            expires_at=expires_at.isoformat(), secret_digest=digest, actor=caller.as_actor())
        self.save(invitation)
        return {"invitation_id": invitation.id, "invitation_secret": secret}

    def peer_worker_invitation(self, invitation_id: UUID, caller: Caller, invitation_secret: str | None = None) -> dict:
        """For the invitee (a peer, with the secret) or the inviting organization's admin."""
        if caller.role == "peer":
            invitation = self._opened(invitation_id, PeerWorkerInvitation, invitation_secret, missing(invitation_id))
        else:
            invitation = self._admins_invitation(invitation_id, caller)
            self._record_invitee_read(invitation, caller, "peer_worker_invitation", ["display_name"])
        return {"invitation_id": str(invitation.id), "organization_id": invitation.organization_id,
                "display_name": self.vault.open(invitation.display_name), "status": invitation.status,
                "expires_at": invitation.expires_at,
                "peer_worker_id": str(invitation.peer_worker_id) if invitation.peer_worker_id else None}

    def accept_peer_worker_invitation(self, payload: dict, caller: Caller) -> UUID:
        """The caller's own user id becomes their profile's id, under the inviting organization."""
        command = load(schemas.AcceptPeerWorkerInvitation(), payload)
        if caller.role != "peer":
            raise NotAllowed("only a peer worker accepts a peer worker's invitation")
        invitation_id = command["invitation_id"]
        invitation = self._opened(invitation_id, PeerWorkerInvitation, command["invitation_secret"],
                                  missing(invitation_id))
        try:
            peer_worker_id = UUID(caller.user_id)
        except ValueError:
            raise InvalidInput({"peer_worker_id": ["this sign-in gives no peer worker id"]}) from None
        now = self.clock()
        with refusals():  # a closed invitation is refused before anything else is said
            invitation.check_pending(now)
        if self._exists(peer_worker_id):
            raise InvalidInput({"peer_worker_id": ["you already have a peer worker profile"]})
        invitation.accept(peer_worker_id, now, caller.as_actor())
        profile = PeerWorkerProfile(
            peer_worker_id=peer_worker_id,
            display_name=self.vault.seal(str(peer_worker_id), self.vault.open(invitation.display_name)),
            organization_id=invitation.organization_id, experiences={}, actor=caller.as_actor())
        self.save(profile, invitation)
        self.vault.forget(str(invitation.id))  # the name now lives under the peer worker's own key
        return peer_worker_id

    def withdraw_peer_worker_invitation(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.PeerWorkerInvitationRef(), payload)
        invitation = self._admins_invitation(command["invitation_id"], caller)
        with refusals():
            invitation.withdraw(self.clock(), caller.as_actor())
        self.save(invitation)
        self.vault.forget(str(invitation.id))

    def _admins_invitation(self, invitation_id: UUID, caller: Caller) -> PeerWorkerInvitation:
        invitation = self._held(invitation_id, PeerWorkerInvitation, missing(invitation_id))
        if caller.role != "agency_admin" or caller.organization_id != invitation.organization_id:
            raise NotFound(missing(invitation_id))  # another organization's: not even that it exists
        return invitation
