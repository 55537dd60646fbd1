"""The directory's workforce, organization, group and agreement acts for the role matrix:
a request in scope for every role that may make it, and what directory answers."""
import uuid

from services.gateway.tests.conftest import ORG

PEER_WORKER = str(uuid.uuid4())
EMPLOYMENT = {"employment_id": str(uuid.uuid4()), "organization_id": ORG, "role_title": "Peer specialist",
              "hours_per_week": 20.0, "start": "2026-01-05", "end": None, "certify_by": "2026-07-06", "left_on": None}
STATUS = {"certification": "due", "certify_by": "2026-07-06", "credentials": ["recovery_coach"], "expired": [],
          "blocks_offers": False}
WORKFORCE_RECORD = {
    "peer_worker_id": PEER_WORKER, "peer_role_since": "2020-03-01", "employments": [EMPLOYMENT],
    "credentials": [{"credential_id": str(uuid.uuid4()), "kind": "recovery_coach", "state": "MA", "number": "RC-1",
                     "issued": "2025-01-10", "expires": "2027-01-10", "expired": False, "current": True}],
    "continuing_education": [{"period_start": "2026-01-01", "period_end": "2026-12-31", "hours": 6.0}],
    "in_pool": False, "eligible_peer_supervisor": False, "version": 4}
GROUP = {"host_organization_id": ORG, "kind": "wrap", "name": "Tuesday WRAP (synthetic)", "region": "Hampden",
         "link": "https://example.org/wrap", "schedule": {"freq": "WEEKLY", "byday": "TU", "opens_at": "18:00",
                                                          "closes_at": "19:30"}}


def directory_requests(me: str, other: str) -> dict:
    """operation -> (path, body); `me` is the caller's own id."""
    subcontract, supervision = f"/subcontracts/{other}", f"/supervision-agreements/{other}"
    return {
        "updateOrganization": (f"/organizations/{ORG}/changes", {"regions": ["Hampden", "Berkshire"]}),
        "closeOrganization": (f"/organizations/{ORG}/closures", None),
        "listGroup": ("/groups", GROUP),
        "retireGroup": (f"/groups/{other}/retirements", None),
        "recordEmployment": (f"/peer-workers/{me}/employments", {
            "organization_id": ORG, "role_title": "Peer specialist", "hours_per_week": 20, "start": "2026-01-05"}),
        "endEmployment": (f"/peer-workers/{me}/employment-endings", {"organization_id": ORG,
                                                                    "left_on": "2026-11-20"}),
        "setPeerRoleSince": (f"/peer-workers/{me}/peer-role-changes", {"peer_role_since": "2020-03-01"}),
        "recordCredential": (f"/peer-workers/{me}/credentials", {"kind": "recovery_coach", "issued": "2025-01-10"}),
        "recordContinuingEducation": (f"/peer-workers/{me}/continuing-education", {
            "hours": 6, "period_start": "2026-01-01", "period_end": "2026-12-31"}),
        "readWorkforceRecord": (f"/workforce-records/{me}", None),
        "listWorkforce": (f"/employments?organization_id={ORG}&include_former=true", None),
        "readCredentialStatus": (f"/credential-status?organization_id={ORG}&as_of=2026-11-24", None),
        "exportCredentialStatus": (f"/credential-status-export?organization_id={ORG}&as_of=2026-11-24", None),
        "exportSubcontractHours": (f"/subcontract-hours-export?organization_id={ORG}", None),
        "listEligiblePeerSupervisors": (f"/eligible-peer-supervisors?organization_id={ORG}", None),
        "amendSubcontract": (f"{subcontract}/amendments", {"hours_per_week": 25, "expected_version": 1}),
        "renewSubcontract": (f"{subcontract}/renewals", {"end": "2028-11-30"}),
        "endSubcontract": (f"{subcontract}/endings", {"ended_on": "2027-06-30"}),
        "placePeerWorker": (f"{subcontract}/placements", {"peer_worker_id": other, "hours_per_week": 10}),
        "endPlacement": (f"{subcontract}/placements/{other}/endings", {}),
        "recordHoursDelivered": (f"{subcontract}/hours-reports", {"week_start": "2026-12-07", "hours": 18.5}),
        "endSupervisionAgreement": (f"{supervision}/endings", {"ended_on": "2027-06-30", "expected_version": 3}),
        "readPeerRoleChart": ("/peer-role-chart", None),
    }


DIRECTORY_ANSWERS = {
    ("directory", "list_group"): str(uuid.uuid4()),
    ("directory", "record_employment"): EMPLOYMENT["employment_id"],
    ("directory", "record_credential"): WORKFORCE_RECORD["credentials"][0]["credential_id"],
    ("directory", "workforce_record"): WORKFORCE_RECORD,
    ("directory", "list_workforce"): {"items": [{**EMPLOYMENT, "peer_worker_id": PEER_WORKER, **STATUS}],
                                      "next_after": None},
    ("directory", "credential_status"): {"items": [{"peer_worker_id": PEER_WORKER, "role_title": "Peer specialist",
                                                    **STATUS}], "next_after": None},
    ("directory", "eligible_peer_supervisors"): {"items": [{"peer_worker_id": PEER_WORKER}], "next_after": None},
    ("directory", "subcontract_hours"): [{
        "agreement_id": str(uuid.uuid4()), "buyer": "Hampden Agency (synthetic)", "buyer_id": ORG,
        "provider": "Valley Peer Collective (synthetic)", "provider_id": str(uuid.uuid4()), "month": "2026-11",
        "weeks": 4, "hours_delivered": 76.5, "hours_agreed": 80.0, "difference": -3.5}],
}
