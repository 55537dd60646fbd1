"""Peer workers' invitations (intake) as resources: an organization's admin invites, the peer worker
accepts signed in as themselves, and their own peernet id becomes their profile's id.

The invitation's secret travels as X-Invitation-Secret, as for referrals: without it, or with
another, a peer gets the same 404 as for an invitation that does not exist. Each route's roles, and
an admin inviting only to their own organization, come from intake's access table.
"""
from __future__ import annotations

from urllib.parse import urlencode, urljoin

from marshmallow import Schema, fields

from services.gateway import people_schemas as s
from services.gateway.app import Call, Reply, Route
from services.gateway.people import INVITATION_SECRET, invitation_secret
from services.gateway.schemas import PeerWorkerProfileRecorded, body_of
from shared import config
from shared.contracts.commands import intake
from shared.contracts.commands.intake import OPERATIONS as INTAKE

InvitationInput = body_of(intake.InvitePeerWorker)
SECRET_HEADER = ((INVITATION_SECRET, "the invitation's secret (the invited peer worker; the inviting "
                                     "organization's admin needs none). Without it, or with another, the "
                                     "invitation is 404 as if it did not exist."),)


class InvitationPath(Schema):
    invitation_id = fields.UUID(required=True)


class InvitationCreated(Schema):
    invitation_id = fields.UUID(required=True)
    invitation_secret = fields.String(required=True, metadata={
        "description": "given this once and stored only as a digest: send it to the peer worker with the "
                       "invitation; they send it as the X-Invitation-Secret header to read and accept"})
    invitation_link = fields.String(required=True, metadata={
        "description": "the web pages' address where the peer worker signs in and joins (it carries the "
                       "secret: send it to them alone)"})


class Invitation(Schema):
    invitation_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    display_name = fields.String(required=True, metadata={
        "description": "as the organization wrote it; \"forgotten\" once the invitation is closed"})
    status = fields.String(required=True, metadata={"description": "pending, accepted, withdrawn or expired"})
    expires_at = fields.String(required=True)
    peer_worker_id = fields.String(required=True, allow_none=True, metadata={
        "description": "the peer worker who accepted: their own peernet id"})


def invite(call: Call):
    made = call.rpc("intake", "invite_peer_worker", call.raw_body)
    query = urlencode({"secret": made["invitation_secret"]})
    link = urljoin(config.web_url(), f"invitations/{made['invitation_id']}?{query}")
    return Reply({**made, "invitation_link": link}, headers={"Location": f"/peer-worker-invitations/{made['invitation_id']}"})


def read(call: Call):
    return call.rpc("intake", "peer_worker_invitation", str(call.path["invitation_id"]), invitation_secret(call))


def accept(call: Call):
    peer_worker_id = call.rpc("intake", "accept_peer_worker_invitation", {
        "invitation_id": str(call.path["invitation_id"]), "invitation_secret": invitation_secret(call)})
    return Reply({"peer_worker_id": peer_worker_id}, headers={"Location": f"/peer-workers/{peer_worker_id}"})


def withdraw(call: Call):
    invitation_id = str(call.path["invitation_id"])
    call.rpc("intake", "withdraw_peer_worker_invitation", {"invitation_id": invitation_id})
    return {"invitation_id": invitation_id, "recorded": True}


ONE = "/peer-worker-invitations/<invitation_id>"
TAG = "peer workers"
ROUTES = [
    Route("POST", "/peer-worker-invitations", "invitePeerWorker", "Invite a peer worker to their profile", TAG,
          invite, INTAKE["invite_peer_worker"], body=InvitationInput, response=InvitationCreated, status=201,
          creates="invitation_id",
          description="The admin's own organization invites someone to work there as a peer worker, by the "
                      "name they go by; nobody types the peer worker's id. The answer carries the invitation's "
                      "secret, this once: it goes to the peer worker with the invitation's link."),
    Route("GET", ONE, "readPeerWorkerInvitation", "Read a peer worker's invitation", TAG, read,
          INTAKE["peer_worker_invitation"], path_schema=InvitationPath, response=Invitation, headers=SECRET_HEADER,
          description="The invited peer worker (with the secret in X-Invitation-Secret) sees who invited them, "
                      "under which name and until when; the admin, their organization's invitations."),
    Route("POST", ONE + "/acceptances", "acceptPeerWorkerInvitation", "Accept an invitation as a peer worker", TAG,
          accept, INTAKE["accept_peer_worker_invitation"], path_schema=InvitationPath, response=PeerWorkerProfileRecorded, status=201,
          headers=SECRET_HEADER,
          description="Only with the secret in X-Invitation-Secret. The caller's own peernet id becomes their "
                      "profile's id, under the inviting organization and the name it wrote. An invitation "
                      "already accepted, withdrawn or expired is 422 naming invitation_id; a peer worker who "
                      "already has a profile, 422 naming peer_worker_id."),
    Route("POST", ONE + "/withdrawals", "withdrawPeerWorkerInvitation", "Withdraw a peer worker's invitation", TAG,
          withdraw, INTAKE["withdraw_peer_worker_invitation"], path_schema=InvitationPath, response=s.Done,
          description="The inviting organization's admin, while it is pending."),
]
