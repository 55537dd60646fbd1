"""Command and query inputs directory accepts (marshmallow); unknown fields are refused."""
from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.commands import CommandSchema
from shared.contracts.fields import Day, Flag, Text as FreeText
from shared.contracts.directory import KINDS as ORGANIZATION_KINDS
from shared.identity import ROLES
from shared.languages import Language, Languages
from shared.operations import Operation, Operations

PROVIDER_DUTIES = ("hiring", "training", "supervision")
CREDENTIAL_KINDS = (
    "certified_peer_specialist", "recovery_coach", "peer_supervisor",
    "specialty_forensic", "specialty_employment", "specialty_youth", "specialty_family", "specialty_veteran",
    "facilitator_wrap", "facilitator_hearing_voices", "facilitator_alternatives_to_suicide",
    "facilitator_intentional_peer_support",
)
GROUP_KINDS = ("wrap", "hearing_voices", "alternatives_to_suicide", "intentional_peer_support",
               "peer_support", "recovery", "other")

HOURS_IN_A_WEEK = 168
# No one has worked in a peer role since before this: an earlier year is a typing slip.
PEER_ROLES_BEGIN = date(1950, 1, 1)


def Text(max_length: int = 200, **kw) -> fields.String:  # noqa: N802  (reads as a field type)
    return FreeText(1, max_length, **kw)


def Hours(**kw) -> fields.Float:  # noqa: N802
    return fields.Float(validate=validate.Range(min=0, max=HOURS_IN_A_WEEK), **kw)


def PositiveHours(**kw) -> fields.Float:  # noqa: N802
    return fields.Float(validate=validate.Range(min=0, max=HOURS_IN_A_WEEK, min_inclusive=False), **kw)


def Money(**kw) -> fields.Decimal:  # noqa: N802
    return fields.Decimal(places=2, validate=validate.Range(min=0), **kw)


def DutyList(**kw) -> fields.List:  # noqa: N802
    return fields.List(Text(300), validate=validate.Length(max=50), **kw)


def Version() -> fields.Integer:  # noqa: N802
    return fields.Integer(strict=True, validate=validate.Range(min=1), load_default=None)

def NewId() -> fields.UUID:  # noqa: N802
    """The id of what a command creates, chosen by the client or derived from its Idempotency-Key
    (services/gateway/idempotency.py): a second command with the same id is refused, not done twice."""
    return fields.UUID(load_default=None, metadata={
        "description": "optional: the new record's id; one already taken is refused (409)"})


def not_before(data: dict, later: str, earlier: str) -> None:
    if data.get(later) is not None and data.get(earlier) is not None and data[later] < data[earlier]:
        raise ValidationError(f"must not be before {earlier} ({data[earlier].isoformat()})", later)


class Contact(CommandSchema):
    phone = Text(40, load_default=None)
    email = fields.Email(load_default=None)
    website = fields.URL(load_default=None)
    address = Text(300, load_default=None)


class RegisterOrganization(CommandSchema):
    organization_id = NewId()
    name = Text(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ORGANIZATION_KINDS))
    regions = fields.List(Text(100), required=True, validate=validate.Length(min=1))
    contact = fields.Nested(Contact, load_default=None)
    # The languages its peer support is offered in (the HSDS export's service languages).
    languages = Languages(load_default=list)


class UpdateOrganization(CommandSchema):
    organization_id = fields.UUID(required=True)
    name = Text()
    regions = fields.List(Text(100), validate=validate.Length(min=1))
    contact = fields.Nested(Contact)
    languages = Languages()


class OrganizationRef(CommandSchema):
    organization_id = fields.UUID(required=True)


