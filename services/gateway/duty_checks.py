"""A duty list checked against the handbook's peer-role chart, without making anything.

The chart and its matching rules are shared/peer_role_chart.py, a contract module the gateway
ships like the vocabularies (it publishes the chart at `GET /peer-role-chart`): the check is
computed here, with no service call, and nothing is stored. Directory runs the same check on
every duty list it is sent, so a list this route accepts is one a subcontract, an amendment or
a placement accepts, and a refused line comes back with the same document in both places.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway import schemas
from services.gateway.app import Call, Route
from shared.contracts.commands.directory import DutyList
from shared.peer_role_chart import check_duties, refusal_document

ROLES = ("agency_admin", "state_auditor")


class DutyCheckInput(Schema):
    duties = DutyList(required=True, metadata={
        "description": "the duty list, one duty a line, English or Spanish (a line may mix them); as "
                       "subcontracts take it: at most 50 lines of at most 300 characters"})


class DutyCheck(Schema):
    refused_duties = fields.List(fields.Nested(schemas.RefusedDuty), required=True, metadata={
        "description": "each line the chart refuses, in the order sent, as a subcontract's 422 gives it; a line "
                       "naming two refused tasks appears twice; empty when every line is consistent"})


def check_duty_list(call: Call):
    duties = call.body["duties"]
    return {"refused_duties": [refusal_document("duties", index, refused)
                               for index, text in enumerate(duties) for refused in check_duties([text])]}


ROUTES = [
    Route("POST", "/duty-checks", "checkDuties", "Check a duty list against the peer-role chart", "agreements",
          check_duty_list, ROLES, body=DutyCheckInput, response=DutyCheck,
          description="Before a subcontract is made, amended or placed: each line the handbook's chart \"Is "
                      "that really part of a 'peer' role?\" refuses, with its duty, reasons, why and the "
                      "consistent alternative in English and Spanish, exactly as the 422 of a subcontract would "
                      "give it. Lines may be written in English or Spanish. Computed in the gateway from the "
                      "chart; nothing is stored, and asking twice gives the same answer."),
]
