"""The person's path and the peer's answers: intake's people, referrals and availability,
and matching's offers, choices, connections and waitlist, as resources.

A person acts only on their own records, a peer worker only on their own profile and
the choices made of them: each route takes its roles and those rules from the service's
access table (shared/contracts/commands/intake.py, matching.py), the gateway refuses
the rest before any call, and the services check again from the identity that travels
with the call.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway import pagination
from services.gateway import people_schemas as s
from services.gateway.app import Call, Reply, Route
from services.gateway.schemas import PageQuery, body_of, page_of
from shared.contracts.commands import intake
from shared.contracts.commands.intake import OPERATIONS as INTAKE
from shared.contracts.commands.matching import OPERATIONS as MATCHING
from shared.errors import InvalidInput, NotAllowed, NotFound

# The log names whoever asked: a caller may not name another recipient.
DisclosureInput = body_of(intake.DisclosePerson, "person_id", "recipient")


class Disclosure(Schema):
    at = fields.String(required=True)
    to = fields.Dict(required=True, metadata={
        "description": "who: user_id, role, organization_id; for the state's break-glass also the reference, "
                       "the reason and until when"})
    audience = fields.String(required=True, metadata={"description": "referring_agency, offered_peer, matching "
                                                                     "or state_audit (break-glass)"})
    fields = fields.List(fields.String(), required=True, metadata={"description": "which fields, never their "
                                                                                  "values"})


class Disclosed(Schema):
    person_id = fields.UUID(required=True)
    audience = fields.String(required=True)
    fields = fields.Dict(required=True, metadata={"description": "the fields the person's consent lets this "
                                                                 "audience see, now"})


class PersonPath(Schema):
    person_id = fields.UUID(required=True)


class SupportRequestPath(PersonPath):
    request_id = fields.UUID(required=True)


class PeerWorkerPath(Schema):
    peer_worker_id = fields.UUID(required=True)


class ReferralPath(Schema):
    referral_id = fields.UUID(required=True)


class ChoicePath(Schema):
    choice_id = fields.UUID(required=True)


class ConnectionPath(Schema):
    connection_id = fields.UUID(required=True)


def _person_act(method: str):
    """A person's act on their own record: the path's id joins the body."""
    def act(call: Call):
        person_id = str(call.path["person_id"])
        call.rpc("intake", method, {**(call.raw_body or {}), "person_id": person_id})
        return {"person_id": person_id, "recorded": True}
    act.__name__ = method
    return act


# -- people (intake) ----------------------------------------------------------------------
def enroll(call: Call):
    person_id = call.rpc("intake", "enroll", call.raw_body)
    return Reply({"person_id": person_id}, headers={"Location": f"/people/{person_id}"})


def read_person(call: Call):
    return call.rpc("intake", "person_record", str(call.path["person_id"]))


def request_support(call: Call):
    person_id = str(call.path["person_id"])
    request_id = call.rpc("intake", "request_support", {**call.raw_body, "person_id": person_id})
    return {"person_id": person_id, "request_id": request_id}


def withdraw_support_request(call: Call):
    person_id, request_id = str(call.path["person_id"]), str(call.path["request_id"])
    call.rpc("intake", "withdraw_support_request", {"person_id": person_id, "request_id": request_id})
    return {"person_id": person_id, "request_id": request_id, "recorded": True}


def list_disclosures(call: Call):
    """Intake reads the page from the person's own events, after the one the cursor names (its version)."""
    query = pagination.key_query(call.query, int)
    return pagination.from_keyset_page(
        call.rpc("intake", "disclosures", str(call.path["person_id"]), query["after"], query["limit"]))


def disclose_person(call: Call):
    if call.body["audience"] != "referring_agency":
        raise NotAllowed("an agency admin asks for a person's details only as the referring agency")
    return call.rpc("intake", "disclose_person", {**call.raw_body, "person_id": str(call.path["person_id"])})


