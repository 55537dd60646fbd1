"""Supervision as resources: finding and offering a supervisor, the supervisor's answer and the
organization's ending, training and staff, sessions logged and confirmed by both sides, a peer
worker's record, a supervisor's load, and who is short of supervision.

Supervision's access table (shared/contracts/commands/supervision.py) gives each route its roles
and refuses, before any call, what the token, the address and the body show (a peer worker's or a
supervisor's own records, an admin's own organization); supervision checks again, and checks what
only it knows (who supervises whom, who works where)."""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway import pagination, people
from services.gateway.app import Call, Reply, Route
from services.gateway.schemas import PageQuery, body_of
from shared.contracts.commands import supervision
from shared.contracts.commands.supervision import OPERATIONS as SUPERVISION

ShortfallQuery = PageQuery.from_dict(dict(supervision.Shortfall._declared_fields), name="ShortfallQuery")
_Wire = Schema.from_dict({**supervision.Shortfall._declared_fields, "after": fields.String(allow_none=True),
                          "limit": fields.Integer()})  # what supervision gets: plain JSON
SessionInput = body_of(supervision.LogSession)
SessionCorrectionInput = body_of(supervision.CorrectSession, "session_id")
SupervisorSearchInput = body_of(supervision.FindSupervisor, "peer_worker_id")
SupervisionOfferInput = body_of(supervision.OfferSupervisor)
SupervisionDeclineInput = body_of(supervision.Decline, "assignment_id")
SupervisorTrainingInput = body_of(supervision.SupervisorTraining, "peer_worker_id")
SupervisionStaffInput = body_of(supervision.Staff)


class SessionPath(Schema):
    session_id = fields.UUID(required=True)


class AssignmentPath(Schema):
    assignment_id = fields.UUID(required=True)


class SupervisorPath(Schema):
    supervisor_id = fields.UUID(required=True)


class SupervisorFact(Schema):
    """One reason a supervisor was found, as data a page words in its own language."""
    code = fields.String(required=True, metadata={
        "description": "same_organization; agreement (agreement_id); pool (organization_id: the supervisor's "
                       "organization in the pool, supervised_organization_ids: the peer worker's, which need a "
                       "supervision agreement with it first); same_region (region); speaks (language, a BCP 47 "
                       "code); specialty (specialty, as the supervisor wrote it); free_capacity (free, capacity: "
                       "in full-time supervisees)"})
    agreement_id = fields.String()
    organization_id = fields.String()
    supervised_organization_ids = fields.List(fields.String())
    region = fields.String()
    language = fields.String()
    specialty = fields.String()
    free = fields.Float()
    capacity = fields.Float()


class SupervisorOption(Schema):
    supervisor_id = fields.String(required=True)
    route = fields.String(required=True, metadata={"description": "same_organization, agreement or pool"})
    agreement_id = fields.String(allow_none=True)
    organization_ids = fields.List(fields.String(), required=True, metadata={
        "description": "where the supervisor works now (names: GET /organizations/{id})"})
    pool_region = fields.String(allow_none=True, metadata={
        "description": "the region of the supervisor's networking pool entry, null when they are not in the "
                       "pool; their display name is at GET /pool-members?region= (supervision keeps no names)"})
    score = fields.Float(required=True)
    free_capacity = fields.Float(required=True, metadata={"description": "in full-time supervisees"})
    facts = fields.List(fields.Nested(SupervisorFact), required=True, metadata={
        "description": "why this supervisor, in this order, as codes and values to word in any language; the "
                       "first is the route"})
    reasons = fields.List(fields.String(), required=True, metadata={
        "description": "the facts as English sentences, one for one; a pool candidate's first says which "
                       "agreement is needed before an offer"})


class SupervisorSearch(Schema):
    peer_worker_id = fields.String(required=True)
    kind = fields.String(required=True)
    route = fields.String(allow_none=True, metadata={"description": "the best route any option takes"})
    options = fields.List(fields.Nested(SupervisorOption), required=True)


class SupervisionOffered(Schema):
    assignment_id = fields.UUID(required=True)


class SupervisionStatus(Schema):
    assignment_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "offered, active, declined or ended"})


class Supervision(SupervisionStatus):
    supervisor_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)
    kind = fields.String(required=True)
    route = fields.String(required=True)
    agreement_id = fields.String(allow_none=True)
    offered_on = fields.String(required=True)
    accepted_on = fields.String(allow_none=True)
    ended_on = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)
    reasons = fields.List(fields.String(), required=True)


Due = lambda: fields.Dict(allow_none=True, metadata={  # noqa: E731
    "description": "what is due, done and overdue as of today; null when not employed"})


class SupervisedBy(Supervision):
    due = Due()


