"""Command inputs intake accepts (marshmallow), unknown fields refused, and its access table."""
import uuid
from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.contracts.commands import CommandSchema, ExpireDue
from shared.contracts.fields import Flag, Moment, Text as FreeText
from shared.contracts.intake import MODALITIES, WeeklyTime
from shared.experiences import EXPERIENCE_CODES, VISIBILITIES
from shared.identity import ROLES
from shared.languages import Languages
from shared.operations import Operation, Operations

PERSON_VISIBILITIES = ("private", "matching")  # `network` is for peer workers only
CONSENT_PURPOSES = ("peer_support",)
# connected_peer: the peer worker the person is connected with, while the connection lasts
AUDIENCES = ("matching", "offered_peer", "referring_agency", "connected_peer")
SEEABLE = ("display_name", "contact", "region", "languages", "modalities", "agencies", "experiences")


class ExperienceItem(CommandSchema):
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class RecordPeerWorkerProfile(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    display_name = FreeText(1, 80, required=True)
    organization_id = FreeText(1, 100, required=True)
    experiences = fields.List(fields.Nested(ExperienceItem), load_default=list)


class ShareExperience(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class WithdrawExperience(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))


# --- people --------------------------------------------------------------------------

Text = FreeText


class Consent(CommandSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    # Which audience may see which fields: nothing not named here.
    may_see = fields.Dict(keys=fields.String(validate=validate.OneOf(AUDIENCES)),
                          values=fields.List(fields.String(validate=validate.OneOf(SEEABLE))), required=True)
    expires_at = Moment(load_default=None, allow_none=True)

    @validates("expires_at")
    def _in_the_future(self, value, **_):
        if value is not None and value <= datetime.now(timezone.utc):
            raise ValidationError("must be in the future")


class PersonDetails(CommandSchema):
    display_name = Text(1, 80, required=True)  # a pseudonym is welcome
    contact = Text(1, 200, load_default=None, allow_none=True)  # how to reach them, or none
    region = Text(1, 80, required=True)  # county
    languages = Languages(required=True, validate=validate.Length(min=1, max=10))
    modalities = fields.List(fields.String(validate=validate.OneOf(MODALITIES)), required=True,
                             validate=validate.Length(min=1))
    agencies = fields.List(Text(1, 100), load_default=list, validate=validate.Length(max=20))


class Enroll(PersonDetails):
    person_id = fields.UUID(required=True)
    consent = fields.Nested(Consent, required=True)


class AcceptReferral(Enroll):
    referral_id = fields.UUID(required=True)
    # the invitation's; without it (or with another), no such referral
    invitation_secret = Text(0, 200, load_default=None, allow_none=True)


class PersonRef(CommandSchema):
    person_id = fields.UUID(required=True)


class DisclosurePage(PersonRef):
    """A page of the person's disclosure log, oldest first: `after` is where the last line of the page before
    stands in the person's record (the service's `next_after`), so the service reads the page, not the log."""
    after = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1))
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=500))


class ChangeDetails(PersonRef):
    display_name = Text(1, 80)
    contact = Text(1, 200, allow_none=True)
    region = Text(1, 80)
    languages = Languages(validate=validate.Length(min=1, max=10))
    modalities = fields.List(fields.String(validate=validate.OneOf(MODALITIES)), validate=validate.Length(min=1))
    agencies = fields.List(Text(1, 100), validate=validate.Length(max=20))

    @validates_schema
    def _something_changes(self, data, **_):
        if set(data) == {"person_id"}:
            raise ValidationError("name at least one detail to change", "_schema")


class SharePersonExperience(PersonRef):
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(
        PERSON_VISIBILITIES, error="must be private or matching (network is for peer workers only)"))


class WithdrawPersonExperience(PersonRef):
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))


class GrantConsent(PersonRef):
    consent = fields.Nested(Consent, required=True)


class RequestSupport(PersonRef):
    request_id = fields.UUID(load_default=uuid.uuid4)
    hopes = Text(1, 1000, multiline=True, load_default=None, allow_none=True)  # their own words; never published
    expires_at = Moment(load_default=None, allow_none=True)


class SupportRequestRef(PersonRef):
    request_id = fields.UUID(required=True)


class Recipient(CommandSchema):
    user_id = Text(1, 200, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization_id = Text(1, 100, load_default=None, allow_none=True)


class DisclosePerson(PersonRef):
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    recipient = fields.Nested(Recipient, load_default=None, allow_none=True)


# --- referrals -------------------------------------------------------------------------


class ReferPerson(CommandSchema):
    referral_id = fields.UUID(load_default=uuid.uuid4)
    display_name = Text(1, 80, required=True)
    contact = Text(1, 200, load_default=None, allow_none=True)
    expires_at = Moment(load_default=None, allow_none=True)


class ReferralRef(CommandSchema):
    referral_id = fields.UUID(required=True)


class DeclineReferral(ReferralRef):
    invitation_secret = Text(0, 200, load_default=None, allow_none=True)


ReadReferral = DeclineReferral  # the invitee reads it with the invitation's secret; the admin needs none


# --- peer workers' invitations: their organization invites, they accept with their own sign-in -----------


class InvitePeerWorker(CommandSchema):
    invitation_id = fields.UUID(load_default=uuid.uuid4)
    organization_id = Text(1, 100, required=True)
    display_name = Text(1, 80, required=True)
    expires_at = Moment(load_default=None, allow_none=True)


class PeerWorkerInvitationRef(CommandSchema):
    invitation_id = fields.UUID(required=True)


class AcceptPeerWorkerInvitation(PeerWorkerInvitationRef):
    invitation_secret = Text(0, 200, load_default=None, allow_none=True)


ReadPeerWorkerInvitation = AcceptPeerWorkerInvitation  # the invited peer with the secret; the admin needs none


# --- peer workers' availability ----------------------------------------------------------


class SetAvailability(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=50))
    times = fields.List(fields.Nested(WeeklyTime), load_default=list)
    modalities = fields.List(fields.String(validate=validate.OneOf(MODALITIES)), required=True,
                             validate=validate.Length(min=1))
    languages = Languages(required=True, validate=validate.Length(min=1))
    regions = fields.List(Text(1, 80), load_default=list)
    remote = Flag(required=True)

    @validates_schema
    def _times_run_forward(self, data, **_):
        for index, time in enumerate(data.get("times", [])):
            if time["start"] >= time["end"]:
                raise ValidationError({index: ["start must be before end"]}, "times")


