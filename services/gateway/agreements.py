"""Directory's agreements between organizations: subcontracts (an agency buys peer support from
a peer-run organization) and supervision agreements (another organization supervises).

An agency admin acts and reads only where their organization is a party; the gateway
checks what it can see (the ids sent, the parties answered) and directory checks again.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.directory import schemas as directory
from services.gateway import pagination
from services.gateway.app import Call, Reply, Route
from services.gateway.schemas import PageQuery, body_of, page_of
from shared.errors import NotAllowed

AgreementQuery = PageQuery.from_dict({key: field for key, field in directory.AgreementQuery._declared_fields.items()
                                      if key not in ("offset", "limit")}, name="AgreementQuery")
_Wire = Schema.from_dict({**AgreementQuery._declared_fields, "offset": fields.Integer()})
SubcontractInput = body_of(directory.MakeSubcontract)
SupervisionProposalInput = body_of(directory.ProposeSupervision)
PartyDecisionInput = body_of(directory.PartyDecision, "agreement_id")


class AgreementPath(Schema):
    agreement_id = fields.UUID(required=True)


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


def _party(call: Call, *organization_ids) -> None:
    if call.caller.role == "agency_admin" and call.caller.organization_id not in {str(o) for o in organization_ids}:
        raise NotAllowed("an agency admin acts and reads only where their organization is a party")


def make_subcontract(call: Call):
    _party(call, call.body["buyer_id"], call.body["provider_id"])
    agreement_id = call.rpc("directory", "make_subcontract", call.raw_body)
    return Reply({"agreement_id": agreement_id}, headers={"Location": f"/subcontracts/{agreement_id}"})


def propose_supervision(call: Call):
    _party(call, call.body["supervised_organization_id"], call.body["supervising_organization_id"])
    agreement_id = call.rpc("directory", "propose_supervision", call.raw_body)
    return Reply({"agreement_id": agreement_id}, headers={"Location": f"/supervision-agreements/{agreement_id}"})


def _decision(method: str):
    def decide(call: Call):
        _party(call, call.body["organization_id"])
        agreement_id = str(call.path["agreement_id"])
        answer = call.rpc("directory", method, {**call.raw_body, "agreement_id": agreement_id})
        return answer or call.rpc("directory", "supervision_agreement", agreement_id)
    decide.__name__ = method
    return decide


def _read(method: str, *parties: str):
    def read(call: Call):
        agreement = call.rpc("directory", method, str(call.path["agreement_id"]))
        _party(call, *(agreement[party] for party in parties))
        return agreement
    read.__name__ = method
    return read


def _listing(method: str):
    def listing(call: Call):
        wanted = call.query.get("organization_id")
        if wanted is not None:
            _party(call, wanted)
        query = _Wire().dump(pagination.offset_query(call.query))
        return pagination.from_offset_page(call.rpc("directory", method, query))
    listing.__name__ = method
    return listing


ADMINS, READERS = ("agency_admin",), ("agency_admin", "state_auditor")
SUPERVISION_PARTIES = ("supervised_organization_id", "supervising_organization_id")
ROUTES = [
    Route("POST", "/subcontracts", "makeSubcontract", "Make a subcontract", "agreements", make_subcontract, ADMINS,
          body=SubcontractInput, response=AgreementMade, status=201,
          description="An agency buys peer support from a peer-run organization: hours, amount, dates, duties."),
    Route("GET", "/subcontracts", "listSubcontracts", "List subcontracts", "agreements",
          _listing("list_subcontracts"), READERS, query_schema=AgreementQuery,
          response=page_of(Subcontract, "SubcontractPage")),
    Route("GET", "/subcontracts/<agreement_id>", "readSubcontract", "Read a subcontract", "agreements",
          _read("subcontract", "buyer_id", "provider_id"), READERS, path_schema=AgreementPath, response=Subcontract),
    Route("POST", "/supervision-agreements", "proposeSupervision", "Propose a supervision agreement", "agreements",
          propose_supervision, ADMINS, body=SupervisionProposalInput, response=AgreementMade, status=201,
          description="Another organization supervises some of ours; both parties accept before it starts."),
    Route("GET", "/supervision-agreements", "listSupervisionAgreements", "List supervision agreements",
          "agreements", _listing("list_supervision_agreements"), READERS, query_schema=AgreementQuery,
          response=page_of(SupervisionAgreement, "SupervisionAgreementPage")),
    Route("GET", "/supervision-agreements/<agreement_id>", "readSupervisionAgreement",
          "Read a supervision agreement", "agreements", _read("supervision_agreement", *SUPERVISION_PARTIES),
          READERS, path_schema=AgreementPath, response=SupervisionAgreement),
    Route("POST", "/supervision-agreements/<agreement_id>/acceptances", "acceptSupervisionAgreement",
          "Accept a supervision agreement for my organization", "agreements", _decision("accept_supervision"),
          ADMINS, path_schema=AgreementPath, body=PartyDecisionInput, response=SupervisionAgreement),
    Route("POST", "/supervision-agreements/<agreement_id>/declines", "declineSupervisionAgreement",
          "Decline a supervision agreement for my organization", "agreements", _decision("decline_supervision"),
          ADMINS, path_schema=AgreementPath, body=PartyDecisionInput, response=SupervisionAgreement),
]
