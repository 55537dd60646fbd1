"""Every route with every role: allowed (2xx) or 403, and the table covers every route."""
import uuid

import pytest

from services.gateway.api import ROUTES
from services.gateway.auth import TOKEN_ROLES
from services.gateway.tests.conftest import ORG, bearer
from services.gateway.tests.requests_directory import DIRECTORY_ANSWERS, directory_requests
from services.gateway.tests.requests_notifications import NOTIFICATIONS_ANSWERS, notifications_requests
from services.gateway.tests.requests_supervision_audit import SUPERVISION_AUDIT_ANSWERS, supervision_audit_requests

ME = str(uuid.uuid4())  # the caller's own id: a person or a peer worker acting on their own records
OTHER = str(uuid.uuid4())
DETAILS = {"display_name": "Robin (synthetic)", "region": "Hampden", "languages": ["English"],
           "modalities": ["phone"]}
CONSENT = {"purpose": "peer_support", "may_see": {"matching": ["region", "languages", "modalities"]}}
OFFERS = {"request_id": OTHER, "offers": [{
    "peer_worker_id": OTHER, "display_name": "Sam (synthetic)", "score": 18, "free_places": 2,
    "shared_items": ["veteran"], "languages": ["English"], "same_place": True, "modalities": ["phone"],
    "continuity": False, "why": "you both chose to share: veteran"}],
    "relaxed": [], "note": None, "choice": None, "waiting": False, "reason": None, "next_steps": ["choose"]}

# operation -> (path, JSON body or None), in scope for every role that may call it
SESSION = {"date": "2026-11-02", "minutes": 60, "kind": "professional_development", "grouping": "individual",
           "medium": "video"}
