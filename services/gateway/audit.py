"""The audit ledger for the state: its history, a check that nothing was altered, and figures.

The history's filters are audit's own query fields; its cursor is the last entry's seq.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.audit import schemas as audit
from services.gateway import pagination
from services.gateway.app import Call, Route
from services.gateway.schemas import PageQuery, page_of

FILTERS = {key: field for key, field in audit.HistoryQuery._declared_fields.items() if key not in ("cursor", "limit")}
HistoryQuery = PageQuery.from_dict(FILTERS, name="AuditHistoryQuery")
_Wire = Schema.from_dict({**FILTERS, "limit": fields.Integer()})  # what audit gets: plain JSON


class Entry(Schema):
    seq = fields.Integer(required=True)
    source = fields.String(required=True)
    position = fields.Integer(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True)
    occurred_at = fields.String(required=True)
    recorded_at = fields.String(required=True)
    user_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    actor_organization_id = fields.String(allow_none=True)
    organization_id = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    digest = fields.String(required=True)
    hash = fields.String(required=True)


class Verification(Schema):
    ok = fields.Boolean(required=True)
    chain = fields.Dict(required=True, metadata={"description": "the hash chain against the signed checkpoints"})
    sources = fields.List(fields.Dict(), required=True, metadata={"description": "each service's log against "
                                                                                  "the ledger"})
    public_key = fields.String(required=True)


Table = lambda: fields.Dict(metadata={"description": "columns, rows with their cells and totals"})  # noqa: E731


class Figures(Schema):
    suppressed_as = fields.String(required=True, metadata={"description": "what stands for counts 1 to 10"})
    connections_by_month = Table()
    days_from_request_to_connection_by_month = Table()
    peer_workers_short_of_supervision_by_organization_and_month = Table()
    events_by_month_and_service = Table()
    peer_workers_profiled_by_organization = Table()
    networking_pool_by_region = Table()
    subcontract_hours_by_month_and_provider = fields.List(fields.Dict())


def list_entries(call: Call):
    after = (pagination.decode(call.query.get("cursor"), {"after": int}) or {"after": 0})["after"]
    query = {key: value for key, value in _Wire().dump(call.query).items() if value is not None}
    answer = call.rpc("audit", "history", {**query, "cursor": after})
    following = answer["next_cursor"]
    return {"items": answer["entries"],
            "next_cursor": None if following is None else pagination.encode({"after": following})}


def verify(call: Call):
    return call.rpc("audit", "verify", True)


def read_figures(call: Call):
    return call.rpc("audit", "figures")


AUDITOR = ("state_auditor",)
ROUTES = [
    Route("GET", "/audit-entries", "listAuditEntries", "List the audit history", "audit", list_entries, AUDITOR,
          query_schema=HistoryQuery, response=page_of(Entry, "AuditEntryPage"),
          description="Who did what, when, in every service, hash-chained; filter by source, type, time, "
                      "organization or subject. Personal fields are never in it."),
    Route("POST", "/audit-verifications", "verifyAudit", "Check that the history was not altered", "audit",
          verify, AUDITOR, response=Verification,
          description="The chain against its signed checkpoints, then every service's log against the ledger."),
    Route("GET", "/audit-figures", "readAuditFigures", "Read the state's figures", "audit", read_figures, AUDITOR,
          response=Figures, description="Counts for reports; 1 to 10 are kept back."),
]