class Session(Schema):
    session_id = fields.String(required=True)
    supervisor_id = fields.String(required=True)
    date = fields.String(required=True)
    minutes = fields.Integer(required=True)
    kind = fields.String(required=True)
    grouping = fields.String(required=True)
    medium = fields.String(required=True)
    confirmed_by = fields.List(fields.String(), required=True)
    counted = fields.Boolean(required=True, metadata={"description": "confirmed by both, so it counts"})


class SupervisionRecord(Schema):
    peer_worker_id = fields.String(required=True)
    organization_ids = fields.List(fields.String(), required=True)
    due = Due()
    needs_supervisor = fields.Boolean(required=True)
    supervisions = fields.List(fields.Nested(Supervision), required=True)
    sessions = fields.List(fields.Nested(Session), required=True)


class SupervisorLoad(Schema):
    supervisor_id = fields.String(required=True)
    load = fields.Float(required=True, metadata={"description": "full-time supervisees carried, open offers too"})
    capacity = fields.Float(required=True)
    free_capacity = fields.Float(required=True)
    supervisions = fields.List(fields.Nested(SupervisedBy), required=True)


class TrainingRecorded(Schema):
    peer_worker_id = fields.UUID(required=True)
    completed_on = fields.Date(required=True)
    recorded = fields.Boolean(required=True)


class StaffRecorded(Schema):
    staff_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    masters_level = fields.Boolean(required=True)
    recorded = fields.Boolean(required=True)


class SessionLogged(Schema):
    session_id = fields.UUID(required=True)


class SessionConfirmations(Schema):
    session_id = fields.String(required=True)
    confirmed_by = fields.List(fields.String(), required=True, metadata={"description": "supervisor, peer_worker"})


class OverdueRequirement(Schema):
    requirement = fields.String(required=True, metadata={"description": "session_cadence or first_period_hours"})
    due_on = fields.String(required=True)


class ShortPeerWorker(Schema):
    peer_worker_id = fields.String(required=True)
    organization_ids = fields.List(fields.String(), required=True)
    supervisor_ids = fields.List(fields.String(), required=True)
    needs_supervisor = fields.Boolean(required=True)
    overdue = fields.List(fields.Nested(OverdueRequirement), required=True,
                          metadata={"description": "what is past due; empty when only a supervisor is missing"})
    next_due = fields.String(allow_none=True)
    first_period_hours_done = fields.Float(allow_none=True)


