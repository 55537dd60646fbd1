"""What the person's path and the peer's answers accept and answer (marshmallow).

Bodies are intake's and matching's command contracts (shared/contracts/commands), less the ids the path
carries; answers are the gateway's, so the OpenAPI document says what comes back.
"""
from marshmallow import Schema, fields

from services.gateway.schemas import body_of, page_of
from shared.contracts.commands import intake, matching

EnrollmentInput = body_of(intake.Enroll)
DetailsChangeInput = body_of(intake.ChangeDetails, "person_id")
PersonExperienceInput = body_of(intake.SharePersonExperience, "person_id")
PersonExperienceWithdrawalInput = body_of(intake.WithdrawPersonExperience, "person_id")
ConsentInput = body_of(intake.GrantConsent, "person_id")
SupportRequestInput = body_of(intake.RequestSupport, "person_id")
ReferralInput = body_of(intake.ReferPerson)
ReferralAcceptanceInput = body_of(intake.AcceptReferral, "referral_id", "invitation_secret")
AvailabilityInput = body_of(intake.SetAvailability, "peer_worker_id")
OfferRequestInput = body_of(matching.AskForOffers, "person_id")
ChoiceInput = body_of(matching.Choose, "person_id")
LikedPeerInput = body_of(matching.LikePeer, "person_id")
BlockPeerInput = body_of(matching.BlockPeer, "person_id")
BlockPersonInput = body_of(matching.BlockPerson, "peer_worker_id")
WorkContactInput = body_of(intake.SetWorkContact, "peer_worker_id")


class PersonEnrolled(Schema):
    person_id = fields.UUID(required=True)


class Done(Schema):
    """An act that answers with the ids it acted on."""
    person_id = fields.UUID()
    peer_worker_id = fields.UUID()
    request_id = fields.UUID()
    referral_id = fields.UUID()
    invitation_id = fields.UUID()
    recorded = fields.Boolean(required=True)


class PersonRecord(Schema):
    person_id = fields.UUID(required=True)
    forgotten = fields.Boolean(required=True)
    enrolled_at = fields.String(required=True)
    details = fields.Dict(required=True, allow_none=True,
                          metadata={"description": "each field \"forgotten\" once erased"})
    referral_id = fields.String(allow_none=True)
    consent = fields.Dict(allow_none=True)
    consent_history = fields.List(fields.Dict())
    experiences = fields.List(fields.Dict())
    support_requests = fields.List(fields.Dict())
    what_matching_may_use = fields.Dict(allow_none=True)
    disclosures = fields.List(fields.Dict(), metadata={"description": "who was shown what, and when"})
    history = fields.List(fields.Dict(), metadata={"description": "every change: when, what, by whom"})


class SupportRequested(Schema):
    person_id = fields.UUID(required=True)
    request_id = fields.UUID(required=True)


class ReferralCreated(Schema):
    referral_id = fields.UUID(required=True)
    invitation_secret = fields.String(required=True, metadata={
        "description": "given this once and stored only as a digest: pass it to the invitee with the "
                       "invitation; they send it as the X-Invitation-Secret header to read, accept or decline"})


class Referral(Schema):
    referral_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    status = fields.String(required=True)
    expires_at = fields.String(allow_none=True)
    display_name = fields.String(metadata={"description": "the inviting agency's admin only"})
    contact = fields.String(allow_none=True, metadata={"description": "the inviting agency's admin only"})
    person_id = fields.String(allow_none=True)


class Offer(Schema):
    peer_worker_id = fields.String(required=True)
    display_name = fields.String(required=True)
    score = fields.Integer(required=True)
    free_places = fields.Integer(required=True)
    shared_items = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    same_place = fields.Boolean(required=True)
    modalities = fields.List(fields.String(), required=True)
    continuity = fields.Boolean(required=True)
    why = fields.String(required=True, metadata={"description": "the explanation in plain words"})