# -- referrals (intake) ------------------------------------------------------------------
INVITATION_SECRET = "X-Invitation-Secret"
INVITATION_HEADER = ((INVITATION_SECRET, "the invitation's secret (the invitee; the referring agency's admin "
                                         "needs none). Without it, or with another, the referral is 404 as if it "
                                         "did not exist."),)


def invitation_secret(call: Call) -> str | None:
    # A header, not the address: a secret in a URL ends up in logs and browser history.
    return call.headers.get(INVITATION_SECRET) if call.headers is not None else None


def refer_person(call: Call):
    made = call.rpc("intake", "refer_person", call.raw_body)
    return Reply(made, headers={"Location": f"/referrals/{made['referral_id']}"})


def read_referral(call: Call):
    return call.rpc("intake", "referral", str(call.path["referral_id"]), invitation_secret(call))


def accept_referral(call: Call):
    person_id = call.rpc("intake", "accept_referral",
                         {**call.raw_body, "referral_id": str(call.path["referral_id"]),
                          "invitation_secret": invitation_secret(call)})
    return Reply({"person_id": person_id}, headers={"Location": f"/people/{person_id}"})


def decline_referral(call: Call):
    referral_id = str(call.path["referral_id"])
    call.rpc("intake", "decline_referral", {"referral_id": referral_id, "invitation_secret": invitation_secret(call)})
    return {"referral_id": referral_id, "recorded": True}


# -- availability (intake) -------------------------------------------------------------------
def _availability_act(method: str):
    def act(call: Call):
        peer_worker_id = str(call.path["peer_worker_id"])
        call.rpc("intake", method, {**(call.raw_body or {}), "peer_worker_id": peer_worker_id})
        return {"peer_worker_id": peer_worker_id, "recorded": True}
    act.__name__ = method
    return act


# -- offers, choices, connections (matching) ---------------------------------------------------
# Matching's access table (shared/contracts/commands/matching.py) gives each route its roles and
# refuses, before any call, a person or peer worker naming someone else, or an agency admin
# asking for another organization's counts.
def _person_matching(method: str):
    def act(call: Call):
        return call.rpc("matching", method, {**(call.raw_body or {}), "person_id": str(call.path["person_id"])})
    act.__name__ = method
    return act


def read_offers(call: Call):
    return call.rpc("matching", "my_offers", str(call.path["person_id"]))


def _page_of(method: str, subject: str):
    """Matching pages these lists itself, by key: the cursor carries the last key shown."""
    def act(call: Call):
        query = pagination.keyset_query(call.query)
        return pagination.from_keyset_page(
            call.rpc("matching", method, str(call.path[subject]), query["after"], query["limit"]))
    act.__name__ = method
    return act


def _answer(method: str):
    def act(call: Call):
        return call.rpc("matching", method, {"choice_id": str(call.path["choice_id"])})
    act.__name__ = method
    return act


def end_connection(call: Call):
    return call.rpc("matching", "end_connection", {"connection_id": str(call.path["connection_id"])})


def read_connection_contact(call: Call):
    """Intake answers what the other side chose to give (and logs a read of the person's contact); the
    organization's published contact, when a peer worker uses it, comes from the directory."""
    answer = call.rpc("intake", "connection_contact", str(call.path["connection_id"]))
    contact = answer.get("contact")
    if contact and contact["use"] == "organization":
        answer = {**answer, "contact": {**contact, **_published_contact(call, contact["organization_id"])}}
    return answer


def _published_contact(call: Call, organization_id: str) -> dict:
    try:
        organization = call.rpc("directory", "organization", organization_id)
    except (NotFound, InvalidInput):  # an organization the directory does not hold: nothing published
        return {}
    published = organization.get("contact") or {}
    return {"organization_name": organization.get("name"), "phone": published.get("phone"),
            "email": published.get("email"), "website": published.get("website")}


