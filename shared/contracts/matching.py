"""What matching publishes: pseudonymous ids only; no reason for an ending is ever kept."""
from marshmallow import Schema, fields, validate

from shared.contracts import contract, upcaster


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


@contract("matching", "PairBlocked")
class PairBlocked(PersonBody):
    """A person and a peer worker are never offered to each other again (either of them asked)."""

    peer_worker_id = fields.String(required=True)


# Version 2 names the region the connection is held in: one of the peer worker's own published
# (county-level) regions, the one the person shares with them, or "remote". Never anything finer,
# and never the person's region when the peer does not also list it. Version 1 (before regions)
# upcasts to region None: "not recorded".
Region = lambda: fields.String(required=True, allow_none=True,  # noqa: E731
                               validate=validate.Length(min=1, max=80))


@contract("matching", "ConnectionBegan", version=2)
class ConnectionBeganV2(ConnectionBegan):
    region = Region()


@contract("matching", "ConnectionEnded", version=2)
class ConnectionEndedV2(ConnectionEnded):
    region = Region()


@upcaster("matching", "ConnectionBegan", 1)
@upcaster("matching", "ConnectionEnded", 1)
def _region_not_recorded(body: dict) -> dict:
    return {**body, "region": None}
