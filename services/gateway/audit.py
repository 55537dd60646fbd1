"""The audit ledger for the state: its history and export, a check that nothing was altered,
signed checkpoints, figures, and break-glass access to one person's fields.

The history's filters are audit's own query fields; its cursor is the last entry's seq. The
export streams: the gateway pages through audit's export and hands each page on as a chunk, so
neither side holds the whole ledger.
"""
from __future__ import annotations

import logging

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from services.gateway import pagination
from services.gateway.app import Call, Reply, Route
from services.gateway.people import PersonPath
from services.gateway.schemas import PageQuery, body_of, page_of
from shared import config
from shared.contracts.commands import audit
from shared.contracts.commands.audit import FORMATS, OPERATIONS as AUDIT

log = logging.getLogger("peernet.gateway")
FILTERS = {key: field for key, field in audit.HistoryQuery._declared_fields.items() if key not in ("cursor", "limit")}
HistoryQuery = PageQuery.from_dict(FILTERS, name="AuditHistoryQuery")
_Wire = Schema.from_dict({**FILTERS, "limit": fields.Integer()})  # what audit gets: plain JSON
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
ExportQuery = Schema.from_dict({**FILTERS, "format": fields.String(validate=validate.OneOf(FORMATS), metadata={
    "description": "csv or jsonl; without it, the Accept header chooses (text/csv by default)"})},
    name="AuditExportQuery")
# Entries per page of audit's export: one chunk of the stream, well inside the RPC timeout.
EXPORT_PAGE = int(config.env("PEERNET_GATEWAY_EXPORT_PAGE", "5000"))
BreakGlassInput = body_of(audit.OpenBreakGlass)


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


class SourceCheck(Schema):
    source = fields.String(required=True)
    ok = fields.Boolean(required=True)
    events_checked = fields.Integer(required=True)
    problem = fields.Dict(allow_none=True, metadata={
        "description": "kind (altered_event, missing_event, bad_source_digest, unreachable), detail, position"})


class VerificationResult(Schema):
    ok = fields.Boolean(required=True)
    chain = fields.Dict(required=True, metadata={
        "description": "the hash chain against the signed checkpoints: ok, entries_verified, checkpoints, "
                       "problem (broken_link, altered_entry, bad_checkpoint) with the entry's seq"})
    sources = fields.List(fields.Nested(SourceCheck), required=True,
                          metadata={"description": "each service's log against the ledger"})
    public_key = fields.String(required=True)


class SourceProgress(Schema):
    source = fields.String(required=True)
    checked = fields.Integer(required=True)
    total = fields.Integer(required=True)


class Verification(Schema):
    verification_id = fields.UUID(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("running", "done", "failed", "interrupted")),
                          metadata={"description": "interrupted: its process stopped before the end (start another)"})
    requested_by = fields.String(allow_none=True)
    started_at = fields.String(required=True)
    updated_at = fields.String(required=True, metadata={"description": "its last progress or heartbeat"})
    finished_at = fields.String(allow_none=True)
    entries_checked = fields.Integer(required=True, metadata={"description": "ledger entries whose link is checked"})
    entries_total = fields.Integer(required=True)
    sources = fields.List(fields.Nested(SourceProgress), required=True,
                          metadata={"description": "each service's events compared with the ledger so far"})
    result = fields.Nested(VerificationResult, allow_none=True, metadata={
        "description": "once done: ok, or the first break found in the chain and in each source"})
    error = fields.String(allow_none=True, metadata={"description": "why a failed verification could not end"})


VerificationPath = Schema.from_dict({"verification_id": fields.UUID(required=True)}, name="VerificationPath")


Table = lambda: fields.Dict(metadata={"description": "columns, rows with their cells and totals"})  # noqa: E731


class Figures(Schema):
    suppressed_as = fields.String(required=True, metadata={"description": "what stands for counts 1 to 10"})
    connections_started_by_month_and_region = Table()
    connections_ended_by_month_and_region = Table()
    days_from_request_to_connection_by_month = fields.Dict(metadata={
        "description": "per month: median_days and p90_days, both null when 1 to 10 waits (waits: \"1-10\")"})
    peer_workers_short_of_supervision_by_organization_and_month = Table()
    peer_workers_with_credentials_expiring_by_organization = fields.Dict(metadata={
        "description": "organizations by expired, within_30 and within_60 (days ahead): their current peer workers "
                       "with a credential so"})
    events_by_month_and_service = Table()
    peer_workers_profiled_by_organization = Table()
    networking_pool_by_region = Table()
    subcontract_hours_by_month_and_provider = fields.List(fields.Dict())


class Checkpoint(Schema):
    seq = fields.Integer(required=True, metadata={"description": "the last entry it covers"})
    hash = fields.String(required=True)
    signed_at = fields.String(required=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True)


class CheckpointPage(Schema):
    public_key = fields.String(required=True, metadata={"description": "Ed25519, to check the signatures"})
    items = fields.List(fields.Nested(Checkpoint), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class BreakGlassOpened(Schema):
    person_id = fields.UUID(required=True)
    expires_at = fields.String(required=True, metadata={"description": "the access is the auditor's own until then"})


class PersonalField(Schema):
    source = fields.String(required=True)
    position = fields.Integer(required=True)
    type = fields.String(required=True)
    field = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True)


class PersonalFields(Schema):
    person_id = fields.UUID(required=True)
    fields = fields.List(fields.Nested(PersonalField), required=True)