def _peer_worker_act(method: str, service: str = "matching"):
    def act(call: Call):
        return call.rpc(service, method, {**(call.raw_body or {}), "peer_worker_id": str(call.path["peer_worker_id"])})
    act.__name__ = method
    return act


def set_work_contact(call: Call):
    _peer_worker_act("set_work_contact", "intake")(call)
    return {"peer_worker_id": str(call.path["peer_worker_id"]), "recorded": True}


def read_work_contact(call: Call):
    return call.rpc("intake", "peer_worker_profile", str(call.path["peer_worker_id"]))["work_contact"]


def read_counts(call: Call):
    return call.rpc("matching", "counts", {"organization_id": call.query.get("organization_id")})


P = "/people/<person_id>"
W = "/peer-workers/<peer_worker_id>"


def _person_route(method, suffix, operation, summary, handler, access, body=None, response=s.Done, status=200,
                  **kw):
    return Route(method, P + suffix, operation, summary, "people", handler, access, path_schema=PersonPath,
                 body=body, response=response, status=status, **kw)


PERSON_ROUTES = [
    Route("POST", "/people", "enroll", "Enroll to look for peer support", "people", enroll, INTAKE["enroll"],
          body=s.EnrollmentInput, response=s.PersonEnrolled, status=201,
          description="The person enrolls themselves (person_id is the token's subject) with a consent "
                      "that names who may see which fields."),
    _person_route("GET", "", "readPerson", "Read everything intake holds about me", read_person,
                  INTAKE["person_record"], response=s.PersonRecord,
                  description="Nothing about us without us: details, items, consents, requests, every "
                              "disclosure and every change, with who made it."),
    _person_route("POST", "/detail-changes", "changeDetails", "Change my details", _person_act("change_details"),
                  INTAKE["change_details"], body=s.DetailsChangeInput),
    _person_route("POST", "/shared-experiences", "sharePersonExperience", "Share a lived experience item",
                  _person_act("share_person_experience"), INTAKE["share_person_experience"],
                  body=s.PersonExperienceInput,
                  description="private, or for matching; never published otherwise."),
    _person_route("POST", "/experience-withdrawals", "withdrawPersonExperience", "Withdraw a lived experience item",
                  _person_act("withdraw_person_experience"), INTAKE["withdraw_person_experience"],
                  body=s.PersonExperienceWithdrawalInput),
    _person_route("POST", "/consents", "grantConsent", "Grant or change my consent", _person_act("grant_consent"),
                  INTAKE["grant_consent"], body=s.ConsentInput),
    _person_route("POST", "/consent-revocations", "revokeConsent", "Revoke my consent",
                  _person_act("revoke_consent"), INTAKE["revoke_consent"],
                  description="Matching stops using my data; open requests close."),
    _person_route("POST", "/support-requests", "requestSupport", "Ask for peer support", request_support,
                  INTAKE["request_support"], body=s.SupportRequestInput, response=s.SupportRequested, status=201,
                  creates="request_id",
                  description="What I hope for, in my own words, stays sealed in intake."),
    Route("POST", P + "/support-requests/<request_id>/withdrawals", "withdrawSupportRequest",
          "Withdraw my support request", "people", withdraw_support_request,
          INTAKE["withdraw_support_request"], path_schema=SupportRequestPath, response=s.Done),
    _person_route("POST", "/erasures", "forgetMe", "Forget me", _person_act("forget_me"),
                  INTAKE["forget_me"],
                  description="My key is destroyed: my fields read \"forgotten\" everywhere, at once."),
    _person_route("POST", "/offer-requests", "askForOffers", "Ask for offers", _person_matching("ask_for_offers"),
                  access=MATCHING["ask_for_offers"], body=s.OfferRequestInput, response=s.Offers,
                  description="Offers with explanations that name only what both sides shared; asking again "
                              "keeps the offers still open and adds any not seen already. With no offers, "
                              "`reason` says why and `next_steps` what the person can do (codes)."),
    _person_route("GET", "/offers", "readOffers", "Read my offers", read_offers, response=s.Offers,
                  access=MATCHING["my_offers"]),
    _person_route("POST", "/choices", "choose", "Choose a peer worker from my offers", _person_matching("choose"),
                  access=MATCHING["choose"], body=s.ChoiceInput, response=s.Choice, status=201,
                  description="Holds the peer's place until they answer; 409 when the place went meanwhile."),
    _person_route("POST", "/waitlist-entries", "wait", "Wait for a place", _person_matching("wait"),
                  access=MATCHING["wait"], response=s.Offers, description="Offered again, in turn, when a fitting peer frees a place."),
    _person_route("POST", "/liked-peers", "likePeer", "Say I would see a peer worker again",
                  _person_matching("like_peer"), access=MATCHING["like_peer"], body=s.LikedPeerInput,
                  response=s.LikedPeers),
    _person_route("GET", "/connections", "listPersonConnections", "List my connections",
                  _page_of("my_connections", "person_id"), access=MATCHING["my_connections"],
                  response=s.PersonConnectionPage, query_schema=PageQuery),
    _person_route("POST", "/blocked-peers", "blockPeer", "Block a peer worker", _person_matching("block_peer"),
                  access=MATCHING["block_peer"], body=s.BlockPeerInput, response=s.Blocked,
                  description="Never offered to each other again: an open offer goes, an open choice of them lapses, "
                              "an active connection with them ends. Matching keeps only the pair of ids."),
    _person_route("GET", "/disclosures", "listDisclosures", "List who was shown my details", list_disclosures,
                  INTAKE["disclosures"], response=page_of(Disclosure, "DisclosurePage"), query_schema=PageQuery,
                  description="My disclosure log, oldest first: each time someone else got my fields, who, "
                              "which fields and when, the state's break-glass accesses included."),
    Route("POST", P + "/disclosures", "disclosePerson", "Ask for a referred person's details", "people",
          disclose_person, INTAKE["disclose_person"], path_schema=PersonPath, body=DisclosureInput,
          response=Disclosed,
          description="The referring agency gets the fields the person's consent lets it see, and the "
                      "person's disclosure log says so."),
]
# referrals, and the peer worker's availability and answers
OTHER_ROUTES = [
    Route("POST", "/referrals", "referPerson", "Invite a person to enroll", "referrals", refer_person,
          INTAKE["refer_person"], body=s.ReferralInput, response=s.ReferralCreated, status=201, creates="referral_id",
          description="A pending invitation from the admin's organization until the person agrees. The answer "
                      "carries the invitation's secret, this once: it goes to the invitee with the invitation."),
    Route("GET", "/referrals/<referral_id>", "readReferral", "Read a referral", "referrals", read_referral,
          INTAKE["referral"], path_schema=ReferralPath, response=s.Referral, headers=INVITATION_HEADER,
          description="The invitee (with the invitation's secret in X-Invitation-Secret) sees who invited them "
                      "and until when; the admin, their organization's."),
    Route("POST", "/referrals/<referral_id>/acceptances", "acceptReferral", "Accept a referral and enroll",
          "referrals", accept_referral, INTAKE["accept_referral"], path_schema=ReferralPath,
          body=s.ReferralAcceptanceInput, response=s.PersonEnrolled, status=201, headers=INVITATION_HEADER,
          description="Only with the invitation's secret in X-Invitation-Secret."),
    Route("POST", "/referrals/<referral_id>/declines", "declineReferral", "Decline a referral", "referrals",
          decline_referral, INTAKE["decline_referral"], path_schema=ReferralPath, response=s.Done,
          headers=INVITATION_HEADER,
          description="Only with the invitation's secret in X-Invitation-Secret."),
    Route("POST", W + "/availability-settings", "setAvailability", "Set my availability", "peer workers",
          _availability_act("set_availability"), INTAKE["set_availability"], path_schema=PeerWorkerPath,
          body=s.AvailabilityInput, response=s.Done, description="Places, times, ways of meeting, languages, regions; nobody assigns them."),
    Route("POST", W + "/pauses", "pauseAvailability", "Pause my availability", "peer workers",
          _availability_act("pause_availability"), INTAKE["pause_availability"], path_schema=PeerWorkerPath,
          response=s.Done),
    Route("POST", W + "/resumptions", "resumeAvailability", "Resume my availability", "peer workers",
          _availability_act("resume_availability"), INTAKE["resume_availability"], path_schema=PeerWorkerPath,
          response=s.Done),
    Route("GET", W + "/requests", "listPeerRequests", "List choices waiting for my answer", "peer workers",
          _page_of("peer_requests", "peer_worker_id"), MATCHING["peer_requests"], path_schema=PeerWorkerPath, query_schema=PageQuery,
          response=s.PeerRequestPage, description="Only what both shared, and the deadline: no name, no place."),
    Route("GET", W + "/connections", "listPeerConnections", "List my connections as a peer worker",
          "peer workers", _page_of("peer_connections", "peer_worker_id"), MATCHING["peer_connections"], path_schema=PeerWorkerPath, query_schema=PageQuery,
          response=s.PeerConnectionPage),
    Route("POST", "/choices/<choice_id>/acceptances", "acceptChoice", "Accept a person's choice", "matching",
          _answer("accept"), MATCHING["accept"], path_schema=ChoicePath, response=s.Accepted, status=201,
          description="The choice becomes a connection."),
    Route("POST", "/choices/<choice_id>/declines", "declineChoice", "Decline a person's choice", "matching",
          _answer("decline"), MATCHING["decline"], path_schema=ChoicePath, response=s.Declined,
          description="No reason is asked; the person is told and chooses again."),
    Route("POST", "/connections/<connection_id>/endings", "endConnection", "End a connection", "matching",
          end_connection, MATCHING["end_connection"], path_schema=ConnectionPath, response=s.ConnectionEnded,
          description="Either side, at any time, no reason asked."),
    Route("GET", "/connections/<connection_id>/contact", "readConnectionContact",
          "Read how to reach the other side of my connection", "matching", read_connection_contact,
          INTAKE["connection_contact"], path_schema=ConnectionPath, response=s.ConnectionContact,
          description="Only the two sides, while the connection is active, and only what the other chose to give: "
                      "the person's consent for connected_peer (each read is in their disclosure log), the peer "
                      "worker's work contact (their own, or what their organization publishes). Nothing once the "
                      "connection ends, the person's consent no longer allows it, or they are forgotten."),
    Route("POST", W + "/blocked-people", "blockPerson", "Block the person behind a choice or connection",
          "peer workers", _peer_worker_act("block_person"), MATCHING["block_person"], path_schema=PeerWorkerPath,
          body=s.BlockPersonInput, response=s.Blocked,
          description="Name the choice made of me or the connection (never the person's id): never offered to "
                      "each other again; the choice lapses, the connection ends."),
    Route("POST", W + "/work-contact-settings", "setWorkContact", "Set how people connected with me reach me",
          "peer workers", set_work_contact, INTAKE["set_work_contact"], path_schema=PeerWorkerPath,
          body=s.WorkContactInput, response=s.Done,
          description="use: organization (what my organization publishes in the directory; the default), or own "
                      "with a work phone or email. Shown only to the people I am connected with, while connected."),
    Route("GET", W + "/work-contact", "readWorkContact", "Read how people connected with me reach me",
          "peer workers", read_work_contact, INTAKE["peer_worker_profile"], path_schema=PeerWorkerPath,
          response=s.WorkContact),
    Route("GET", "/connection-counts", "readCounts", "Read connection counts", "matching", read_counts,
          MATCHING["counts"], query_schema=s.CountsQuery, response=s.Counts,
          description="For reports; an agency admin only their own organization. 1 to 10 come back null."),
]