REASONS = ("no_consent: matching may use nothing about the person (not enrolled, or no consent for matching); "
           "consent_expired: their consent for matching has expired; no_open_request: no open request; "
           "choice_pending: they chose a peer who has not answered yet; no_fitting_peer: nobody with a free place "
           "fits now; all_offered: every peer who fits now was offered already; waiting: on the waitlist")
NEXT_STEPS = ("choose: POST /people/{id}/choices; ask: POST /people/{id}/offer-requests; wait: join the waitlist, "
              "POST /people/{id}/waitlist-entries; relax:include_my_agencies: ask again with "
              "include_my_agencies true, letting in peers employed where the person receives services (offered "
              "only when that would find someone); grant_consent: POST /people/{id}/consents")


class Offers(Schema):
    request_id = fields.String(required=True, allow_none=True)
    offers = fields.List(fields.Nested(Offer), required=True)
    relaxed = fields.List(fields.String(), required=True)
    note = fields.String(required=True, allow_none=True, metadata={
        "description": "plain English: what was relaxed, or why there are no offers"})
    choice = fields.Dict(required=True, allow_none=True)
    waiting = fields.Boolean(required=True)
    reason = fields.String(required=True, allow_none=True, metadata={
        "description": "why there are no offers, a stable code (null when there are offers). " + REASONS})
    next_steps = fields.List(fields.String(), required=True, metadata={
        "description": "codes of what the person can do now. " + NEXT_STEPS})


class Choice(Schema):
    choice_id = fields.UUID(required=True)
    peer_worker_id = fields.String(required=True)
    deadline = fields.String(required=True, metadata={"description": "the peer answers by then"})


class LikedPeers(Schema):
    liked = fields.List(fields.String(), required=True)


class PersonConnection(Schema):
    connection_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)
    active = fields.Boolean(required=True)
    display_name = fields.String(required=True)


class PeerConnection(Schema):
    connection_id = fields.String(required=True)
    person_id = fields.String(required=True)
    active = fields.Boolean(required=True)


class PeerRequest(Schema):
    choice_id = fields.String(required=True)
    deadline = fields.String(required=True)
    shared_items = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    modalities = fields.List(fields.String(), required=True)


class Accepted(Schema):
    connection_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)


class Declined(Schema):
    choice_id = fields.String(required=True)
    declined = fields.Boolean(required=True)


class ConnectionEnded(Schema):
    connection_id = fields.String(required=True)
    active = fields.Boolean(required=True)


class Blocked(Schema):
    blocked = fields.Boolean(required=True, metadata={
        "description": "never offered to each other again; what was open between them has ended"})


class WorkContact(Schema):
    use = fields.String(required=True, metadata={
        "description": "organization: what the peer worker's organization publishes in the directory; own: their "
                       "own work phone or email; person: what the person chose to give"})
    organization_id = fields.String(allow_none=True)
    organization_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True, metadata={"description": "the person's, if they gave it"})
    contact = fields.String(allow_none=True, metadata={
        "description": "the person's phone or email as they wrote it, if they gave it"})


class ConnectionContact(Schema):
    connection_id = fields.String(required=True)
    active = fields.Boolean(required=True)
    contact = fields.Nested(WorkContact, required=True, allow_none=True, metadata={
        "description": "how to reach the other side, only what they chose to give; null when they gave nothing "
                       "(they will get in touch) or the connection has ended"})


class CountsQuery(Schema):
    organization_id = fields.String(metadata={"description": "one organization; an agency admin's own by default"})


Figure = lambda: fields.Integer(allow_none=True)  # noqa: E731  (null: 1 to 10, kept back)


class Counts(Schema):
    active_connections = Figure()
    ended_connections = Figure()
    waiting_for_peer_answer = Figure()
    peers_with_free_places = Figure()
    people_waiting = Figure()
    offers_made = Figure()


PersonConnectionPage = page_of(PersonConnection, "PersonConnectionPage")
PeerConnectionPage = page_of(PeerConnection, "PeerConnectionPage")
PeerRequestPage = page_of(PeerRequest, "PeerRequestPage")
