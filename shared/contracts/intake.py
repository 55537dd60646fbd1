"""What intake publishes."""
from marshmallow import Schema, fields, validate

from shared.contracts import contract
from shared.contracts.fields import Sealed
from shared.experiences import EXPERIENCE_CODES

Experience = lambda: fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))  # noqa: E731


@contract("intake", "PeerWorkerProfiled")
class PeerWorkerProfiled(Schema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    display_name = Sealed(required=True)
    shared_for_matching = fields.List(Experience(), required=True)
    shared_with_network = fields.List(Experience(), required=True)


@contract("intake", "PeerWorkerExperienceShared")
class PeerWorkerExperienceShared(Schema):
    peer_worker_id = fields.UUID(required=True)
    experience = Experience()
    visibility = fields.String(required=True, validate=validate.OneOf(("matching", "network")))


@contract("intake", "PeerWorkerExperienceWithdrawn")
class PeerWorkerExperienceWithdrawn(Schema):
    peer_worker_id = fields.UUID(required=True)
    experience = Experience()


@contract("intake", "PeerWorkerPrivateExperienceKept")
class PeerWorkerPrivateExperienceKept(Schema):
    """Says only that something private changed: the item never leaves intake."""

    peer_worker_id = fields.UUID(required=True)


# --- peer workers' availability ---------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MODALITIES = ("in_person", "phone", "text", "video", "group")


class WeeklyTime(Schema):
    day = fields.String(required=True, validate=validate.OneOf(DAYS))
    start = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    end = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))


@contract("intake", "PeerWorkerAvailabilityChanged")
class PeerWorkerAvailabilityChanged(Schema):
    """The whole availability, so a consumer needs no earlier event to use it."""

    peer_worker_id = fields.UUID(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    times = fields.List(fields.Nested(WeeklyTime), required=True)
    modalities = fields.List(fields.String(validate=validate.OneOf(MODALITIES)), required=True)
    # BCP 47 codes; events published before codes carry names: read through shared.languages.normalized
    languages = fields.List(fields.String(), required=True)
    regions = fields.List(fields.String(), required=True)
    remote = fields.Boolean(required=True)
    paused = fields.Boolean(required=True)


@contract("intake", "PeerWorkerPaused")
class PeerWorkerPaused(Schema):
    peer_worker_id = fields.UUID(required=True)


@contract("intake", "PeerWorkerResumed")
class PeerWorkerResumed(Schema):
    peer_worker_id = fields.UUID(required=True)


@contract("intake", "PeerWorkerWorkContactChanged")
class PeerWorkerWorkContactChanged(Schema):
    """How connected people reach the peer worker changed; the contact itself never leaves intake."""

    peer_worker_id = fields.UUID(required=True)


class ConnectionBody(Schema):
    connection_id = fields.UUID(required=True)


@contract("intake", "ConnectionContactOpened")
class ConnectionContactOpened(ConnectionBody):
    """Matching's connection began: each side may now read how to reach the other (never published)."""


@contract("intake", "ConnectionContactClosed")
class ConnectionContactClosed(ConnectionBody):
    """The connection ended: neither side reads the other's contact any more."""


# --- people --------------------------------------------------------------------------
# A person's personal fields cross the bus only sealed under their own key
# (open with the vault; "forgotten" once they asked to be). Only what their
# consent lets matching use is here; private items never leave intake.


class MatchingView(Schema):
    display_name = Sealed(required=True, allow_none=True)
    region = Sealed(required=True, allow_none=True)
    languages = fields.List(Sealed(), required=True)
    modalities = fields.List(fields.String(validate=validate.OneOf(MODALITIES)), required=True)
    agencies = fields.List(Sealed(), required=True)  # the dual-relationship rule: no peers employed there
    shared_for_matching = fields.List(Sealed(), required=True)  # each opens to an experience code
    consent_expires_at = fields.String(required=True, allow_none=True)


class PersonBody(Schema):
    person_id = fields.UUID(required=True)


class PersonForMatching(PersonBody):
    """`matching` null: matching may use nothing about this person now."""

    matching = fields.Nested(MatchingView, required=True, allow_none=True)


@contract("intake", "PersonEnrolled")
class PersonEnrolled(PersonForMatching):
    referred = fields.Boolean(required=True)


@contract("intake", "PersonDetailsChanged")
class PersonDetailsChanged(PersonForMatching):
    pass


@contract("intake", "PersonConsentGranted")
class PersonConsentGranted(PersonForMatching):
    pass


@contract("intake", "PersonConsentChanged")
class PersonConsentChanged(PersonForMatching):
    pass


@contract("intake", "PersonConsentRevoked")
class PersonConsentRevoked(PersonBody):
    """Every service stops using anything about the person, open requests included."""


@contract("intake", "PersonConsentLapsed")
class PersonConsentLapsed(PersonBody):
    """A time-limited consent ran out: the same effect as a revocation."""


@contract("intake", "PersonForgotten")
class PersonForgotten(PersonBody):
    """The person's key is destroyed: drop whatever is kept about them."""


@contract("intake", "PersonExperienceShared")
class PersonExperienceShared(PersonBody):
    experience = Sealed(required=True)


@contract("intake", "PersonExperienceWithdrawn")
class PersonExperienceWithdrawn(PersonBody):
    experience = Sealed(required=True)


@contract("intake", "PersonPrivateExperienceKept")
class PersonPrivateExperienceKept(PersonBody):
    """Something matching may not use changed: nothing to act on, kept for exactly-once checks."""


class RequestBody(PersonBody):
    request_id = fields.UUID(required=True)


@contract("intake", "SupportRequested")
class SupportRequested(RequestBody):
    """What the person hopes for, in their own words, stays in intake."""

    expires_at = fields.String(required=True)


@contract("intake", "SupportRequestWithdrawn")
class SupportRequestWithdrawn(RequestBody):
    pass


@contract("intake", "SupportRequestExpired")
class SupportRequestExpired(RequestBody):
    pass


@contract("intake", "PersonDataDisclosed")
class PersonDataDisclosed(PersonBody):
    """An entry of the disclosure log: which fields went to whom (the recipient is in `to`)."""

    to = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)
    audience = fields.String(required=True)
    disclosed_fields = fields.List(fields.String(), required=True)


