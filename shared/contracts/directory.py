"""What directory publishes: organizations, the peer workforce, credentials,
agreements between organizations, the networking pool and peer groups.

Dates are ISO dates ("2026-01-05"); amounts are dollars as decimal strings.
Personal fields (a display name, a credential number) cross only sealed.
"""
from datetime import date, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.contracts import contract, upcaster
from shared.contracts.fields import Sealed

KINDS = ("agency", "peer_run_organization")


class Day(fields.Date):
    """An ISO date; directory's events keep dates as ISO strings, so those dump as they are."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ValidationError("Not a valid date.") from None
        return super()._serialize(value, attr, obj, **kwargs)


def Hours(**kw) -> fields.Float:  # noqa: N802  (reads as a field type)
    return fields.Float(validate=validate.Range(min=0), **kw)


def Money(**kw) -> fields.Decimal:  # noqa: N802
    return fields.Decimal(places=2, as_string=True, validate=validate.Range(min=0), **kw)


def Ids() -> fields.List:  # noqa: N802
    return fields.List(fields.String(), required=True)


class Contact(Schema):
    """An organization's public contact, not a person's."""

    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


@contract("directory", "OrganizationRegistered")
class OrganizationRegistered(Schema):
    organization_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    regions = fields.List(fields.String(), required=True)
    contact = fields.Nested(Contact, load_default=None, allow_none=True)  # optional: added with issue 4
    # BCP 47 codes the organization offers peer support in. Optional and without a default: events
    # stored before issue 18 publish without it, byte for byte as they were published.
    languages = fields.List(fields.String())


@contract("directory", "OrganizationUpdated")
class OrganizationUpdated(Schema):
    organization_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    regions = fields.List(fields.String(), required=True)
    contact = fields.Nested(Contact, required=True)
    languages = fields.List(fields.String())  # as in OrganizationRegistered


@contract("directory", "OrganizationClosed")
class OrganizationClosed(Schema):
    organization_id = fields.UUID(required=True)


@contract("directory", "PeerWorkerRecorded")
class PeerWorkerRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)
    peer_role_since = Day(required=True, allow_none=True)


@contract("directory", "PeerRoleSinceSet")
class PeerRoleSinceSet(Schema):
    peer_worker_id = fields.UUID(required=True)
    peer_role_since = Day(required=True)


# Version 2: directory decides the day the state's years in peer roles are met
# (services/directory/eligibility.py) and supervision uses it; None where a start
# was recorded before the day was kept with it.
@contract("directory", "PeerWorkerRecorded", version=2)
class PeerWorkerRecordedV2(PeerWorkerRecorded):
    peer_years_met_on = Day(required=True, allow_none=True)


@contract("directory", "PeerRoleSinceSet", version=2)
class PeerRoleSinceSetV2(PeerRoleSinceSet):
    peer_years_met_on = Day(required=True, allow_none=True)


@upcaster("directory", "PeerWorkerRecorded", 1)
@upcaster("directory", "PeerRoleSinceSet", 1)
def _peer_years_not_decided(body: dict) -> dict:
    return {**body, "peer_years_met_on": None}


@contract("directory", "EmploymentBegan")
class EmploymentBegan(Schema):
    peer_worker_id = fields.UUID(required=True)
    employment_id = fields.String(required=True)
    organization_id = fields.String(required=True)
    role_title = fields.String(required=True)
    hours_per_week = Hours(required=True)
    start = Day(required=True)
    end = Day(required=True, allow_none=True)
    certify_by = Day(required=True, allow_none=True)


@contract("directory", "EmploymentEnded")
class EmploymentEnded(Schema):
    peer_worker_id = fields.UUID(required=True)
    employment_id = fields.String(required=True)
    organization_id = fields.String(required=True)
    left_on = Day(required=True)


@contract("directory", "CredentialRecorded")
class CredentialRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)
    credential_id = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True, allow_none=True)
    number = Sealed(required=True, allow_none=True)
    issued = Day(required=True)
    expires = Day(required=True, allow_none=True)


@contract("directory", "CredentialExpired")
class CredentialExpired(Schema):
    peer_worker_id = fields.UUID(required=True)
    credential_id = fields.String(required=True)
    kind = fields.String(required=True)
    expired_on = Day(required=True)
    blocks_offers = fields.Boolean(required=True)  # the state's setting when it expired


@contract("directory", "ContinuingEducationRecorded")
class ContinuingEducationRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)
    hours = Hours(required=True)
    period_start = Day(required=True)
    period_end = Day(required=True)


@contract("directory", "PoolJoined")
class PoolJoined(Schema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    display_name = Sealed(required=True)
    region = fields.String(required=True)
    # BCP 47 codes; events published before codes carry names: read through shared.languages.normalized
    languages = fields.List(fields.String(), required=True)
    specialties = fields.List(fields.String(), required=True)


@contract("directory", "PoolLeft")
class PoolLeft(Schema):
    peer_worker_id = fields.UUID(required=True)


@contract("directory", "SubcontractAgreementMade")
class SubcontractAgreementMade(Schema):
    agreement_id = fields.UUID(required=True)
    buyer_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    hours_per_week = Hours(required=True)
    amount = Money(required=True)
    start = Day(required=True)
    end = Day(required=True)
    provider_duties = fields.List(fields.String(), required=True)
    duties = fields.List(fields.String(), required=True)


@contract("directory", "SubcontractAgreementAmended")
class SubcontractAgreementAmended(Schema):
    agreement_id = fields.UUID(required=True)
    hours_per_week = Hours(required=True)
    amount = Money(required=True)
    duties = fields.List(fields.String(), required=True)


@contract("directory", "SubcontractAgreementRenewed")
class SubcontractAgreementRenewed(Schema):
    agreement_id = fields.UUID(required=True)
    end = Day(required=True)
    amount = Money(required=True)


@contract("directory", "SubcontractAgreementEnded")
class SubcontractAgreementEnded(Schema):
    agreement_id = fields.UUID(required=True)
    ended_on = Day(required=True)


@contract("directory", "PeerWorkerPlaced")
class PeerWorkerPlaced(Schema):
    agreement_id = fields.UUID(required=True)
    peer_worker_id = fields.String(required=True)
    buyer_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    hours_per_week = Hours(required=True)
    duties = fields.List(fields.String(), required=True)


@contract("directory", "PlacementEnded")
class PlacementEnded(Schema):
    agreement_id = fields.UUID(required=True)
    peer_worker_id = fields.String(required=True)


@contract("directory", "SubcontractHoursDelivered")
class SubcontractHoursDelivered(Schema):
    """Version 1: `week_start` is the day reported, any weekday, so a Wednesday's report was a week of
    its own overlapping the Monday's. Read it through `latest` to have its ISO week."""

    agreement_id = fields.UUID(required=True)
    week_start = Day(required=True)
    hours_delivered = Hours(required=True)
    hours_agreed = Hours(required=True)