class PeerWorkerRef(CommandSchema):
    peer_worker_id = fields.UUID(required=True)


# How the people a peer worker is connected with reach them: the contact their organization publishes
# (the directory's), or their own work phone or email.
WORK_CONTACT_SOURCES = ("organization", "own")


class SetWorkContact(PeerWorkerRef):
    use = fields.String(required=True, validate=validate.OneOf(WORK_CONTACT_SOURCES))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^\+?[0-9][0-9 ().-]{2,38}$", error="a phone number: digits, spaces, ( ) . - and an optional leading +"))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema
    def _own_needs_one(self, data, **_):
        given = [name for name in ("phone", "email") if data.get(name)]
        if data.get("use") == "own" and not given:
            raise ValidationError("give a work phone or a work email (or both), or use your organization's", "use")
        if data.get("use") == "organization" and given:
            raise ValidationError({name: ["only with use: own"] for name in given})


class ConnectionRef(CommandSchema):
    connection_id = fields.UUID(required=True)


# Who may call what, in the order the gateway lists the roles. A person acts only on their own
# records and a peer worker only on their own profile; an agency admin records and invites only for
# their own organization. What needs stored state (whose profile, referral or invitation it is, the
# secret that opens an invitation) the handlers check.
PEER, ADMIN, PERSON, SYSTEM = "peer", "agency_admin", "person", "system"
OPERATIONS = Operations("intake", [
    # peer workers' profiles and availability: set by themselves, never assigned
    Operation("record_peer_worker_profile", (PEER, ADMIN, SYSTEM), RecordPeerWorkerProfile,
              own="peer_worker_id", scope="organization_id"),
    Operation("share_experience", (PEER, SYSTEM), ShareExperience, own="peer_worker_id"),
    Operation("withdraw_experience", (PEER, SYSTEM), WithdrawExperience, own="peer_worker_id"),
    Operation("peer_worker_profile", (PEER, ADMIN, SYSTEM), PeerWorkerRef, args=("peer_worker_id",),
              own="peer_worker_id"),
    Operation("set_availability", (PEER, SYSTEM), SetAvailability, own="peer_worker_id"),
    Operation("pause_availability", (PEER, SYSTEM), PeerWorkerRef, own="peer_worker_id"),
    Operation("resume_availability", (PEER, SYSTEM), PeerWorkerRef, own="peer_worker_id"),
    Operation("set_work_contact", (PEER, SYSTEM), SetWorkContact, own="peer_worker_id"),
    # peer workers' invitations: nobody types a peer worker's id
    Operation("invite_peer_worker", (ADMIN,), InvitePeerWorker, scope="organization_id"),
    Operation("peer_worker_invitation", (ADMIN, PEER), ReadPeerWorkerInvitation,
              args=("invitation_id", "invitation_secret")),
    Operation("accept_peer_worker_invitation", (PEER,), AcceptPeerWorkerInvitation),
    Operation("withdraw_peer_worker_invitation", (ADMIN,), PeerWorkerInvitationRef),
    # people: enrollment and referrals
    Operation("enroll", (PERSON,), Enroll, own="person_id"),
    Operation("refer_person", (ADMIN,), ReferPerson),
    Operation("referral", (ADMIN, PERSON), ReadReferral, args=("referral_id", "invitation_secret")),
    Operation("accept_referral", (PERSON,), AcceptReferral, own="person_id"),
    Operation("decline_referral", (PERSON,), DeclineReferral),
    # people: their details, items, consent, requests, their record, forgetting
    Operation("change_details", (PERSON,), ChangeDetails, own="person_id"),
    Operation("share_person_experience", (PERSON,), SharePersonExperience, own="person_id"),
    Operation("withdraw_person_experience", (PERSON,), WithdrawPersonExperience, own="person_id"),
    Operation("grant_consent", (PERSON,), GrantConsent, own="person_id"),
    Operation("revoke_consent", (PERSON,), PersonRef, own="person_id"),
    Operation("request_support", (PERSON,), RequestSupport, own="person_id"),
    Operation("withdraw_support_request", (PERSON,), SupportRequestRef, own="person_id"),
    Operation("person_record", (PERSON,), PersonRef, args=("person_id",), own="person_id"),
    Operation("disclosures", (PERSON,), DisclosurePage, args=("person_id", "after", "limit"), own="person_id"),
    Operation("forget_me", (PERSON,), PersonRef, own="person_id"),
    # the referring agency (or the system) asks for a person's consented fields
    Operation("disclose_person", (ADMIN, SYSTEM), DisclosePerson),
    # once connected, each side reads how to reach the other (whether it is their connection: the handler)
    Operation("connection_contact", (PERSON, PEER, SYSTEM), ConnectionRef, args=("connection_id",)),
    Operation("expire_due", (SYSTEM,), ExpireDue, args=("now",)),
    Operation("forget_listed", (SYSTEM,)),
])