# --- referrals: nothing about the invitee is published ---------------------------------


class ReferralBody(Schema):
    referral_id = fields.UUID(required=True)


@contract("intake", "ReferralInvited")
class ReferralInvited(ReferralBody):
    organization_id = fields.String(required=True)
    expires_at = fields.String(required=True)


@contract("intake", "ReferralAccepted")
class ReferralAccepted(ReferralBody):
    person_id = fields.UUID(required=True)


@contract("intake", "ReferralDeclined")
class ReferralDeclined(ReferralBody):
    pass


@contract("intake", "ReferralExpired")
class ReferralExpired(ReferralBody):
    pass


# --- peer workers' invitations: the display name the organization wrote is not published ------------


class PeerWorkerInvitationBody(Schema):
    invitation_id = fields.UUID(required=True)


@contract("intake", "PeerWorkerInvited")
class PeerWorkerInvited(PeerWorkerInvitationBody):
    organization_id = fields.String(required=True)
    expires_at = fields.String(required=True)


@contract("intake", "PeerWorkerInvitationAccepted")
class PeerWorkerInvitationAccepted(PeerWorkerInvitationBody):
    """Published right after the PeerWorkerProfiled of the profile it recorded, as for any other profile."""

    peer_worker_id = fields.UUID(required=True)


@contract("intake", "PeerWorkerInvitationWithdrawn")
class PeerWorkerInvitationWithdrawn(PeerWorkerInvitationBody):
    pass


@contract("intake", "PeerWorkerInvitationExpired")
class PeerWorkerInvitationExpired(PeerWorkerInvitationBody):
    pass