# Version 2: weeks are ISO weeks, `week_start` always their Monday; a later report for a week
# replaces an earlier one (also two version 1 reports that fall in one ISO week).
@contract("directory", "SubcontractHoursDelivered", version=2)
class SubcontractHoursDeliveredV2(SubcontractHoursDelivered):
    @validates("week_start")
    def a_monday(self, value, **kwargs):
        if value.weekday() != 0:
            raise ValidationError("must be a Monday, the start of an ISO week")


@upcaster("directory", "SubcontractHoursDelivered", 1)
def _into_its_iso_week(body: dict) -> dict:
    day = body["week_start"] if isinstance(body["week_start"], date) else date.fromisoformat(body["week_start"])
    return {**body, "week_start": day - timedelta(days=day.weekday())}


class SupervisionTerms(Schema):
    supervised_organization_id = fields.String(required=True)
    supervising_organization_id = fields.String(required=True)
    peer_worker_ids = Ids()
    hours_per_month = Hours(required=True)
    start = Day(required=True)
    end = Day(required=True)
    cost = Money(required=True)
    supervisor_id = fields.String(required=True, allow_none=True)


@contract("directory", "SupervisionAgreementProposed")
class SupervisionAgreementProposed(SupervisionTerms):
    agreement_id = fields.UUID(required=True)


@contract("directory", "SupervisionAgreementAccepted")
class SupervisionAgreementAccepted(Schema):
    agreement_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)


@contract("directory", "SupervisionAgreementActivated")
class SupervisionAgreementActivated(SupervisionTerms):
    """Both organizations accepted: supervision under these terms may begin."""

    agreement_id = fields.UUID(required=True)


@contract("directory", "SupervisionAgreementDeclined")
class SupervisionAgreementDeclined(Schema):
    agreement_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)


@contract("directory", "SupervisionAgreementEnded")
class SupervisionAgreementEnded(Schema):
    agreement_id = fields.UUID(required=True)
    ended_on = Day(required=True)


@contract("directory", "PeerGroupListed")
class PeerGroupListed(Schema):
    group_id = fields.UUID(required=True)
    host_organization_id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    facilitator_ids = Ids()
    # BCP 47 codes; events published before codes carry names: read through shared.languages.normalized
    languages = fields.List(fields.String(), required=True)
    schedule = fields.Dict(required=True)


@contract("directory", "PeerGroupRetired")
class PeerGroupRetired(Schema):
    group_id = fields.UUID(required=True)
