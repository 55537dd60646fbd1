"""What the HTTP API accepts and answers (marshmallow): the OpenAPI document is made from these.

Request bodies are the services' own command schemas, less any id the path
already carries: the gateway refuses bad input field by field before any RPC,
and the services check again with the same rules. Answers are the gateway's.
"""
from functools import partial

from marshmallow import Schema, fields, validate

from shared.contracts.commands import directory, intake


MAX_PAGE = 200


def body_of(command_schema, *path_fields: str):
    """A service's own command schema, less the ids the path carries: the two never drift apart."""
    return partial(command_schema, exclude=path_fields) if path_fields else command_schema


PeerWorkerProfileInput = body_of(intake.RecordPeerWorkerProfile)
SharedExperienceInput = body_of(intake.ShareExperience, "peer_worker_id")
ExperienceWithdrawalInput = body_of(intake.WithdrawExperience, "peer_worker_id")
OrganizationInput = body_of(directory.RegisterOrganization)


class PeerWorkerProfileRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)


class SharedExperience(Schema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True)
    visibility = fields.String(required=True)


class ExperienceWithdrawal(Schema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True)


class SharedItem(Schema):
    experience = fields.String(required=True)
    visibility = fields.String(required=True)


class Candidate(Schema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    display_name = fields.String(required=True, metadata={"description": "\"forgotten\" once erased"})
    shared_for_matching = fields.List(fields.String(), required=True)
    upstream_position = fields.Integer(required=True)


class Me(Schema):
    user_id = fields.String(required=True, metadata={"description": "the caller's peernet id: a person's "
                                                                    "person_id, a peer worker's peer_worker_id"})
    role = fields.String(required=True)
    organization_id = fields.String(required=True, allow_none=True)


class Availability(Schema):
    capacity = fields.Integer(required=True, metadata={"description": "places the peer worker offers"})
    times = fields.List(fields.Dict(), required=True)
    modalities = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True, metadata={"description": "BCP 47 codes"})
    regions = fields.List(fields.String(), required=True)
    remote = fields.Boolean(required=True)


class PeerWorkerProfile(Schema):
    peer_worker_id = fields.UUID(required=True)
    display_name = fields.String(required=True, metadata={"description": "\"forgotten\" once erased"})
    organization_id = fields.String(required=True)
    experiences = fields.List(fields.Nested(SharedItem), required=True, metadata={
        "description": "each item with its visibility (private, matching, network); an agency admin does not "
                       "see the private ones"})
    availability = fields.Nested(Availability, required=True, allow_none=True, metadata={
        "description": "null until the peer worker sets it"})
    paused = fields.Boolean(required=True)


class Label(Schema):
    en = fields.String(required=True)
    es = fields.String(required=True)


class Term(Schema):
    id = fields.String(required=True)
    label = fields.Nested(Label, required=True)


class LanguageTerm(Schema):
    code = fields.String(required=True, metadata={"description": "BCP 47"})
    label = fields.Nested(Label, required=True)


class Vocabularies(Schema):
    version = fields.String(required=True, metadata={"description": "changes whenever any list does"})
    experiences = fields.List(fields.Nested(Term), required=True)
    languages = fields.List(fields.Nested(LanguageTerm), required=True)
    modalities = fields.List(fields.Nested(Term), required=True)
    regions = fields.List(fields.Nested(Term), required=True, metadata={
        "description": "id is the text to send as a region"})


class Root(Schema):
    web = fields.String(required=True, metadata={"description": "the web pages (PEERNET_WEB_URL)"})
    docs = fields.String(required=True)
    openapi = fields.String(required=True)


class OrganizationRegistered(Schema):
    organization_id = fields.UUID(required=True)


class ServiceSummary(Schema):
    name = fields.String(required=True)


class Positions(Schema):
    service = fields.String(required=True)
    log = fields.Integer(required=True, metadata={"description": "the service's last stored position"})
    upstream = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                           metadata={"description": "how far it has applied each upstream service"})


class Actor(Schema):
    user_id = fields.String(required=True)
    role = fields.String(required=True)
    organization_id = fields.String(allow_none=True)
    correlation_id = fields.String(required=True)


class IntegrationEvent(Schema):
    source = fields.String(required=True)
    position = fields.Integer(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True)
    occurred_at = fields.String(required=True)
    actor = fields.Nested(Actor, required=True)
    subject_id = fields.String(allow_none=True)
    body = fields.Dict(required=True, metadata={"description": "personal fields are sealed tokens"})


class PageQuery(Schema):
    cursor = fields.String(metadata={"description": "next_cursor from the previous page; omit for the first"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class IntegrationEventQuery(PageQuery):
    type = fields.String(validate=validate.Regexp(r"^[A-Z][A-Za-z]+$"),
                         metadata={"description": "only events of this type"})


def page_of(item_schema, name: str) -> type[Schema]:
    """A list page: the items and the cursor of the next page (null on the last)."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True),
    }, name=name)


ServicePage = page_of(ServiceSummary, "ServicePage")
IntegrationEventPage = page_of(IntegrationEvent, "IntegrationEventPage")


class Health(Schema):
    service = fields.String(required=True)
    healthy = fields.Boolean(required=True)


class FieldError(Schema):
    field = fields.String(required=True, metadata={"description": "dotted path of the field at fault"})
    message = fields.String(required=True)


class ChartReason(Schema):
    code = fields.String(required=True, metadata={"description": "power_imbalance, agenda or busy_work"})
    name = fields.Nested(Label, required=True, metadata={"description": "the chart's short name"})


class ChartReasonDescribed(ChartReason):
    description = fields.Nested(Label, required=True)


class ChartDuty(Schema):
    code = fields.String(required=True)
    duty = fields.Nested(Label, required=True, metadata={"description": "the duty as the chart names it"})
    reasons = fields.List(fields.Nested(ChartReason), required=True)
    why = fields.Nested(Label, required=True, metadata={"description": "the handbook's why"})
    alternative = fields.Nested(Label, allow_none=True, metadata={
        "description": "what is consistent with a peer role instead; null where the chart gives nothing"})


class ChartDutyListed(ChartDuty):
    ok_at_their_request = fields.Boolean(required=True, metadata={
        "description": "the same task is fine when the person asked for it (a duty line saying so is accepted)"})


class PeerRoleChart(Schema):
    version = fields.Integer(required=True)
    source = fields.String(required=True)
    reasons = fields.List(fields.Nested(ChartReasonDescribed), required=True)
    duties = fields.List(fields.Nested(ChartDutyListed), required=True)


class RefusedDuty(ChartDuty):
    field = fields.String(required=True, metadata={"description": "as in errors: duties.1"})
    index = fields.Integer(required=True, metadata={"description": "the line of the duty list sent"})
    text = fields.String(required=True, metadata={"description": "the line as sent"})


class Problem(Schema):
    type = fields.String(required=True, metadata={"description": "a link to the explanation of this kind"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    correlation_id = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldError), required=True)
    refused_duties = fields.List(fields.Nested(RefusedDuty), metadata={
        "description": "422 on a duty list (subcontracts, amendments, placements): each line the peer-role "
                       "chart refuses, with the chart's duty, reasons, why and alternative in English and "
                       "Spanish; a line naming two refused tasks appears twice"})
