"""Supervision as resources: sessions, logged and confirmed by their supervisor and peer
worker, and who is short of supervision (issue 8 grows with the rest)."""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway import pagination
from services.gateway.app import Call, Reply, Route
from services.gateway.schemas import PageQuery, body_of
from services.supervision import schemas as supervision
from shared.errors import NotAllowed

ShortfallQuery = PageQuery.from_dict(dict(supervision.Shortfall._declared_fields), name="ShortfallQuery")
_Wire = Schema.from_dict(dict(supervision.Shortfall._declared_fields))  # what supervision gets: plain JSON
SessionInput = body_of(supervision.LogSession)
SessionCorrectionInput = body_of(supervision.CorrectSession, "session_id")


class SessionPath(Schema):
    session_id = fields.UUID(required=True)


class SessionLogged(Schema):
    session_id = fields.UUID(required=True)


class SessionConfirmations(Schema):
    session_id = fields.String(required=True)
    confirmed_by = fields.List(fields.String(), required=True, metadata={"description": "supervisor, peer_worker"})


class ShortPeerWorker(Schema):
    peer_worker_id = fields.String(required=True)
    organization_ids = fields.List(fields.String(), required=True)
    supervisor_ids = fields.List(fields.String(), required=True)
    needs_supervisor = fields.Boolean(required=True)
    overdue = fields.Boolean(required=True)
    next_due = fields.String(allow_none=True)
    first_period_hours_done = fields.Float(allow_none=True)


class ShortfallPage(Schema):
    as_of = fields.String(required=True)
    peer_workers = fields.Integer(required=True, metadata={"description": "how many were counted"})
    short = fields.Integer(required=True)
    items = fields.List(fields.Nested(ShortPeerWorker), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


def list_shortfall(call: Call):
    caller, wire = call.caller, _Wire().dump(call.query)
    if caller.role == "agency_admin" and wire.get("organization_id") not in (None, caller.organization_id):
        raise NotAllowed("an agency admin sees only their own organization")
    if caller.role == "supervisor" and wire.get("supervisor_id") not in (None, caller.user_id):
        raise NotAllowed("a supervisor sees only their own supervisees")
    answer = call.rpc("supervision", "shortfall", wire)
    return {"as_of": answer["as_of"], "peer_workers": answer["peer_workers"], "short": answer["short"],
            **pagination.page(answer["items"], call.query)}


def log_session(call: Call):
    if call.caller.user_id not in (str(call.body["supervisor_id"]), str(call.body["peer_worker_id"])):
        raise NotAllowed("a session is logged by its supervisor or its peer worker")
    session_id = call.rpc("supervision", "log_session", call.raw_body)
    return Reply({"session_id": session_id}, headers={"Location": f"/supervision-sessions/{session_id}"})


def confirm_session(call: Call):
    return call.rpc("supervision", "confirm_session", {"session_id": str(call.path["session_id"])})


def correct_session(call: Call):
    return call.rpc("supervision", "correct_session", {**call.raw_body, "session_id": str(call.path["session_id"])})


PARTIES = ("supervisor", "peer")
ROUTES = [
    Route("POST", "/supervision-sessions", "logSession", "Log a supervision session", "supervision", log_session,
          PARTIES, body=SessionInput, response=SessionLogged, status=201,
          description="By its supervisor or its peer worker; the other side confirms it."),
    Route("POST", "/supervision-sessions/<session_id>/confirmations", "confirmSession",
          "Confirm a supervision session", "supervision", confirm_session, PARTIES, path_schema=SessionPath,
          response=SessionConfirmations),
    Route("POST", "/supervision-sessions/<session_id>/corrections", "correctSession",
          "Correct a supervision session", "supervision", correct_session, PARTIES, path_schema=SessionPath,
          body=SessionCorrectionInput, response=SessionConfirmations,
          description="The corrected facts need confirming again by the other side."),
    Route("GET", "/supervision-shortfalls", "listSupervisionShortfall", "List who is short of supervision",
          "supervision", list_shortfall, ("supervisor", "agency_admin", "state_auditor"),
          query_schema=ShortfallQuery, response=ShortfallPage,
          description="Peer workers overdue for supervision or without a supervisor: statewide, for one "
                      "organization (an agency admin's own) or one supervisor (a supervisor's own)."),
]