class RecordEmployment(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    role_title = Text(required=True)
    hours_per_week = PositiveHours(required=True)
    start = Day(required=True)
    end = Day(load_default=None)
    peer_role_since = Day(PEER_ROLES_BEGIN, load_default=None)
    # A new hire without a current CPS gets a deadline to certify unless the role needs none.
    certification_required = Flag(load_default=True)
    certify_by = Day(load_default=None)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        not_before(data, "end", "start")
        not_before(data, "start", "peer_role_since")


class EndEmployment(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    left_on = Day(required=True)


class SetPeerRoleSince(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    peer_role_since = Day(PEER_ROLES_BEGIN, required=True)


class RecordCredential(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    credential_id = NewId()
    kind = fields.String(required=True, validate=validate.OneOf(CREDENTIAL_KINDS))
    state = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{2}$", error="a two-letter state code"))
    number = Text(60, load_default=None)
    issued = Day(not_future=True, required=True)
    expires = Day(load_default=None)

    @validates_schema
    def certification_is_complete(self, data, **kwargs):
        if data["kind"] == "certified_peer_specialist":
            missing = {name: ["a Certified Peer Specialist credential needs it"]
                       for name in ("state", "number", "expires") if data.get(name) is None}
            if missing:
                raise ValidationError(missing)
        if data.get("expires") is not None and data["expires"] <= data["issued"]:
            raise ValidationError(f"must be after issued ({data['issued'].isoformat()})", "expires")


class RecordContinuingEducation(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    # A report sent again with its id changes nothing (the hours of one report count once).
    report_id = fields.UUID(load_default=None, metadata={
        "description": "optional: the report's id; the same report sent again changes nothing"})
    hours = PositiveHours(required=True)
    period_start = Day(required=True)
    period_end = Day(required=True)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        not_before(data, "period_end", "period_start")


class PeerWorkerRef(CommandSchema):
    peer_worker_id = fields.UUID(required=True)


class AsOf(CommandSchema):
    as_of = Day(load_default=None)


class JoinPool(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    display_name = Text(80, required=True)
    region = Text(100, required=True)
    languages = Languages(load_default=list)
    specialties = fields.List(Text(60), load_default=list)


class MakeSubcontract(CommandSchema):
    agreement_id = NewId()
    buyer_id = fields.UUID(required=True)
    provider_id = fields.UUID(required=True)
    hours_per_week = PositiveHours(required=True)
    amount = Money(required=True)
    start = Day(required=True)
    end = Day(required=True)
    provider_duties = fields.List(fields.String(validate=validate.OneOf(PROVIDER_DUTIES)), load_default=list)
    duties = DutyList(load_default=list)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        not_before(data, "end", "start")


class AgreementId(CommandSchema):
    agreement_id = fields.UUID(required=True)


class AgreementRef(CommandSchema):
    agreement_id = fields.UUID(required=True)
    # The version the caller last read: a stale one is a conflict, not a lost update.
    expected_version = Version()


class AmendSubcontract(AgreementRef):
    hours_per_week = PositiveHours()
    amount = Money()
    duties = DutyList()


class RenewSubcontract(AgreementRef):
    end = Day(required=True)
    amount = Money(load_default=None)


class EndAgreement(AgreementRef):
    ended_on = Day(required=True)


class PlaceWorker(AgreementRef):
    peer_worker_id = fields.UUID(required=True)
    hours_per_week = PositiveHours(required=True)
    duties = DutyList(load_default=list)


class EndPlacement(AgreementRef):
    peer_worker_id = fields.UUID(required=True)


class RecordHoursDelivered(AgreementRef):
    week_start = Day(required=True, metadata={
        "description": "any day of the week reported: it is kept under its ISO week's Monday"})
    hours = Hours(required=True)


class ProposeSupervision(CommandSchema):
    agreement_id = NewId()
    supervised_organization_id = fields.UUID(required=True)
    supervising_organization_id = fields.UUID(required=True)
    peer_worker_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=100))
    supervisor_id = fields.UUID(load_default=None)
    hours_per_month = PositiveHours(required=True)
    start = Day(required=True)
    end = Day(required=True)
    cost = Money(required=True)

    @validates_schema
    def sensible(self, data, **kwargs):
        not_before(data, "end", "start")
        if data.get("supervised_organization_id") == data.get("supervising_organization_id"):
            raise ValidationError("must be another organization", "supervising_organization_id")


class PartyDecision(AgreementRef):
    organization_id = fields.UUID(required=True)


WEEKDAY = r"(-?[1-5])?(MO|TU|WE|TH|FR|SA|SU)"


class Schedule(CommandSchema):
    """An HSDS schedule: a recurrence rule in iCalendar terms."""

    freq = fields.String(required=True, validate=validate.OneOf(("WEEKLY", "MONTHLY")))
    interval = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=12))
    byday = fields.String(required=True, validate=validate.Regexp(rf"^{WEEKDAY}(,{WEEKDAY})*$",
                                                                  error="days like TU, or 1TU for the first Tuesday"))
    opens_at = fields.Time(required=True)
    closes_at = fields.Time(required=True)
    timezone = Text(60, load_default="America/New_York")

    @validates_schema
    def times_in_order(self, data, **kwargs):
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            raise ValidationError("must be after opens_at", "closes_at")


class Place(CommandSchema):
    name = Text(load_default=None)
    address_1 = Text(required=True)
    city = Text(100, required=True)
    state_province = Text(40, required=True)
    postal_code = Text(20, required=True)


class ListGroup(CommandSchema):
    group_id = NewId()
    host_organization_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(GROUP_KINDS))
    name = Text(required=True)
    description = FreeText(0, 1000, multiline=True, load_default="")  # "" is the default: it must pass
    region = Text(100, required=True)
    facilitator_ids = fields.List(fields.UUID(), load_default=list)
    place = fields.Nested(Place, load_default=None)
    link = fields.URL(load_default=None)
    schedule = fields.Nested(Schedule, required=True)
    languages = Languages(load_default=lambda: ["en"])

    @validates_schema
    def somewhere(self, data, **kwargs):
        if data.get("place") is None and data.get("link") is None:
            raise ValidationError("a group needs a place or a link", "place")


class GroupRef(CommandSchema):
    group_id = fields.UUID(required=True)


def After(size: int = 2):
    """The sort key of the last item of the page before, as the service gave it (`next_after`): `size` texts."""
    return fields.List(FreeText(1, 1000), load_default=None, validate=validate.Length(equal=size))


class Keyset(CommandSchema):
    """A page after the last item of the one before (`after`), so the service reads as much as the page,
    however long the list."""
    after = After()
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=500))


