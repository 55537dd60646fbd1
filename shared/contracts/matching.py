"""What matching publishes."""
from marshmallow import Schema, fields

from shared.contracts import contract


@contract("matching", "CandidateListed")
class CandidateListed(Schema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    shared_for_matching = fields.List(fields.String(), required=True)


@contract("matching", "CandidateChanged")
class CandidateChanged(Schema):
    peer_worker_id = fields.UUID(required=True)
