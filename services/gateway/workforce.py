"""Directory's peer workforce as resources: employments, peer-role experience, credentials,
continuing education, and the reads an agency and the state need (the workforce record,
an organization's workforce, credential status, who may supervise peers).

Each route's roles come from directory's access table: an agency admin acts for their own
organization (the table refuses, before any call, ids sent that show another's) and directory
checks again that the organization employs the peer worker. A peer worker records their own
peer-role experience and continuing education and reads their own record (the table refuses
another's); credentials are recorded by the employer.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway.app import Call, Reply, Route
from services.gateway.csv_files import MEDIA as CSV, csv_file
from services.gateway.directory import keyset_listing, own_organization, query_of
from services.gateway.people import PeerWorkerPath
from services.gateway.schemas import body_of, page_of
from shared.contracts.commands import directory
from shared.contracts.commands.directory import OPERATIONS as DIRECTORY

EmploymentInput = body_of(directory.RecordEmployment, "peer_worker_id")
EmploymentEndingInput = body_of(directory.EndEmployment, "peer_worker_id")
PeerRoleSinceInput = body_of(directory.SetPeerRoleSince, "peer_worker_id")
CredentialInput = body_of(directory.RecordCredential, "peer_worker_id")
ContinuingEducationInput = body_of(directory.RecordContinuingEducation, "peer_worker_id")
WorkforceQuery = query_of(directory.WorkforceQuery, "WorkforceQuery")
CredentialStatusQuery = query_of(directory.CredentialStatusQuery, "CredentialStatusQuery")
EligibleSupervisorQuery = query_of(directory.EligibleSupervisorQuery, "EligibleSupervisorQuery")
CredentialStatusFileQuery = Schema.from_dict(
    {key: directory.CredentialStatusQuery._declared_fields[key] for key in ("organization_id", "as_of")},
    name="CredentialStatusFileQuery")
CREDENTIAL_COLUMNS = ["organization", "organization_id", "peer_worker_id", "role_title", "certification",
                      "certify_by", "credentials", "expired", "blocks_offers"]
PAGE = 500  # directory's largest page


class EmploymentRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)
    employment_id = fields.UUID(required=True)


class CredentialRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)
    credential_id = fields.UUID(required=True)


class Employment(Schema):
    employment_id = fields.String(required=True)
    organization_id = fields.String(required=True)
    role_title = fields.String(required=True)
    hours_per_week = fields.Float(required=True)
    start = fields.String(required=True)
    end = fields.String(allow_none=True)
    certify_by = fields.String(allow_none=True, metadata={"description": "the deadline to become certified"})
    left_on = fields.String(allow_none=True)


class Credential(Schema):
    credential_id = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(allow_none=True)
    number = fields.String(allow_none=True, metadata={"description": "\"forgotten\" once erased"})
    issued = fields.String(required=True)
    expires = fields.String(allow_none=True)
    expired = fields.Boolean(required=True)
    current = fields.Boolean(required=True)


class ContinuingEducation(Schema):
    period_start = fields.String(required=True)
    period_end = fields.String(required=True)
    hours = fields.Float(required=True, metadata={"description": "the period's total"})


class WorkforceRecord(Schema):
    peer_worker_id = fields.String(required=True)
    peer_role_since = fields.String(allow_none=True)
    employments = fields.List(fields.Nested(Employment), required=True)
    credentials = fields.List(fields.Nested(Credential), required=True)
    continuing_education = fields.List(fields.Nested(ContinuingEducation), required=True)
    in_pool = fields.Boolean(required=True)
    eligible_peer_supervisor = fields.Boolean(required=True)
    version = fields.Integer(required=True)


class CredentialStatus(Schema):
    peer_worker_id = fields.String(required=True)
    role_title = fields.String(required=True)
    certification = fields.String(required=True, metadata={
        "description": "certified, due, overdue or not_required"})
    certify_by = fields.String(allow_none=True)
    credentials = fields.List(fields.String(), required=True, metadata={"description": "held on as_of"})
    expired = fields.List(fields.String(), required=True)
    blocks_offers = fields.Boolean(required=True, metadata={"description": "the state's setting, applied"})


class WorkforceMember(Employment, CredentialStatus):
    """One employment at the organization with the peer worker's credential status."""


class EligibleSupervisor(Schema):
    peer_worker_id = fields.String(required=True)


def _record(call: Call, peer_worker_id: str):
    return call.rpc("directory", "workforce_record", peer_worker_id)


def record_employment(call: Call):
    peer_worker_id = str(call.path["peer_worker_id"])
    employment_id = call.rpc("directory", "record_employment", {**call.raw_body, "peer_worker_id": peer_worker_id})
    return Reply({"peer_worker_id": peer_worker_id, "employment_id": employment_id},
                 headers={"Location": f"/workforce-records/{peer_worker_id}"})


def end_employment(call: Call):
    peer_worker_id = str(call.path["peer_worker_id"])
    call.rpc("directory", "end_employment", {**call.raw_body, "peer_worker_id": peer_worker_id})
    return _record(call, peer_worker_id)


def record_credential(call: Call):
    peer_worker_id = str(call.path["peer_worker_id"])
    credential_id = call.rpc("directory", "record_credential", {**call.raw_body, "peer_worker_id": peer_worker_id})
    return Reply({"peer_worker_id": peer_worker_id, "credential_id": credential_id},
                 headers={"Location": f"/workforce-records/{peer_worker_id}"})