class OrganizationQuery(Keyset):
    region = Text(100, load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(ORGANIZATION_KINDS))
    include_closed = Flag(in_query=True, load_default=False)


class WorkforceQuery(Keyset):
    after = After(3)  # the last employment's start, peer worker and employment ids
    organization_id = fields.UUID(required=True)
    include_former = Flag(in_query=True, load_default=False)
    as_of = Day(load_default=None)


class CredentialStatusQuery(Keyset):
    """Current peer workers only, by id."""
    after = After(1)  # the last peer worker's id
    organization_id = fields.UUID(required=True)
    as_of = Day(load_default=None)


class EligibleSupervisorQuery(Keyset):
    after = After(1)  # the last peer worker's id
    organization_id = fields.UUID(required=True)


class AgreementQuery(Keyset):
    organization_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("open", "ended", "proposed", "active", "declined")))


class SubcontractHoursQuery(CommandSchema):
    organization_id = fields.UUID(load_default=None)
    agreement_id = fields.UUID(load_default=None)


class PoolQuery(Keyset):
    """By display name. `after` is the last member's place sealed with their own key: no name in clear in a
    cursor, and none to read back once they are forgotten."""
    after = After(1)
    region = Text(100, load_default=None)
    language = Language(load_default=None)
    specialty = Text(60, load_default=None)
    credential = fields.String(load_default=None, validate=validate.OneOf(CREDENTIAL_KINDS))


class GroupQuery(Keyset):
    region = Text(100, load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(GROUP_KINDS))
    host_organization_id = fields.UUID(load_default=None)