class ShortfallPage(Schema):
    as_of = fields.String(required=True)
    peer_workers = fields.Integer(required=True, metadata={"description": "how many were counted"})
    short = fields.Integer(required=True)
    items = fields.List(fields.Nested(ShortPeerWorker), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


def list_shortfall(call: Call):
    """Supervision pages it by peer worker id (the cursor carries the last one's) and counts the whole list."""
    answer = call.rpc("supervision", "shortfall", _Wire().dump(pagination.key_query(call.query, str)))
    return {"as_of": answer["as_of"], "peer_workers": answer["peer_workers"], "short": answer["short"],
            **pagination.from_keyset_page(answer)}


def _with_path(method: str, name: str):
    """The body as supervision takes it, with the address's id joined."""
    def act(call: Call):
        return call.rpc("supervision", method, {**(call.raw_body or {}), name: str(call.path[name])})
    act.__name__ = method
    return act


def offer_supervisor(call: Call):
    assignment_id = call.rpc("supervision", "offer_supervisor", call.raw_body)
    record = f"/peer-workers/{call.body['peer_worker_id']}/supervision-record"
    return Reply({"assignment_id": assignment_id}, headers={"Location": record})


_record_training = _with_path("record_supervisor_training", "peer_worker_id")


def record_supervisor_training(call: Call):
    _record_training(call)  # supervision answers nothing: the answer is what was recorded
    return {**call.body, "peer_worker_id": str(call.path["peer_worker_id"]), "recorded": True}


def record_staff(call: Call):
    call.rpc("supervision", "record_staff", call.raw_body)
    return {**call.body, "recorded": True}


def log_session(call: Call):
    session_id = call.rpc("supervision", "log_session", call.raw_body)
    return Reply({"session_id": session_id}, headers={"Location": f"/supervision-sessions/{session_id}"})


W = "/peer-workers/<peer_worker_id>"
ROUTES = [
    Route("POST", W + "/supervisor-searches", "findSupervisor", "Find a supervisor for a peer worker",
          "supervision", _with_path("find_supervisor", "peer_worker_id"), SUPERVISION["find_supervisor"],
          path_schema=people.PeerWorkerPath, body=SupervisorSearchInput, response=SupervisorSearch,
          description="Every eligible supervisor with free capacity, ranked and explained: the same "
                      "organization first, then an active supervision agreement, then the networking pool "
                      "(which needs an agreement first). A peer worker, for themselves; an agency admin, for "
                      "their own organization's peer workers."),
    Route("POST", "/supervision-offers", "offerSupervisor", "Offer a supervisor to a peer worker", "supervision",
          offer_supervisor, SUPERVISION["offer_supervisor"], body=SupervisionOfferInput, response=SupervisionOffered,
          status=201,
          description="One the search found, reachable now (not a pool candidate without an agreement); "
                      "the supervisor accepts or declines."),
    Route("POST", "/supervision-offers/<assignment_id>/acceptances", "acceptSupervisionOffer",
          "Accept an offer to supervise", "supervision", _with_path("accept_supervision", "assignment_id"),
          SUPERVISION["accept_supervision"],
          path_schema=AssignmentPath, response=SupervisionStatus,
          description="By the supervisor offered; pending offers that no longer fit go elsewhere."),
    Route("POST", "/supervision-offers/<assignment_id>/declines", "declineSupervisionOffer",
          "Decline an offer to supervise", "supervision", _with_path("decline_supervision", "assignment_id"),
          SUPERVISION["decline_supervision"],
          path_schema=AssignmentPath, body=SupervisionDeclineInput, response=SupervisionStatus,
          description="By the supervisor offered, with a reason code; the peer worker is offered the next."),
    Route("POST", "/supervisions/<assignment_id>/endings", "endSupervision", "End a supervision", "supervision",
          _with_path("end_supervision", "assignment_id"), SUPERVISION["end_supervision"], path_schema=AssignmentPath,
          response=SupervisionStatus,
          description="An offer or an active supervision, by the peer worker's organization; the peer worker "
                      "is offered the next supervisor."),
    Route("POST", W + "/supervisor-trainings", "recordSupervisorTraining", "Record supervisor training",
          "supervision", record_supervisor_training, SUPERVISION["record_supervisor_training"],
          path_schema=people.PeerWorkerPath,
          body=SupervisorTrainingInput, response=TrainingRecorded,
          description="Counts as a peer-supervisor qualification; for the admin's own organization's peer "
                      "workers."),
    Route("POST", "/supervision-staff", "recordSupervisionStaff", "Record staff who may supervise administratively",
          "supervision", record_staff, SUPERVISION["record_staff"], body=SupervisionStaffInput, response=StaffRecorded,
          description="Staff outside the peer workforce, of the admin's own organization; master's level "
                      "where the state requires it."),
    Route("GET", W + "/supervision-record", "readSupervisionRecord", "Read a peer worker's supervision record",
          "supervision", _with_path("supervision_record", "peer_worker_id"), SUPERVISION["supervision_record"],
          path_schema=people.PeerWorkerPath, response=SupervisionRecord,
          description="Supervisors, sessions and hours, for certification; never what was said. The peer "
                      "worker, their current supervisor, their organization's admin, the state."),
    Route("GET", "/supervisors/<supervisor_id>/load", "readSupervisorLoad", "Read a supervisor's load",
          "supervision", _with_path("supervisor_load", "supervisor_id"), SUPERVISION["supervisor_load"],
          path_schema=SupervisorPath, response=SupervisorLoad,
          description="Supervisees carried against capacity, each with what is due. The supervisor, their "
                      "organization's admin, the state."),
    Route("POST", "/supervision-sessions", "logSession", "Log a supervision session", "supervision", log_session,
          SUPERVISION["log_session"], body=SessionInput, response=SessionLogged, status=201, creates="session_id",
          description="By its supervisor or its peer worker; the other side confirms it."),
    Route("POST", "/supervision-sessions/<session_id>/confirmations", "confirmSession",
          "Confirm a supervision session", "supervision", _with_path("confirm_session", "session_id"),
          SUPERVISION["confirm_session"], path_schema=SessionPath,
          response=SessionConfirmations),
    Route("POST", "/supervision-sessions/<session_id>/corrections", "correctSession",
          "Correct a supervision session", "supervision", _with_path("correct_session", "session_id"),
          SUPERVISION["correct_session"], path_schema=SessionPath,
          body=SessionCorrectionInput, response=SessionConfirmations,
          description="The corrected facts need confirming again by the other side."),
    Route("GET", "/supervision-shortfalls", "listSupervisionShortfall", "List who is short of supervision",
          "supervision", list_shortfall, SUPERVISION["shortfall"],
          query_schema=ShortfallQuery, response=ShortfallPage,
          description="Peer workers overdue for supervision or without a supervisor: statewide, for one "
                      "organization (an agency admin's own) or one supervisor (a supervisor's own)."),
]