def _own_change(method: str):
    """A change a peer worker makes to their own record, or their employer's admin makes."""
    def change(call: Call):
        peer_worker_id = str(call.path["peer_worker_id"])
        call.rpc("directory", method, {**call.raw_body, "peer_worker_id": peer_worker_id})
        return _record(call, peer_worker_id)
    change.__name__ = method
    return change


def read_workforce_record(call: Call):
    record = _record(call, str(call.path["peer_worker_id"]))
    own_organization(call, *(employment["organization_id"] for employment in record["employments"]))
    return record


def export_credential_status(call: Call):
    query = CredentialStatusFileQuery().dump(call.query)
    organization = call.rpc("directory", "organization", query["organization_id"])
    rows: list[dict] = []
    after = None
    while True:
        page = call.rpc("directory", "credential_status", {**query, "after": after, "limit": PAGE})
        rows += page["items"]
        after = page["next_after"]
        if after is None:
            break
    named = [{"organization": organization["name"], "organization_id": organization["organization_id"], **row}
             for row in rows]
    return csv_file(CREDENTIAL_COLUMNS, named, "credential-status.csv")


W = "/peer-workers/<peer_worker_id>"
ROUTES = [
    Route("POST", W + "/employments", "recordEmployment", "Record a peer worker's employment", "workforce",
          record_employment, DIRECTORY["record_employment"], path_schema=PeerWorkerPath, body=EmploymentInput,
          response=EmploymentRecorded,
          status=201, description="For the admin's own organization. A new hire without a current Certified Peer "
                                  "Specialist credential gets a deadline to certify unless the role needs none."),
    Route("POST", W + "/employment-endings", "endEmployment", "End a peer worker's employment", "workforce",
          end_employment, DIRECTORY["end_employment"], path_schema=PeerWorkerPath, body=EmploymentEndingInput,
          response=WorkforceRecord,
          description="Also takes them out of the pool if shown with this organization, and ends their "
                      "placements under its subcontracts."),
    Route("POST", W + "/peer-role-changes", "setPeerRoleSince", "Set since when a peer worker has worked in peer "
          "roles", "workforce", _own_change("set_peer_role_since"),
          DIRECTORY["set_peer_role_since"], path_schema=PeerWorkerPath,
          body=PeerRoleSinceInput, response=WorkforceRecord,
          description="The peer worker themselves, or an admin of an organization employing them; it counts "
                      "towards being eligible to supervise peers."),
    Route("POST", W + "/credentials", "recordCredential", "Record a peer worker's credential", "workforce",
          record_credential, DIRECTORY["record_credential"], path_schema=PeerWorkerPath, body=CredentialInput,
          response=CredentialRecorded,
          status=201, creates="credential_id",
          description="By an admin of an organization employing them. A credential already past its "
                                  "date expires at once."),
    Route("POST", W + "/continuing-education", "recordContinuingEducation", "Record continuing education hours",
          "workforce", _own_change("record_continuing_education"),
          DIRECTORY["record_continuing_education"], path_schema=PeerWorkerPath,
          body=ContinuingEducationInput, response=WorkforceRecord, creates="report_id",
          description="Hours and period only: what was learned is the peer worker's own."),
    Route("GET", "/workforce-records/<peer_worker_id>", "readWorkforceRecord", "Read a peer worker's workforce "
          "record", "workforce", read_workforce_record, DIRECTORY["workforce_record"],
          path_schema=PeerWorkerPath, response=WorkforceRecord,
          description="Employments, credentials, continuing education. A peer worker reads their own; an agency "
                      "admin those their organization employs or employed."),
    Route("GET", "/employments", "listWorkforce", "List an organization's peer workforce", "workforce",
          keyset_listing("list_workforce", WorkforceQuery, size=3), DIRECTORY["list_workforce"],
          query_schema=WorkforceQuery,
          response=page_of(WorkforceMember, "WorkforcePage"),
          description="Each employment with the peer worker's credential status on as_of (today if omitted)."),
    Route("GET", "/credential-status", "readCredentialStatus", "Read an organization's credential status",
          "workforce", keyset_listing("credential_status", CredentialStatusQuery, size=1),
          DIRECTORY["credential_status"],
          query_schema=CredentialStatusQuery, response=page_of(CredentialStatus, "CredentialStatusPage"),
          description="Each current peer worker: certified, due, overdue or not required, and expired credentials."),
    Route("GET", "/credential-status-export", "exportCredentialStatus",
          "Download an organization's credential status", "workforce", export_credential_status,
          DIRECTORY["credential_status"], query_schema=CredentialStatusFileQuery, content_type=CSV,
          description="A CSV file (a header, then one row per current peer worker: " + ", ".join(CREDENTIAL_COLUMNS)
                      + ") on as_of (today if omitted); credentials held and expired are space-separated. "
                      "Peer workers by id, never a name or credential number. Text cells starting with "
                      "= + - or @ begin with an apostrophe, so a spreadsheet shows them and never runs them."),
    Route("GET", "/eligible-peer-supervisors", "listEligiblePeerSupervisors", "List who may supervise peers",
          "workforce", keyset_listing("eligible_peer_supervisors", EligibleSupervisorQuery, size=1),
          DIRECTORY["eligible_peer_supervisors"],
          query_schema=EligibleSupervisorQuery, response=page_of(EligibleSupervisor, "EligibleSupervisorPage"),
          description="An organization's peer workers with a current peer-supervisor credential and enough years "
                      "in peer roles (the state's settings)."),
]