# Who may call what. An agency admin acts and reads only for their own organization (one of the
# parties of an agreement); whether a peer worker or an agreement is theirs is the handler's to
# check. A peer worker acts on their own record only. `system` may do everything. The roles are
# in the order the gateway's routes list them (OpenAPI's x-roles).
ADMINS = ("agency_admin", "system")
READERS = ("agency_admin", "state_auditor", "system")
PEER_OR_ADMINS = ("peer", *ADMINS)
SUBCONTRACT_PARTIES = ("buyer_id", "provider_id")
SUPERVISION_PARTIES = ("supervised_organization_id", "supervising_organization_id")
OPERATIONS = Operations("directory", [
    # organizations
    Operation("register_organization", ("agency_admin", "state_auditor", "system"), RegisterOrganization),
    Operation("update_organization", ADMINS, UpdateOrganization, scope="organization_id"),
    Operation("close_organization", ADMINS, OrganizationRef, scope="organization_id"),
    Operation("organization", ROLES, OrganizationRef, args=("organization_id",)),
    Operation("list_organizations", ROLES, OrganizationQuery),
    # the workforce and credentials
    Operation("record_employment", ADMINS, RecordEmployment, scope="organization_id"),
    Operation("end_employment", ADMINS, EndEmployment, scope="organization_id"),
    Operation("set_peer_role_since", PEER_OR_ADMINS, SetPeerRoleSince, own="peer_worker_id"),
    Operation("workforce_record", ("peer", *READERS), PeerWorkerRef, args=("peer_worker_id",), own="peer_worker_id"),
    Operation("list_workforce", READERS, WorkforceQuery, scope="organization_id"),
    Operation("record_credential", ADMINS, RecordCredential),
    Operation("record_continuing_education", PEER_OR_ADMINS, RecordContinuingEducation, own="peer_worker_id"),
    Operation("credential_status", READERS, CredentialStatusQuery, scope="organization_id"),
    Operation("expire_credentials", ("system",), AsOf, args=("as_of",)),
    Operation("decide_peer_years", ("system",)),
    # the networking pool
    Operation("join_pool", ("peer", "system"), JoinPool, own="peer_worker_id"),
    Operation("leave_pool", ("peer", "system"), PeerWorkerRef, own="peer_worker_id"),
    Operation("search_pool", ("peer", "supervisor", "state_auditor", "system"), PoolQuery),
    # subcontracts
    Operation("make_subcontract", ADMINS, MakeSubcontract, scope=SUBCONTRACT_PARTIES),
    Operation("amend_subcontract", ADMINS, AmendSubcontract),
    Operation("renew_subcontract", ADMINS, RenewSubcontract),
    Operation("end_subcontract", ADMINS, EndAgreement),
    Operation("place_peer_worker", ADMINS, PlaceWorker),
    Operation("end_placement", ADMINS, EndPlacement),
    Operation("record_hours_delivered", ADMINS, RecordHoursDelivered),
    Operation("subcontract", READERS, AgreementId, args=("agreement_id",)),
    Operation("list_subcontracts", READERS, AgreementQuery, scope="organization_id"),
    Operation("subcontract_hours", READERS, SubcontractHoursQuery, scope="organization_id"),
    # supervision agreements
    Operation("propose_supervision", ADMINS, ProposeSupervision, scope=SUPERVISION_PARTIES),
    Operation("accept_supervision", ADMINS, PartyDecision, scope="organization_id"),
    Operation("decline_supervision", ADMINS, PartyDecision, scope="organization_id"),
    Operation("end_supervision", ADMINS, EndAgreement),
    Operation("supervision_agreement", READERS, AgreementId, args=("agreement_id",)),
    Operation("list_supervision_agreements", READERS, AgreementQuery, scope="organization_id"),
    Operation("eligible_peer_supervisors", ("agency_admin", "supervisor", "state_auditor", "system"),
              EligibleSupervisorQuery, scope="organization_id"),
    # peer groups
    Operation("list_group", ADMINS, ListGroup, scope="host_organization_id"),
    Operation("retire_group", ADMINS, GroupRef),
    Operation("find_groups", ROLES, GroupQuery),
    Operation("export_hsds", ROLES, GroupQuery),
])
