"""What matching publishes: pseudonymous ids only; no reason for an ending is ever kept."""
from marshmallow import Schema, fields

from shared.contracts import contract


@contract("matching", "CandidateListed")
class CandidateListed(Schema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    shared_for_matching = fields.List(fields.String(), required=True)


@contract("matching", "CandidateChanged")
class CandidateChanged(Schema):
    """Availability, items, employers or credentials of a peer worker changed in matching's projection."""

    peer_worker_id = fields.UUID(required=True)


@contract("matching", "PlacesChanged")
class PlacesChanged(Schema):
    peer_worker_id = fields.UUID(required=True)


class PersonBody(Schema):
    person_id = fields.UUID(required=True)


@contract("matching", "PersonMatchingUpdated")
class PersonMatchingUpdated(PersonBody):
    pass


@contract("matching", "PersonMatchingCleared")
class PersonMatchingCleared(PersonBody):
    """Consent revoked or lapsed, or forgotten: matching holds nothing usable about the person."""


class RequestBody(PersonBody):
    request_id = fields.String(required=True)


@contract("matching", "OffersRequested")
class OffersRequested(RequestBody):
    pass


@contract("matching", "OfferRequestClosed")
class OfferRequestClosed(RequestBody):
    pass


@contract("matching", "PersonWaitlisted")
class PersonWaitlisted(RequestBody):
    pass


@contract("matching", "OffersMade")
class OffersMade(RequestBody):
    peer_worker_ids = fields.List(fields.String(), required=True)
    relaxed = fields.List(fields.String(), required=True)


@contract("matching", "PeerAsked")
class PeerAsked(PersonBody):
    choice_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)
    deadline = fields.String(required=True)


class ChoiceBody(PersonBody):
    choice_id = fields.String(required=True)


@contract("matching", "ChoiceAccepted")
class ChoiceAccepted(ChoiceBody):
    pass


@contract("matching", "PersonToldPeerDeclined")
class PersonToldPeerDeclined(ChoiceBody):
    pass


@contract("matching", "PersonToldChoiceLapsed")
class PersonToldChoiceLapsed(ChoiceBody):
    pass


@contract("matching", "ConnectionBegan")
class ConnectionBegan(Schema):
    connection_id = fields.UUID(required=True)
    person_id = fields.String(required=True)
    peer_worker_id = fields.String(required=True)


@contract("matching", "ConnectionEnded")
class ConnectionEnded(Schema):
    connection_id = fields.UUID(required=True)
