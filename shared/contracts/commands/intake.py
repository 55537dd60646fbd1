"""Command inputs intake accepts (marshmallow); unknown fields are refused."""
import uuid
from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.contracts.commands import CommandSchema
from shared.contracts.intake import MODALITIES, WeeklyTime
from shared.experiences import EXPERIENCE_CODES, VISIBILITIES
from shared.identity import ROLES
from shared.languages import Languages

PERSON_VISIBILITIES = ("private", "matching")  # `network` is for peer workers only
CONSENT_PURPOSES = ("peer_support",)
AUDIENCES = ("matching", "offered_peer", "referring_agency")
SEEABLE = ("display_name", "contact", "region", "languages", "modalities", "agencies", "experiences")


class ExperienceItem(CommandSchema):
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class RecordPeerWorkerProfile(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    organization_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    experiences = fields.List(fields.Nested(ExperienceItem), load_default=list)


class ShareExperience(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class WithdrawExperience(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))


# --- people --------------------------------------------------------------------------

Text = lambda low, high, **kw: fields.String(validate=validate.Length(min=low, max=high), **kw)  # noqa: E731


class Consent(CommandSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    # Which audience may see which fields: nothing not named here.
    may_see = fields.Dict(keys=fields.String(validate=validate.OneOf(AUDIENCES)),
                          values=fields.List(fields.String(validate=validate.OneOf(SEEABLE))), required=True)
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)

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
    hopes = Text(1, 1000, load_default=None, allow_none=True)  # their own words; never published
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)


class SupportRequestRef(PersonRef):
    request_id = fields.UUID(required=True)


class Recipient(CommandSchema):
    user_id = Text(1, 200, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization_id = fields.String(load_default=None, allow_none=True)


class DisclosePerson(PersonRef):
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    recipient = fields.Nested(Recipient, load_default=None, allow_none=True)


# --- referrals -------------------------------------------------------------------------


class ReferPerson(CommandSchema):
    referral_id = fields.UUID(load_default=uuid.uuid4)
    display_name = Text(1, 80, required=True)
    contact = Text(1, 200, load_default=None, allow_none=True)
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)


class ReferralRef(CommandSchema):
    referral_id = fields.UUID(required=True)


class DeclineReferral(ReferralRef):
    invitation_secret = Text(0, 200, load_default=None, allow_none=True)


# --- peer workers' invitations: their organization invites, they accept with their own sign-in -----------


class InvitePeerWorker(CommandSchema):
    invitation_id = fields.UUID(load_default=uuid.uuid4)
    organization_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    display_name = Text(1, 80, required=True)
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)


class PeerWorkerInvitationRef(CommandSchema):
    invitation_id = fields.UUID(required=True)


class AcceptPeerWorkerInvitation(PeerWorkerInvitationRef):
    invitation_secret = Text(0, 200, load_default=None, allow_none=True)


# --- peer workers' availability ----------------------------------------------------------


class SetAvailability(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=50))
    times = fields.List(fields.Nested(WeeklyTime), load_default=list)
    modalities = fields.List(fields.String(validate=validate.OneOf(MODALITIES)), required=True,
                             validate=validate.Length(min=1))
    languages = Languages(required=True, validate=validate.Length(min=1))
    regions = fields.List(Text(1, 80), load_default=list)
    remote = fields.Boolean(required=True)

    @validates_schema
    def _times_run_forward(self, data, **_):
        for index, time in enumerate(data.get("times", [])):
            if time["start"] >= time["end"]:
                raise ValidationError({index: ["start must be before end"]}, "times")


class PeerWorkerRef(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