def list_entries(call: Call):
    after = (pagination.decode(call.query.get("cursor"), {"after": int}) or {"after": 0})["after"]
    query = {key: value for key, value in _Wire().dump(call.query).items() if value is not None}
    answer = call.rpc("audit", "history", {**query, "cursor": after})
    following = answer["next_cursor"]
    return {"items": answer["entries"],
            "next_cursor": None if following is None else pagination.encode({"after": following})}


def _format(call: Call) -> str:
    if call.query.get("format"):
        return call.query["format"]
    accepted = parse_accept_header(call.headers.get("Accept"), MIMEAccept)
    wanted = accepted.best_match(list(MEDIA.values()), default=MEDIA["csv"])
    return next(format_ for format_, media in MEDIA.items() if media == wanted)


def export_entries(call: Call):
    """The first page is asked for before answering, so a refusal is still a problem document."""
    format_ = _format(call)
    query = {key: value for key, value in _Wire().dump(call.query).items() if value is not None}
    query = {**query, "format": format_, "limit": EXPORT_PAGE}
    first = call.rpc("audit", "export", {**query, "cursor": 0})

    def chunks():
        answer = first
        while True:
            if answer["data"]:
                yield answer["data"].encode()
            if answer["next_cursor"] is None:
                return
            try:
                answer = call.rpc("audit", "export", {**query, "cursor": answer["next_cursor"]})
            except Exception:
                # The status is sent already: the client sees the stream cut short, never a whole-looking file.
                log.exception("audit export stopped after seq %s", answer["next_cursor"])
                raise

    return Response(chunks(), content_type=MEDIA[format_] + ("; charset=utf-8" if format_ == "csv" else ""),
                    headers={"Content-Disposition": f'attachment; filename="audit.{format_}"',
                             "Cache-Control": "no-store"}, direct_passthrough=True)


def list_checkpoints(call: Call):
    """Audit pages them by seq: the cursor carries the last one's."""
    answer = call.rpc("audit", "checkpoints", pagination.key_query(call.query, int))
    return {"public_key": answer["public_key"], **pagination.from_keyset_page(answer)}


def open_break_glass(call: Call):
    opened = call.rpc("audit", "open_break_glass", call.raw_body)
    return Reply(opened, headers={"Location": f"/people/{opened['person_id']}/personal-fields"})


def read_personal_fields(call: Call):
    shown = call.rpc("audit", "personal_fields", {"person_id": str(call.path["person_id"])})
    return Reply(shown, headers={"Cache-Control": "no-store"})


def start_verification(call: Call):
    started = call.rpc("audit", "start_verification", {})
    return Reply(started, headers={"Location": f"/audit-verifications/{started['verification_id']}"})


def read_verification(call: Call):
    job = call.rpc("audit", "verification", {"verification_id": str(call.path["verification_id"])})
    return Reply(job, headers={"Cache-Control": "no-store"})


def read_figures(call: Call):
    return call.rpc("audit", "figures")


ROUTES = [
    Route("GET", "/audit-entries", "listAuditEntries", "List the audit history", "audit", list_entries, AUDIT["history"],
          query_schema=HistoryQuery, response=page_of(Entry, "AuditEntryPage"),
          description="Who did what, when, in every service, hash-chained; filter by source, type, time, "
                      "organization or subject. Personal fields are never in it."),
    Route("GET", "/audit-exports", "exportAuditEntries", "Export the audit history", "audit", export_entries,
          AUDIT["export"], query_schema=ExportQuery, content_type=", ".join(MEDIA.values()),
          description="Every entry the filters select, streamed as CSV (a header, then one row per entry) or "
                      "JSON Lines, in ledger order. The same filters as /audit-entries; the ledger holds no "
                      "personal field, so none is in it. A stream cut short means the export failed."),
    Route("GET", "/audit-checkpoints", "listAuditCheckpoints", "List the signed checkpoints", "audit",
          list_checkpoints, AUDIT["checkpoints"], query_schema=PageQuery, response=CheckpointPage,
          description="The chain's head signed now and then (and now), with the public key: keep a copy "
                      "elsewhere and send it to a verification to catch a truncated ledger."),
    Route("POST", "/break-glass-accesses", "openBreakGlass", "Open break-glass access to a person's fields",
          "audit", open_break_glass, AUDIT["open_break_glass"], body=BreakGlassInput, response=BreakGlassOpened, status=201,
          description="A reason code and a request or investigation number, never free text; the access is "
                      "the auditor's own, for the hours chosen (1 to 72) or the network's own. The person sees "
                      "it in their disclosure log, with when it ends."),
    Route("GET", "/people/<person_id>/personal-fields", "readPersonalFields",
          "Read a person's fields under break-glass", "audit", read_personal_fields, AUDIT["personal_fields"],
          path_schema=PersonPath, response=PersonalFields,
          description="Only while the auditor's own break-glass access is open; every read is recorded "
                      "(which fields, never their values) and shown to the person."),
    Route("POST", "/audit-verifications", "verifyAudit", "Start checking that the history was not altered",
          "audit", start_verification, AUDIT["start_verification"], response=Verification, status=202,
          description="Answers at once with the verification's address (Location): it checks the chain against "
                      "its signed checkpoints, then every service's log against the ledger. Follow it there; "
                      "its result appears when it is done."),
    Route("GET", "/audit-verifications/<verification_id>", "readAuditVerification",
          "Follow a verification and read its result", "audit", read_verification, AUDIT["verification"],
          path_schema=VerificationPath, response=Verification,
          description="Entries checked out of the total, each service's progress, and its state; once done, "
                      "ok or the first break found."),
    Route("GET", "/audit-figures", "readAuditFigures", "Read the state's figures", "audit", read_figures, AUDIT["figures"],
          response=Figures, description="Counts for reports; 1 to 10 are kept back."),
]
