"""Directory's agreements between organizations: subcontracts (an agency buys peer support from
a peer-run organization) and supervision agreements (another organization supervises).

An agency admin acts and reads only where their organization is a party: directory's access
table (which gives each route its roles) refuses ids sent that show otherwise, the gateway
checks the parties answered, and directory checks again.
Acts on an agreement send back the `version` read (`expected_version`): a stale one is 409.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway.app import Call, Reply, Route
from services.gateway.csv_files import MEDIA as CSV, csv_file
from services.gateway.directory import keyset_listing, own_organization, query_of
from services.gateway.schemas import body_of, page_of
from shared.contracts.commands import directory
from shared.contracts.commands.directory import OPERATIONS as DIRECTORY

AgreementQuery = query_of(directory.AgreementQuery, "AgreementQuery")
SubcontractInput = body_of(directory.MakeSubcontract)
SupervisionProposalInput = body_of(directory.ProposeSupervision)
PartyDecisionInput = body_of(directory.PartyDecision, "agreement_id")
AmendmentInput = body_of(directory.AmendSubcontract, "agreement_id")
RenewalInput = body_of(directory.RenewSubcontract, "agreement_id")
EndingInput = body_of(directory.EndAgreement, "agreement_id")
PlacementInput = body_of(directory.PlaceWorker, "agreement_id")
PlacementEndingInput = body_of(directory.EndPlacement, "agreement_id", "peer_worker_id")
HoursReportInput = body_of(directory.RecordHoursDelivered, "agreement_id")
SubcontractHoursQuery = Schema.from_dict(dict(directory.SubcontractHoursQuery._declared_fields),
                                         name="SubcontractHoursQuery")
HOURS_COLUMNS = ["agreement_id", "buyer", "buyer_id", "provider", "provider_id", "month", "weeks",
                 "hours_delivered", "hours_agreed", "difference"]


class AgreementPath(Schema):
    agreement_id = fields.UUID(required=True)


class PlacementPath(AgreementPath):
    peer_worker_id = fields.UUID(required=True)


class AgreementMade(Schema):
    agreement_id = fields.UUID(required=True)


class Subcontract(Schema):
    agreement_id = fields.String(required=True)
    buyer_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    hours_per_week = fields.Raw(required=True)
    amount = fields.Raw(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    ended_on = fields.String(allow_none=True)
    status = fields.String(required=True)
    provider_duties = fields.List(fields.String(), required=True)
    duties = fields.List(fields.String(), required=True)
    placements = fields.List(fields.Dict(), required=True)
    hours_placed = fields.Raw(required=True)
    hours_report = fields.Raw(required=True)
    version = fields.Integer(required=True, metadata={"description": "send it back with a change"})


class SupervisionAgreement(Schema):
    agreement_id = fields.String(required=True)
    supervised_organization_id = fields.String(required=True)
    supervising_organization_id = fields.String(required=True)
    peer_worker_ids = fields.List(fields.String(), required=True)
    supervisor_id = fields.String(allow_none=True)
    hours_per_month = fields.Raw(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    cost = fields.Raw(required=True)
    status = fields.String(required=True)
    accepted_by = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)


def make_subcontract(call: Call):
    agreement_id = call.rpc("directory", "make_subcontract", call.raw_body)
    return Reply({"agreement_id": agreement_id}, headers={"Location": f"/subcontracts/{agreement_id}"})


def propose_supervision(call: Call):
    agreement_id = call.rpc("directory", "propose_supervision", call.raw_body)
    return Reply({"agreement_id": agreement_id}, headers={"Location": f"/supervision-agreements/{agreement_id}"})


def _decision(method: str):
    def decide(call: Call):
        agreement_id = str(call.path["agreement_id"])
        answer = call.rpc("directory", method, {**call.raw_body, "agreement_id": agreement_id})
        return answer or call.rpc("directory", "supervision_agreement", agreement_id)
    decide.__name__ = method
    return decide


def _read(method: str, *parties: str):
    def read(call: Call):
        agreement = call.rpc("directory", method, str(call.path["agreement_id"]))
        own_organization(call, *(agreement[party] for party in parties))
        return agreement
    read.__name__ = method
    return read


def _act(method: str, read_method: str, *parties: str):
    """An act on one agreement, answered with the agreement as it now is (its new version)."""
    read = _read(read_method, *parties)

    def act(call: Call):
        read(call)  # an unknown agreement is 404 and a non-party 403, before anything changes
        ids = {key: str(value) for key, value in call.path.items()}
        call.rpc("directory", method, {**call.raw_body, **ids})
        return read(call)
    act.__name__ = method
    return act


def export_subcontract_hours(call: Call):
    rows = call.rpc("directory", "subcontract_hours", SubcontractHoursQuery().dump(call.query))
    return csv_file(HOURS_COLUMNS, rows, "subcontract-hours.csv")


SUPERVISION_PARTIES, SUBCONTRACT_PARTIES = directory.SUPERVISION_PARTIES, directory.SUBCONTRACT_PARTIES
S = "/subcontracts/<agreement_id>"


def _subcontract_act(suffix, operation, summary, method, body, description, path_schema=AgreementPath):
    handler = _act(method, "subcontract", *SUBCONTRACT_PARTIES)
    return Route("POST", S + suffix, operation, summary, "agreements", handler, DIRECTORY[method],
                 path_schema=path_schema,
                 body=body, response=Subcontract, description=description)


ROUTES = [
    Route("POST", "/subcontracts", "makeSubcontract", "Make a subcontract", "agreements", make_subcontract,
          DIRECTORY["make_subcontract"],
          body=SubcontractInput, response=AgreementMade, status=201, creates="agreement_id",
          description="An agency buys peer support from a peer-run organization: hours, amount, dates, duties. "
                      "Duties are checked against the handbook's chart (GET /peer-role-chart): a refused line "
                      "is a 422 naming it in errors, and in refused_duties with the chart's reasons, why and "
                      "alternative in English and Spanish."),
    Route("GET", "/subcontracts", "listSubcontracts", "List subcontracts", "agreements",
          keyset_listing("list_subcontracts", AgreementQuery), DIRECTORY["list_subcontracts"], query_schema=AgreementQuery,
          response=page_of(Subcontract, "SubcontractPage")),
    Route("GET", "/subcontracts/<agreement_id>", "readSubcontract", "Read a subcontract", "agreements",
          _read("subcontract", *SUBCONTRACT_PARTIES), DIRECTORY["subcontract"], path_schema=AgreementPath,
          response=Subcontract),
    _subcontract_act("/amendments", "amendSubcontract", "Amend a subcontract", "amend_subcontract", AmendmentInput,
                     "Hours, amount or duties; never fewer hours than are placed. Duties are checked against "
                     "the chart as for a new subcontract (refused_duties)."),
    _subcontract_act("/renewals", "renewSubcontract", "Renew a subcontract", "renew_subcontract", RenewalInput,
                     "A later end, and the amount for it if it changes."),
    _subcontract_act("/endings", "endSubcontract", "End a subcontract", "end_subcontract", EndingInput,
                     "Its placements end with it."),
    _subcontract_act("/placements", "placePeerWorker", "Place a peer worker under a subcontract",
                     "place_peer_worker", PlacementInput,
                     "One of the provider's current peer workers, within the hours agreed; duties checked "
                     "against the handbook's chart (refused_duties, as for a subcontract)."),
    _subcontract_act("/placements/<peer_worker_id>/endings", "endPlacement", "End a placement", "end_placement",
                     PlacementEndingInput, "The peer worker is no longer placed under this subcontract.",
                     path_schema=PlacementPath),
    _subcontract_act("/hours-reports", "recordHoursDelivered", "Report the hours delivered in a week",
                     "record_hours_delivered", HoursReportInput,
                     "Against the hours agreed at the time. week_start may be any day of the week: the "
                     "report is kept under its ISO week's Monday, and a second figure for a week corrects the "
                     "first."),
    Route("GET", "/subcontract-hours-export", "exportSubcontractHours",
          "Download hours delivered against agreed per subcontract and month", "agreements",
          export_subcontract_hours, DIRECTORY["subcontract_hours"], query_schema=SubcontractHoursQuery,
          content_type=CSV,
          description="A CSV file (a header, then one row per subcontract and month: " + ", ".join(HOURS_COLUMNS)
                      + ") of the subcontracts the organization is party to (an agency admin's own), or of "
                      "all for the state. A week counts in the month of its Monday; weeks says how many weeks "
                      "were reported. Text cells starting with = + - or @ begin with an apostrophe, so a "
                      "spreadsheet shows them and never runs them."),
    Route("POST", "/supervision-agreements", "proposeSupervision", "Propose a supervision agreement", "agreements",
          propose_supervision, DIRECTORY["propose_supervision"], body=SupervisionProposalInput,
          response=AgreementMade, status=201, creates="agreement_id",
          description="Another organization supervises some of ours; both parties accept before it starts."),
    Route("GET", "/supervision-agreements", "listSupervisionAgreements", "List supervision agreements",
          "agreements", keyset_listing("list_supervision_agreements", AgreementQuery),
          DIRECTORY["list_supervision_agreements"], query_schema=AgreementQuery,
          response=page_of(SupervisionAgreement, "SupervisionAgreementPage")),
    Route("GET", "/supervision-agreements/<agreement_id>", "readSupervisionAgreement",
          "Read a supervision agreement", "agreements", _read("supervision_agreement", *SUPERVISION_PARTIES),
          DIRECTORY["supervision_agreement"], path_schema=AgreementPath, response=SupervisionAgreement),
    Route("POST", "/supervision-agreements/<agreement_id>/acceptances", "acceptSupervisionAgreement",
          "Accept a supervision agreement for my organization", "agreements", _decision("accept_supervision"),
          DIRECTORY["accept_supervision"], path_schema=AgreementPath, body=PartyDecisionInput,
          response=SupervisionAgreement),
    Route("POST", "/supervision-agreements/<agreement_id>/declines", "declineSupervisionAgreement",
          "Decline a supervision agreement for my organization", "agreements", _decision("decline_supervision"),
          DIRECTORY["decline_supervision"], path_schema=AgreementPath, body=PartyDecisionInput,
          response=SupervisionAgreement),
    Route("POST", "/supervision-agreements/<agreement_id>/endings", "endSupervisionAgreement",
          "End a supervision agreement", "agreements",
          _act("end_supervision", "supervision_agreement", *SUPERVISION_PARTIES), DIRECTORY["end_supervision"],
          path_schema=AgreementPath, body=EndingInput, response=SupervisionAgreement,
          description="Either party ends an active agreement."),
]
