"""The role matrix's requests and the fake services' answers for the supervision, audit and
disclosure routes (merged into test_roles' REQUESTS and ANSWERS)."""
import uuid

from services.gateway.tests.conftest import ORG

OTHER = str(uuid.uuid4())
PD = "professional_development"
CSV_HEADER = ("seq,source,position,type,version,occurred_at,recorded_at,user_id,role,actor_organization_id,"
              "organization_id,correlation_id,subject_id,digest,hash\n")


def checkpoints_page(query: dict, seqs: list[int]) -> dict:
    """Audit's page of its checkpoints: after the seq the query names, one more read to know if there is more."""
    found = [{"seq": seq, "hash": "h" * 64, "signed_at": "2026-11-24T07:00:00+00:00", "key_id": "key-1",
              "signature": "s"} for seq in seqs if seq > (query["after"] or 0)][:query["limit"] + 1]
    items = found[:query["limit"]]
    return {"public_key": "k", "items": items, "next_after": items[-1]["seq"] if len(found) > len(items) else None}


def supervision_audit_requests(me: str) -> dict:
    """operation -> (path, JSON body or None), in scope for every role that may call it."""
    return {
        "findSupervisor": (f"/peer-workers/{me}/supervisor-searches", {"kind": PD, "languages": ["es"]}),
        "offerSupervisor": ("/supervision-offers", {"peer_worker_id": OTHER, "supervisor_id": me, "kind": PD}),
        "acceptSupervisionOffer": (f"/supervision-offers/{OTHER}/acceptances", None),
        "declineSupervisionOffer": (f"/supervision-offers/{OTHER}/declines", {"reason": "at_capacity"}),
        "endSupervision": (f"/supervisions/{OTHER}/endings", None),
        "recordSupervisorTraining": (f"/peer-workers/{OTHER}/supervisor-trainings", {"completed_on": "2026-10-01"}),
        "recordSupervisionStaff": ("/supervision-staff", {"staff_id": OTHER, "organization_id": ORG,
                                                          "masters_level": True}),
        "readSupervisionRecord": (f"/peer-workers/{me}/supervision-record", None),
        "readSupervisorLoad": (f"/supervisors/{me}/load", None),
        "exportAuditEntries": ("/audit-exports?format=csv&source=intake", None),
        "listAuditCheckpoints": ("/audit-checkpoints?limit=1", None),
        "openBreakGlass": ("/break-glass-accesses", {"person_id": OTHER, "reason": "legal_request",
                                                     "reference": "LR-2026-7"}),
        "readPersonalFields": (f"/people/{OTHER}/personal-fields", None),
        "listDisclosures": (f"/people/{me}/disclosures", None),
        "disclosePerson": (f"/people/{OTHER}/disclosures", {"audience": "referring_agency"}),
    }


SUPERVISION = {"assignment_id": OTHER, "supervisor_id": OTHER, "peer_worker_id": OTHER, "kind": PD,
               "route": "same_organization", "agreement_id": None, "status": "active", "offered_on": "2026-11-01",
               "accepted_on": "2026-11-02", "ended_on": None, "end_reason": None,
               "reasons": ["works in the same organization"]}
DUE = {"peer_worker_id": OTHER, "stage": "certified", "next_due": "2026-12-01", "overdue": []}


def export_page(query: dict) -> dict:
    """Audit's export, one entry a page: enough to page through."""
    seq = query["cursor"] + 1
    row = {"csv": f"{seq},intake,{seq},PersonEnrolled,1,t,t,,,,,,,d,h\n",
           "jsonl": f'{{"seq":{seq},"source":"intake"}}\n'}[query["format"]]
    header = CSV_HEADER if query["format"] == "csv" and query["cursor"] == 0 else ""
    return {"format": query["format"], "count": 1, "data": header + row, "next_cursor": seq if seq < 3 else None}


SUPERVISION_AUDIT_ANSWERS = {
    ("supervision", "find_supervisor"): {"peer_worker_id": OTHER, "kind": PD, "route": "pool", "options": [{
        "supervisor_id": OTHER, "route": "pool", "agreement_id": None, "organization_ids": [OTHER], "score": 3.5,
        "pool_region": "Hampden", "free_capacity": 6.0,
        "facts": [{"code": "pool", "organization_id": OTHER, "supervised_organization_ids": [ORG]},
                  {"code": "speaks", "language": "es"}],
        "reasons": ["from the networking pool: needs a supervision agreement", "speaks es"]}]},
    ("supervision", "offer_supervisor"): OTHER,
    ("supervision", "accept_supervision"): {"assignment_id": OTHER, "status": "active"},
    ("supervision", "decline_supervision"): {"assignment_id": OTHER, "status": "declined"},
    ("supervision", "end_supervision"): {"assignment_id": OTHER, "status": "ended"},
    ("supervision", "record_supervisor_training"): None,
    ("supervision", "record_staff"): None,
    ("supervision", "supervision_record"): {
        "peer_worker_id": OTHER, "organization_ids": [ORG], "due": DUE, "needs_supervisor": False,
        "supervisions": [SUPERVISION], "sessions": [{
            "session_id": OTHER, "supervisor_id": OTHER, "date": "2026-11-02", "minutes": 60, "kind": PD,
            "grouping": "individual", "medium": "video", "confirmed_by": ["supervisor"], "counted": False}]},
    ("supervision", "supervisor_load"): {"supervisor_id": OTHER, "load": 1.0, "capacity": 7.0,
                                         "free_capacity": 6.0, "supervisions": [{**SUPERVISION, "due": DUE}]},
    ("audit", "export"): export_page,
    ("audit", "checkpoints"): lambda query: checkpoints_page(query, [1000, 2000]),
    ("audit", "open_break_glass"): {"person_id": OTHER, "expires_at": "2026-11-24T10:00:00+00:00"},
    ("audit", "personal_fields"): {"person_id": OTHER, "fields": [{
        "source": "intake", "position": 3, "type": "PersonEnrolled", "field": "display_name",
        "value": "Robin (synthetic)"}]},
    ("intake", "disclose_person"): {"person_id": OTHER, "audience": "referring_agency",
                                    "fields": {"display_name": "Robin (synthetic)"}},
}