REQUESTS = {
    "enroll": ("/people", {"person_id": ME, **DETAILS, "consent": CONSENT}),
    "readPerson": (f"/people/{ME}", None),
    "changeDetails": (f"/people/{ME}/detail-changes", {"region": "Berkshire"}),
    "sharePersonExperience": (f"/people/{ME}/shared-experiences", {"experience": "veteran",
                                                                    "visibility": "matching"}),
    "withdrawPersonExperience": (f"/people/{ME}/experience-withdrawals", {"experience": "veteran"}),
    "grantConsent": (f"/people/{ME}/consents", {"consent": CONSENT}),
    "revokeConsent": (f"/people/{ME}/consent-revocations", None),
    "requestSupport": (f"/people/{ME}/support-requests", {"hopes": "someone who has been there"}),
    "withdrawSupportRequest": (f"/people/{ME}/support-requests/{OTHER}/withdrawals", None),
    "forgetMe": (f"/people/{ME}/erasures", None),
    "askForOffers": (f"/people/{ME}/offer-requests", {"include_my_agencies": False}),
    "readOffers": (f"/people/{ME}/offers", None),
    "choose": (f"/people/{ME}/choices", {"peer_worker_id": OTHER}),
    "wait": (f"/people/{ME}/waitlist-entries", None),
    "likePeer": (f"/people/{ME}/liked-peers", {"peer_worker_id": OTHER}),
    "listPersonConnections": (f"/people/{ME}/connections", None),
    "blockPeer": (f"/people/{ME}/blocked-peers", {"peer_worker_id": OTHER}),
    "blockPerson": (f"/peer-workers/{ME}/blocked-people", {"choice_id": OTHER}),
    "setWorkContact": (f"/peer-workers/{ME}/work-contact-settings", {"use": "own", "phone": "+1 413 555 0100"}),
    "readWorkContact": (f"/peer-workers/{ME}/work-contact", None),
    "readConnectionContact": (f"/connections/{OTHER}/contact", None),
    "referPerson": ("/referrals", {"display_name": "Robin (synthetic)"}),
    "readReferral": (f"/referrals/{OTHER}", None),
    "acceptReferral": (f"/referrals/{OTHER}/acceptances", {"person_id": ME, **DETAILS, "consent": CONSENT}),
    "declineReferral": (f"/referrals/{OTHER}/declines", None),
    "invitePeerWorker": ("/peer-worker-invitations", {"organization_id": ORG, "display_name": "Sam (synthetic)"}),
    "readPeerWorkerInvitation": (f"/peer-worker-invitations/{OTHER}", None),
    "acceptPeerWorkerInvitation": (f"/peer-worker-invitations/{OTHER}/acceptances", None),
    "withdrawPeerWorkerInvitation": (f"/peer-worker-invitations/{OTHER}/withdrawals", None),
    "setAvailability": (f"/peer-workers/{ME}/availability-settings", {
        "capacity": 2, "modalities": ["phone"], "languages": ["English"], "remote": True}),
    "pauseAvailability": (f"/peer-workers/{ME}/pauses", None),
    "resumeAvailability": (f"/peer-workers/{ME}/resumptions", None),
    "listPeerRequests": (f"/peer-workers/{ME}/requests", None),
    "listPeerConnections": (f"/peer-workers/{ME}/connections", None),
    "acceptChoice": (f"/choices/{OTHER}/acceptances", None),
    "declineChoice": (f"/choices/{OTHER}/declines", None),
    "endConnection": (f"/connections/{OTHER}/endings", None),
    "readCounts": ("/connection-counts", None),
    "listOrganizations": ("/organizations?region=Hampden&kind=agency&limit=1", None),
    "readOrganization": (f"/organizations/{OTHER}", None),
    "findGroups": ("/groups?kind=wrap", None),
    "searchPool": ("/pool-members?language=Spanish", None),
    "exportHsds": ("/hsds-export", None),
    "joinPool": (f"/peer-workers/{ME}/pool-memberships", {"organization_id": ORG, "display_name": "Sam (synthetic)",
                                                          "region": "Hampden", "languages": ["Spanish"]}),
    "leavePool": (f"/peer-workers/{ME}/pool-departures", None),
    "makeSubcontract": ("/subcontracts", {"buyer_id": ORG, "provider_id": OTHER, "hours_per_week": 20,
                                          "amount": "1200.00", "start": "2026-12-01", "end": "2027-11-30"}),
    "listSubcontracts": (f"/subcontracts?organization_id={ORG}&status=open", None),
    "readSubcontract": (f"/subcontracts/{OTHER}", None),
    "proposeSupervision": ("/supervision-agreements", {
        "supervised_organization_id": ORG, "supervising_organization_id": OTHER, "peer_worker_ids": [ME],
        "hours_per_month": 4, "start": "2026-12-01", "end": "2027-11-30", "cost": "300.00"}),
    "listSupervisionAgreements": ("/supervision-agreements", None),
    "readSupervisionAgreement": (f"/supervision-agreements/{OTHER}", None),
    "checkDuties": ("/duty-checks", {"duties": ["Administrar medicamentos", "Facilitate a WRAP group"]}),
    "acceptSupervisionAgreement": (f"/supervision-agreements/{OTHER}/acceptances", {"organization_id": ORG}),
    "declineSupervisionAgreement": (f"/supervision-agreements/{OTHER}/declines", {"organization_id": ORG}),
    # ME on both sides: the same request is in scope for a supervisor and for a peer worker.
    "logSession": ("/supervision-sessions", {**SESSION, "supervisor_id": ME, "peer_worker_id": ME}),
    "confirmSession": (f"/supervision-sessions/{OTHER}/confirmations", None),
    "correctSession": (f"/supervision-sessions/{OTHER}/corrections", SESSION),
    "listSupervisionShortfall": ("/supervision-shortfalls?as_of=2026-11-24&limit=1", None),
    "listAuditEntries": ("/audit-entries?source=intake&since=2026-01-01T00:00:00%2B00:00&limit=1", None),
    "verifyAudit": ("/audit-verifications", None),
    "readAuditVerification": (f"/audit-verifications/{OTHER}", None),
    "readAuditFigures": ("/audit-figures", None),
    "recordPeerWorkerProfile": ("/peer-workers", {"peer_worker_id": ME, "display_name": "Sam (synthetic)",
                                                   "organization_id": ORG}),
    "shareExperience": (f"/peer-workers/{ME}/shared-experiences", {"experience": "veteran", "visibility": "matching"}),
    "withdrawExperience": (f"/peer-workers/{ME}/experience-withdrawals", {"experience": "veteran"}),
    "readCandidate": (f"/candidates/{ME}", None),
    "readPeerWorker": (f"/peer-workers/{ME}", None),
    "readMe": ("/me", None),
    "registerOrganization": ("/organizations", {"name": "Hilltown Peer Center (synthetic)",
                                                "kind": "peer_run_organization", "regions": ["Hampden"]}),
    "listServices": ("/services", None),
    "readPositions": ("/services/intake/positions", None),
    "listIntegrationEvents": ("/services/intake/integration-events?limit=5", None),
    "health": ("/health", None),
    "readVocabularies": ("/vocabularies", None),
    "root": ("/", None),
    "openapi": ("/openapi.json", None),
    "docs": ("/docs", None),
}
REQUESTS.update(directory_requests(ME, OTHER))
REQUESTS.update(supervision_audit_requests(ME))
REQUESTS.update(notifications_requests(ME, OTHER))
VERIFICATION = {"verification_id": OTHER, "state": "done", "requested_by": ME, "started_at": "2026-11-24T07:00:00+00:00",
                "updated_at": "2026-11-24T07:00:02+00:00", "finished_at": "2026-11-24T07:00:02+00:00",
                "entries_checked": 4, "entries_total": 4, "sources": [{"source": "intake", "checked": 4, "total": 4}],
                "result": {"ok": True, "chain": {"ok": True}, "sources": [], "public_key": "k"}, "error": None}
