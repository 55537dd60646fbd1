"""An agency's referral: only a pending invitation until the person agrees.

What the agency wrote about the invitee is sealed under the referral's own
id, not a person's: nothing of it becomes part of a person's record, and the
key is destroyed once the invitation is answered or expires.

The invitation carries a secret made with the referral and given once to the agency,
which passes it on to the invitee; only its SHA-256 digest is stored. Whoever reads,
accepts or declines as the invitee must send it: an id alone (seen in a log, guessed,
forwarded) opens nothing.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.intake.people import Refused, parse_time


def new_secret() -> tuple[str, str]:
    """(secret for the invitation, digest to store)."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_digest(secret)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Invitation:
    """What a referral and a peer worker's invitation share: opened only with the secret, pending until
    answered or past `expires_at`. Mixed into an aggregate that has `_expire`."""

    id_field = ""  # the field a refusal names
    secret_digest: str | None
    status: str
    expires_at: str

    def opens_with(self, secret: str | None) -> bool:
        return bool(secret and self.secret_digest) and hmac.compare_digest(secret_digest(secret), self.secret_digest)

    def next_due(self) -> datetime | None:
        return parse_time(self.expires_at) if self.status == "pending" else None

    def expire(self, now: datetime, actor: dict) -> None:
        if self.status == "pending" and parse_time(self.expires_at) <= now:
            self._expire(actor)

    def check_pending(self, now: datetime) -> None:
        if self.status != "pending" or parse_time(self.expires_at) <= now:
            raise Refused(self.id_field, "this invitation is no longer open")


class Referral(Invitation, Aggregate):
    id_field = "referral_id"

    @event("Invited")
    def __init__(self, referral_id: UUID, organization_id: str, invitee: dict, expires_at: str, actor: dict,
                 secret_digest: str | None = None):
        # secret_digest None: invited before invitations had secrets; no invitee can open those
        self.secret_digest = secret_digest
        self.organization_id = organization_id
        self.invitee = dict(invitee)  # sealed tokens, under the referral id
        self.expires_at = expires_at
        self.status = "pending"
        self.person_id: UUID | None = None

    @staticmethod
    def create_id(referral_id: UUID, **_) -> UUID:
        return referral_id

    def accept(self, person_id: UUID, now: datetime, actor: dict) -> None:
        self.check_pending(now)
        self._accept(person_id, actor)

    @event("Accepted")
    def _accept(self, person_id: UUID, actor: dict):
        self.status = "accepted"
        self.person_id = person_id

    def decline(self, now: datetime, actor: dict) -> None:
        self.check_pending(now)
        self._decline(actor)

    @event("Declined")
    def _decline(self, actor: dict):
        self.status = "declined"

    @event("Expired")
    def _expire(self, actor: dict):
        self.status = "expired"