ORGANIZATION = {"organization_id": OTHER, "name": "Hilltown Peer Center (synthetic)", "kind": "agency",
                "regions": ["Hampden"], "contact": None, "closed": False, "version": 1}
SUBCONTRACT = {"agreement_id": OTHER, "buyer_id": ORG, "provider_id": OTHER, "hours_per_week": 20.0,
               "amount": "1200.00", "start": "2026-12-01", "end": "2027-11-30", "ended_on": None, "status": "open",
               "provider_duties": [], "duties": [], "placements": [], "hours_placed": 0, "hours_report": [],
               "version": 1}
SUPERVISION = {"agreement_id": OTHER, "supervised_organization_id": ORG, "supervising_organization_id": OTHER,
               "peer_worker_ids": [ME], "supervisor_id": None, "hours_per_month": 4.0, "start": "2026-12-01",
               "end": "2027-11-30", "cost": "300.00", "status": "proposed", "accepted_by": [], "version": 1}
ANSWERS = {
    ("supervision", "log_session"): OTHER,
    ("supervision", "confirm_session"): {"session_id": OTHER, "confirmed_by": ["supervisor", "peer_worker"]},
    ("supervision", "correct_session"): {"session_id": OTHER, "confirmed_by": ["supervisor"]},
    ("directory", "make_subcontract"): OTHER,
    ("directory", "list_subcontracts"): {"items": [SUBCONTRACT], "next_after": None},
    ("directory", "subcontract"): SUBCONTRACT,
    ("directory", "propose_supervision"): OTHER,
    ("directory", "list_supervision_agreements"): {"items": [SUPERVISION], "next_after": None},
    ("directory", "supervision_agreement"): SUPERVISION,
    ("directory", "accept_supervision"): {**SUPERVISION, "accepted_by": [ORG]},
    ("supervision", "shortfall"): {"as_of": "2026-11-24", "organization_id": None, "supervisor_id": None,
                                   "peer_workers": 14, "short": 1, "items": [{
                                       "peer_worker_id": OTHER, "organization_ids": [OTHER], "supervisor_ids": [],
                                       "needs_supervisor": True, "next_due": "2026-12-01",
                                       "overdue": [{"requirement": "session_cadence", "due_on": "2026-11-20"}],
                                       "first_period_hours_done": 1.5}], "next_after": None},
    ("audit", "history"): {"entries": [{
        "seq": 4, "source": "intake", "position": 4, "type": "PersonEnrolled", "version": 1,
        "occurred_at": "2026-11-24T07:00:00+00:00", "recorded_at": "2026-11-24T07:00:01+00:00", "user_id": ME,
        "role": "person", "actor_organization_id": None, "organization_id": None, "correlation_id": "c",
        "subject_id": ME, "digest": "d" * 64, "hash": "h" * 64}], "next_cursor": 4},
    ("audit", "start_verification"): VERIFICATION,
    ("audit", "verification"): VERIFICATION,
    ("audit", "figures"): {"suppressed_as": "1-10", "connections_started_by_month_and_region": {"columns": [], "rows": []},
                           "subcontract_hours_by_month_and_provider": []},
    ("directory", "list_organizations"): {"items": [ORGANIZATION], "next_after": ["hilltown", OTHER]},
    ("directory", "organization"): ORGANIZATION,
    ("directory", "find_groups"): {"items": [], "next_after": None},
    ("directory", "search_pool"): {"items": [{
        "peer_worker_id": OTHER, "display_name": "Sam (synthetic)", "organization_id": OTHER, "region": "Hampden",
        "languages": ["Spanish"], "specialties": [], "credentials": ["recovery_coach"]}], "next_after": None},
    ("directory", "export_hsds"): {"hsds_version": "3.0", "organizations": [], "services": [], "locations": [],
                                   "service_at_locations": [], "schedules": []},
    ("intake", "enroll"): ME,
    ("intake", "person_record"): {"person_id": ME, "forgotten": False, "enrolled_at": "2026-11-24T07:00:00+00:00",
                                  "details": DETAILS, "referral_id": None, "consent": CONSENT,
                                  "consent_history": [CONSENT], "experiences": [], "support_requests": [],
                                  "what_matching_may_use": None, "disclosures": [], "history": []},
    ("intake", "disclosures"): {"items": [], "next_after": None},
    ("intake", "request_support"): OTHER,
    ("intake", "refer_person"): {"referral_id": OTHER, "invitation_secret": "secret-" + "s" * 40},
    ("intake", "referral"): {"referral_id": OTHER, "organization_id": ORG, "status": "pending",
                             "expires_at": "2026-12-24T07:00:00+00:00"},
    ("intake", "accept_referral"): ME,
    ("intake", "invite_peer_worker"): {"invitation_id": OTHER, "invitation_secret": "secret-" + "s" * 40},
    ("intake", "peer_worker_invitation"): {"invitation_id": OTHER, "organization_id": ORG, "status": "pending",
                                           "display_name": "Sam (synthetic)", "peer_worker_id": None,
                                           "expires_at": "2026-12-24T07:00:00+00:00"},
    ("intake", "accept_peer_worker_invitation"): ME,
    ("matching", "ask_for_offers"): OFFERS,
    ("matching", "my_offers"): OFFERS,
    ("matching", "wait"): {**OFFERS, "waiting": True},
    ("matching", "choose"): {"choice_id": OTHER, "peer_worker_id": OTHER, "deadline": "2026-11-27T07:00:00+00:00"},
    ("matching", "like_peer"): {"liked": [OTHER]},
    ("matching", "my_connections"): {"items": [{"connection_id": OTHER, "peer_worker_id": OTHER, "active": True,
                                                "display_name": "Sam (synthetic)"}], "next_after": None},
    ("matching", "peer_requests"): {"items": [{"choice_id": OTHER, "deadline": "2026-11-27T07:00:00+00:00",
                                               "shared_items": ["veteran"], "languages": ["English"],
                                               "modalities": ["phone"]}], "next_after": None},
    ("matching", "peer_connections"): {"items": [{"connection_id": OTHER, "person_id": OTHER, "active": True}],
                                       "next_after": None},
    ("matching", "accept"): {"connection_id": OTHER, "peer_worker_id": ME},
    ("matching", "decline"): {"choice_id": OTHER, "declined": True},
    ("matching", "end_connection"): {"connection_id": OTHER, "active": False},
    ("matching", "block_peer"): {"blocked": True},
    ("matching", "block_person"): {"blocked": True},
    ("intake", "connection_contact"): {"connection_id": OTHER, "active": True, "contact": {
        "use": "organization", "organization_id": ORG, "phone": None, "email": None}},
    ("matching", "counts"): {"active_connections": None, "ended_connections": 0, "waiting_for_peer_answer": 12,
                             "peers_with_free_places": None},
    ("intake", "record_peer_worker_profile"): ME,
    ("matching", "candidate"): {"peer_worker_id": ME, "organization_id": ORG, "display_name": "Sam (synthetic)",
                                "shared_for_matching": ["veteran"], "upstream_position": 1},
    ("directory", "register_organization"): str(uuid.uuid4()),
    ("intake", "peer_worker_profile"): {
        "peer_worker_id": ME, "display_name": "Sam (synthetic)", "organization_id": ORG, "paused": False,
        "experiences": [{"experience": "veteran", "visibility": "network"}],
        "availability": {"capacity": 2, "times": [], "modalities": ["phone"], "languages": ["es"],
                         "regions": ["Hampden County"], "remote": False},
        "work_contact": {"use": "own", "organization_id": ORG, "phone": "+1 413 555 0100", "email": None}},
    ("intake", "positions"): {"log": 3, "upstream": {}},
    ("intake", "integration_events"): [],
}
ANSWERS.update(DIRECTORY_ANSWERS)
ANSWERS.update(SUPERVISION_AUDIT_ANSWERS)
ANSWERS.update(NOTIFICATIONS_ANSWERS)


def test_the_table_covers_every_route():
    assert set(REQUESTS) == {route.operation for route in ROUTES}


@pytest.mark.parametrize("role", TOKEN_ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.operation)
def test_role_matrix(client, backend, route, role):
    backend.answers.update(ANSWERS)
    path, body = REQUESTS[route.operation]
    answer = client.open(path, method=route.method, json=body, headers=bearer(role, ME))
    if route.roles is None or role in route.roles:
        assert 200 <= answer.status_code < 300, answer.get_data(as_text=True)
    else:
        assert answer.status_code == 403, answer.get_data(as_text=True)
        assert backend.calls == []
